// The Markdown reporter (`--reporter markdown[=FILE]`): a pull-request comment. The verdict, per
// target a table of the change's steps (duration measured → at production size, the longest
// blocked window of reads and writes, rewrites, rows changed, WAL), the findings grouped by
// severity with advice and a link to the hazard's docs page, and the target's notes folded away.
// Everything that comes from the migrations or the data (names, messages) is escaped: it can
// neither break a table nor inject HTML. Pure: report in, text out.
import { MEASURED_FLOOR_MS, rewrittenTables } from '../console-summary.ts';
import { formatBytes, formatDuration, formatNumber } from '../../checks/advice.ts';
import { measuredPerTable, probesAtProductionSize } from '../../checks/measured-blocking.ts';
import type { Finding, Severity } from '../../checks/finding.ts';
import { rowsChanged } from '../../rehearsal/rows-changed.ts';
import type { StepEvidence, TargetEvidence } from '../../rehearsal/evidence.ts';
import type { Report } from '../report.ts';

export interface MarkdownOptions {
  /** Base URL of the docs (`https://github.com/org/rehearse/blob/main`): hazard links become absolute. */
  docsBaseUrl?: string;
}

/** A hidden marker a bot can look for to update its previous comment instead of adding one. */
export const COMMENT_MARKER = '<!-- rehearse-report -->';

/**
 * Inline text from the migrations or the data: HTML's `&`, `<`, `>` as entities, Markdown's
 * punctuation backslash-escaped (an underscore only where it could start emphasis), newlines
 * flattened to spaces.
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/\r\n?|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*[\]|~]/g, (c) => `\\${c}`)
    .replace(/(^|[^\p{L}\p{N}])_|_(?=[^\p{L}\p{N}]|$)/gu, (m) => m.replace('_', '\\_'));
}

/** A table cell: escaped, pipes included; a line break inside a cell is `<br>`. */
export function escapeCell(s: string): string {
  return s
    .split(/\r\n?|\n/)
    .map(escapeMarkdown)
    .join('<br>');
}

/**
 * A hazard's docs page, under the docs base URL when one is given. Credentials in the base
 * (`https://ci:secret@docs.internal`) are left out of the link: a report is read by many, and
 * each reader's browser asks for their own.
 */
export function docsLink(docs: string, options: MarkdownOptions): string {
  const base = options.docsBaseUrl?.replace(/\/+$/, '').replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  return base ? `${base}/${docs}` : docs;
}

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const out: string[] = [COMMENT_MARKER, `## rehearse: ${report.verdict.toUpperCase()}`, '', verdictLine(report), ''];
  for (const target of report.targets) out.push(...renderTarget(target), '');
  if (report.verdict !== 'error' || report.findings.length > 0) out.push(...renderFindings(report.findings, options));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function verdictLine(report: Report): string {
  if (report.verdict === 'error') {
    const e = report.error;
    return `**ERROR**: rehearse could not run${e ? ` (${escapeMarkdown(e.code)}): ${escapeMarkdown(e.message)}` : '.'}`;
  }
  const n = (s: Severity) => report.findings.filter((f) => f.severity === s).length;
  const targets = report.targets.length;
  const tail = `${n('error')} error(s), ${n('warning')} warning(s), ${n('info')} info on ${targets} target${targets === 1 ? '' : 's'} in ${formatDuration(report.durationMs)}.`;
  return `**${report.verdict === 'pass' ? 'PASS' : 'FAIL'}**: ${tail}`;
}

function renderTarget(target: TargetEvidence): string[] {
  const d = target.dataset;
  const rows = Object.values(d.tableRows).reduce((a, b) => a + b, 0);
  const lines = [
    `### ${escapeMarkdown(target.label)} (${escapeMarkdown(target.serverVersion)})`,
    '',
    `Dataset ${escapeMarkdown(d.path)} at version ${escapeMarkdown(d.version)}: ${formatNumber(rows)} rows in ${Object.keys(d.tableRows).length} tables.`,
  ];
  const steps = target.steps.filter((s) => s.phase !== 'trunk');
  const trunk = target.steps.length - steps.length;
  if (trunk > 0) lines.push(`The trunk's ${trunk} migration${trunk === 1 ? '' : 's'} not yet in the dataset ran first (not shown).`);
  if (steps.some((s) => s.predicted)) lines.push('Figures read *measured on the dataset → predicted at production size*.');
  lines.push('');
  if (steps.length === 0) lines.push('No steps ran.');
  else {
    // Command sources: the tool's peak memory per step.
    const memory = steps.some((s) => s.command);
    lines.push(`| phase | migration | dir | status | time | blocked | rewrites | rows changed | WAL |${memory ? ' memory |' : ''}`, `|---|---|---|---|---|---|---|---|---|${memory ? '---|' : ''}`);
    for (const s of steps) {
      const cells = [...stepCells(s), ...(memory ? [s.command?.peakRssBytes != null ? formatBytes(s.command.peakRssBytes) : ''] : [])];
      lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
    }
  }
  if (target.notes.length > 0) {
    lines.push('', `<details><summary>Notes on ${escapeMarkdown(target.label)} (${target.notes.length})</summary>`, '');
    for (const note of target.notes) lines.push(`- ${escapeMarkdown(note)}`);
    lines.push('', '</details>');
  }
  return lines;
}

