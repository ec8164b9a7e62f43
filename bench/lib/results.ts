// Where a benchmark's results go (bench/results/, git-ignored) and what every results file starts
// with: which benchmark, when, which rehearse (version and commit), with which options.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from './child-processes.ts';
import { invoiceRows } from './fixtures.ts';
import type { BenchOptions } from './options.ts';
import { fmtMs } from './output.ts';
import { BENCH_DIR, ROOT } from './paths.ts';
import { round } from './stats.ts';

export const RESULTS_DIR = join(BENCH_DIR, 'results');

export interface BenchClock {
  startedAt: Date;
  /** performance.now() at the start, for the bench's own wall time. */
  t0: number;
  /** The start time as a file name: results/<stamp>….json and their reports' folder. */
  stamp: string;
}

export function startClock(): BenchClock {
  const startedAt = new Date();
  return { startedAt, t0: performance.now(), stamp: startedAt.toISOString().replace(/[:.]/g, '-') };
}

/** The rehearse measured: package.json's version, and the commit (dirty when tracked files differ from it). */
export async function rehearseBuild(): Promise<{ version: string; commit?: string; dirty?: boolean }> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return { version: pkg.version, ...(await gitInfo()) };
}

async function gitInfo(): Promise<{ commit?: string; dirty?: boolean }> {
  try {
    const head = await run('git', ['rev-parse', 'HEAD'], process.env);
    const status = await run('git', ['status', '--porcelain', '--untracked-files=no'], process.env);
    return { commit: head.stdout.trim() || undefined, dirty: status.stdout.trim().length > 0 };
  } catch {
    return {};
  }
}

/** The first fields of a results file; the benchmark's own (machine, fixtures, summary, repetitions) follow. */
export function resultsHead(benchmark: string, clock: BenchClock, rehearse: object, opts: BenchOptions, redactedUrl: string) {
  return {
    benchmark,
    startedAt: clock.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    benchWallMs: round(performance.now() - clock.t0),
    rehearse,
    options: { rows: opts.rows, invoiceRows: invoiceRows(opts.rows), repeat: opts.repeat, url: redactedUrl },
  };
}

/** Writes results/<file> and returns the closing line that says where (and how long the bench took). */
export function writeResults(file: string, result: object, clock: BenchClock): string {
  const path = join(RESULTS_DIR, file);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  return `bench wall time ${fmtMs(performance.now() - clock.t0)}; results: ${path}`;
}
