// What a step's measured figures become at production size. A statement's cost grows with the
// rows it processes, so each statement that processed rows is scaled by the production/dataset
// row ratio of the tables the step works on (weighted by the rows it processed in each), raised to
// the growth exponent — 1 (linear) unless scale runs measured a larger one for the step. A
// statement that processed no rows (catalog-only DDL) keeps its measured time. Lock hold times
// follow the statements they span.
import type { BlockedEvidence, StepEvidence, StepPrediction, TargetEvidence } from './evidence.ts';
import { round } from './lock-tracker.ts';
import { DML_KINDS, rowsChanged } from './rows-changed.ts';
import { LINEAR_NOISE, MIN_FIT_R2 } from './scale-fit.ts';

/** Production row counts by table; `public.t` and `t` name the same table. */
export type ProductionRows = Record<string, number>;

export function normalizeTableName(name: string): string {
  return name.startsWith('public.') ? name.slice('public.'.length) : name;
}

export function predictStep(step: StepEvidence, datasetRows: Record<string, number>, production: ProductionRows, exponent = 1): StepPrediction | undefined {
  if (step.status === 'skipped') return undefined;
  const prod = new Map(Object.entries(production).map(([t, n]) => [normalizeTableName(t), n]));
  const involved = new Set([...step.rows.map((r) => r.table), ...step.tablesNamed, ...step.locks.filter((l) => !l.newRelation).map((l) => l.table)].map(normalizeTableName));

  const tables: StepPrediction['tables'] = {};
  for (const t of involved) {
    const p = prod.get(t);
    const d = datasetRows[t];
    if (p === undefined || d === undefined || d === 0) continue;
    tables[t] = { dataset: d, production: p, ratio: p / d };
  }
  if (Object.keys(tables).length === 0) return undefined;
  const ratioOf = (t: string) => tables[normalizeTableName(t)]?.ratio ?? 1;

  // The step's ratio: its tables' ratios weighted by the rows it processed in each; without row
  // counters, the largest ratio among the tables it names.
  const weights = step.rows.map((r) => ({ ratio: ratioOf(r.table), w: r.read + r.inserted + r.updated + r.deleted }));
  const totalWeight = weights.reduce((a, x) => a + x.w, 0);
  const factor =
    totalWeight > 0
      ? weights.reduce((a, x) => a + x.w * x.ratio, 0) / totalWeight
      : Math.max(...Object.values(tables).map((t) => t.ratio));
  const scale = factor ** exponent;

  // Time spent waiting behind the lock-queue reader is the reader's, not the data's: it stays as measured.
  const queued = (s: StepEvidence['statements'][number]) => (step.lockQueue?.statementIndex === s.index ? Math.min(s.durationMs, step.lockQueue.migrationWaitedMs ?? 0) : 0);
  const statements = step.statements.map((s) => ({
    index: s.index,
    durationMs: round(catalogOnly(s) ? s.durationMs : queued(s) + (s.durationMs - queued(s)) * scale),
  }));
  const extra = new Map(step.statements.map((s, i) => [s.index, (statements[i]?.durationMs ?? s.durationMs) - s.durationMs]));
  const extraFrom = (index: number) => [...extra].filter(([i]) => i >= index).reduce((a, [, x]) => a + x, 0);

  const locks = step.locks.map((l) => ({
    relation: l.relation,
    table: l.table,
    mode: l.mode,
    // A transaction's lock is held through every later statement; an autocommit one for its own.
    heldMs: round(l.heldMs + (l.source === 'observed' ? extraFrom(l.statementIndex) : (extra.get(l.statementIndex) ?? 0))),
  }));

  const linearExtra = step.statements.reduce((a, s) => a + (catalogOnly(s) ? 0 : (s.durationMs - queued(s)) * (factor - 1)), 0);
  const durationMs = round(step.durationMs + [...extra.values()].reduce((a, x) => a + x, 0));
  const blocked = step.blocked?.map((b) => ({
    table: b.table,
    operation: b.operation,
    maxBlockedMs: round(b.maxBlockedMs + blockedGrowth(step, b, locks, durationMs - step.durationMs)),
  }));
  return {
    basis: 'production-rows',
    exponent,
    exponentSource: exponent === 1 ? 'assumed' : 'scale-runs',
    factor: Math.round(factor * 100) / 100,
    tables,
    durationMs,
    ...(exponent !== 1 ? { linearDurationMs: round(step.durationMs + linearExtra) } : {}),
    statements,
    locks,
    ...(blocked && blocked.length > 0 ? { blocked } : {}),
    rowsChanged: predictedRowsChanged(step, ratioOf, factor),
    ...(step.walBytes !== undefined ? { walBytes: Math.round(step.walBytes * scale) } : {}),
  };
}

