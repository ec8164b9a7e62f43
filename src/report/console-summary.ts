// The end-of-run summary on the console: per target a table of steps (duration, blocked reads/writes,
// rewrites, rows, WAL), then the findings with advice, then the verdict. Pure: report in, text out.
import { formatBytes, formatDuration, formatNumber } from '../checks/advice.ts';
import type { Finding } from '../checks/finding.ts';
import { rowsChanged } from '../rehearsal/rows-changed.ts';
import { measuredPerTable, probesAtProductionSize, unmeasuredPart } from '../checks/measured-blocking.ts';
import type { LockEvidence, StepEvidence, TargetEvidence } from '../rehearsal/evidence.ts';
import type { Report } from './report.ts';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
}

export const plainStyle: Style = { bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, green: (s) => s };

export const ansiStyle: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  red: (s) => `\x1b[31m${s}\x1b[39m`,
  yellow: (s) => `\x1b[33m${s}\x1b[39m`,
  green: (s) => `\x1b[32m${s}\x1b[39m`,
};

/** `quiet`: the findings and the verdict only (no step table, no notes). */
export function renderSummary(report: Report, style: Style = plainStyle, options: { quiet?: boolean } = {}): string {
  const out: string[] = [];
  if (!options.quiet) for (const target of report.targets) out.push(...renderTarget(target, style), '');
  out.push(...renderFindings(report.findings, style));
  out.push(renderVerdict(report, style));
  return out.join('\n');
}

function renderTarget(target: TargetEvidence, style: Style): string[] {
  const d = target.dataset;
  const rows = Object.values(d.tableRows).reduce((a, b) => a + b, 0);
  const lines = [
    style.bold(`${target.label} (${target.serverVersion})`),
    style.dim(
      `dataset ${d.path} at version ${d.version}: ${formatNumber(rows)} rows in ${Object.keys(d.tableRows).length} tables, ` +
        `built in ${formatDuration(d.buildMs)}`,
    ),
  ];
  for (const note of target.notes) lines.push(style.dim(`note: ${note}`));
  const predicted = target.steps.some((s) => s.predicted);
  if (predicted) lines.push(style.dim('a → b: measured on the dataset → predicted at production size'));
  if (target.steps.some((s) => s.scale?.exponent != null)) lines.push(style.dim('k: growth exponent fitted by the scale runs, time ≈ a · rows^k (1 = linear)'));
  // Command sources: the tool's process, and its peak memory (a step that exhausts memory in production shows here first).
  const commands = target.steps.some((s) => s.command);
  const header = ['phase', 'migration', 'dir', 'status', 'time', 'blocked', 'rewrites', 'rows changed', 'WAL', ...(commands ? ['memory'] : [])];
  const table = target.steps.map((s) => [...stepRow(s), ...(commands ? [peakMemory(s)] : [])]);
  lines.push('', ...alignColumns([header, ...table]).map((l, i) => (i === 0 ? style.bold(l) : colourStatus(l, target.steps[i - 1], style))));
  return lines;
}

function stepRow(s: StepEvidence): string[] {
  const changed = rowsChanged(s, () => false);
  return [
    s.phase,
    s.migration,
    s.direction,
    s.status,
    s.status === 'skipped' ? '' : `${formatDuration(s.durationMs)}${s.predicted ? ` → ${formatDuration(s.predicted.durationMs)}` : ''}${growth(s)}`,
    blockingSummary(s),
    rewrittenTables(s),
    s.status === 'skipped' ? '' : `${formatNumber(changed)}${s.predicted ? ` → ${formatNumber(s.predicted.rowsChanged)}` : ''}`,
    s.walBytes !== undefined ? formatBytes(s.walBytes) : '',
  ];
}

/** The command's peak memory (its whole process tree), where a tool's process applied the step. */
function peakMemory(s: StepEvidence): string {
  return s.command?.peakRssBytes != null ? formatBytes(s.command.peakRssBytes) : '';
}

/** ` k=1.97`: the growth exponent the scale runs fitted for the step (duration ≈ a · rows^k), when they could. */
function growth(s: StepEvidence): string {
  return s.scale?.exponent != null ? ` k=${s.scale.exponent}` : '';
}

/** Per table: `patches`, `patches (+2 indexes)`, or `patches: 1 index` when only indexes were rebuilt. */
export function rewrittenTables(s: StepEvidence): string {
  const byTable = new Map<string, { heap: boolean; indexes: number }>();
  for (const r of s.rewrites) {
    const t = byTable.get(r.table) ?? { heap: false, indexes: 0 };
    if (r.relationKind === 'index') t.indexes++;
    else t.heap = true;
    byTable.set(r.table, t);
  }
  const plural = (n: number) => `${n} ${n === 1 ? 'index' : 'indexes'}`;
  return [...byTable]
    .map(([table, t]) => (t.heap ? (t.indexes > 0 ? `${table} (+${plural(t.indexes)})` : table) : `${table}: ${plural(t.indexes)}`))
    .join(', ');
}

