// Row counts and content checksums of every table, in one scan per table. The checksums are
// order-independent sums of 64-bit hashes (hashtextextended), of whole rows (columns in name
// order, so a dropped and re-added column compares equal) and of each column, so a difference
// can be pinned to a column. Values themselves never leave the database.
import { readNamedChecksums, type ContentSql } from '../table-contents.ts';
import { quoteIdent } from './names.ts';

// hashtextextended(NULL) is NULL, which sum() would skip: give NULL a hash of its own.
const NULL_HASH = '5';

function relationSql(table: string): string {
  const dot = table.indexOf('.');
  return dot < 0 ? `public.${quoteIdent(table)}` : `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
}

const hash = (expr: string) => `coalesce(sum(coalesce(hashtextextended((${expr})::text, 0), ${NULL_HASH})::numeric), 0)::text`;

export const postgresContentSql: ContentSql = {
  // ONLY: a partitioned table's rows are its partitions', each checksummed as a table.
  from: (table) => `FROM ONLY ${relationSql(table)}`,
  count: 'count(*)::int8::text AS n',
  checksums: (columns, perColumn) => [
    `${hash(`ROW(${columns.map(quoteIdent).join(', ')})`)} AS row_hash`,
    ...(perColumn ? columns.map((c, i) => `${hash(quoteIdent(c))} AS c${i}`) : []),
  ],
  read: readNamedChecksums,
};
