// Scale runs (DESIGN §3): the change's ups again on deterministic, FK-consistent fractions of the
// dataset, each on its own clone, so each change step's duration can be fitted against rows
// (scale-fit.ts). Only the change's ups run there: rollback and reapply are judged at full size.
import { performance } from 'node:perf_hooks';
import type { Engine, ScratchDatabase } from '../engines/engine.ts';
import { ReduceNotPermitted, reduceToFraction } from '../datasets/reduce.ts';
import type { MigrationTracking } from '../migrations/tracking.ts';
import type { Migration } from '../migrations/migration.ts';
import type { Observer } from '../observe/observer.ts';
import type { ScalePoint, ScaleRunsEvidence, StepEvidence } from './evidence.ts';
import { round } from './lock-tracker.ts';
import { normalizeTableName, type ProductionRows } from './predict.ts';
import { fitScale } from './scale-fit.ts';
import { runStep, type StepContext, type StepRequest } from './step-runner.ts';

export const DEFAULT_SCALE_FRACTIONS: readonly number[] = [0.25, 0.5];

/**
 * Scale runs start on their own when production is known to be at least this many times the
 * dataset on a table the change names: that is where extrapolating one size is least safe, and
 * where a quadratic step that looks harmless on the dataset (×10 rows → ×100 time) hides.
 */
export const AUTO_SCALE_RATIO = 10;

export interface ScaleOption {
  /** `auto`: run when production is ≥ AUTO_SCALE_RATIO × the dataset on a table the change names. */
  mode: 'auto' | 'on' | 'off';
  fractions: number[];
}

/** The largest production/dataset row ratio among `tables`, or undefined where none is known. */
export function largestRatio(tables: readonly string[], datasetRows: Record<string, number>, production: ProductionRows): number | undefined {
  const prod = new Map(Object.entries(production).map(([t, n]) => [normalizeTableName(t), n]));
  let best: number | undefined;
  for (const t of tables.map(normalizeTableName)) {
    const p = prod.get(t);
    const d = datasetRows[t];
    if (p === undefined || d === undefined || d === 0) continue;
    best = Math.max(best ?? 0, p / d);
  }
  return best;
}

/** Whether scale runs run, and why (the reason ends up in the target's notes when they do not). */
export function scaleTrigger(option: ScaleOption, ratio: number | undefined): { run: ScaleRunsEvidence['trigger'] } | { skip: string } {
  if (option.mode === 'off') return { skip: 'scale runs are off' };
  if (option.mode === 'on') return { run: 'requested' };
  if (ratio === undefined) return { skip: 'no scale runs: no production row count is known for a table the change names (--production-rows), and --scale was not given' };
  if (ratio < AUTO_SCALE_RATIO) return { skip: `no scale runs: production is at most ×${round(ratio)} the dataset on the change's tables (automatic from ×${AUTO_SCALE_RATIO}; --scale forces them)` };
  return { run: 'automatic' };
}

export interface ScaleRunsRequest {
  engine: Engine;
  observer: Observer;
  tracking: MigrationTracking;
  /** The built dataset: cloned per fraction, never written. No session may be open on it. */
  golden: ScratchDatabase;
  ups: StepRequest[];
  fractions: number[];
  trigger: ScaleRunsEvidence['trigger'];
  stepTimeoutMs: (m: Migration) => number;
}

/** Measured change-step durations per fraction, by migration id. */
export interface ScaleRunsResult {
  evidence: ScaleRunsEvidence;
  durations: Map<number, Map<string, Pick<StepEvidence, 'status' | 'statements'>>>;
}

/** Runs every fraction; `skipped` when the engine does not let rehearse reduce a clone. */
export async function runScaleRuns(req: ScaleRunsRequest): Promise<ScaleRunsResult | { skipped: string }> {
  const evidence: ScaleRunsEvidence = { trigger: req.trigger, fractions: req.fractions, runs: [] };
  const durations: ScaleRunsResult['durations'] = new Map();
  for (const fraction of req.fractions) {
    const t0 = performance.now();
    const db = await req.engine.cloneScratch(req.golden, `scale-${Math.round(fraction * 100)}`);
    const session = await req.engine.connect(db);
    try {
      let reduced;
      try {
        reduced = await reduceToFraction(req.engine.dialect, session, fraction, { keep: [req.tracking.table] });
      } catch (error) {
        if (error instanceof ReduceNotPermitted) return { skipped: `scale runs skipped: ${error.message}; reducing a clone needs foreign-key checks off (a superuser on PostgreSQL)` };
        throw error;
      }
      const reduceMs = round(performance.now() - t0);
      await req.observer.prepareSession(session);
      const ctx: StepContext = { engine: req.engine, db, session, observer: req.observer, tracking: req.tracking, stepTimeoutMs: 0 };
      const steps = new Map<string, Pick<StepEvidence, 'status' | 'statements'>>();
      const failedSteps: string[] = [];
      for (const up of req.ups) {
        ctx.stepTimeoutMs = req.stepTimeoutMs(up.migration);
        const { evidence: step, sessionUsable } = await runStep(ctx, up);
        steps.set(up.migration.id, { status: step.status, statements: step.statements });
        if (step.status !== 'success') failedSteps.push(up.migration.id);
        if (step.status !== 'success' || !sessionUsable) break;
      }
      durations.set(fraction, steps);
      evidence.runs.push({ fraction, reduceMs, orphanPasses: reduced.orphanPasses, tableRows: reduced.tableRows, failedSteps });
    } finally {
      await session.close().catch(() => undefined);
      await req.engine.dropScratch(db).catch(() => undefined);
    }
  }
  return { evidence, durations };
}

/** The tables a step works on, for its row count at each size: those it names and those it touched. */
function stepTables(step: StepEvidence, trackingTable: string): string[] {
  const names = new Set([...step.tablesNamed, ...step.rows.map((r) => r.table)].map(normalizeTableName));
  names.delete(trackingTable);
  return [...names];
}

// The time a statement spent waiting for the lock-queue reader is the reader's, not the data's:
// the scale runs ran without one, so the full-size point leaves it out too.
const statementMs = (s: Pick<StepEvidence, 'statements' | 'lockQueue'>) =>
  round(s.statements.reduce((a, x) => a + x.durationMs, 0) - (s.lockQueue?.statementIndex !== undefined ? (s.lockQueue.migrationWaitedMs ?? 0) : 0));

/** Fits every change up of the rehearsal against the scale runs' points (the rehearsal is the 1.0 point). */
export function attachScaleFits(steps: StepEvidence[], datasetRows: Record<string, number>, result: ScaleRunsResult, trackingTable: string): void {
  for (const step of steps) {
    if (step.phase !== 'change' || step.direction !== 'up' || step.status === 'skipped') continue;
    const tables = stepTables(step, trackingTable).filter((t) => datasetRows[t] !== undefined);
    const rowsAt = (counts: Record<string, number>) => tables.reduce((a, t) => a + (counts[t] ?? 0), 0);
    const points: ScalePoint[] = [{ fraction: 1, rows: rowsAt(datasetRows), durationMs: statementMs(step), status: step.status }];
    for (const run of result.evidence.runs) {
      const measured = result.durations.get(run.fraction)?.get(step.migration);
      points.push({ fraction: run.fraction, rows: rowsAt(run.tableRows), durationMs: measured ? statementMs(measured) : 0, status: measured?.status ?? 'skipped' });
    }
    step.scale = tables.length === 0 ? { points, exponent: null, r2: null, reason: 'the step works on no table of the dataset' } : fitScale(points);
  }
}
