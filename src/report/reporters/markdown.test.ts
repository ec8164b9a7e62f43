import { describe, expect, it } from 'vitest';
import type { Report } from '../report.ts';
import { fixtureErrorReport, fixtureReport, golden, HOSTILE_MIGRATION, HOSTILE_TABLE } from './fixture-report.ts';
import { blockedCell, COMMENT_MARKER, docsLink, escapeCell, escapeMarkdown, renderMarkdown } from './markdown.ts';

/** Cells of a GFM table row: split on pipes that are not backslash-escaped. */
function cells(row: string): string[] {
  return row.replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
}

describe('renderMarkdown', () => {
  it('matches the golden file', () => {
    const md = renderMarkdown(fixtureReport);
    expect(md).toBe(golden('markdown.md', md));
  });

  it('matches the golden file for a run that could not start', () => {
    const md = renderMarkdown(fixtureErrorReport);
    expect(md).toBe(golden('markdown-error.md', md));
    expect(md).toContain('**ERROR**: rehearse could not run (ENGINE_UNREACHABLE)');
  });

  it('starts with the marker and an emoji-free verdict', () => {
    const md = renderMarkdown(fixtureReport);
    expect(md.split('\n').slice(0, 2)).toEqual([COMMENT_MARKER, '## rehearse: FAIL']);
    const pass: Report = { ...fixtureReport, verdict: 'pass', findings: [] };
    expect(renderMarkdown(pass)).toContain('**PASS**: 0 error(s), 0 warning(s), 0 info on 2 targets');
    expect(renderMarkdown(pass)).toContain('No findings.');
    expect(md).not.toMatch(/\p{Extended_Pictographic}/u);
  });

  it('shows measured and production-size figures for a step', () => {
    const md = renderMarkdown(fixtureReport);
    const row = md.split('\n').find((l) => l.startsWith('| change | 0005\\_add\\_patches\\_hash') || l.startsWith('| change | 0005_add_patches_hash'))!;
    expect(cells(row).map((c) => c.trim())).toEqual([
      'change',
      '0005_add_patches_hash',
      'up',
      'success',
      '4.8 s → 1 min 10 s',
      'reads 2.1 s → 31 s, writes 2.3 s → 34 s (public.patches, measured)',
      '',
      '120,000 → 1,750,000',
      '48 MiB → 700 MiB',
    ]);
    expect(md).toContain('| error at line 3 |');
    expect(md).toContain('skipped: 0006_backfill_billing_interval failed');
    // the trunk's step is not part of the change's table
    expect(md).not.toContain('0004_add_orders_status');
  });

  it('keeps every table row at nine cells and lets no markup through, whatever the names hold', () => {
    const md = renderMarkdown(fixtureReport);
    const rows = md.split('\n').filter((l) => l.startsWith('|'));
    expect(rows.length).toBeGreaterThan(4);
    for (const row of rows) expect(cells(row), row).toHaveLength(9);
    expect(md).not.toMatch(/<(?!br>|details>|\/details>|summary>|\/summary>|!-- rehearse-report -->)/);
    expect(md).toContain('0007\\_&lt;script&gt;alert(1)&lt;/script&gt;\\|\\`x\\`');
    expect(md).toContain(escapeMarkdown(HOSTILE_TABLE));
    expect(escapeMarkdown(HOSTILE_MIGRATION)).not.toContain('<');
  });

  it('escapes cells: pipes, newlines, HTML, backticks', () => {
    expect(escapeCell('a|b\nc<d>&e`f')).toBe('a\\|b<br>c&lt;d&gt;&amp;e\\`f');
    expect(escapeMarkdown('x\r\ny')).toBe('x y');
    expect(escapeMarkdown('snake_case _em_ *b* [l](u)')).toBe('snake_case \\_em\\_ \\*b\\* \\[l\\](u)');
  });

  it('groups findings by severity with advice and docs links, relative or under a base URL', () => {
    const md = renderMarkdown(fixtureReport);
    const order = ['### Errors (1)', '### Warnings (2)', '### Info (1)'].map((h) => md.indexOf(h));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(md).toContain('  - Advice: Backfill billing_interval in batches');
    expect(md).toContain('[fails-on-data](docs/hazards/fails-on-data.md)');
    const based = renderMarkdown(fixtureReport, { docsBaseUrl: 'https://example.com/rehearse/blob/main/' });
    expect(based).toContain('[blocking-lock](https://example.com/rehearse/blob/main/docs/hazards/blocking-lock.md)');
  });

  it('leaves the credentials of a docs base URL out of its links', () => {
    expect(docsLink('docs/hazards/fails-on-data.md', { docsBaseUrl: 'https://ci:S3cret@docs.internal/rehearse/' })).toBe('https://docs.internal/rehearse/docs/hazards/fails-on-data.md');
    expect(docsLink('docs/x.md', { docsBaseUrl: 'https://token@docs.internal' })).toBe('https://docs.internal/docs/x.md');
    expect(docsLink('docs/x.md', { docsBaseUrl: 'https://docs.internal/team@acme' })).toBe('https://docs.internal/team@acme/docs/x.md');
    const md = renderMarkdown(fixtureReport, { docsBaseUrl: 'https://ci:S3cret@docs.internal/rehearse' });
    expect(md).toContain('[blocking-lock](https://docs.internal/rehearse/docs/hazards/blocking-lock.md)');
    expect(md).not.toContain('S3cret');
  });

  it('folds target notes into a details block', () => {
    const md = renderMarkdown(fixtureReport);
    expect(md).toMatch(/<details><summary>Notes on pglite \(1\)<\/summary>\n\n- traffic probes need concurrent sessions[^\n]*\n\n<\/details>/);
  });

  it('says where blocking was inferred from a lock and where nothing blocked', () => {
    const step = fixtureReport.targets[1]!.steps[2]!;
    expect(blockedCell(step)).toBe(`reads and writes 21 ms (${HOSTILE_TABLE}, inferred)`);
    expect(blockedCell({ ...step, locks: [] })).toBe('');
    expect(blockedCell({ ...step, blocked: [{ table: 't', operation: 'read', attempts: 10, maxBlockedMs: 3, p99Ms: 2, errors: {}, blockedBy: [] }] })).toBe('none (measured)');
  });
});
