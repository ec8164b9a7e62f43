// Row counts and content checksums of every table, one scan per table: the loop every dialect
// shares. What differs is only the SQL of the scan (how a table is named, how rows and columns are
// hashed in the database), which each dialect's content.ts supplies.
import type { Session } from '../engines/engine.ts';
import type { SchemaSnapshot, TableContent } from '../rehearsal/evidence.ts';

export interface ContentSql {
  /** `FROM …` for a table of the snapshot. */
  from(table: string): string;
  /** The select expression of the row count, named `n`. */
  count: string;
  /** Select expressions of the whole-row checksum and, with `perColumn`, each column's (`columns` in name order). */
  checksums(columns: string[], perColumn: boolean): string[];
  /** The checksums out of the result row. */
  read(row: Record<string, unknown>, columns: string[], perColumn: boolean): Pick<TableContent, 'checksum' | 'columns'>;
}

/** `row_hash` and `c0`, `c1`, …: how the server-side dialects name their checksum columns. */
export function readNamedChecksums(row: Record<string, unknown>, columns: string[], perColumn: boolean): Pick<TableContent, 'checksum' | 'columns'> {
  return {
    checksum: String(row.row_hash ?? ''),
    columns: perColumn ? Object.fromEntries(columns.map((c, i) => [c, String(row[`c${i}`] ?? '')])) : {},
  };
}

export async function tableContents(
  session: Session,
  schema: SchemaSnapshot,
  skip: (table: string) => boolean,
  options: { countsOnly?: boolean; columnChecksums: boolean },
  sql: ContentSql,
): Promise<Record<string, TableContent>> {
  const result: Record<string, TableContent> = {};
  for (const [name, table] of Object.entries(schema.tables)) {
    if (skip(name)) continue;
    const columns = table.columns.map((c) => c.name).sort();
    if (options.countsOnly || columns.length === 0) {
      const { rows } = await session.query<{ n: unknown }>(`SELECT ${sql.count} ${sql.from(name)}`);
      result[name] = { rows: Number(rows[0]?.n ?? 0), checksum: '', columns: {} };
      continue;
    }
    const select = [sql.count, ...sql.checksums(columns, options.columnChecksums)];
    const { rows } = await session.query<Record<string, unknown>>(`SELECT ${select.join(', ')} ${sql.from(name)}`);
    const row = rows[0] ?? {};
    result[name] = { rows: Number(row.n ?? 0), ...sql.read(row, columns, options.columnChecksums) };
  }
  return result;
}
