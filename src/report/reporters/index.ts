// The reporters `rehearse run --reporter NAME[=FILE]` can write, each to its own file (or stdout
// where it makes sense): junit needs a file, markdown and github may print to stdout. github
// also appends the Markdown report to $GITHUB_STEP_SUMMARY when that variable is set.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import type { Report } from '../report.ts';
import { renderGithub } from './github.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export const reporterNames = ['junit', 'markdown', 'github'] as const;
export type ReporterName = (typeof reporterNames)[number];

export interface ReporterSpec {
  name: ReporterName;
  /** Output file; stdout when absent. */
  file?: string;
}

/** Reporters whose output is only useful in a file. */
const NEEDS_FILE: ReadonlySet<ReporterName> = new Set(['junit']);

/** `junit=out/rehearse.xml`, `markdown`, `markdown=comment.md`, `github`. */
export function parseReporterSpec(spec: string): ReporterSpec {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  const file = eq < 0 ? undefined : spec.slice(eq + 1).trim();
  if (!(reporterNames as readonly string[]).includes(name)) {
    throw new UsageError('USAGE', `--reporter: unknown reporter ${JSON.stringify(name)}; valid reporters: ${reporterNames.join(', ')}`);
  }
  const reporter = name as ReporterName;
  if (file === '') throw new UsageError('USAGE', `--reporter ${reporter}=: the file name is empty`);
  if (file === undefined && NEEDS_FILE.has(reporter)) throw new UsageError('USAGE', `--reporter ${reporter} needs an output file, e.g. --reporter ${reporter}=rehearse-${reporter}.xml`);
  return file === undefined ? { name: reporter } : { name: reporter, file };
}

export interface WriteReportsOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where output without a file goes. */
  stdout?: (text: string) => void;
  /** Hazard docs links become absolute under this base (else `REHEARSE_DOCS_URL`, else relative). */
  docsBaseUrl?: string;
}

/** What a reporter wrote where, for the CLI to say so. */
export interface WrittenReport {
  name: ReporterName;
  /** Absolute path, `stdout`, or `$GITHUB_STEP_SUMMARY`. */
  to: string;
}

export function renderReport(report: Report, name: ReporterName, docsBaseUrl?: string): string {
  switch (name) {
    case 'junit':
      return renderJunit(report);
    case 'markdown':
      return renderMarkdown(report, { docsBaseUrl });
    case 'github':
      return renderGithub(report);
  }
}

export async function writeReports(report: Report, specs: readonly ReporterSpec[], options: WriteReportsOptions = {}): Promise<WrittenReport[]> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  const docsBaseUrl = options.docsBaseUrl || env.REHEARSE_DOCS_URL || undefined;
  const written: WrittenReport[] = [];
  for (const spec of specs) {
    const text = renderReport(report, spec.name, docsBaseUrl);
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
