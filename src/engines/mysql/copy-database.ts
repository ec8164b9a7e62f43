// Copying one database into another on the same MySQL/MariaDB server. MySQL has no template
// databases (PostgreSQL's CREATE DATABASE … TEMPLATE) and no supported file-level copy, so the
// copy is made object by object, inside the server (no data passes through rehearse):
//
//   1. tables:   CREATE TABLE … LIKE (columns, indexes, CHECK constraints, partitioning, table
//                options), then INSERT … SELECT with the source's explicit column list
//                (generated columns are computed again; invisible columns are included);
//   2. foreign keys, re-added from SHOW CREATE TABLE, because CREATE TABLE … LIKE drops them;
//      with foreign_key_checks=0 they are added in place, without validating or rebuilding;
//   3. AUTO_INCREMENT counters, which CREATE TABLE … LIKE resets and INSERT … SELECT only
//      raises to max(id) + 1 (the source's may be higher after deletes);
//   4. routines, then views (a view may call a function; views on views are retried until
//      every dependency exists), then triggers (after the data, so they do not fire on it).
//
// Not copied: events (the scheduler is a server-wide concern) and MariaDB system-versioned history.
// Objects are created by the connecting user (DEFINER clauses are dropped: see withoutDefiner).

import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { MARKER_TABLE } from './scratch-marker.ts';
import { autoIncrementOf, foreignKeyClauses, quoteIdent, requalified, withoutDefiner } from './sql-text.ts';

export interface CopyResult {
  tables: number;
  rows: number;
  foreignKeys: number;
  views: number;
  triggers: number;
  routines: number;
}

/**
 * Copies every table, row, foreign key, routine, view and trigger of `source` into `target`.
 * `connection` must have `target` as its default database: unqualified names in the DDL the
 * server prints (routine and trigger bodies, foreign-key targets) then resolve to the copy.
 * The connection's session settings are changed: give it a connection of its own.
 */
export async function copyDatabase(connection: Connection, source: string, target: string): Promise<CopyResult> {
  const rowsOf = async (sql: string, params: unknown[] = []) => (await connection.query<RowDataPacket[]>(sql, params))[0];
  const run = async (sql: string) => (await connection.query<ResultSetHeader>(sql))[0];
  const src = (name: string) => `${quoteIdent(source)}.${quoteIdent(name)}`;
  const dst = (name: string) => `${quoteIdent(target)}.${quoteIdent(name)}`;

  // No foreign-key or unique checks while copying data that already satisfied them; 0 in an
  // AUTO_INCREMENT column is copied as 0, not replaced by a new value; no strict mode, so values
  // the source holds (zero dates, …) are copied as they are rather than refused.
  await run(`SET SESSION foreign_key_checks = 0, unique_checks = 0, sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'`);

  const tables = await rowsOf(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE') AND TABLE_NAME <> ? ORDER BY TABLE_NAME`,
    [source, MARKER_TABLE],
  );
  const result: CopyResult = { tables: 0, rows: 0, foreignKeys: 0, views: 0, triggers: 0, routines: 0 };
  const definitions = new Map<string, string>();
  for (const { name, type } of tables as { name: string; type: string }[]) {
    const [[created]] = await connection.query<RowDataPacket[]>(`SHOW CREATE TABLE ${src(name)}`);
    definitions.set(name, String(created!['Create Table']));
    await run(`CREATE TABLE ${dst(name)} LIKE ${src(name)}`);
    result.tables++;
    // A sequence (MariaDB) is a one-row table whose row is its state: copy it whole.
    const columns = type === 'SEQUENCE' ? '*' : await copiedColumns(rowsOf, source, name);
    if (columns === '') continue;
    const list = columns === '*' ? '' : ` (${columns})`;
    result.rows += (await run(`INSERT INTO ${dst(name)}${list} SELECT ${columns} FROM ${src(name)}`)).affectedRows;
  }

  for (const [name, definition] of definitions) {
    const foreignKeys = foreignKeyClauses(definition);
    if (foreignKeys.length > 0) {
      await run(`ALTER TABLE ${dst(name)} ${foreignKeys.map((fk) => `ADD ${fk}`).join(', ')}`);
      result.foreignKeys += foreignKeys.length;
    }
    const next = autoIncrementOf(definition);
    if (next !== undefined) await run(`ALTER TABLE ${dst(name)} AUTO_INCREMENT = ${next}`);
  }

  result.routines = await copyRoutines(connection, rowsOf, source);
  await run(`SET SESSION sql_mode = @@GLOBAL.sql_mode`);
  result.views = await copyViews(connection, rowsOf, source, target);
  result.triggers = await copyTriggers(connection, rowsOf, source);
  return result;
}

