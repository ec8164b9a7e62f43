// The HTML reporter (`--reporter html=FILE`): one self-contained page that works offline. Inline
// CSS, inline SVG, no script, no external resource (a Content-Security-Policy forbids any, as a
// second line of defence). Per target: a header (engine, server version, dataset, verdict), a
// timeline of the steps as an SVG (one bar per step, proportional to its duration, grouped by
// phase; under it the lock that blocked reads or writes and the longest measured blocked window),
// the findings with their evidence, advice and docs link, and a `<details>` per step with its
// statements, and with history given, sparklines of each change migration's duration and rows
// changed across past runs, this run's point highlighted. Everything that comes from the migrations or the data (names, messages, evidence)
// is escaped, in text, attributes and SVG titles alike. Pure: report in, text out.
import { formatDuration, formatNumber } from '../../checks/advice.ts';
import type { EvidenceValue, Finding, Severity } from '../../checks/finding.ts';
import type { LockEvidence, Phase, StepEvidence, StepStatus, TargetEvidence } from '../../rehearsal/evidence.ts';
import { verdictOf, type Report, type Verdict } from '../report.ts';
import { blockedCell, docsLink, stepCells } from './markdown.ts';
import type { MigrationTrend, TrendHistory } from '../../history/trends.ts';

export interface HtmlOptions {
  /** Base URL of the docs (`https://github.com/org/rehearse/blob/main`): hazard links become absolute. */
  docsBaseUrl?: string;
  /**
   * Past runs of the report's change migrations (history/trends.ts), for a "Trends" part per
   * target: sparklines of each migration's duration and rows changed. `{ unavailable }` says why
   * there are none; absent, the page has no trends at all.
   */
  history?: TrendHistory;
}

