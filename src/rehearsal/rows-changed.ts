// How many rows a step changed, one definition for the checks, the predictions and the console.
import type { StepEvidence } from './evidence.ts';

const DML = /^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|COPY|LOAD)\b/i;
/** Statement kinds that change rows (the splitters' kind names). */
export const DML_KINDS: ReadonlySet<string> = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt', 'LoadDataStmt']);

/** The tracking table's own bookkeeping is not the migration's work. */
export type IsTrackingTable = (table: string) => boolean;

/**
 * Per table where the engine could split rows by table. Where it could only count net row-count
 * changes per table plus the session's totals (MySQL without per-table counters), the session's
 * inserts, updates and deletes stand in when the step has data statements: an UPDATE changes no
 * count. A DDL-only step's session writes are the server copying the table (ALGORITHM=COPY), not
 * rows the application would see change.
 */
export function rowsChanged(step: StepEvidence, isTracking: IsTrackingTable): number {
  const perTable = step.rows.filter((r) => !isTracking(r.table)).reduce((n, r) => n + r.inserted + r.updated + r.deleted, 0);
  const s = step.sessionRows;
  if (!s || !step.statements.some((x) => DML_KINDS.has(x.kind) || DML.test(x.summary))) return perTable;
  return Math.max(perTable, s.inserted + s.updated + s.deleted);
}
