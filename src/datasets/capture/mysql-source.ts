// Capture source: a MySQL / MariaDB server. One connection, one `START TRANSACTION WITH
// CONSISTENT SNAPSHOT, READ ONLY` (what mysqldump --single-transaction does): InnoDB tables are
// read at one instant. MySQL cannot share a snapshot between connections, so tables are read one
// after another. Values come back as the server's text (dates as written, big numbers as strings);
// binary columns as hex. Nothing is written: the transaction is read-only and only SELECT / SHOW
// statements are sent.
import mysql, { type Connection } from 'mysql2/promise';
import { driverReason, scrubbedCause } from '../../engines/mysql/driver-errors.ts';
import { serverConnectionOptions, type MysqlServerUrl } from '../../engines/mysql/mysql-url.ts';
import { CONNECT_TIMEOUT_MS } from '../../engines/mysql/mysql-session.ts';
import { foreignKeyClauses, quoteIdent, withoutDefiner } from '../../engines/mysql/sql-text.ts';
import { EnvironmentError, UsageError } from '../../errors.ts';
import type { DatasetForeignKey } from '../dir/manifest.ts';
import type { Field } from '../dir/tsv.ts';
import type { SourceSnapshot, SourceTable } from './source.ts';

type Row = Record<string, unknown>;
const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
/** Column types whose values are bytes: hex in the data file. */
const BINARY_TYPE = /^(tiny|medium|long)?blob$|^(var)?binary\b|^bit\b|^geometry|^point|^linestring|^polygon|^multi/i;

