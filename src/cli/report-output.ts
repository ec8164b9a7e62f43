// What `rehearse run` and `rehearse merge-reports` do with a finished report: the console summary,
// the JSON report, and every reporter (the html one with trends read from history).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HistoryLocation } from '../history/store.ts';
import { loadTrends } from '../history/run-history.ts';
import { ansiStyle, plainStyle, renderSummary } from '../report/console-summary.ts';
import { type ReporterSpec, type WriteReportsOptions, writeReports } from '../report/reporters/index.ts';
import type { Report } from '../report/report.ts';

export interface ReportOutput {
  cwd: string;
  quiet: boolean;
  jsonPath?: string;
  reporters: ReporterSpec[];
  docsBaseUrl?: string;
  gerritLabel?: string;
  /** Where the html reporter's trends are read. */
  history: HistoryLocation;
  /** The blob reporter's event stream (a live run's); absent, it is rebuilt from the report. */
  blob?: WriteReportsOptions['blob'];
}

export async function outputReport(report: Report, out: ReportOutput): Promise<void> {
  const style = process.stdout.isTTY && !process.env.NO_COLOR ? ansiStyle : plainStyle;
  if (report.verdict === 'error' && report.targets.length === 0) process.stderr.write(`rehearse: ${report.error?.message}\n`);
  else process.stdout.write(`${renderSummary(report, style, { quiet: out.quiet })}\n`);
  if (out.jsonPath) {
    await mkdir(dirname(out.jsonPath), { recursive: true });
    await writeFile(out.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`rehearse: JSON report written to ${out.jsonPath}\n`);
  }
  // The html reporter's trends: read after the run was recorded; a store that cannot be read is said on the page.
  const history = out.history.kind !== 'off' && out.reporters.some((r) => r.name === 'html') ? await loadTrends(report, out.history) : undefined;
  const written = await writeReports(report, out.reporters, {
    cwd: out.cwd,
    docsBaseUrl: out.docsBaseUrl,
    gerritLabel: out.gerritLabel,
    history,
    ...(out.blob ? { blob: out.blob } : {}),
  });
  for (const w of written) if (w.to !== 'stdout') process.stderr.write(`rehearse: ${w.name} report written to ${w.to}\n`);
}
