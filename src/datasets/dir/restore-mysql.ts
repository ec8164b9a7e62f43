// Restores a dataset directory on MySQL/MariaDB:
//   1. schema-pre.sql — CREATE TABLE with the primary key only, run as a mysqldump is
//      (load-script.ts: the mysql client's statement rules, DEFINER clauses removed);
//   2. the data, with foreign-key and unique checks off and NO_AUTO_VALUE_ON_ZERO (a row whose
//      AUTO_INCREMENT id is 0 keeps it), each table in a transaction of its own:
//      - `LOAD DATA LOCAL INFILE`, the file streamed from the gunzip stream (the data files are in
//        LOAD DATA's default format; binary columns arrive as hex and go in through
//        `SET col = UNHEX(@col)`), when the server allows it (`local_infile`) and the session can
//        send a stream (`LocalInfileSession`). With LOCAL the server turns bad rows into warnings,
//        so any warning fails the table;
//      - otherwise multi-row INSERTs of about 1 MB (slower; the result's notes say why);
//      on as many sessions as the caller gives, the largest tables first;
//   3. schema-post.sql — secondary keys, foreign keys, views, triggers. Foreign keys are added with
//      checks off (an in-place ALTER instead of a table copy), so the dataset's foreign keys
//      (manifest.foreignKeys) are then checked with one anti-join each.
// The session settings the restore changes are set back afterwards.
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DatabaseError, toDatabaseError, type Session } from '../../engines/engine.ts';
import { quoteIdent } from '../../engines/mysql/sql-text.ts';
import { InputError } from '../../errors.ts';
import { redactDataValues } from '../../redact.ts';
import { loadDatasetScript } from '../load-script.ts';
import type { DatasetForeignKey, DatasetTable } from './manifest.ts';
import { DataFileError, dataFilePath, SCHEMA_POST_FILE, SCHEMA_PRE_FILE, tableRows, verifiedDataChunks } from './reader.ts';
import type { DialectRestore, DialectRestoreResult } from './restore.ts';
import type { Field } from './tsv.ts';

/**
 * A MySQL session that can run `LOAD DATA LOCAL INFILE` with its data read from a stream it is
 * given (mysql2: a connection with the LOCAL_FILES client flag, and the query's own
 * `infileStreamFactory` returning `data()` whatever file name the server asks for — never a file
 * of the machine). Returns the statement's affected rows and warning count.
 */
export interface LocalInfileSession extends Session {
  loadLocalInfile(sql: string, data: () => Readable): Promise<{ affectedRows: number; warnings: number }>;
}

export function canLoadLocalInfile(session: Session): session is LocalInfileSession {
  return typeof (session as Partial<LocalInfileSession>).loadLocalInfile === 'function';
}

/** SQL text of a multi-row INSERT is cut at about this many characters (max_allowed_packet is 16 MB or more). */
const INSERT_BATCH_CHARS = 1 << 20;
const INSERT_BATCH_ROWS = 5000;

interface SessionSettings {
  foreign_key_checks: string;
  unique_checks: string;
  sql_mode: string;
}

export async function restoreMysql(context: DialectRestore): Promise<DialectRestoreResult> {
  const { session, dir, manifest } = context;
  const database = await currentDatabase(session);
  const sessions = await context.loadSessions();
  const saved = await Promise.all(sessions.map(prepareSession));
  try {
    let started = performance.now();
    await loadDatasetScript('mysql', session, join(dir, SCHEMA_PRE_FILE), database);
    const schemaPre = Math.round(performance.now() - started);
    context.log(`schema-pre.sql: ${schemaPre} ms`);
    context.checkAborted();

    started = performance.now();
    const notes: string[] = [];
    const serverAllows = await localInfileEnabled(session);
    const sessionsCan = sessions.every(canLoadLocalInfile);
    const useLoadData = serverAllows && sessionsCan;
    if (!useLoadData && manifest.tables.some((t) => t.rows > 0)) {
      notes.push(
        serverAllows
          ? 'the rows went in as multi-row INSERTs: this connection cannot stream LOAD DATA LOCAL INFILE (several times slower)'
          : 'the rows went in as multi-row INSERTs because the server has local_infile=OFF (several times slower): SET GLOBAL local_infile = ON lets rehearse use LOAD DATA LOCAL INFILE',
      );
    }
    const load = useLoadData ? loadDataLocal : insertRows;
    const rows = await context.forEachTable(sessions, (s, table) => inTransaction(s, () => load(s, dir, table)));
    const data = Math.round(performance.now() - started);
    context.checkAborted();

    started = performance.now();
    await loadDatasetScript('mysql', session, join(dir, SCHEMA_POST_FILE), database);
    await checkForeignKeys(session, dir, manifest.foreignKeys);
    const schemaPost = Math.round(performance.now() - started);
    context.log(`schema-post.sql and foreign-key check: ${schemaPost} ms`);
    return { rows, sessions: sessions.length, method: useLoadData ? 'LOAD DATA LOCAL INFILE' : 'multi-row INSERT', notes, phases: { schemaPre, data, schemaPost } };
  } finally {
    await Promise.all(sessions.map((s, i) => restoreSession(s, saved[i]!).catch(() => {})));
  }
}

