// PRAGMA foreign_key_check after a step: rows whose parent is missing, counted per child table
// and parent (the rows themselves, and their rowids, never leave the database). With foreign
// keys off — as SQLite's table-rebuild procedure requires — nothing stops a migration from
// leaving orphans behind; this is how they are found.
import type { Session } from '../../engines/engine.ts';

export interface ForeignKeyViolation {
  /** The table holding rows without a parent. */
  table: string;
  /** The table the foreign key refers to. */
  parent: string;
  rows: number;
}

export async function foreignKeyViolations(session: Session): Promise<ForeignKeyViolation[]> {
  const { rows } = await session.query<{ child: string; parent: string; n: number }>(
    `SELECT "table" AS child, parent, count(*) AS n FROM pragma_foreign_key_check GROUP BY "table", parent ORDER BY "table", parent`,
  );
  return rows.map((r) => ({ table: r.child, parent: r.parent, rows: Number(r.n) }));
}
