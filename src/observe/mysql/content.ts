// Row counts and content checksums of every table, in one scan per table, computed in the
// server so values never leave it.
//
// Each value becomes a token: `N` for NULL, otherwise the MD5 of its bytes (CAST AS BINARY: no
// collation can make two different values equal, and the token has a fixed length, so tokens
// joined with `,` cannot run into each other). A row's hash is the MD5 of its tokens in column
// name order (a dropped and re-added column compares equal); a checksum is the sum of the first
// 64 bits of those hashes over all rows: order-independent, exact (SUM of BIGINT UNSIGNED is a
// DECIMAL in MySQL). Per column, the sum of the first 64 bits of each value's MD5 (NULL a constant
// no hash is likely to meet): one MD5 per value, where hashing the token again cost a second.
// Checksums are only ever compared with checksums of the same code.
//
// CHECKSUM TABLE was not used: its result depends on the physical row format and column order
// (a table rebuilt with the same rows may checksum differently, and it differs between versions),
// and it cannot say which column changed.
import { readNamedChecksums, type ContentSql } from '../table-contents.ts';
import { quoteIdent } from './names.ts';

const token = (column: string) => `IF(${quoteIdent(column)} IS NULL, 'N', MD5(CAST(${quoteIdent(column)} AS BINARY)))`;
const hash64 = (expr: string) => `CAST(CONV(LEFT(MD5(${expr}), 16), 16, 10) AS UNSIGNED)`;
const checksum = (expr: string) => `CAST(COALESCE(SUM(${hash64(expr)}), 0) AS CHAR)`;
/** 2^63 + 1: what a NULL adds to a column's sum. */
const NULL_VALUE = '9223372036854775809';
const columnChecksum = (column: string) =>
  `CAST(COALESCE(SUM(IF(${quoteIdent(column)} IS NULL, ${NULL_VALUE}, CAST(CONV(LEFT(MD5(CAST(${quoteIdent(column)} AS BINARY)), 16), 16, 10) AS UNSIGNED))), 0) AS CHAR)`;

export const mysqlContentSql: ContentSql = {
  from: (table) => `FROM ${quoteIdent(table)}`,
  count: 'COUNT(*) AS n',
  checksums: (columns, perColumn) => [
    `${checksum(`CONCAT_WS(',', ${columns.map(token).join(', ')})`)} AS row_hash`,
    ...(perColumn ? columns.map((c, i) => `${columnChecksum(c)} AS c${i}`) : []),
  ],
  read: readNamedChecksums,
};