const arrow = (measured: string, predicted: string | undefined) => (predicted === undefined || predicted === measured ? measured : `${measured} → ${predicted}`);

/** The step's cells, unescaped. */
export function stepCells(s: StepEvidence): string[] {
  const skipped = s.status === 'skipped';
  const status = skipped ? `skipped${s.skippedBecause ? `: ${s.skippedBecause}` : ''}` : s.error?.line !== undefined ? `${s.status} at line ${s.error.line}` : s.status;
  return [
    s.phase,
    s.migration,
    s.direction,
    status,
    skipped ? '' : arrow(formatDuration(s.durationMs), s.predicted && formatDuration(s.predicted.durationMs)),
    skipped ? '' : blockedCell(s),
    rewrittenTables(s),
    skipped ? '' : arrow(formatNumber(rowsChanged(s, () => false)), s.predicted && formatNumber(s.predicted.rowsChanged)),
    s.walBytes === undefined ? '' : arrow(formatBytes(s.walBytes), s.predicted?.walBytes === undefined ? undefined : formatBytes(s.predicted.walBytes)),
  ];
}

/**
 * The longest window reads and writes could not get through, and the table: measured by the
 * traffic probes where they ran (`reads 2.1 s → 31 s, writes 2.3 s → 34 s (patches, measured)`),
 * otherwise inferred from the strongest blocking lock's hold time.
 */
export function blockedCell(s: StepEvidence): string {
  const measured = measuredPerTable(s.blocked);
  if (measured.size > 0) {
    const predicted = measuredPerTable(probesAtProductionSize(s));
    const parts: string[] = [];
    const tables = new Set<string>();
    for (const kind of ['readsMs', 'writesMs'] as const) {
      let best: { table: string; ms: number; at: number } | undefined;
      for (const [key, m] of measured) {
        const ms = m[kind];
        if (ms === undefined) continue;
        const at = predicted.get(key)?.[kind] ?? ms;
        if (!best || Math.max(ms, at) > Math.max(best.ms, best.at)) best = { table: m.table, ms, at };
      }
      if (!best || Math.max(best.ms, best.at) < MEASURED_FLOOR_MS) continue;
      parts.push(`${kind === 'readsMs' ? 'reads' : 'writes'} ${arrow(formatDuration(best.ms), formatDuration(best.at))}`);
      tables.add(best.table);
    }
    return parts.length > 0 ? `${parts.join(', ')} (${[...tables].join(', ')}, measured)` : 'none (measured)';
  }
  let best: { table: string; ms: number; at: number; reads: boolean; writes: boolean } | undefined;
  for (const l of s.locks) {
    if (l.newRelation || !(l.blocks.reads || l.blocks.writes)) continue;
    const at = s.predicted?.locks.find((x) => x.relation === l.relation && x.mode === l.mode)?.heldMs ?? l.heldMs;
    if (!best || Math.max(l.heldMs, at) > Math.max(best.ms, best.at)) best = { table: l.table, ms: l.heldMs, at, reads: l.blocks.reads, writes: l.blocks.writes };
  }
  if (!best) return '';
  const what = best.reads && best.writes ? 'reads and writes' : best.reads ? 'reads' : 'writes';
  return `${what} ${arrow(formatDuration(best.ms), formatDuration(best.at))} (${best.table}, inferred)`;
}

const GROUPS: { severity: Severity; title: string }[] = [
  { severity: 'error', title: 'Errors' },
  { severity: 'warning', title: 'Warnings' },
  { severity: 'info', title: 'Info' },
];

function renderFindings(findings: Finding[], options: MarkdownOptions): string[] {
  if (findings.length === 0) return ['No findings.'];
  const lines: string[] = [];
  for (const { severity, title } of GROUPS) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push(`### ${title} (${group.length})`, '');
    for (const f of group) {
      const where = [f.target, f.migration, f.phase, f.table].filter((x): x is string => Boolean(x)).map(escapeMarkdown).join(' · ');
      lines.push(`- **${f.hazard}** (${where}): ${escapeMarkdown(f.message)}`);
      lines.push(`  - Advice: ${escapeMarkdown(f.advice)}`);
      lines.push(`  - Docs: [${f.hazard}](${encodeURI(docsLink(f.docs, options)).replace(/\(/g, '%28').replace(/\)/g, '%29')})`);
    }
    lines.push('');
  }
  return lines;
}
