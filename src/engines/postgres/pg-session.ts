// A session on a PostgreSQL server: one `pg.Client`, one backend.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStream } from 'pg-copy-streams';
import { toDatabaseError, type QueryResult, type Row, type Session } from '../engine.ts';

/** Every connection says who it is, so a DBA looking at pg_stat_activity knows what it is. */
export const APPLICATION_NAME = 'rehearse';

/** An unreachable server must fail fast, not after the OS's TCP timeout (minutes). */
export const CONNECT_TIMEOUT_MS = 10_000;

export function newClient(connectionString: string): pg.Client {
  const client = new pg.Client({ connectionString, application_name: APPLICATION_NAME, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A backend terminated from elsewhere (DROP DATABASE … WITH (FORCE), a server restart) makes the
  // client emit 'error'; without a listener Node would crash the whole process. The failure still
  // reaches whoever is waiting on a query, as that query's rejection.
  client.on('error', () => {});
  return client;
}

export class PgSession implements Session {
  #closing: Promise<void> | undefined;
  /** Statements `prepare()` has compiled: names each one. */
  #prepared = 0;

  private constructor(
    private readonly client: pg.Client,
    readonly backendPid: number,
    private readonly onClosed: (session: PgSession) => void,
  ) {}

  /** Connects and learns the backend pid; `onClosed` runs once the session is closed. */
  static async open(connectionString: string, onClosed: (session: PgSession) => void): Promise<PgSession> {
    const client = newClient(connectionString);
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid');
      return new PgSession(client, rows[0]!.pid, onClosed);
    } catch (error) {
      await client.end().catch(() => {});
      throw toDatabaseError(error);
    }
  }

  async query<R = Row>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    try {
      const result = await this.client.query(sql, params);
      return { rows: result.rows as R[], rowCount: result.rowCount };
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      // Without parameters `pg` uses the simple query protocol, which accepts several statements.
      await this.client.query(sql);
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  /**
   * `PREPARE` compiles the statement (parse analysis and rewrite: names, types, the `$n`
   * parameters' types from context) and `DEALLOCATE` forgets it; EXECUTE never runs. The extended
   * protocol carries it, so the server refuses a text holding more than one statement instead of
   * running the rest.
   */
  async prepare(sql: string): Promise<void> {
    const name = `rehearse_check_${++this.#prepared}`;
    try {
      await this.client.query({ text: `PREPARE ${name} AS ${sql}`, queryMode: 'extended' } as pg.QueryConfig);
    } catch (error) {
      throw toDatabaseError(error);
    }
    try {
      await this.client.query(`DEALLOCATE ${name}`);
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async copyFrom(copySql: string, data: AsyncIterable<string | Buffer> | string): Promise<number> {
    const copy = this.client.query(copyFromStream(copySql));
    try {
      // If `data` throws (say, a truncated dump), pipeline destroys the COPY stream, which sends
      // CopyFail: the server discards the rows and the session stays usable.
      await pipeline(typeof data === 'string' ? Readable.from([data]) : Readable.from(data), copy);
      return copy.rowCount;
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.client
      .end()
      .catch(() => {})
      .finally(() => this.onClosed(this));
    return this.#closing;
  }
}
