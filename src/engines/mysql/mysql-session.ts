// A session on a MySQL/MariaDB server: one mysql2 connection, one server thread.

import type { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { QueryResult, Row, Session } from '../engine.ts';
import { toMysqlError } from './driver-errors.ts';
import { serverConnectionOptions, type MysqlServerUrl } from './mysql-url.ts';

/** An unreachable server must fail fast, not after the OS's TCP timeout (minutes). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** How long `close()` waits for the server to acknowledge COM_QUIT before dropping the socket. */
const QUIT_TIMEOUT_MS = 2_000;

/**
 * Every connection rehearse opens, admin and sessions alike:
 * - `supportBigNumbers` + `bigNumberStrings`: BIGINT and DECIMAL values arrive as exact strings
 *   (a golang-migrate version is a BIGINT, often a timestamp like 20240101120000; a JS number
 *   is exact only up to 2^53);
 * - `dateStrings`: dates arrive as the server prints them, never shifted through a JS Date;
 * - `timezone: 'Z'`: JS Dates sent as parameters are written in UTC (the session's `time_zone`
 *   is set to UTC as well, see `SESSION_SETUP`);
 * - `charset: 'utf8mb4'`: the full Unicode range, whatever the server's default;
 * - `multipleStatements`: see MysqlSession.exec;
 * - no IGNORE_SPACE: mysql2 asks for it by default, which puts IGNORE_SPACE into the session's
 *   sql_mode and makes built-in function names reserved (`CREATE TABLE count …` fails), unlike
 *   production's migration tools (go-sql-driver does not ask for it); triggers and routines
 *   would also store it in their sql_mode;
 * - LOCAL_FILES, for the dataset restore's `LOAD DATA LOCAL INFILE` (`loadLocalInfile`), and
 *   still no file of this machine is ever read: mysql2 (3.x) answers the server's request for a
 *   local file only from a per-query `infileStreamFactory`, which only `loadLocalInfile` passes,
 *   and that factory returns the restore's stream whatever file name the server asks for. A
 *   migration's `LOAD DATA LOCAL INFILE '/etc/passwd'` fails (tested in mysql-session.test.ts).
 */
export function connectionOptions(url: MysqlServerUrl, database: string | undefined): ConnectionOptions {
  return {
    ...serverConnectionOptions(url, database),
    connectTimeout: CONNECT_TIMEOUT_MS,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
    multipleStatements: true,
    flags: ['-IGNORE_SPACE', 'LOCAL_FILES'],
    // What `application_name` is on PostgreSQL: a DBA looking at the connection knows what it is.
    connectAttributes: { program_name: 'rehearse' },
  };
}

/**
 * Run once per connection. TIMESTAMP values are shown, compared as text and hashed in the
 * session's time zone: fixing it to UTC makes content checksums the same on every host.
 */
export const SESSION_SETUP = `SET time_zone = '+00:00'`;

/** Opens a connection with rehearse's options; failures are mysql2's errors, untouched. */
export async function openConnection(url: MysqlServerUrl, database: string | undefined): Promise<Connection> {
  const connection = await mysql.createConnection(connectionOptions(url, database));
  // A connection killed from elsewhere (KILL, DROP DATABASE of a dead run, server restart) while
  // idle makes mysql2 emit 'error'; without a listener Node would crash the whole process. A
  // failure during a query still reaches whoever awaits it, as that query's rejection.
  connection.on('error', () => {});
  try {
    await connection.query(SESSION_SETUP);
  } catch (error) {
    connection.destroy();
    throw error;
  }
  return connection;
}

/** Ends a connection politely, or drops its socket when the server does not answer in time. */
export async function closeConnection(connection: Connection): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), QUIT_TIMEOUT_MS);
  });
  const ended = await Promise.race([connection.end().then(() => 'ended' as const, () => 'failed' as const), timeout]);
  clearTimeout(timer);
  if (ended !== 'ended') connection.destroy();
}

/** No `copyFrom`: COPY … FROM STDIN is PostgreSQL's, and MySQL has no equivalent rehearse could feed. */
export class MysqlSession implements Session {
  #closing: Promise<void> | undefined;

  private constructor(
    private readonly connection: Connection,
    /** `CONNECTION_ID()`: the id `KILL QUERY` and information_schema.PROCESSLIST use. */
    readonly backendPid: number,
    private readonly onClosed: (session: MysqlSession) => void,
  ) {}

