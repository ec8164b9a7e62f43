// The reporters `rehearse run --reporter NAME[=FILE]` can write, each to its own file (or stdout
// where it makes sense): junit and gerrit need a file, markdown and github may print to stdout;
// blob writes the event stream for merge-reports (default blob-report/rehearse-<i>-of-<n>.jsonl).
// github also appends the Markdown report to $GITHUB_STEP_SUMMARY when that variable is set.
// The config file's `reporters:` list (config/schema.ts) is checked with `reporterSpecProblem`.
import { renderHtml } from './html.ts';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import { closestMatch } from '../../config/suggest.ts';
import type { Report, Shard } from '../report.ts';
import { type BlobHeader, blobHeader, eventsOfReport, serializeBlob } from '../blob.ts';
import type { RunEvent } from '../../rehearsal/events.ts';
import type { TrendHistory } from '../../history/trends.ts';
import { gerritLabelProblem, renderGerrit } from './gerrit.ts';
import { renderGithub } from './github.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export const reporterNames = ['junit', 'markdown', 'github', 'gerrit', 'html', 'blob'] as const;
export type ReporterName = (typeof reporterNames)[number];

export interface ReporterSpec {
  name: ReporterName;
  /** Output file; stdout when absent. */
  file?: string;
}

/** Reporters whose output is only useful in a file. */
const NEEDS_FILE: ReadonlySet<ReporterName> = new Set(['junit', 'gerrit', 'html']);

const EXAMPLE_FILE: Record<ReporterName, string> = {
  junit: 'reports/rehearse.xml',
  markdown: 'reports/comment.md',
  github: 'reports/annotations.txt',
  gerrit: 'reports/review.json',
  html: 'reports/rehearse.html',
  blob: 'blob-report/shard-1.jsonl',
};

/** Where a blob goes without a file: one name per shard, so the shards' artifacts can share a directory. */
export function defaultBlobFile(shard: Shard | undefined): string {
  return shard ? `blob-report/rehearse-${shard.index}-of-${shard.total}.jsonl` : 'blob-report/rehearse.jsonl';
}

/** What is wrong with a reporter name and file (the same rules for `--reporter` and the config's `reporters:`). */
export function reporterSpecProblem(name: string, file: string | undefined): string | undefined {
  if (!(reporterNames as readonly string[]).includes(name)) {
    const suggestion = closestMatch(name, reporterNames);
    return `unknown reporter ${JSON.stringify(name)}; ${suggestion ? `did you mean ${suggestion}? ` : ''}valid reporters: ${reporterNames.join(', ')}`;
  }
  const reporter = name as ReporterName;
  if (file !== undefined && file.trim() === '') return `${reporter}: the file name is empty`;
  if (file === undefined && NEEDS_FILE.has(reporter)) return `${reporter} needs an output file, e.g. ${reporter}=${EXAMPLE_FILE[reporter]}`;
  return undefined;
}

/** `junit=out/rehearse.xml`, `markdown`, `markdown=comment.md`, `github`, `gerrit=review.json`. */
export function parseReporterSpec(spec: string): ReporterSpec {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  const file = eq < 0 ? undefined : spec.slice(eq + 1).trim();
  const problem = reporterSpecProblem(name, file);
  if (problem !== undefined) throw new UsageError('USAGE', `--reporter: ${problem}`);
  const reporter = name as ReporterName;
  return file === undefined ? { name: reporter } : { name: reporter, file };
}

/** `--gerrit-label NAME`: checked as Gerrit checks label names. */
export function parseGerritLabel(label: string): string {
  const problem = gerritLabelProblem(label.trim());
  if (problem !== undefined) throw new UsageError('USAGE', `--gerrit-label: ${problem}`);
  return label.trim();
}

export interface WriteReportsOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where output without a file goes. */
  stdout?: (text: string) => void;
  /** Hazard docs links become absolute under this base (else `REHEARSE_DOCS_URL`, else relative). */
  docsBaseUrl?: string;
  /** The label the gerrit reporter votes on (default `Verified`). */
  gerritLabel?: string;
  /** Trends from history (or why there are none) for the html reporter; absent, no trends part. */
  history?: TrendHistory;
  /** The blob reporter's content: the run's event stream; absent, the events are rebuilt from the report. */
  blob?: { header: BlobHeader; events: readonly RunEvent[] };
}

/** What a reporter wrote where, for the CLI to say so. */
export interface WrittenReport {
  name: ReporterName;
  /** Absolute path, `stdout`, or `$GITHUB_STEP_SUMMARY`. */
  to: string;
}

export function renderReport(report: Report, name: Exclude<ReporterName, 'blob'>, docsBaseUrl?: string, gerritLabel?: string, history?: TrendHistory): string {
  switch (name) {
    case 'junit':
      return renderJunit(report);
    case 'markdown':
      return renderMarkdown(report, { docsBaseUrl });
    case 'github':
      return renderGithub(report);
    case 'gerrit':
      return renderGerrit(report, { docsBaseUrl, label: gerritLabel });
    case 'html':
      return renderHtml(report, { ...(docsBaseUrl ? { docsBaseUrl } : {}), ...(history !== undefined ? { history } : {}) });
  }
}

export async function writeReports(report: Report, specs: readonly ReporterSpec[], options: WriteReportsOptions = {}): Promise<WrittenReport[]> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  const docsBaseUrl = options.docsBaseUrl || env.REHEARSE_DOCS_URL || undefined;
  const written: WrittenReport[] = [];
  for (const spec of specs) {
    if (spec.name === 'blob') {
      const path = resolve(cwd, spec.file ?? defaultBlobFile(report.shard));
      const matrix = report.targets.map((t) => t.label);
      const blob = options.blob ?? { header: blobHeader(matrix, report.shard), events: eventsOfReport(report, matrix) };
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, serializeBlob(blob.header, blob.events));
      written.push({ name: spec.name, to: path });
      continue;
    }
    const text = renderReport(report, spec.name, docsBaseUrl, options.gerritLabel, options.history);
    if (spec.file === undefined) {
      stdout(text);
      written.push({ name: spec.name, to: 'stdout' });
    } else {
      const path = resolve(cwd, spec.file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
      written.push({ name: spec.name, to: path });
    }
    if (spec.name === 'github' && env.GITHUB_STEP_SUMMARY) {
      await appendFile(env.GITHUB_STEP_SUMMARY, `${renderMarkdown(report, { docsBaseUrl })}\n`);
      written.push({ name: spec.name, to: '$GITHUB_STEP_SUMMARY' });
    }
  }
  return written;
}