type RowsOf = (sql: string, params?: unknown[]) => Promise<RowDataPacket[]>;

/** The columns INSERT … SELECT copies: every stored column, generated ones excepted (the copy computes them). */
async function copiedColumns(rowsOf: RowsOf, database: string, table: string): Promise<string> {
  const columns = await rowsOf(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND (GENERATION_EXPRESSION IS NULL OR GENERATION_EXPRESSION = '')
      ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  return columns.map((c) => quoteIdent(String(c.name))).join(', ');
}

async function copyRoutines(connection: Connection, rowsOf: RowsOf, source: string): Promise<number> {
  const routines = await rowsOf(
    `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES
      WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION') ORDER BY ROUTINE_TYPE, ROUTINE_NAME`,
    [source],
  );
  for (const { name, type } of routines as { name: string; type: 'PROCEDURE' | 'FUNCTION' }[]) {
    const [[shown]] = await connection.query<RowDataPacket[]>(`SHOW CREATE ${type} ${quoteIdent(source)}.${quoteIdent(name)}`);
    const createSql = shown?.[type === 'PROCEDURE' ? 'Create Procedure' : 'Create Function'];
    if (typeof createSql !== 'string') throw new Error(`cannot read the definition of ${type.toLowerCase()} ${name} (missing privilege?)`);
    // A routine runs with the sql_mode it was created with: create the copy under the same one.
    await connection.query(`SET SESSION sql_mode = ?`, [String(shown!.sql_mode)]);
    await connection.query(withoutDefiner(createSql));
  }
  return routines.length;
}

async function copyViews(connection: Connection, rowsOf: RowsOf, source: string, target: string): Promise<number> {
  const views = await rowsOf(`SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, [source]);
  let pending = await Promise.all(
    views.map(async ({ name }) => {
      const [[shown]] = await connection.query<RowDataPacket[]>(`SHOW CREATE VIEW ${quoteIdent(source)}.${quoteIdent(String(name))}`);
      return requalified(withoutDefiner(String(shown!['Create View'])), source, target);
    }),
  );
  // A view on a view can only be created after it: retry the failures while each round creates one.
  while (pending.length > 0) {
    const failed: { sql: string; error: unknown }[] = [];
    for (const sql of pending) {
      await connection.query(sql).catch((error: unknown) => failed.push({ sql, error }));
    }
    if (failed.length === pending.length) throw failed[0]!.error;
    pending = failed.map((f) => f.sql);
  }
  return views.length;
}

async function copyTriggers(connection: Connection, rowsOf: RowsOf, source: string): Promise<number> {
  // Created in ACTION_ORDER per table and event, each after the previous one: the copy fires in
  // the same order without FOLLOWS/PRECEDES clauses.
  const triggers = await rowsOf(
    `SELECT TRIGGER_NAME AS name, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event, EVENT_OBJECT_TABLE AS tbl,
            ACTION_STATEMENT AS body, SQL_MODE AS sql_mode
       FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
      ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
    [source],
  );
  for (const t of triggers) {
    await connection.query(`SET SESSION sql_mode = ?`, [String(t.sql_mode)]);
    await connection.query(
      `CREATE TRIGGER ${quoteIdent(String(t.name))} ${t.timing} ${t.event} ON ${quoteIdent(String(t.tbl))} FOR EACH ROW ${t.body}`,
    );
  }
  return triggers.length;
}
