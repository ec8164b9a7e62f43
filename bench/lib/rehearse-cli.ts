// rehearse's real CLI as a contender: `rehearse run` on a benchmark's fixtures, and its JSON
// report read back for the `change` phase's steps.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './bench-error.ts';
import { run, tail } from './child-processes.ts';
import type { Fixtures, Migration } from './fixtures.ts';
import { ROOT } from './paths.ts';
import { round } from './stats.ts';

/** The part of rehearse's JSON report the benchmarks read. */
export interface ReportTarget {
  durationMs: number;
  dataset: { buildMs?: number; cloneMs?: number };
  steps: ReportStep[];
}

export interface ReportStep {
  migration: string;
  phase: string;
  status: string;
  durationMs: number;
  statements: { durationMs: number }[];
  blocked?: { maxBlockedMs: number }[];
}

export interface RehearseStepTimes {
  /** The step's durationMs: its statements plus the instrumentation inside its window. */
  stepMs: number;
  /** The statements alone, as rehearse timed them. */
  statementsMs: number;
  statements: number;
}

export interface RehearseChange<Extra> {
  changeMs: number;
  changeStatementsMs: number;
  perMigration: Record<string, RehearseStepTimes & Extra>;
  /** The whole CLI run, process start to exit. */
  wallMs: number;
  targetDurationMs: number;
  buildMs: number;
  exitCode: number;
  verdict: string;
  report: string;
}

export interface RehearseInvocation<Extra> {
  engine: string;
  url: string;
  fixtures: Fixtures;
  /** The seed for --rows (a rewritten copy of fixtures.seed, or it). */
  seed: string;
  reportPath: string;
  change: Migration[];
  /** More `rehearse run` options (--no-scale, --no-probes, …). */
  args?: string[];
  /** Keep rehearse's stderr (its progress lines) next to the report, as <report>.stderr.txt. */
  keepStderr?: boolean;
  /** What else to keep of each change step. */
  stepExtra: (s: ReportStep) => Extra;
}

/**
 * Runs `rehearse run` and reads the `change` steps out of its report: their durationMs summed, the
 * statements' own durations summed, per migration. A change step that did not succeed, or a
 * migration with no change step, is a BenchError: the timings would not be comparable.
 */
export async function runRehearseChange<Extra>(
  inv: RehearseInvocation<Extra>,
): Promise<{ run: RehearseChange<Extra>; target: ReportTarget; stderr: string }> {
  const args = [
    join(ROOT, 'bin', 'rehearse.js'),
    'run',
    '--engine',
    inv.engine,
    '--url',
    inv.url,
    '--migrations',
    inv.fixtures.migrationsDir,
    '--dataset',
    inv.seed,
    '--dataset-version',
    inv.fixtures.datasetVersion,
    '--json',
    inv.reportPath,
    ...(inv.args ?? []),
  ];
  const r = await run(process.execPath, args, { ...process.env, CI: '1' });
  if (inv.keepStderr) writeFileSync(inv.reportPath.replace(/\.json$/, '.stderr.txt'), r.stderr);
  // 0 pass, 1 fail (findings: this change has hazards on purpose); anything else: it did not run.
  if (r.code !== 0 && r.code !== 1) {
    throw new BenchError(`rehearse exited ${r.code ?? r.signal}:\n${tail(r.stderr)}\n${tail(r.stdout)}`);
  }
  const reportPath = inv.reportPath;
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { verdict: string; targets: ReportTarget[] };
  const target = report.targets[0];
  if (!target) throw new BenchError(`${reportPath}: no target in the report`);
  const perMigration: Record<string, RehearseStepTimes & Extra> = {};
  let changeMs = 0;
  let changeStatementsMs = 0;
  for (const s of target.steps.filter((x) => x.phase === 'change')) {
    if (s.status !== 'success') throw new BenchError(`rehearse: change step ${s.migration} ended ${s.status} (see ${reportPath})`);
    const statementsMs = s.statements.reduce((a, x) => a + x.durationMs, 0);
    perMigration[s.migration] = { stepMs: s.durationMs, statementsMs: round(statementsMs), statements: s.statements.length, ...inv.stepExtra(s) };
    changeMs += s.durationMs;
    changeStatementsMs += statementsMs;
  }
  const missing = inv.change.filter((m) => !perMigration[m.id]).map((m) => m.id);
  if (missing.length) throw new BenchError(`rehearse: no change step for ${missing.join(', ')} in ${reportPath}`);
  return {
    run: {
      changeMs: round(changeMs),
      changeStatementsMs: round(changeStatementsMs),
      perMigration,
      wallMs: round(r.ms),
      targetDurationMs: target.durationMs,
      buildMs: target.dataset.buildMs ?? NaN,
      exitCode: r.code ?? -1,
      verdict: report.verdict,
      report: reportPath,
    },
    target,
    stderr: r.stderr,
  };
}