/** Text or a double- or single-quoted attribute value: `& < > " '` as entities, control characters replaced. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '\uFFFD');
}

const STATUS_COLOURS: Record<StepStatus, string> = { success: '#2e7d32', error: '#c62828', timeout: '#ef6c00', skipped: '#9e9e9e' };
const LOCK_COLOUR = '#6a1b9a';
const BLOCKED_COLOUR = '#f9a825';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-top: 16px; border-top: 1px solid #d0d7de; }
h3 { font-size: 16px; margin: 20px 0 8px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 0; }
.verdict { display: inline-block; padding: 1px 10px; border-radius: 12px; font-weight: 600; color: #fff; }
.verdict-pass { background: #2e7d32; } .verdict-fail { background: #c62828; } .verdict-error { background: #6e7781; }
.summary { color: #57606a; margin: 4px 0 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: #57606a; } dl.facts dd { margin: 0; word-break: break-word; }
.timeline { width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 4px; background: #fff; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; color: #57606a; font-size: 12px; margin: 4px 0 0; padding: 0; list-style: none; }
.swatch { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: middle; border-radius: 2px; }
.finding { border: 1px solid #d0d7de; border-left: 4px solid #6e7781; border-radius: 4px; padding: 8px 12px; margin: 8px 0; }
.finding.sev-error { border-left-color: #c62828; } .finding.sev-warning { border-left-color: #ef6c00; } .finding.sev-info { border-left-color: #0969da; }
.finding h4 { margin: 0; font-size: 14px; }
.finding p { margin: 4px 0; white-space: pre-line; word-break: break-word; }
.where { color: #57606a; font-weight: normal; word-break: break-word; }
.sev { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; padding: 0 6px; border-radius: 8px; background: #eaeef2; margin-right: 6px; }
.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; }
.finding dt { color: #57606a; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.finding dd { margin: 0; word-break: break-word; }
details.step { border: 1px solid #d0d7de; border-radius: 4px; margin: 4px 0; }
details.step > summary { cursor: pointer; padding: 4px 8px; word-break: break-word; }
details.step[open] > summary { border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
details.step > div { padding: 8px; overflow-x: auto; }
.status { font-weight: 600; }
.status-success { color: #2e7d32; } .status-error { color: #c62828; } .status-timeout { color: #ef6c00; } .status-skipped { color: #6e7781; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; word-break: break-word; }
th { color: #57606a; font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; white-space: nowrap; }
.muted { color: #57606a; }
.error-box { border: 1px solid #c62828; background: #fff5f5; border-radius: 4px; padding: 8px 12px; }
table.trends td { vertical-align: middle; }
.spark { display: block; }
`;

export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const verdict = report.verdict.toUpperCase();
  const body: string[] = [
    '<header>',
    `<h1>rehearse: <span class="verdict verdict-${report.verdict}" id="verdict">${verdict}</span></h1>`,
    `<p class="summary">${summaryLine(report)}</p>`,
    '</header>',
  ];
  if (report.verdict === 'error') {
    const e = report.error;
    body.push(`<p class="error-box">rehearse could not run${e ? ` (<code>${escapeHtml(e.code)}</code>): ${escapeHtml(e.message)}` : '.'}</p>`);
  }
  const labels = new Set(report.targets.map((t) => t.label));
  report.targets.forEach((target, i) => body.push(...renderTarget(target, i, report.findings.filter((f) => f.target === target.label), options, report.startedAt)));
  const orphans = report.findings.filter((f) => !labels.has(f.target));
  if (orphans.length > 0) body.push('<section>', '<h2>Other findings</h2>', ...orphans.map((f) => renderFinding(f, options)), '</section>');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>rehearse: ${verdict}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    `<footer><p class="muted">rehearse ${escapeHtml(report.rehearseVersion)}, report schema ${report.schemaVersion}.</p></footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function count(findings: Finding[], s: Severity): number {
  return findings.filter((f) => f.severity === s).length;
}

function summaryLine(report: Report): string {
  const t = report.targets.length;
  const f = report.findings;
  return escapeHtml(
    `${count(f, 'error')} error(s), ${count(f, 'warning')} warning(s), ${count(f, 'info')} info on ${t} target${t === 1 ? '' : 's'} in ${formatDuration(report.durationMs)}; started ${report.startedAt}.`,
  );
}

function renderTarget(target: TargetEvidence, index: number, findings: Finding[], options: HtmlOptions, startedAt: string): string[] {
  const d = target.dataset;
  const rows = Object.values(d.tableRows).reduce((a, b) => a + b, 0);
  const tables = Object.keys(d.tableRows).length;
  const verdict: Verdict = verdictOf(findings);
  const out = [
    `<section class="target" id="target-${index}">`,
    `<h2>${escapeHtml(target.label)} <span class="verdict verdict-${verdict}">${verdict.toUpperCase()}</span></h2>`,
    '<dl class="facts">',
    `<dt>Engine</dt><dd>${escapeHtml(target.engine)}</dd>`,
    `<dt>Server</dt><dd>${escapeHtml(target.serverVersion)}</dd>`,
    `<dt>Dataset</dt><dd><code>${escapeHtml(d.path)}</code> (${escapeHtml(d.kind)}) at version ${escapeHtml(d.version)}: ${formatNumber(rows)} rows in ${tables} table${tables === 1 ? '' : 's'}, built in ${formatDuration(d.buildMs)}</dd>`,
    `<dt>Findings</dt><dd>${count(findings, 'error')} error(s), ${count(findings, 'warning')} warning(s), ${count(findings, 'info')} info</dd>`,
    `<dt>Duration</dt><dd>${formatDuration(target.durationMs)}</dd>`,
    '</dl>',
  ];
  if (target.steps.length === 0) out.push('<p class="muted">No steps ran.</p>');
  else out.push('<h3>Timeline</h3>', timelineSvg(target, index), legend(), '<h3>Steps</h3>', ...target.steps.map((s, i) => renderStep(s, index, i)));
  out.push(`<h3>Findings (${findings.length})</h3>`);
  if (findings.length === 0) out.push('<p class="muted">No findings.</p>');
  else for (const f of findings) out.push(renderFinding(f, options));
  if (target.notes.length > 0) out.push('<h3>Notes</h3>', '<ul>', ...target.notes.map((n) => `<li>${escapeHtml(n)}</li>`), '</ul>');
  if (options.history !== undefined) out.push(...renderTrends(target, index, options.history, startedAt));
  out.push('</section>');
  return out;
}

/** The lock of the step that blocked reads or writes of an existing relation the longest. */
function blockingLock(s: StepEvidence): LockEvidence | undefined {
  let best: LockEvidence | undefined;
  for (const l of s.locks) if (!l.newRelation && (l.blocks.reads || l.blocks.writes) && (!best || l.heldMs > best.heldMs)) best = l;
  return best;
}

const W = 960;
const LABEL_W = 300;
const PLOT_X = LABEL_W + 10;
const PLOT_W = W - PLOT_X - 20;
const ROW_H = 34;
const PHASE_H = 22;
const AXIS_H = 24;
const MIN_BAR = 2;

