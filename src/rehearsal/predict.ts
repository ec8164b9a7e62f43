// What a step's measured figures become at production size. A statement's cost grows with the
// rows it processes, so each statement that processed rows is scaled by the production/dataset
// row ratio of the tables the step works on (weighted by the rows it processed in each), raised to
// the growth exponent — 1 (linear) until scale runs measure it. A statement that processed no
// rows (catalog-only DDL) keeps its measured time. Lock hold times follow the statements they span.
import type { StepEvidence, StepPrediction, TargetEvidence } from './evidence.ts';
import { round } from './lock-tracker.ts';

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

  const statements = step.statements.map((s) => ({
    index: s.index,
    durationMs: round(s.rowsProcessed === 0 ? s.durationMs : s.durationMs * scale),
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

  return {
    basis: 'production-rows',
    exponent,
    factor: Math.round(factor * 100) / 100,
    tables,
    durationMs: round(step.durationMs + [...extra.values()].reduce((a, x) => a + x, 0)),
    statements,
    locks,
    rowsChanged: Math.round(step.rows.reduce((a, r) => a + (r.inserted + r.updated + r.deleted) * ratioOf(r.table), 0)),
    ...(step.walBytes !== undefined ? { walBytes: Math.round(step.walBytes * scale) } : {}),
  };
}

/** Attaches predictions to every step of the target that works on a table of known production size. */
export function predictTarget(target: TargetEvidence, production: ProductionRows): void {
  if (Object.keys(production).length === 0) return;
  for (const step of target.steps) {
    const predicted = predictStep(step, target.dataset.tableRows, production);
    if (predicted) step.predicted = predicted;
  }
  target.productionRows = production;
  target.notes.push(
    'figures at production size scale each statement that processed rows by the production/dataset row ratio of the tables it worked on, linearly (growth exponent 1: scale runs, which measure it, are not implemented yet); catalog-only statements keep their measured time',
  );
}
