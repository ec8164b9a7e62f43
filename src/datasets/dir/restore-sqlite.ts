// Restores a dataset directory on SQLite, in one transaction with foreign keys off (SQLite declares
// them in CREATE TABLE, so rows would otherwise have to arrive parents first, which a cycle
// forbids): schema-pre.sql (the CREATE TABLE texts), the rows by multi-row INSERTs with bound
// parameters (binary columns arrive as hex and are bound as blobs; other values as text, which
// the columns' affinity turns into numbers where they are declared so), schema-post.sql (indexes,
// triggers and views, after the data), then `PRAGMA foreign_key_check`, which must find nothing.
// The connection's foreign_keys setting is set back afterwards.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseError, toDatabaseError, type Session } from '../../engines/engine.ts';
import { quoteIdent } from '../../observe/sqlite/names.ts';
import { InputError } from '../../errors.ts';
import { redactDataValues } from '../../redact.ts';
import { splitSqliteFile } from '../../sql/sqlite-split.ts';
import { runStatements } from '../run-statements.ts';
import type { DatasetTable } from './manifest.ts';
import { DataFileError, dataFilePath, SCHEMA_POST_FILE, SCHEMA_PRE_FILE, tableRows } from './reader.ts';
import type { DialectRestore, DialectRestoreResult } from './restore.ts';

/** Bound parameters per INSERT: under SQLite's limit (32,766 since 3.32). */
const MAX_PARAMS = 30_000;
const MAX_ROWS_PER_INSERT = 500;

export async function restoreSqlite(context: DialectRestore): Promise<DialectRestoreResult> {
  const { session, dir } = context;
  const { rows: setting } = await session.query<{ foreign_keys: number }>('PRAGMA foreign_keys');
  const foreignKeys = Number(setting[0]?.foreign_keys ?? 0) === 1;
  // PRAGMA foreign_keys is a no-op inside a transaction: it is set before BEGIN.
  await session.exec('PRAGMA foreign_keys = OFF');
  try {
    await session.exec('BEGIN');
    try {
      let started = performance.now();
      await runScript(session, join(dir, SCHEMA_PRE_FILE));
      const schemaPre = Math.round(performance.now() - started);
      context.checkAborted();

      started = performance.now();
      const rows = await context.forEachTable([session], (s, table) => insertRows(s, dir, table));
      const data = Math.round(performance.now() - started);
      context.checkAborted();

      started = performance.now();
      await runScript(session, join(dir, SCHEMA_POST_FILE));
      await checkForeignKeys(session, dir);
      await session.exec('COMMIT');
      const schemaPost = Math.round(performance.now() - started);
      return { rows, sessions: 1, method: 'INSERT (one transaction)', notes: [], phases: { schemaPre, data, schemaPost } };
    } catch (error) {
      await session.exec('ROLLBACK').catch(() => {});
      throw error;
    }
  } finally {
    await session.exec(`PRAGMA foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`).catch(() => {});
  }
}

async function runScript(session: Session, path: string): Promise<void> {
  const text = await readFile(path, 'utf8');
  await runStatements(session, path, splitSqliteFile(path, text).statements, { transaction: false });
}

async function insertRows(session: Session, dir: string, table: DatasetTable): Promise<number> {
  const width = table.columns.length;
  const perInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMS / width)));
  const head = `INSERT INTO ${quoteIdent(table.name)} (${table.columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES `;
  const tuple = `(${table.columns.map(() => '?').join(', ')})`;
  const fullBatch = head + Array(perInsert).fill(tuple).join(', ');
  const binary = table.columns.map((c) => c.binary === true);
  let params: unknown[] = [];
  let batchRows = 0;
  let line = 0;
  let inserted = 0;
  const flush = async () => {
    if (batchRows === 0) return;
    try {
      const sql = batchRows === perInsert ? fullBatch : head + Array(batchRows).fill(tuple).join(', ');
      const { rowCount } = await session.query(sql, params);
      inserted += rowCount ?? batchRows;
    } catch (error) {
      const failure = toDatabaseError(error);
      if (!(failure instanceof DatabaseError)) throw failure;
      throw new InputError('DATASET_RESTORE_FAILED', `table "${table.name}", rows ${line - batchRows + 1}–${line}: ${redactDataValues(failure.message)}`, {
        location: { file: dataFilePath(dir, table), line: line - batchRows + 1 },
        cause: failure,
      });
    }
    params = [];
    batchRows = 0;
  };
  for await (const fields of tableRows(dir, table)) {
    line++;
    for (let i = 0; i < fields.length; i++) {
      const value = fields[i]!;
      params.push(binary[i] && value !== null ? fromHex(dir, table, value, line) : value);
    }
    if (++batchRows === perInsert) await flush();
  }
  await flush();
  if (inserted !== table.rows) {
    throw new DataFileError(table.name, table.file, `loaded as ${inserted} rows, the manifest says ${table.rows}`, dataFilePath(dir, table));
  }
  return inserted;
}

function fromHex(dir: string, table: DatasetTable, value: string, line: number): Buffer {
  if (value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) {
    throw new InputError('DATASET_INVALID', `row ${line} of table "${table.name}": a binary column holds something other than hex digits`, {
      location: { file: dataFilePath(dir, table), line },
    });
  }
  return Buffer.from(value, 'hex');
}

/** `PRAGMA foreign_key_check` over the whole database: every violation, grouped by table and parent. */
async function checkForeignKeys(session: Session, dir: string): Promise<void> {
  const { rows } = await session.query<{ table: string; parent: string }>('PRAGMA foreign_key_check');
  if (rows.length === 0) return;
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = `"${row.table}" → "${row.parent}"`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const list = [...counts].map(([key, n]) => `${n} row(s) of ${key}`).join(', ');
  const firstTable = rows[0]!.table;
  throw new InputError(
    'DATASET_INVALID',
    `foreign keys do not hold after the restore (PRAGMA foreign_key_check): ${list} reference rows the dataset does not hold; table "${firstTable}" first`,
    { location: { file: join(dir, 'manifest.json') } },
  );
}