/** Measured blocking shorter than this is a busy machine's latency, not worth a place in the table. */
export const MEASURED_FLOOR_MS = 100;

/**
 * Per table, how long reads (R) and writes (W) were blocked: measured by the probes where they ran
 * (`patches R 2.1 s W 2.3 s (measured)`), otherwise the strongest blocking lock's hold time
 * (`patches W 2.3 s`, inferred).
 */
function blockingSummary(s: StepEvidence): string {
  if (!s.blocked) return inferredBlocking(s.locks);
  const perTable = measuredPerTable(s.blocked);
  const atProduction = measuredPerTable(probesAtProductionSize(s));
  const figure = (ms: number, predictedMs: number | undefined) => {
    const measured = formatDuration(ms);
    const predicted = predictedMs === undefined ? measured : formatDuration(predictedMs);
    return predicted === measured ? measured : `${measured} → ${predicted}`;
  };
  const measured = [...perTable].flatMap(([key, m]) => {
    const p = atProduction.get(key);
    const parts = [
      Math.max(m.readsMs ?? 0, p?.readsMs ?? 0) >= MEASURED_FLOOR_MS ? `R ${figure(m.readsMs!, p?.readsMs)}` : '',
      Math.max(m.writesMs ?? 0, p?.writesMs ?? 0) >= MEASURED_FLOOR_MS ? `W ${figure(m.writesMs!, p?.writesMs)}` : '',
    ].filter(Boolean);
    return parts.length > 0 ? [`${m.table} ${parts.join(' ')}`] : [];
  });
  const inferred = inferredBlocking(s.locks.flatMap((l) => unmeasuredPart(l, perTable) ?? []));
  return [measured.length > 0 ? `${measured.join(', ')} (measured)` : perTable.size > 0 ? 'none (measured)' : '', inferred].filter(Boolean).join(', ');
}

/** The strongest blocking lock per table: `patches W 2.3 s` (R = reads blocked, W = writes). */
function inferredBlocking(locks: LockEvidence[]): string {
  const perTable = new Map<string, { rw: string; ms: number }>();
  for (const l of locks) {
    if (l.newRelation || !(l.blocks.reads || l.blocks.writes)) continue;
    const rw = `${l.blocks.reads ? 'R' : ''}${l.blocks.writes ? 'W' : ''}`;
    const prev = perTable.get(l.table);
    if (!prev || l.heldMs > prev.ms || rw.length > prev.rw.length) perTable.set(l.table, { rw, ms: Math.max(l.heldMs, prev?.ms ?? 0) });
  }
  return [...perTable].map(([t, v]) => `${t} ${v.rw} ${formatDuration(v.ms)}`).join(', ');
}

function colourStatus(line: string, step: StepEvidence | undefined, style: Style): string {
  if (!step) return line;
  if (step.status === 'error' || step.status === 'timeout') return style.red(line);
  if (step.status === 'skipped') return style.dim(line);
  return line;
}

function diffLine(line: string, style: Style): string {
  if (line.startsWith('+') && !line.startsWith('+++')) return style.green(line);
  if (line.startsWith('-') && !line.startsWith('---')) return style.red(line);
  return style.dim(line);
}

function renderFindings(findings: Finding[], style: Style): string[] {
  if (findings.length === 0) return [style.green('No findings.'), ''];
  const lines: string[] = [style.bold(`Findings (${findings.length})`), ''];
  for (const f of findings) {
    const sev = f.severity === 'error' ? style.red('error') : f.severity === 'warning' ? style.yellow('warning') : style.dim('info');
    const where = [f.migration, f.phase, f.table].filter(Boolean).join(' · ');
    lines.push(`${sev} ${style.bold(f.hazard)}  ${style.dim(`${f.target}${where ? ` · ${where}` : ''}`)}`);
    lines.push(`  ${f.message}`);
    // A finding about text (an edited migration) carries a unified diff: the reader needs it here.
    if (typeof f.evidence.diff === 'string' && f.evidence.diff !== '') lines.push(...f.evidence.diff.split('\n').map((l) => `    ${diffLine(l, style)}`));
    lines.push(`  ${style.dim('advice:')} ${f.advice}`);
    lines.push(`  ${style.dim(`docs: ${f.docs}`)}`, '');
  }
  return lines;
}

function renderVerdict(report: Report, style: Style): string {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  const shard = report.shard ? ` (shard ${report.shard.index}/${report.shard.total}: ${report.targets.length} target${report.targets.length === 1 ? '' : 's'}; rehearse merge-reports gives the matrix's verdict)` : '';
  const tail = `${errors} error(s), ${warnings} warning(s) in ${formatDuration(report.durationMs)}${shard}`;
  if (report.verdict === 'pass') return style.green(style.bold(`PASS`)) + ` — ${tail}`;
  if (report.verdict === 'fail') return style.red(style.bold(`FAIL`)) + ` — ${tail}`;
  return style.red(style.bold('ERROR')) + ` — ${report.error?.message ?? 'rehearse could not run'}`;
}

/** Pads columns to their widest cell. */
export function alignColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}
