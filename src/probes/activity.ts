// Keeping the probes out of the step's row counts. PostgreSQL's per-table counters
// (pg_stat_user_tables) are shared by every session and count what a rolled-back transaction did
// too: a probe's rolled-back INSERT still adds 1 to n_tup_ins. The probes therefore tally exactly
// what they added (postgres/probe-session.ts), and the step's counter deltas are reduced by it.
import type { TableRows } from '../rehearsal/evidence.ts';

export type RowCounts = Omit<TableRows, 'table'>;

export const NO_ROWS: RowCounts = { read: 0, inserted: 0, updated: 0, deleted: 0 };

export function addCounts(a: RowCounts, b: RowCounts): RowCounts {
  return { read: a.read + b.read, inserted: a.inserted + b.inserted, updated: a.updated + b.updated, deleted: a.deleted + b.deleted };
}

/** Adds `counts` to the tally kept under `key` (a relation oid). */
export function tally(into: Map<string, RowCounts>, key: string, counts: RowCounts): void {
  into.set(key, addCounts(into.get(key) ?? NO_ROWS, counts));
}

/**
 * The step's own rows: the counter deltas minus what the probes did, table by table. Tables left
 * with nothing are dropped, as the observer drops tables nobody touched. A count cannot go below
 * zero, but if it ever would (a counter missed), 0 is the honest floor rather than a negative.
 */
export function withoutProbeActivity(rows: readonly TableRows[], probes: readonly TableRows[]): TableRows[] {
  const byTable = new Map<string, RowCounts>();
  for (const { table, ...counts } of probes) tally(byTable, table, counts);
  const out: TableRows[] = [];
  for (const r of rows) {
    const p = byTable.get(r.table) ?? NO_ROWS;
    const own: TableRows = {
      table: r.table,
      read: Math.max(0, r.read - p.read),
      inserted: Math.max(0, r.inserted - p.inserted),
      updated: Math.max(0, r.updated - p.updated),
      deleted: Math.max(0, r.deleted - p.deleted),
    };
    if (own.read || own.inserted || own.updated || own.deleted) out.push(own);
  }
  return out;
}