/** A statement no counter saw touch a row and that the splitter does not know to work below them. */
function catalogOnly(s: StepEvidence['statements'][number]): boolean {
  return s.rowsProcessed === 0 && !s.growsWithRows;
}

/**
 * Rows changed at production size: each table's changes by its ratio. Where the engine could only
 * count the session's changes as a whole (StepEvidence.sessionRows) and they exceed the per-table
 * net changes, they scale by the step's ratio.
 */
function predictedRowsChanged(step: StepEvidence, ratioOf: (table: string) => number, factor: number): number {
  const perTable = step.rows.reduce((a, r) => a + (r.inserted + r.updated + r.deleted) * ratioOf(r.table), 0);
  // Where the session's count stood in for the per-table one, it scales with the step.
  const all = rowsChanged(step, () => false);
  const perTableMeasured = step.rows.reduce((a, r) => a + r.inserted + r.updated + r.deleted, 0);
  return Math.round(all > perTableMeasured ? all * factor : perTable);
}

/**
 * How much longer a measured blocked window gets at production size: a window lasts while the
 * lock behind it is held, so it grows as that lock's hold time grows — the longest-held lock on
 * the table that blocks this kind of traffic. Without one, a window the migration caused (row
 * locks of its own writes, which block writes with no table lock) grows as the whole step does;
 * any other was not the migration's doing and does not grow.
 */
function blockedGrowth(step: StepEvidence, blocked: BlockedEvidence, predictedLocks: { heldMs: number }[], stepGrowthMs: number): number {
  const traffic = blocked.operation === 'read' || blocked.operation === 'fk-share' ? 'reads' : 'writes';
  let growth: number | undefined;
  step.locks.forEach((lock, i) => {
    if (lock.newRelation || !lock.blocks[traffic] || normalizeTableName(lock.table) !== normalizeTableName(blocked.table)) return;
    const grew = (predictedLocks[i]?.heldMs ?? lock.heldMs) - lock.heldMs;
    growth = Math.max(growth ?? 0, grew);
  });
  // Row locks are a data statement's: a DDL-only step's unexplained window (a brief exclusive swap
  // at the end of an online ALTER, a parent's metadata lock) does not grow with the rows.
  const rowLocks = blocked.blockedBy.includes('migration') && step.statements.some((s) => DML_KINDS.has(s.kind));
  return Math.max(0, growth ?? (rowLocks ? stepGrowthMs : 0));
}

/** Attaches predictions to every step of the target that works on a table of known production size. */
export function predictTarget(target: TargetEvidence, production: ProductionRows): void {
  if (Object.keys(production).length === 0) return;
  const measured: string[] = [];
  // The fit was measured on the change's ups; the same migration applied up again (reapply) grows the same way.
  const fitted = new Map(target.steps.filter((s) => s.phase === 'change').map((s) => [s.migration, measuredExponent(s)]));
  for (const step of target.steps) {
    const exponent = step.direction === 'up' ? (fitted.get(step.migration) ?? 1) : 1;
    const predicted = predictStep(step, target.dataset.tableRows, production, exponent);
    if (predicted) step.predicted = predicted;
    if (predicted && exponent !== 1 && step.phase === 'change') measured.push(`${step.migration} (k = ${exponent})`);
  }
  target.productionRows = production;
  const growth =
    measured.length > 0
      ? `raised to the growth exponent k the scale runs measured for ${measured.join(', ')}, linearly (k = 1) for the other steps`
      : target.scaleRuns
        ? 'linearly (k = 1: the scale runs measured no step growing faster than linearly with a reliable fit)'
        : 'linearly (growth exponent 1: without scale runs, growth is not measured; --scale measures it)';
  target.notes.push(
    `figures at production size scale each statement that processed rows by the production/dataset row ratio of the tables it worked on, ${growth}; catalog-only statements keep their measured time`,
  );
}

/**
 * The exponent a change up's prediction uses: the scale runs' fit when it is reliable (R² ≥
 * MIN_FIT_R2) and above linear by more than timing noise (LINEAR_NOISE). A fit below 1 is fixed
 * per-statement cost showing at small sizes, not work that shrinks with rows: a gate must not
 * predict better than linear from it.
 */
export function measuredExponent(step: StepEvidence): number {
  const fit = step.scale;
  if (step.phase !== 'change' || !fit || fit.exponent === null || fit.r2 === null || fit.r2 < MIN_FIT_R2) return 1;
  return fit.exponent >= 1 + LINEAR_NOISE ? fit.exponent : 1;
}
