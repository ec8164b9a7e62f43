// Row counts and content checksums of every table, in one scan per table. The checksums are
// order-independent sums of 64-bit hashes (hashtextextended), of whole rows (columns in name
// order, so a dropped and re-added column compares equal) and of each column, so a difference
// can be pinned to a column. Values themselves never leave the database.
import type { Session } from '../../engines/engine.ts';
import type { SchemaSnapshot, TableContent } from '../../rehearsal/evidence.ts';
import { quoteIdent } from './names.ts';

// hashtextextended(NULL) is NULL, which sum() would skip: give NULL a hash of its own.
const NULL_HASH = '5';

function relationSql(table: string): string {
  const dot = table.indexOf('.');
  return dot < 0 ? `public.${quoteIdent(table)}` : `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
}

export async function tableContents(
  session: Session,
  schema: SchemaSnapshot,
  skip: (table: string) => boolean,
  options: { countsOnly?: boolean; columnChecksums: boolean },
): Promise<Record<string, TableContent>> {
  const result: Record<string, TableContent> = {};
  for (const [name, table] of Object.entries(schema.tables)) {
    if (skip(name)) continue;
    const columns = table.columns.map((c) => c.name).sort();
    const from = `FROM ONLY ${relationSql(name)}`;
    if (options.countsOnly || columns.length === 0) {
      const { rows } = await session.query<{ n: string }>(`SELECT count(*)::int8::text AS n ${from}`);
      result[name] = { rows: Number(rows[0]?.n ?? 0), checksum: '', columns: {} };
      continue;
    }
    const hash = (expr: string) => `coalesce(sum(coalesce(hashtextextended((${expr})::text, 0), ${NULL_HASH})::numeric), 0)::text`;
    const rowExpr = `ROW(${columns.map(quoteIdent).join(', ')})`;
    const select = [
      `count(*)::int8::text AS n`,
      `${hash(rowExpr)} AS row_hash`,
      ...(options.columnChecksums ? columns.map((c, i) => `${hash(quoteIdent(c))} AS c${i}`) : []),
    ];
    const { rows } = await session.query<Record<string, string>>(`SELECT ${select.join(', ')} ${from}`);
    const r = rows[0] ?? {};
    result[name] = {
      rows: Number(r.n ?? 0),
      checksum: r.row_hash ?? '',
      columns: options.columnChecksums ? Object.fromEntries(columns.map((c, i) => [c, r[`c${i}`] ?? ''])) : {},
    };
  }
  return result;
}