const r1 = (n: number) => Math.round(n * 10) / 10;

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The steps one after another on a shared time axis (the sum of the step durations), one row per
 * step under its phase's heading: the step's bar coloured by status, under it the blocking lock
 * from the statement that took it for as long as it was held, and the longest blocked window the
 * traffic probes measured, from the same point.
 */
function timelineSvg(target: TargetEvidence, targetIndex: number): string {
  const total = Math.max(1, target.steps.reduce((a, s) => a + Math.max(0, s.durationMs), 0));
  const scale = PLOT_W / total;
  const parts: string[] = [];
  let y = 8;
  let start = 0;
  let phase: Phase | undefined;
  target.steps.forEach((s, i) => {
    if (s.phase !== phase) {
      phase = s.phase;
      parts.push(`<rect class="phase-band" x="0" y="${y}" width="${W}" height="${PHASE_H}" fill="#f6f8fa"/>`);
      parts.push(`<text x="8" y="${y + 15}" font-size="12" font-weight="600" fill="#57606a">${escapeHtml(phase)}</text>`);
      y += PHASE_H;
    }
    const x = PLOT_X + start * scale;
    const w = Math.max(MIN_BAR, s.durationMs * scale);
    const label = `${s.migration} ${s.direction}`;
    const title = `${s.migration} (${s.direction}, ${s.phase}): ${s.status}, ${formatDuration(s.durationMs)}`;
    parts.push(`<g class="step-row" data-step="${targetIndex}-${i}">`);
    parts.push(`<text x="16" y="${y + 14}" font-size="12" font-family="ui-monospace, Menlo, Consolas, monospace" fill="#1f2328"><title>${escapeHtml(label)}</title>${escapeHtml(truncate(label, 38))}</text>`);
    parts.push(
      `<rect class="step-bar status-${s.status}" x="${r1(x)}" y="${y + 3}" width="${r1(w)}" height="14" rx="2" fill="${STATUS_COLOURS[s.status]}"${s.status === 'skipped' ? ' fill-opacity="0.5"' : ''}><title>${escapeHtml(title)}</title></rect>`,
    );
    const lock = blockingLock(s);
    let from = x;
    if (lock) {
      const before = s.statements.filter((st) => st.index < lock.statementIndex).reduce((a, st) => a + st.durationMs, 0);
      from = x + Math.min(before, s.durationMs) * scale;
      const lw = Math.max(MIN_BAR, Math.min(lock.heldMs * scale, PLOT_X + PLOT_W - from));
      const what = lock.blocks.reads && lock.blocks.writes ? 'reads and writes' : lock.blocks.reads ? 'reads' : 'writes';
      const lt = `${lock.mode} on ${lock.relation} held ${formatDuration(lock.heldMs)}: blocks ${what} (${lock.source})`;
      parts.push(`<rect class="lock-bar" x="${r1(from)}" y="${y + 20}" width="${r1(lw)}" height="5" fill="${LOCK_COLOUR}"><title>${escapeHtml(lt)}</title></rect>`);
    }
    const blocked = (s.blocked ?? []).reduce<{ ms: number; table: string; operation: string } | undefined>(
      (best, b) => (!best || b.maxBlockedMs > best.ms ? { ms: b.maxBlockedMs, table: b.table, operation: b.operation } : best),
      undefined,
    );
    if (blocked && blocked.ms > 0) {
      const bw = Math.max(MIN_BAR, Math.min(blocked.ms * scale, PLOT_X + PLOT_W - from));
      const bt = `longest blocked window: ${blocked.operation} on ${blocked.table} waited ${formatDuration(blocked.ms)} (measured)`;
      parts.push(`<rect class="blocked-bar" x="${r1(from)}" y="${y + 27}" width="${r1(bw)}" height="5" fill="${BLOCKED_COLOUR}"><title>${escapeHtml(bt)}</title></rect>`);
    }
    parts.push('</g>');
    start += Math.max(0, s.durationMs);
    y += ROW_H;
  });
  const axisY = y + 4;
  parts.push(`<line x1="${PLOT_X}" y1="${axisY}" x2="${PLOT_X + PLOT_W}" y2="${axisY}" stroke="#8c959f"/>`);
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const x = r1(PLOT_X + f * PLOT_W);
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    parts.push(`<line x1="${x}" y1="${axisY}" x2="${x}" y2="${axisY + 4}" stroke="#8c959f"/>`);
    parts.push(`<text x="${x}" y="${axisY + 16}" font-size="11" text-anchor="${anchor}" fill="#57606a">${escapeHtml(formatDuration(Math.round(f * total)))}</text>`);
  }
  const h = axisY + AXIS_H;
  return [
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="${escapeHtml(`Timeline of the ${target.steps.length} steps on ${target.label}`)}">`,
    `<title>${escapeHtml(`Timeline of the steps on ${target.label}`)}</title>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

function legend(): string {
  const item = (colour: string, text: string) => `<li><span class="swatch" style="background:${colour}"></span>${text}</li>`;
  return [
    '<ul class="legend">',
    item(STATUS_COLOURS.success, 'success'),
    item(STATUS_COLOURS.error, 'error'),
    item(STATUS_COLOURS.timeout, 'timeout'),
    item(STATUS_COLOURS.skipped, 'skipped'),
    item(LOCK_COLOUR, 'lock blocking reads/writes'),
    item(BLOCKED_COLOUR, 'longest blocked traffic (measured)'),
    '</ul>',
  ].join('\n');
}

function renderStep(s: StepEvidence, targetIndex: number, i: number): string {
  const [, , , status = '', time = '', , rewrites = '', rowsChanged = '', wal = ''] = stepCells(s);
  const blocked = blockedCell(s);
  const facts: [string, string][] = [
    ['File', `<code>${escapeHtml(s.file)}</code>`],
    ['Transaction', escapeHtml(s.transaction)],
  ];
  if (time) facts.push(['Duration', escapeHtml(time)]);
  if (blocked) facts.push(['Blocked', escapeHtml(blocked)]);
  if (rewrites) facts.push(['Rewrites', escapeHtml(rewrites)]);
  if (rowsChanged) facts.push(['Rows changed', escapeHtml(rowsChanged)]);
  if (wal) facts.push(['WAL', escapeHtml(wal)]);
  if (s.error) {
    const e = s.error;
    const code = e.sqlstate ?? (e.errno === undefined ? undefined : String(e.errno));
    facts.push(['Error', `${code ? `<code>${escapeHtml(code)}</code> ` : ''}${escapeHtml(e.message)}${e.line === undefined ? '' : ` (line ${e.line})`}`]);
  }
  const out = [
    `<details class="step" id="step-${targetIndex}-${i}" data-step="${targetIndex}-${i}">`,
    `<summary><span class="muted">${escapeHtml(s.phase)}</span> <span class="mono">${escapeHtml(s.migration)}</span> ${escapeHtml(s.direction)}: <span class="status status-${s.status}">${escapeHtml(status)}</span>${time ? ` <span class="muted">${escapeHtml(time)}</span>` : ''}</summary>`,
    '<div>',
    '<dl class="facts">',
    ...facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`),
    '</dl>',
  ];
  if (s.statements.length === 0) out.push('<p class="muted">No statements ran.</p>');
  else {
    out.push(
      '<table class="statements">',
      '<thead><tr><th class="num">line</th><th>kind</th><th>statement</th><th>status</th><th class="num">duration</th><th class="num">rows</th></tr></thead>',
      '<tbody>',
    );
    for (const st of s.statements) {
      const rows = [st.rowCount === undefined ? '' : formatNumber(st.rowCount), st.rowsProcessed === undefined ? '' : `${formatNumber(st.rowsProcessed)} processed`].filter(Boolean).join(', ');
      out.push(
        `<tr><td class="num">${st.line}</td><td class="mono">${escapeHtml(st.kind)}</td><td class="mono">${escapeHtml(st.summary)}</td><td class="status status-${st.status}">${escapeHtml(st.status)}</td><td class="num">${formatDuration(st.durationMs)}</td><td class="num">${rows}</td></tr>`,
      );
    }
    out.push('</tbody>', '</table>');
  }
  if (s.locks.length > 0) {
    out.push('<table class="locks">', '<thead><tr><th>lock</th><th>relation</th><th class="num">held</th><th>blocks</th><th>seen</th></tr></thead>', '<tbody>');
    for (const l of s.locks) {
      const blocks = [l.blocks.reads ? 'reads' : '', l.blocks.writes ? 'writes' : ''].filter(Boolean).join(', ') || 'nothing';
      out.push(
        `<tr><td class="mono">${escapeHtml(l.mode)}</td><td class="mono">${escapeHtml(l.relation)}${l.newRelation ? ' (new)' : ''}</td><td class="num">${formatDuration(l.heldMs)}</td><td>${blocks}</td><td>${escapeHtml(l.source)}</td></tr>`,
      );
    }
    out.push('</tbody>', '</table>');
  }
  if (s.blocked && s.blocked.length > 0) {
    out.push('<table class="blocked">', '<thead><tr><th>traffic</th><th>table</th><th class="num">attempts</th><th class="num">longest blocked</th><th class="num">p99</th></tr></thead>', '<tbody>');
    for (const b of s.blocked) {
      out.push(
        `<tr><td>${escapeHtml(b.operation)}</td><td class="mono">${escapeHtml(b.table)}</td><td class="num">${formatNumber(b.attempts)}</td><td class="num">${formatDuration(b.maxBlockedMs)}</td><td class="num">${formatDuration(b.p99Ms)}</td></tr>`,
      );
    }
    out.push('</tbody>', '</table>');
  }
  out.push('</div>', '</details>');
  return out.join('\n');
}

/** An http(s) or relative link; anything else (`javascript:`, `data:`) is not a link. */
function safeHref(url: string): string | undefined {
  const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  return scheme === undefined || scheme === 'http' || scheme === 'https' ? encodeURI(url) : undefined;
}

function evidenceValue(v: EvidenceValue): string {
  if (typeof v === 'string') return v.includes('\n') ? `<pre>${escapeHtml(v)}</pre>` : escapeHtml(v);
  if (v !== null && typeof v === 'object') return `<pre>${escapeHtml(JSON.stringify(v, null, 2))}</pre>`;
  return `<code>${escapeHtml(String(v))}</code>`;
}

function renderFinding(f: Finding, options: HtmlOptions): string {
  const where = [f.migration, f.phase, f.table].filter((x): x is string => Boolean(x)).map(escapeHtml).join(' · ');
  const href = safeHref(docsLink(f.docs, options));
  const entries = Object.entries(f.evidence);
  return [
    `<article class="finding sev-${f.severity}">`,
    `<h4><span class="sev">${f.severity}</span>${escapeHtml(f.hazard)}${where ? ` <span class="where">${where}</span>` : ''}</h4>`,
    `<p>${escapeHtml(f.message)}</p>`,
    ...(entries.length > 0 ? ['<dl class="evidence">', ...entries.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${evidenceValue(v)}</dd>`), '</dl>'] : []),
    `<p><strong>Advice:</strong> ${escapeHtml(f.advice)}</p>`,
    `<p>Docs: ${href === undefined ? `<code>${escapeHtml(f.docs)}</code>` : `<a href="${escapeHtml(href)}">${escapeHtml(f.hazard)}</a>`}</p>`,
    '</article>',
  ].join('\n');
}

