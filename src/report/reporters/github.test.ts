import { describe, expect, it } from 'vitest';
import type { Report } from '../report.ts';
import { fixtureErrorReport, fixtureReport, golden, HOSTILE_MIGRATION } from './fixture-report.ts';
import { annotationPath, escapeData, escapeProperty, locationOf, renderGithub } from './github.ts';

/** Undoes the escaping as the runner does. */
function unescape(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

/** One workflow command parsed the way the Actions runner parses it. */
function parse(line: string): { command: string; props: Record<string, string>; message: string } {
  const m = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) throw new Error(`not a workflow command: ${line}`);
  const props = Object.fromEntries((m[2] ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), unescape(kv.slice(kv.indexOf('=') + 1))]));
  return { command: m[1]!, props, message: unescape(m[3]!) };
}

describe('renderGithub', () => {
  it('matches the golden file', () => {
    const out = renderGithub(fixtureReport);
    expect(out).toBe(golden('github.txt', out));
  });

  it('annotates each finding on its migration file: the failing line, else line 1; none for target-wide findings', () => {
    const lines = renderGithub(fixtureReport).trimEnd().split('\n').map(parse);
    expect(lines.map((l) => l.command)).toEqual(['error', 'warning', 'warning', 'notice']);
    expect(lines[0]!.props).toEqual({ file: 'db/migrations/0006_backfill_billing_interval.up.sql', line: '3', title: 'fails-on-data on postgres@127.0.0.1:5432 (0006_backfill_billing_interval, change)' });
    expect(lines[0]!.message).toContain('\n\nAdvice: Backfill billing_interval');
    expect(lines[1]!.props).toMatchObject({ file: 'db/migrations/0005_add_patches_hash.up.sql', line: '1' });
    expect(lines[2]!.props).toEqual({ title: 'schema-drift on postgres@127.0.0.1:5432' });
    // the hostile name survives the round trip intact, its newline escaped
    expect(lines[3]!.props.file).toBe(`db/migrations/${HOSTILE_MIGRATION}.up.sql`);
    expect(lines[3]!.message).toContain('(8 KiB)\nsecond line');
  });

  it('escapes data and properties as the toolkit does', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%d\ne')).toBe('a%3Ab%2Cc%25d%0Ae');
    const report: Report = { ...fixtureReport, findings: [{ ...fixtureReport.findings[0]!, message: '::set-output name=x::y\n::error::injected' }] };
    const out = renderGithub(report);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    expect(parse(out.trimEnd()).message.startsWith('::set-output name=x::y\n::error::injected')).toBe(true);
  });

  it('places a base-revision file at its working-tree path, and a finding of a step it cannot find nowhere', () => {
    expect(annotationPath('origin/main:db/migrations/0001_init.up.sql')).toBe('db/migrations/0001_init.up.sql');
    expect(annotationPath('db/migrations/0001_init.up.sql')).toBe('db/migrations/0001_init.up.sql');
    expect(locationOf(fixtureReport, { ...fixtureReport.findings[0]!, migration: '9999_unknown' })).toBeUndefined();
    // a finding without a phase still finds its migration's step
    expect(locationOf(fixtureReport, { ...fixtureReport.findings[1]!, phase: undefined })).toEqual({ file: 'db/migrations/0005_add_patches_hash.up.sql', line: 1 });
    // a line in the finding's evidence (the statement it is about) when the step did not fail
    expect(locationOf(fixtureReport, { ...fixtureReport.findings[1]!, evidence: { line: 12 } })).toEqual({ file: 'db/migrations/0005_add_patches_hash.up.sql', line: 12 });
  });

  it('says why when rehearse could not run', () => {
    expect(renderGithub(fixtureErrorReport)).toBe(
      '::error title=rehearse could not run::ENGINE_UNREACHABLE: cannot connect to postgres://postgres@127.0.0.1:5432/postgres: connection refused <&>\n',
    );
    expect(renderGithub({ ...fixtureReport, findings: [], verdict: 'pass' })).toBe('');
  });
});
