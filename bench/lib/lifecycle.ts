// How a benchmark starts (its clock, a scratch folder, its fixtures) and ends: its databases are
// dropped and its children stopped at the end and on SIGINT/SIGTERM too (exit 130), and a failure
// to run is one line and exit 1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError } from './bench-error.ts';
import { stopChildren } from './child-processes.ts';
import { readMigrations, seedFor, type Fixtures, type Migration } from './fixtures.ts';
import { log } from './output.ts';
import { RESULTS_DIR, startClock, type BenchClock } from './results.ts';

export interface BenchStart {
  clock: BenchClock;
  /** rehearse's JSON report of each run goes here: results/<stamp><suffix>-reports/. */
  reportsDir: string;
  /** A scratch folder, removed by the cleanup. */
  workDir: string;
  trunk: Migration[];
  change: Migration[];
  /** The seed for --rows. */
  seed: string;
}

/** `suffix` tells one benchmark's results from another's ('' or '-mysql'). */
export function startBench(rows: number, fixtures: Fixtures, suffix: string): BenchStart {
  const clock = startClock();
  const reportsDir = join(RESULTS_DIR, `${clock.stamp}${suffix}-reports`);
  const workDir = mkdtempSync(join(tmpdir(), `rehearse-bench${suffix}-`));
  const { trunk, change } = readMigrations(fixtures.migrationsDir, fixtures.datasetVersion);
  const seed = seedFor(fixtures.seed, rows, fixtures.seedRows, workDir);
  return { clock, reportsDir, workDir, trunk, change, seed };
}

let interruptedBySignal = false;

/** True after SIGINT/SIGTERM: stop starting work; what fails after it (a child killed on purpose) is not reported. */
export function interrupted(): boolean {
  return interruptedBySignal;
}

/**
 * The benchmark's cleanup, run at most once (the end of main, a signal, or both): children
 * stopped, `dropDatabases`, the scratch folder removed. On SIGINT or SIGTERM it runs, then exit 130.
 */
export function cleanupOnce(workDir: string, dropDatabases: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const cleanup = () =>
    (running ??= (async () => {
      // rehearse drops its own scratch databases on SIGTERM: give it the time to.
      await stopChildren(15_000);
      await dropDatabases();
      rmSync(workDir, { recursive: true, force: true });
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interruptedBySignal = true;
      log(`${sig}: stopping, dropping the bench databases`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  return cleanup;
}

/** Sets the exit status from main: its own, or 1 when it could not run (a BenchError is one line, anything else keeps its stack). */
export function exitWith(main: Promise<number>): void {
  main.then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (interruptedBySignal) return;
      if (e instanceof BenchError) console.error(`bench: ${e.message}`);
      else console.error('bench:', e);
      process.exitCode = 1;
    },
  );
}