async function currentDatabase(session: Session): Promise<string> {
  const { rows } = await session.query<{ db: string | null }>('SELECT DATABASE() AS db');
  const db = rows[0]?.db;
  if (!db) throw new Error('the restore session is not connected to a database');
  return db;
}

async function localInfileEnabled(session: Session): Promise<boolean> {
  const { rows } = await session.query<{ on: unknown }>('SELECT @@GLOBAL.local_infile AS `on`');
  return Number(rows[0]?.on) === 1;
}

/**
 * Checks off for the load; NO_AUTO_VALUE_ON_ZERO so an id 0 stays 0; backslash escapes on, since
 * the INSERT path's literals and LOAD DATA's `ESCAPED BY '\\'` are written with them.
 */
async function prepareSession(session: Session): Promise<SessionSettings> {
  const { rows } = await session.query<SessionSettings>(
    'SELECT @@SESSION.foreign_key_checks AS foreign_key_checks, @@SESSION.unique_checks AS unique_checks, @@SESSION.sql_mode AS sql_mode',
  );
  const saved = rows[0]!;
  const modes = saved.sql_mode.split(',').filter((m) => m !== '' && m !== 'NO_BACKSLASH_ESCAPES' && m !== 'NO_AUTO_VALUE_ON_ZERO');
  await session.query('SET SESSION foreign_key_checks = 0, unique_checks = 0, sql_mode = ?', [[...modes, 'NO_AUTO_VALUE_ON_ZERO'].join(',')]);
  return saved;
}

async function restoreSession(session: Session, saved: SessionSettings): Promise<void> {
  await session.query('SET SESSION foreign_key_checks = ?, unique_checks = ?, sql_mode = ?', [Number(saved.foreign_key_checks), Number(saved.unique_checks), saved.sql_mode]);
}