  /** Connects to `database` and learns the connection id; `onClosed` runs once the session is closed. */
  static async open(url: MysqlServerUrl, database: string, onClosed: (session: MysqlSession) => void): Promise<MysqlSession> {
    const connection = await openConnection(url, database);
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      return new MysqlSession(connection, Number(rows[0]!.id), onClosed);
    } catch (error) {
      connection.destroy();
      throw toMysqlError(error);
    }
  }

  /**
   * Runs one statement. `params` fill `?` placeholders; mysql2 escapes them into the text on the
   * client (the text protocol), because the server's prepared-statement protocol does not accept
   * every statement a migration may contain. `rowCount` is the rows affected by a write (matched
   * rows for UPDATE: mysql2 connects with CLIENT_FOUND_ROWS, as PostgreSQL counts) or the rows a
   * SELECT returned. Given several statements (see `exec`), the last one's result is returned.
   */
  async query<R = Row>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    try {
      const [result] = await this.connection.query(sql, params);
      return toQueryResult<R>(result);
    } catch (error) {
      throw toMysqlError(error);
    }
  }

  /**
   * Runs a script of several statements in one round trip. The session's own connection has
   * `multipleStatements` on rather than a second connection doing scripts: a script must run in
   * this session (its transaction, temporary tables, session variables, the connection id the
   * observer watches), and golang-migrate's MySQL driver itself requires `multiStatements=true`
   * and sends each migration file as one multi-statement call, so this is how production runs.
   * The server splits the script with its own parser, so BEGIN … END bodies of routines and
   * triggers need no DELIMITER. It stops at the first failing statement.
   */
  async exec(sql: string): Promise<void> {
    try {
      await this.connection.query(sql);
    } catch (error) {
      throw toMysqlError(error);
    }
  }

  /**
   * `LOAD DATA LOCAL INFILE …` fed from `data()` (the dataset restore's stream), whatever file name
   * the statement gives: the server's request for that file is answered with the stream, never
   * with a file of this machine. Returns the rows loaded and the warnings the server counted.
   */
  async loadLocalInfile(sql: string, data: () => Readable): Promise<{ affectedRows: number; warnings: number }> {
    try {
      const [result] = await this.connection.query({ sql, infileStreamFactory: () => data() });
      const header = result as unknown as { affectedRows: number; warningStatus: number };
      return { affectedRows: header.affectedRows, warnings: header.warningStatus };
    } catch (error) {
      throw toMysqlError(error);
    }
  }

  /**
   * A server-side prepared statement (`PREPARE … FROM ?`, the statement sent as a string): the
   * server parses it and opens its tables, resolving every table and column (MariaDB 10.11 and
   * MySQL 8 report an unknown table or column at prepare time); `DEALLOCATE PREPARE` forgets it,
   * and EXECUTE never runs. The server refuses a string holding more than one statement. SQL-level
   * PREPARE rather than mysql2's binary `prepare()`: mysql2 caches binary statements by their
   * text and would answer a second prepare of the same text from the cache, without asking the
   * server whether it still compiles.
   */
  async prepare(sql: string): Promise<void> {
    try {
      await this.connection.query('PREPARE rehearse_check FROM ?', [sql]);
      await this.connection.query('DEALLOCATE PREPARE rehearse_check');
    } catch (error) {
      throw toMysqlError(error);
    }
  }

  close(): Promise<void> {
    this.#closing ??= closeConnection(this.connection).finally(() => this.onClosed(this));
    return this.#closing;
  }
}

/** The result of one statement, or of the last one when several ran. */
function toQueryResult<R>(result: unknown): QueryResult<R> {
  const last = isMultiStatementResult(result) ? result.at(-1) : result;
  if (Array.isArray(last)) return { rows: last as R[], rowCount: last.length };
  if (isResultSetHeader(last)) return { rows: [], rowCount: last.affectedRows };
  return { rows: [], rowCount: null };
}

function isResultSetHeader(value: unknown): value is { affectedRows: number } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && value.constructor?.name === 'ResultSetHeader';
}

/** Several statements return an array of results (row arrays and headers); one SELECT returns an array of rows. */
function isMultiStatementResult(result: unknown): result is unknown[] {
  return Array.isArray(result) && result.length > 0 && (Array.isArray(result[0]) || isResultSetHeader(result[0]));
}
