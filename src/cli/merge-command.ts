// `rehearse merge-reports DIR`: the blobs the shards of a matrix wrote (`run --shard i/n
// --reporter blob`), replayed into one report, one verdict, and any reporter's output: what the
// merge job of a CI pipeline runs after the shard jobs.
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { findConfigFile, loadConfigFile } from '../config/load.ts';
import { historyOptions, reporterOptions } from '../config/run-options.ts';
import { InputError, UsageError } from '../errors.ts';
import { readBlob } from '../report/blob.ts';
import { mergeBlobs } from '../report/merge.ts';
import { outputReport } from './report-output.ts';

export const MERGE_EXAMPLES = `  # the merge job: every shard's blob downloaded into all-blobs/, one verdict and the reports
  npx rehearse merge-reports all-blobs --json rehearse-report.json \\
    --reporter junit=reports/rehearse.xml --reporter markdown=reports/comment.md --reporter github

  # a shard job writes its blob (default blob-report/rehearse-<i>-of-<n>.jsonl)
  npx rehearse run --config rehearse.config.yaml --shard 2/3 --reporter blob
`;

export interface MergeFlags {
  config?: string;
  json?: string;
  reporter?: string[];
  docsBaseUrl?: string;
  gerritLabel?: string;
  /** `--history FILE|URL` or `--no-history` (false): where the html reporter's trends are read. */
  history?: string | false;
  quiet?: boolean;
}

export function registerMergeCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('merge-reports')
    .description("merge the blobs of a sharded run (rehearse run --shard i/n --reporter blob) into one verdict and any reporter's output")
    .argument('<dir>', 'directory holding the shards\' blobs (*.jsonl, also in subdirectories, e.g. one per downloaded artifact)')
    .option('-c, --config <file>', "config file whose reporters:, docsBaseUrl, gerritLabel and history: apply (default: rehearse.config.* in the current directory)")
    .option('--json <file>', 'write the merged JSON report (schemaVersion 1) to this file')
    .option('--reporter <name[=file]>', 'write a report of the merged run: junit=FILE, markdown[=FILE], github[=FILE], gerrit=FILE, html=FILE, blob[=FILE] (repeatable; replaces the config file\'s reporters)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--docs-base-url <url>', 'base URL for the hazard docs links in reports')
    .option('--gerrit-label <name>', 'the label the gerrit reporter votes on (default Verified)')
    .option('--history <file|url>', 'the history store the html reporter reads trends from (the shards recorded their runs; nothing is recorded here)')
    .option('--no-history', 'no trends in the html report')
    .option('--quiet', 'only the findings and the verdict on the console')
    .addHelpText('after', `\nExamples:\n${MERGE_EXAMPLES}\nA missing, duplicated or unfinished shard, blobs of another matrix or written in another event format, and shards held to different limits are refused (exit 2): a verdict must not pass on part of the matrix.\n\nExit status: 0 pass, 1 fail (an error finding), 2 usage error or unusable blobs, 3 a target could not run.`)
    .action(async (dir: string, flags: MergeFlags) => {
      setExitCode(await mergeCommand(dir, flags));
    });
}

export async function mergeCommand(dir: string, flags: MergeFlags, cwd = process.cwd()): Promise<number> {
  const path = flags.config !== undefined ? resolve(cwd, flags.config) : findConfigFile(cwd);
  const file = path === undefined ? undefined : await loadConfigFile(path);
  const { reporters, gerritLabel } = reporterOptions(flags, file, cwd);
  const { history } = historyOptions({ history: flags.history }, file, cwd);

  const files = await blobFiles(resolve(cwd, dir), dir);
  const blobs = await Promise.all(files.map((f) => readBlob(f, relative(cwd, f) || f)));
  const { report, notes } = mergeBlobs(blobs);
  for (const line of notes) process.stderr.write(`${line}\n`);
  process.stderr.write(`rehearse: merged ${blobs.length} blob${blobs.length === 1 ? '' : 's'}: ${report.targets.length} target${report.targets.length === 1 ? '' : 's'}\n`);

  const jsonPath = flags.json !== undefined ? resolve(cwd, flags.json) : file?.json;
  const docsBaseUrl = flags.docsBaseUrl ?? file?.docsBaseUrl;
  await outputReport(report, {
    cwd,
    quiet: flags.quiet === true,
    ...(jsonPath ? { jsonPath } : {}),
    reporters,
    ...(docsBaseUrl ? { docsBaseUrl } : {}),
    ...(gerritLabel ? { gerritLabel } : {}),
    history,
  });
  if (report.verdict === 'error') return 3;
  return report.verdict === 'pass' ? 0 : 1;
}

/** Every `*.jsonl` under `dir`, sorted (artifact downloads often put each in a subdirectory). */
async function blobFiles(dir: string, shown: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError('USAGE', code === 'ENOENT' ? `merge-reports: no directory ${shown}` : `merge-reports: cannot read ${shown}: ${(error as Error).message}`);
  }
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.jsonl')).map((e) => join(e.parentPath, e.name)).sort();
  if (files.length === 0) throw new InputError('BLOB_INVALID', `no blobs (*.jsonl) in ${shown}: the shard jobs write them with rehearse run --shard i/n --reporter blob`);
  return files;
}