async function inTransaction<T>(session: Session, work: () => Promise<T>): Promise<T> {
  await session.query('START TRANSACTION');
  try {
    const result = await work();
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function loadDataLocal(session: Session, dir: string, table: DatasetTable): Promise<number> {
  const targets = table.columns.map((c, i) => (c.binary ? `@c${i}` : quoteIdent(c.name)));
  const sets = table.columns.flatMap((c, i) => (c.binary ? [`${quoteIdent(c.name)} = UNHEX(@c${i})`] : []));
  const sql =
    `LOAD DATA LOCAL INFILE 'rehearse-dataset' INTO TABLE ${quoteIdent(table.name)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(', ')})` +
    (sets.length > 0 ? ` SET ${sets.join(', ')}` : '');
  // The checks run at the end of the stream: a file that fails them fails the statement, and the
  // transaction it ran in is rolled back.
  let streamError: unknown;
  const data = () => {
    const stream = Readable.from(verifiedDataChunks(dir, table), { objectMode: false });
    stream.on('error', (error) => (streamError ??= error));
    return stream;
  };
  let result: { affectedRows: number; warnings: number };
  try {
    result = await (session as LocalInfileSession).loadLocalInfile(sql, data);
  } catch (error) {
    throw streamError ?? loadFailure(dir, table, error);
  }
  if (streamError) throw streamError;
  if (result.warnings > 0) {
    const { rows } = await session.query<{ Level: string; Code: number; Message: string }>('SHOW WARNINGS LIMIT 3');
    const what = rows.map((w) => `${w.Level} ${w.Code}: ${redactDataValues(w.Message)}`).join('; ');
    throw new InputError('DATASET_RESTORE_FAILED', `table "${table.name}": LOAD DATA reported ${result.warnings} warning(s), so rows were changed or left out: ${what}`, {
      location: { file: dataFilePath(dir, table) },
    });
  }
  if (result.affectedRows !== table.rows) {
    throw new DataFileError(table.name, table.file, `loaded as ${result.affectedRows} rows, the manifest says ${table.rows}`, dataFilePath(dir, table));
  }
  return result.affectedRows;
}

async function insertRows(session: Session, dir: string, table: DatasetTable): Promise<number> {
  const head = `INSERT INTO ${quoteIdent(table.name)} (${table.columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES `;
  const tuple = `(${table.columns.map(() => '?').join(', ')})`;
  const binary = table.columns.map((c) => c.binary === true);
  let params: unknown[] = [];
  let batchRows = 0;
  let batchChars = 0;
  let line = 0;
  let firstLine = 1;
  let inserted = 0;
  const flush = async () => {
    if (batchRows === 0) return;
    try {
      const { rowCount } = await session.query(head + Array(batchRows).fill(tuple).join(', '), params);
      inserted += rowCount ?? batchRows;
    } catch (error) {
      throw loadFailure(dir, table, error, batchRows === 1 ? firstLine : undefined);
    }
    params = [];
    batchRows = 0;
    batchChars = 0;
    firstLine = line + 1;
  };
  for await (const fields of tableRows(dir, table)) {
    line++;
    for (let i = 0; i < fields.length; i++) {
      const value = fields[i]!;
      params.push(binary[i] ? fromHex(dir, table, value, line) : value);
      batchChars += (value?.length ?? 4) + 4;
    }
    batchRows++;
    if (batchChars >= INSERT_BATCH_CHARS || batchRows >= INSERT_BATCH_ROWS) await flush();
  }
  await flush();
  if (inserted !== table.rows) {
    throw new DataFileError(table.name, table.file, `loaded as ${inserted} rows, the manifest says ${table.rows}`, dataFilePath(dir, table));
  }
  return inserted;
}

function fromHex(dir: string, table: DatasetTable, value: Field, line: number): Buffer | null {
  if (value === null) return null;
  if (!/^[0-9a-fA-F]*$/.test(value)) {
    throw new InputError('DATASET_INVALID', `row ${line} of table "${table.name}": a binary column holds something other than hex digits`, {
      location: { file: dataFilePath(dir, table), line },
    });
  }
  // HEX() of a BIT value has no leading zero (`HEX(b'101')` is `5`): read as UNHEX reads it.
  return Buffer.from(value.length % 2 === 0 ? value : `0${value}`, 'hex');
}

function loadFailure(dir: string, table: DatasetTable, error: unknown, line?: number): unknown {
  const failure = toDatabaseError(error);
  if (!(failure instanceof DatabaseError)) return failure;
  return new InputError('DATASET_RESTORE_FAILED', `table "${table.name}": ${redactDataValues(failure.message)}`, {
    location: { file: dataFilePath(dir, table), ...(line === undefined ? {} : { line }) },
    cause: failure,
  });
}

/** Every foreign key of the dataset holds: a child row whose key columns are all set has its parent. */
async function checkForeignKeys(session: Session, dir: string, foreignKeys: DatasetForeignKey[]): Promise<void> {
  for (const fk of foreignKeys) {
    const notNull = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
    const match = fk.columns.map((c, i) => `p.${quoteIdent(fk.referencedColumns[i]!)} = c.${quoteIdent(c)}`).join(' AND ');
    const { rows } = await session.query<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM ${quoteIdent(fk.table)} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(fk.references)} p WHERE ${match})`,
    );
    const orphans = Number(rows[0]?.n ?? 0);
    if (orphans > 0) {
      throw new InputError(
        'DATASET_INVALID',
        `${orphans} row(s) of table "${fk.table}" reference rows of "${fk.references}" the dataset does not hold (${fk.table}.${fk.columns.join(', ')} → ${fk.references}.${fk.referencedColumns.join(', ')}): the dataset is not consistent`,
        { location: { file: join(dir, 'manifest.json') } },
      );
    }
  }
}
