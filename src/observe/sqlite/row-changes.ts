// Rows inserted, updated and deleted per table during a step. SQLite keeps no per-table counters,
// so they are put together from two sources:
//
// - the session's write log: every INSERT/UPDATE/DELETE the migration ran, with the rows it
//   changed itself (sqlite3_changes) — the statement's own table and kind of change, exactly;
// - row counts of every table before and after the step: what the log cannot explain is a side
//   effect (ON DELETE CASCADE, a trigger, the implicit DELETE a DROP TABLE does when foreign keys
//   are on) — rows gone are deletes, rows added inserts.
//
// Limits, said plainly: side effects that change rows without changing how many there are
// (ON UPDATE CASCADE, ON DELETE SET NULL, a trigger's UPDATE) are not seen per table;
// `read` is always 0 (SQLite counts no rows read); a table dropped by the step is not counted as
// deleted (a DROP is not a DELETE); and when the log does not cover the step (the session
// reconnected after an interrupt), only the row counts speak.
import type { TableRows } from '../../rehearsal/evidence.ts';
import { describeSqliteStatement } from '../../sql/sqlite-split.ts';
import { relationKey } from './names.ts';
import type { LoggedWrite } from './write-log.ts';

export interface TableCount {
  table: string;
  rows: number;
}

type Tally = { table: string; inserted: number; updated: number; deleted: number };

const CHANGE_OF_KIND: Record<string, 'inserted' | 'updated' | 'deleted'> = {
  InsertStmt: 'inserted',
  UpdateStmt: 'updated',
  DeleteStmt: 'deleted',
};

/** Counts keyed by relationKey(table). */
export function rowChanges(before: Map<string, TableCount>, after: Map<string, TableCount>, writes: LoggedWrite[]): TableRows[] {
  const tallies = new Map<string, Tally>();
  const tally = (key: string, table: string): Tally => {
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = { table, inserted: 0, updated: 0, deleted: 0 }));
    return t;
  };

  for (const write of writes) {
    if (!write.dml || write.changes === 0) continue;
    const statement = describeSqliteStatement(write.sql);
    const change = CHANGE_OF_KIND[statement.kind];
    const target = statement.inferredLocks[0]?.relation;
    if (!change || !target) continue;
    const key = relationKey(target);
    tally(key, after.get(key)?.table ?? before.get(key)?.table ?? target)[change] += write.changes;
  }

  for (const [key, now] of after) {
    const t = tally(key, now.table);
    t.table = now.table;
    let unexplained = now.rows - (before.get(key)?.rows ?? 0) - (t.inserted - t.deleted);
    if (unexplained < 0 && t.inserted > 0) {
      // An upsert (INSERT … ON CONFLICT DO UPDATE) or REPLACE reports changed rows it did not add.
      const rewritten = Math.min(-unexplained, t.inserted);
      t.inserted -= rewritten;
      t.updated += rewritten;
      unexplained += rewritten;
    }
    if (unexplained > 0) t.inserted += unexplained;
    if (unexplained < 0) t.deleted -= unexplained;
  }

  const rows = [...tallies.values()]
    .filter((t) => t.inserted || t.updated || t.deleted)
    .map((t): TableRows => ({ table: t.table, read: 0, inserted: t.inserted, updated: t.updated, deleted: t.deleted }));
  return rows.sort((a, b) => a.table.localeCompare(b.table));
}