/** One point of a sparkline; `current` marks this run's. */
export interface SparkPoint {
  at: string;
  value: number;
  status: string;
  current: boolean;
}

const SPARK_W = 260;
const SPARK_H = 58;
const SPARK_X = 64;
const SPARK_PW = SPARK_W - SPARK_X - 8;
const SPARK_Y = 6;
const SPARK_PH = 32;
const SPARK_LINE = '#0969da';
const SPARK_CURRENT = '#bf3989';

/**
 * A small line chart of `points` (oldest first, at least 2): max and min on the left axis, the
 * first and last run's dates under it, a `<title>` per point, this run's point larger and in its
 * own colour. `what` names the chart (escaped here, as is everything else).
 */
export function sparklineSvg(what: string, points: readonly SparkPoint[], format: (n: number) => string): string {
  const values = points.map((p) => p.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const step = points.length > 1 ? SPARK_PW / (points.length - 1) : 0;
  const x = (i: number) => r1(SPARK_X + i * step);
  const y = (v: number) => r1(max === min ? SPARK_Y + SPARK_PH / 2 : SPARK_Y + SPARK_PH - ((v - min) / (max - min)) * SPARK_PH);
  const colour = (status: string) => (status in STATUS_COLOURS ? STATUS_COLOURS[status as StepStatus] : '#6e7781');
  const dots = points.map((p, i) => {
    const title = `${p.at}: ${format(p.value)} (${p.status}${p.current ? ', this run' : ''})`;
    const fill = p.current ? SPARK_CURRENT : p.status === 'success' ? SPARK_LINE : colour(p.status);
    return `<circle class="${p.current ? 'point current' : 'point'}" cx="${x(i)}" cy="${y(p.value)}" r="${p.current ? 4 : 2.5}" fill="${fill}"${p.current ? ' stroke="#fff" stroke-width="1"' : ''}><title>${escapeHtml(title)}</title></circle>`;
  });
  const axisY = SPARK_Y + SPARK_PH;
  const date = (at: string) => escapeHtml(at.slice(0, 10));
  return [
    `<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SPARK_W} ${SPARK_H}" width="${SPARK_W}" height="${SPARK_H}" role="img" aria-label="${escapeHtml(`${what} over ${points.length} runs: ${format(min)} to ${format(max)}`)}">`,
    `<title>${escapeHtml(`${what} over ${points.length} runs`)}</title>`,
    `<line x1="${SPARK_X - 2}" y1="${SPARK_Y}" x2="${SPARK_X - 2}" y2="${axisY}" stroke="#d0d7de"/>`,
    `<line x1="${SPARK_X - 2}" y1="${axisY}" x2="${SPARK_X + SPARK_PW}" y2="${axisY}" stroke="#d0d7de"/>`,
    `<text class="axis-max" x="${SPARK_X - 6}" y="${SPARK_Y + 8}" font-size="10" text-anchor="end" fill="#57606a">${escapeHtml(format(max))}</text>`,
    `<text class="axis-min" x="${SPARK_X - 6}" y="${axisY}" font-size="10" text-anchor="end" fill="#57606a">${escapeHtml(format(min))}</text>`,
    `<text x="${SPARK_X}" y="${SPARK_H - 4}" font-size="10" fill="#57606a">${date(points[0]?.at ?? '')}</text>`,
    `<text x="${SPARK_X + SPARK_PW}" y="${SPARK_H - 4}" font-size="10" text-anchor="end" fill="#57606a">${date(points.at(-1)?.at ?? '')}</text>`,
    `<polyline points="${points.map((p, i) => `${x(i)},${y(p.value)}`).join(' ')}" fill="none" stroke="${SPARK_LINE}" stroke-width="1.5"/>`,
    ...dots,
    '</svg>',
  ].join('\n');
}

/**
 * Per target, a row per change migration with two sparklines from history: its duration and the
 * rows it changed. This run's point is the one recorded at the report's start time.
 */
function renderTrends(target: TargetEvidence, index: number, history: TrendHistory, startedAt: string): string[] {
  const out = [`<div class="trends" id="trends-${index}">`, '<h3>Trends</h3>'];
  if (!Array.isArray(history)) return [...out, `<p class="muted">Trends are unavailable: ${escapeHtml(history.unavailable)}</p>`, '</div>'];
  const seen = new Set<string>();
  const steps = target.steps.filter((s) => {
    const key = `${s.migration}\u0000${s.direction}`;
    if (s.phase !== 'change' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (steps.length === 0) return [...out, '<p class="muted">No change migrations.</p>', '</div>'];
  out.push(
    `<p class="muted">The last runs recorded on ${escapeHtml(target.engine)}, oldest first; this run's point is the larger one.</p>`,
    '<table class="trends">',
    '<thead><tr><th>migration</th><th>duration</th><th>rows changed</th></tr></thead>',
    '<tbody>',
  );
  for (const s of steps) {
    const trend: MigrationTrend | undefined = history.find((t) => t.engine === target.engine && t.migration === s.migration && t.direction === s.direction);
    const points = trend?.points ?? [];
    const name = `<td class="mono">${escapeHtml(s.migration)} ${escapeHtml(s.direction)}</td>`;
    if (points.length < 2) {
      out.push(`<tr class="trend">${name}<td colspan="2" class="muted">not enough history yet (${points.length} run${points.length === 1 ? '' : 's'} recorded)</td></tr>`);
      continue;
    }
    const spark = (value: (p: (typeof points)[number]) => number) => points.map((p) => ({ at: p.at, value: value(p), status: p.status, current: p.at === startedAt }));
    const label = `${s.migration} ${s.direction}`;
    out.push(
      `<tr class="trend">${name}<td>${sparklineSvg(`duration of ${label}`, spark((p) => p.durationMs), formatDuration)}</td><td>${sparklineSvg(`rows changed by ${label}`, spark((p) => p.rowsChanged), formatNumber)}</td></tr>`,
    );
  }
  out.push('</tbody>', '</table>', '</div>');
  return out;
}
