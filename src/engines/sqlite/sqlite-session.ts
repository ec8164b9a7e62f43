// A session on a SQLite scratch database: one connection, in a process of its own
// (session-process.mjs), so that interrupt() can stop any statement by killing the process.
//
// After an interrupt the session stays usable, as a PostgreSQL session does after a cancel: the
// next call opens a new connection. If a transaction was open, it was rolled back with the
// killed connection, and — as PostgreSQL's "current transaction is aborted" state — the session
// refuses everything but ROLLBACK (or COMMIT/END, which PostgreSQL also turns into a rollback)
// until that is said. What the old connection had set for itself is gone: PRAGMAs such as
// foreign_keys are back to the engine's settings, temporary tables and the write log are new.
//
// There is no copyFrom: COPY is PostgreSQL's (Session.copyFrom is optional for that reason).
// Integers come back as JavaScript numbers, so beyond 2^53 they lose precision: cast to TEXT
// where that matters (the observer and the tracking table do).
import { EnvironmentError, UsageError } from '../../errors.ts';
import type { QueryResult, Row, Session } from '../engine.ts';
import { describeSqliteScript, describeSqliteStatement } from '../../sql/sqlite-split.ts';
import type { ConnectionSettings } from './protocol.ts';
import { SessionProcess } from './session-process.ts';
import { SqliteDatabaseError } from './sqlite-errors.ts';

export class SqliteSession implements Session {
  #process: SessionProcess | undefined;
  #starting: Promise<SessionProcess> | undefined;
  /** Connections this session has had (a new one after every interrupt). */
  #generation = 0;
  #inTransaction = false;
  #aborted = false;
  #closing: Promise<void> | undefined;

  private constructor(
    private readonly file: string,
    /** The scratch database's name, for messages. */
    readonly label: string,
    private readonly settings: ConnectionSettings,
    /**
     * A number of rehearse's making, unique among the sessions of this process and kept for the
     * session's life (across reconnections after interrupt): SQLite connections have no id, and
     * the OS pid of the session process changes when it is replaced.
     */
    readonly backendPid: number,
    private readonly onClosed: () => void,
  ) {}

  static async open(file: string, label: string, settings: ConnectionSettings, backendPid: number, onClosed: () => void): Promise<SqliteSession> {
    const session = new SqliteSession(file, label, settings, backendPid, onClosed);
    await session.#connection();
    return session;
  }

  /** Whether the connection is inside a transaction, as of its last statement. */
  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  async query<R = Row>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    this.#assertOpen();
    refuseWritesOutsideScratch(sql);
    if (this.#aborted) return this.#whileAborted(sql);
    const connection = await this.#connection();
    const result = await connection.call('query', { sql, params: params.map(sqliteParameter) });
    this.#inTransaction = result.inTransaction;
    return { rows: result.rows as R[], rowCount: result.rowCount };
  }

  async exec(sql: string): Promise<void> {
    this.#assertOpen();
    refuseWritesOutsideScratch(sql);
    if (this.#aborted) throw abortedError();
    const connection = await this.#connection();
    this.#inTransaction = (await connection.call('exec', { sql })).inTransaction;
  }

  /** Compiles `sql` with sqlite3_prepare (tables, columns and functions resolved) without running it. */
  async prepare(sql: string): Promise<void> {
    this.#assertOpen();
    if (this.#aborted) throw abortedError();
    const connection = await this.#connection();
    await connection.call('prepare', { sql });
  }

  /** Kills the connection's process, stopping its statement; the next call reconnects. */
  async interrupt(): Promise<void> {
    // A connection still being opened is opened first: its first statement may be the one to stop.
    const connection = this.#process ?? (await this.#starting?.catch(() => undefined));
    if (!connection) return;
    this.#process = undefined;
    this.#aborted = this.#inTransaction;
    this.#inTransaction = false;
    await connection.kill(
      // SQLITE_INTERRUPT maps to SQLSTATE 57014, what a server reports for a cancelled statement.
      new SqliteDatabaseError(`canceling statement due to user request: rehearse stopped the connection to ${this.label}`, 'SQLITE_INTERRUPT'),
    );
  }

  /** Closes the connection; an open transaction rolls back, as when a server backend ends. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const connection = this.#process ?? (await this.#starting?.catch(() => undefined));
      this.#process = undefined;
      await connection?.close(new EnvironmentError('ENGINE_FAILED', `the session on ${this.label} did not close in time and was stopped`));
    })().finally(this.onClosed);
    return this.#closing;
  }

  #connection(): Promise<SessionProcess> {
    if (this.#process) return Promise.resolve(this.#process);
    this.#starting ??= (async () => {
      const connection = new SessionProcess(this.label);
      try {
        await connection.call('open', { path: this.file, settings: this.settings, generation: ++this.#generation });
      } catch (error) {
        const failed = new EnvironmentError('ENGINE_FAILED', `cannot open a SQLite connection to ${this.label}: ${(error as Error).message}`, { cause: error });
        await connection.kill(failed);
        throw failed;
      }
      this.#process = connection;
      return connection;
    })().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  #whileAborted<R>(sql: string): QueryResult<R> {
    const statement = describeSqliteStatement(sql);
    const words = statement.summary.split(' ');
    if (statement.kind === 'TransactionStmt' && ['ROLLBACK', 'COMMIT', 'END'].includes(words[0]!) && !words.includes('TO')) {
      this.#aborted = false;
      return { rows: [], rowCount: null };
    }
    throw abortedError();
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error(`this session of ${this.label} is closed`);
  }
}

function abortedError(): SqliteDatabaseError {
  return new SqliteDatabaseError(
    'current transaction is aborted, commands ignored until end of transaction block (its statement was interrupted, and the transaction rolled back with the connection)',
    undefined,
    '25P02',
  );
}

/**
 * ATTACH (and VACUUM INTO) would let a migration write to files other than the scratch database.
 * A cheap text test first: most statements mention neither word.
 */
function refuseWritesOutsideScratch(sql: string): void {
  if (!/attach|vacuum/i.test(sql)) return;
  for (const { summary } of describeSqliteScript(sql)) {
    if (summary.startsWith('ATTACH') || summary.startsWith('VACUUM INTO')) {
      const what = summary.startsWith('ATTACH') ? 'ATTACH DATABASE opens' : 'VACUUM INTO writes';
      throw new UsageError('UNSAFE_TARGET', `refusing ${summary.replace(' …', '')}: rehearse writes only to the scratch database it created, and ${what} another file`);
    }
  }
}

/** Values better-sqlite3 binds, from what callers written for PostgreSQL pass (booleans as 1/0, as SQLite stores them). */
function sqliteParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value === null || ['number', 'bigint', 'string'].includes(typeof value) || value instanceof Uint8Array) return value;
  throw new TypeError(`cannot bind a ${typeof value} as a SQLite parameter (numbers, bigints, strings, buffers, booleans, dates and null can be bound)`);
}