export async function openMysqlSource(url: MysqlServerUrl): Promise<SourceSnapshot> {
  if (!url.database) throw new UsageError('USAGE', `--from ${url.redacted}: name the database to capture in the URL's path (mysql://user@host:3306/shop)`);
  let connection: Connection;
  try {
    connection = await mysql.createConnection({
      ...serverConnectionOptions(url, url.database),
      connectTimeout: CONNECT_TIMEOUT_MS,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      charset: 'utf8mb4',
      flags: ['-LOCAL_FILES'],
      connectAttributes: { program_name: 'rehearse-capture' },
    });
  } catch (error) {
    throw new EnvironmentError('ENGINE_UNREACHABLE', `cannot connect to MySQL/MariaDB at ${url.redacted}: ${driverReason(error, url)}`, { cause: scrubbedCause(error, url) });
  }
  connection.on('error', () => {});
  const run = async <T = Row>(what: string, sql: string, params?: unknown[]): Promise<T[]> => {
    try {
      const [rows] = await connection.query(sql, params);
      return rows as T[];
    } catch (error) {
      throw new EnvironmentError('ENGINE_FAILED', `cannot ${what} on ${url.redacted}: ${driverReason(error, url)}`, { cause: scrubbedCause(error, url) });
    }
  };
  try {
    // The session's zone only changes how TIMESTAMP values are shown: UTC, as the restore reads them.
    await run('set the session time zone', "SET time_zone = '+00:00'");
    await run('start a consistent read-only snapshot', 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const version = text((await run<{ v: string }>('read the version', 'SELECT VERSION() AS v'))[0]?.v);
    const tables = await readTables(run);
    const foreignKeys = await readForeignKeys(run);
    return new MysqlSnapshot(url, connection, run, { engine: 'mysql', serverVersion: /mariadb/i.test(version) ? `MariaDB ${version}` : `MySQL ${version}`, database: url.database }, tables, foreignKeys);
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

type Run = <T = Row>(what: string, sql: string, params?: unknown[]) => Promise<T[]>;

class MysqlSnapshot implements SourceSnapshot {
  constructor(
    private readonly url: MysqlServerUrl,
    private readonly connection: Connection,
    private readonly run: Run,
    readonly info: SourceSnapshot['info'],
    readonly tables: SourceTable[],
    readonly foreignKeys: DatasetForeignKey[],
  ) {}

  async *rows(table: SourceTable, options: { columns?: string[]; where?: string } = {}): AsyncIterable<Field[]> {
    const wanted = options.columns ?? table.columns.map((c) => c.name);
    const binary = new Set(table.columns.filter((c) => c.binary).map((c) => c.name));
    const select = wanted.map((c) => (binary.has(c) ? `HEX(${quoteIdent(c)})` : quoteIdent(c))).join(', ');
    const sql = `SELECT ${select} FROM ${table.sqlName}${options.where ? ` WHERE ${options.where}` : ''}`;
    // The underlying callback connection streams rows with backpressure; every value as text.
    // The promise wrapper's underlying callback connection (mysql2 keeps it as `.connection`).
    const callback = (this.connection as unknown as { connection: { query(o: unknown): { stream(o: unknown): AsyncIterable<Field[]> } } }).connection;
    const stream = callback
      .query({ sql, rowsAsArray: true, typeCast: (field: { string(): string | null }) => field.string() })
      .stream({ highWaterMark: 1000 });
    try {
      for await (const row of stream) yield row;
    } catch (error) {
      throw new EnvironmentError('ENGINE_FAILED', `cannot read ${table.name} on ${this.url.redacted}: ${driverReason(error, this.url)}`, { cause: scrubbedCause(error, this.url) });
    }
  }

  async sample(table: SourceTable, column: string, limit: number): Promise<string[]> {
    const c = quoteIdent(column);
    const rows = await this.run<{ v: string }>(`sample ${table.name}.${column}`, `SELECT DISTINCT CAST(${c} AS CHAR) AS v FROM ${table.sqlName} WHERE ${c} IS NOT NULL AND ${c} <> '' LIMIT ${limit}`);
    return rows.map((r) => text(r.v));
  }

  async tracking(): Promise<{ version: string | null; dirty: boolean }> {
    if (!this.tables.some((t) => t.name === 'schema_migrations')) return { version: null, dirty: false };
    const rows = await this.run<{ version: string; dirty: number }>('read schema_migrations', 'SELECT CAST(version AS CHAR) AS version, dirty FROM schema_migrations LIMIT 1');
    return rows[0] ? { version: rows[0].version, dirty: Number(rows[0].dirty) === 1 } : { version: null, dirty: false };
  }

  /** Tables without secondary keys and foreign keys before the data; those, views and triggers after. */
  async schema(): Promise<{ pre: string; post: string }> {
    const pre: string[] = ['SET FOREIGN_KEY_CHECKS = 0;'];
    const post: string[] = [];
    for (const t of this.tables) {
      const [row] = await this.run<Row>(`read the definition of ${t.name}`, `SHOW CREATE TABLE ${t.sqlName}`);
      const { table, after } = splitCreateTable(text(row?.['Create Table']));
      pre.push(`${table};`);
      if (after.length > 0) post.push(`ALTER TABLE ${t.sqlName} ${after.join(', ')};`);
    }
    for (const v of await this.run<Row>('list the views', `SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME`)) {
      const [row] = await this.run<Row>(`read view ${text(v.name)}`, `SHOW CREATE VIEW ${quoteIdent(text(v.name))}`);
      post.push(`${withoutDefiner(text(row?.['Create View']))};`);
    }
    for (const t of await this.run<Row>('list the triggers', `SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY ACTION_ORDER, TRIGGER_NAME`)) {
      const [row] = await this.run<Row>(`read trigger ${text(t.name)}`, `SHOW CREATE TRIGGER ${quoteIdent(text(t.name))}`);
      post.push('DELIMITER ;;', `${withoutDefiner(text(row?.['SQL Original Statement']))};;`, 'DELIMITER ;');
    }
    return { pre: pre.join('\n\n') + '\n', post: post.join('\n\n') + '\n' };
  }

  async close(): Promise<void> {
    await this.connection.query('ROLLBACK').catch(() => undefined);
    await this.connection.end().catch(() => this.connection.destroy());
  }
}

/**
 * A `SHOW CREATE TABLE` text split into the table with its primary key (what the data is loaded
 * into) and the clauses added after the data: secondary indexes, foreign keys. The server prints
 * one clause per line. AUTO_INCREMENT stays in the table options, so ids continue after restore.
 */
export function splitCreateTable(createSql: string): { table: string; after: string[] } {
  const lines = createSql.split('\n');
  const kept: string[] = [];
  const after: string[] = [];
  const fks = new Set(foreignKeyClauses(createSql));
  for (const line of lines) {
    const clause = line.trim().replace(/,$/, '');
    if (fks.has(clause)) after.push(`ADD ${clause}`);
    else if (/^(UNIQUE |FULLTEXT |SPATIAL )?KEY\s/.test(clause)) after.push(`ADD ${clause}`);
    else kept.push(line);
  }
  // Removing clauses can leave a trailing comma before the closing parenthesis.
  const body = kept.join('\n').replace(/,(\s*\n\))/, '$1');
  return { table: body, after };
}

async function readTables(run: Run): Promise<SourceTable[]> {
  const tables = await run<Row>(
    'read the tables',
    `SELECT TABLE_NAME AS name, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS bytes
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
  );
  const columns = await run<Row>(
    'read the columns',
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, CHARACTER_MAXIMUM_LENGTH AS maxlen, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  );
  const keys = await run<Row>(
    'read the keys',
    `SELECT TABLE_NAME AS t, INDEX_NAME AS name, NON_UNIQUE AS nonunique, COLUMN_NAME AS col
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IS NOT NULL ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
  );
  return tables.map((t) => {
    const name = text(t.name);
    const uniques = new Map<string, string[]>();
    for (const k of keys.filter((k) => text(k.t) === name && Number(k.nonunique) === 0)) uniques.set(text(k.name), [...(uniques.get(text(k.name)) ?? []), text(k.col)]);
    return {
      name,
      sqlName: quoteIdent(name),
      // Generated columns are computed by the server on restore: they are neither read nor loaded.
      columns: columns
        .filter((c) => text(c.t) === name && !/\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(text(c.extra)))
        .map((c) => ({
          name: text(c.name),
          type: text(c.type),
          nullable: c.nullable === 'YES',
          ...(c.maxlen && /char/i.test(text(c.type)) ? { maxLength: Number(c.maxlen) } : {}),
          ...(BINARY_TYPE.test(text(c.type)) ? { binary: true } : {}),
        })),
      primaryKey: uniques.get('PRIMARY') ?? [],
      uniqueKeys: [...uniques.values()],
      bytes: Number(t.bytes),
    };
  });
}

async function readForeignKeys(run: Run): Promise<DatasetForeignKey[]> {
  const rows = await run<Row>(
    'read the foreign keys',
    `SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS name, COLUMN_NAME AS col, REFERENCED_TABLE_NAME AS rt, REFERENCED_COLUMN_NAME AS rc
       FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL AND REFERENCED_TABLE_SCHEMA = DATABASE()
      ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
  );
  const byName = new Map<string, DatasetForeignKey>();
  for (const r of rows) {
    const key = `${text(r.t)}\u0000${text(r.name)}`;
    const fk = byName.get(key) ?? { table: text(r.t), columns: [], references: text(r.rt), referencedColumns: [] };
    fk.columns.push(text(r.col));
    fk.referencedColumns.push(text(r.rc));
    byName.set(key, fk);
  }
  return [...byName.values()];
}

