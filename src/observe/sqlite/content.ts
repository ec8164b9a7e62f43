// Row counts and content checksums of every table, in one scan per table, through the
// `rehearse_checksum` aggregate every rehearse SQLite connection provides
// (src/engines/sqlite/content-checksum.mjs): order-independent sums of 64-bit hashes of whole rows
// (columns in name order, so a table rebuilt with its columns in another order compares equal)
// and of each column. Values never leave the session's process; only the sums do. The loop over
// tables is observe/table-contents.ts.
import type { Session } from '../../engines/engine.ts';
import type { ContentSql } from '../table-contents.ts';
import { quoteIdent } from './names.ts';

/** The checksum of no rows (the sum of nothing). */
const EMPTY_SUM = '0000000000000000';

export const sqliteContentSql: ContentSql = {
  from: (table) => `FROM ${quoteIdent(table)}`,
  count: 'count(*) AS n',
  checksums: (columns, perColumn) => [`rehearse_checksum(${[perColumn ? '1' : '0', ...columns.map(quoteIdent)].join(', ')}) AS sums`],
  read: (row, columns, perColumn) => {
    const sums = JSON.parse(String(row.sums ?? '{}')) as { row?: string; columns?: string[] };
    return {
      checksum: sums.row ?? EMPTY_SUM,
      columns: perColumn ? Object.fromEntries(columns.map((c, i) => [c, sums.columns?.[i] ?? EMPTY_SUM])) : {},
    };
  },
};

/** A virtual table's rows live in its shadow tables, which are checksummed as tables. */
export async function virtualTables(session: Session): Promise<Set<string>> {
  const { rows } = await session.query<{ name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'`);
  return new Set(rows.map((r) => r.name));
}

/** Rows per table (exact counts), the same tables as `tableContents`. */
export async function rowCounts(session: Session, tables: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of tables) {
    const { rows } = await session.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
    counts.set(table, Number(rows[0]?.n ?? 0));
  }
  return counts;
}

/** Ordinary tables (virtual tables left out: their rows are their shadow tables'). */
export async function ordinaryTables(session: Session): Promise<string[]> {
  const { rows } = await session.query<{ name: string }>(
    `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name`,
  );
  return rows.map((r) => r.name);
}
