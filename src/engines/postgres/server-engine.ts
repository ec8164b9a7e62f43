// The PostgreSQL server engine: scratch databases are real databases on the server at `--url`,
// created with CREATE DATABASE and copied with CREATE DATABASE … TEMPLATE.
//
// Safety: the admin connection (to the URL's own database) only ever runs CREATE/DROP/COMMENT ON
// DATABASE for scratch databases and reads catalogs. Sessions, clones and drops are refused for any
// database this engine instance did not create.

import type pg from 'pg';
import { EnvironmentError, UsageError } from '../../errors.ts';
import {
  type ConnectionInfo,
  type Engine,
  type EngineCapabilities,
  type EngineInfo,
  type ScratchDatabase,
  type Session,
} from '../engine.ts';
import { parsePostgresUrl, withDatabase, type ServerUrl } from '../url.ts';
import { driverReason, scrubbedCause } from './driver-errors.ts';
import { isProcessAlive, judgeLeftover, LIST_SCRATCH_CANDIDATES_SQL, type ScratchCandidate } from './leftovers.ts';
import { newClient, PgSession } from './pg-session.ts';
import { currentOrigin, scratchDatabaseName, scratchMarker } from './scratch-name.ts';

/** `DROP DATABASE … WITH (FORCE)` exists from PostgreSQL 13 on. */
const DROP_FORCE_MIN_VERSION = 130000;
/** `CREATE DATABASE … STRATEGY` exists from PostgreSQL 15 on (before, every copy was a file copy). */
const CREATE_DATABASE_STRATEGY_MIN_VERSION = 150000;

export class PostgresServerEngine implements Engine {
  readonly kind = 'postgres' as const;
  readonly dialect = 'postgres' as const;
  readonly capabilities: EngineCapabilities = {
    concurrentSessions: true,
    cancelStatement: true,
    transactionalDdl: true,
    walPosition: true,
    tableCounters: true,
  };
  readonly location: string;

  readonly #url: ServerUrl;
  #admin: pg.Client | undefined;
  #opening: Promise<EngineInfo & { removedLeftovers: string[] }> | undefined;
  #closing: Promise<void> | undefined;
  #serverVersionNum = 0;
  /** Scratch databases this instance created and has not dropped, with the sessions open on each. */
  readonly #scratch = new Map<string, { db: ScratchDatabase; sessions: Set<PgSession> }>();

  constructor(url: string) {
    this.#url = parsePostgresUrl(url);
    this.location = this.#url.redacted;
  }

  open(): Promise<EngineInfo & { removedLeftovers: string[] }> {
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<EngineInfo & { removedLeftovers: string[] }> {
    const admin = newClient(this.#url.href);
    try {
      await admin.connect();
    } catch (error) {
      await admin.end().catch(() => {});
      throw new EnvironmentError(
        'ENGINE_UNREACHABLE',
        `cannot connect to PostgreSQL at ${this.location}: ${driverReason(error, this.#url)}`,
        { cause: scrubbedCause(error, this.#url) },
      );
    }
    this.#admin = admin;
    const { rows } = await this.#adminQuery<{ server_version: string; server_version_num: string }>(
      `SELECT pg_catalog.current_setting('server_version') AS server_version,
              pg_catalog.current_setting('server_version_num') AS server_version_num`,
      'read the server version',
    );
    const version = rows[0]!;
    this.#serverVersionNum = Number(version.server_version_num);
    const removedLeftovers = await this.#removeLeftovers();
    return {
      // `server_version` may carry a packager's suffix: "15.20 (Debian 15.20-0+deb12u1)".
      serverVersion: `PostgreSQL ${version.server_version.split(' ')[0]}`,
      serverVersionNum: this.#serverVersionNum,
      removedLeftovers,
    };
  }

  async #removeLeftovers(): Promise<string[]> {
    const { rows } = await this.#adminQuery<ScratchCandidate>(LIST_SCRATCH_CANDIDATES_SQL, 'list leftover scratch databases');
    const context = { host: currentOrigin().host, now: new Date(), isProcessAlive };
    const removed: string[] = [];
    for (const candidate of rows) {
      const verdict = judgeLeftover(candidate, context);
      if (verdict === 'keep') continue;
      try {
        // A leftover of a dead process may still have its orphaned backends: force them out. One
        // judged on age had nobody connected a moment ago; if someone connected since, leave it.
        await this.#dropDatabase(candidate.name, verdict === 'creator-gone');
        removed.push(candidate.name);
      } catch {
        // Someone else (a concurrent run's cleanup) got there first, or it is in use: not ours to fight over.
      }
    }
    return removed;
  }

  async createScratch(purpose: string): Promise<ScratchDatabase> {
    // template0 gives a database without whatever was added to template1 on this server.
    return this.#createDatabase(purpose, 'TEMPLATE template0 ENCODING \'UTF8\'', `create a scratch database`);
  }

  async cloneScratch(source: ScratchDatabase, purpose: string): Promise<ScratchDatabase> {
    const entry = this.#owned(source, 'clone');
    // PostgreSQL copies a template database only while nobody is connected to it.
    if (entry.sessions.size > 0) {
      throw new EnvironmentError(
        'ENGINE_FAILED',
        `cannot clone ${source.name}: ${entry.sessions.size} rehearse session(s) still connected to it; ` +
          'PostgreSQL copies a database only while nobody is connected, so close them first',
      );
    }
    // PostgreSQL 15 copies through the WAL by default, which suits small templates; a dataset is
    // not small, and copying its files was twice as fast on 200 MB (and spares the WAL 200 MB).
    const strategy = this.#serverVersionNum >= CREATE_DATABASE_STRATEGY_MIN_VERSION ? ' STRATEGY FILE_COPY' : '';
    return this.#createDatabase(purpose, `TEMPLATE ${quoteIdent(source.name)}${strategy}`, `clone ${source.name}`);
  }

  async #createDatabase(purpose: string, options: string, what: string): Promise<ScratchDatabase> {
    this.#assertOpen();
    const origin = currentOrigin();
    const name = scratchDatabaseName(purpose, origin);
    await this.#adminQuery(`CREATE DATABASE ${quoteIdent(name)} ${options}`, what);
    const db: ScratchDatabase = { name, purpose };
    this.#scratch.set(name, { db, sessions: new Set() });
    await this.#adminQuery(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(scratchMarker(origin))}`, `mark ${name}`);
    return db;
  }

  connectionInfo(db: ScratchDatabase): ConnectionInfo {
    this.#owned(db, 'hand out');
    const url = new URL(withDatabase(this.#url, db.name));
    // libpq's `host=/var/run/postgresql` form: a socket directory in the query string.
    const socketDir = url.searchParams.get('host') ?? undefined;
    return {
      engine: 'postgres',
      url: url.href,
      ...(url.hostname ? { host: url.hostname } : {}),
      port: Number(url.port || 5432),
      ...(socketDir?.startsWith('/') ? { socketPath: `${socketDir}/.s.PGSQL.${url.port || 5432}` } : {}),
      user: decodeURIComponent(url.username) || 'postgres',
      ...(this.#url.password !== undefined ? { password: this.#url.password } : {}),
      database: db.name,
    };
  }

  async connect(db: ScratchDatabase): Promise<Session> {
    const entry = this.#owned(db, 'connect to');
    this.#assertOpen();
    try {
      const session = await PgSession.open(withDatabase(this.#url, db.name), (closed) => entry.sessions.delete(closed));
      entry.sessions.add(session);
      return session;
    } catch (error) {
      throw new EnvironmentError('ENGINE_FAILED', `cannot connect to ${db.name} on ${this.location}: ${driverReason(error, this.#url)}`, {
        cause: scrubbedCause(error, this.#url),
      });
    }
  }

  async interrupt(db: ScratchDatabase, session: Session): Promise<void> {
    this.#owned(db, 'interrupt a session of');
    await this.#adminQuery('SELECT pg_catalog.pg_cancel_backend($1)', 'cancel a statement', [session.backendPid]);
  }

  async dropScratch(db: ScratchDatabase): Promise<void> {
    const entry = this.#owned(db, 'drop');
    // Drop first: FORCE ends the backends, which also frees a session stuck in a long statement.
    await this.#dropDatabase(db.name, true);
    this.#scratch.delete(db.name);
    await Promise.all([...entry.sessions].map((session) => session.close()));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    // Wait for an open() in flight, so its admin connection is not left behind.
    await this.#opening?.catch(() => {});
    for (const { db, sessions } of [...this.#scratch.values()]) {
      await this.dropScratch(db).catch(async () => {
        // Best effort: the next run's leftover cleanup removes what could not be dropped now. Its
        // connections must go all the same, or they would keep the process alive.
        await Promise.all([...sessions].map((session) => session.close()));
      });
    }
    await this.#admin?.end().catch(() => {});
    this.#admin = undefined;
  }

  async #dropDatabase(name: string, force: boolean): Promise<void> {
    if (force && this.#serverVersionNum < DROP_FORCE_MIN_VERSION) {
      await this.#adminQuery(
        'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1',
        `disconnect sessions from ${name}`,
        [name],
      );
    }
    const withForce = force && this.#serverVersionNum >= DROP_FORCE_MIN_VERSION ? ' WITH (FORCE)' : '';
    await this.#adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(name)}${withForce}`, `drop ${name}`);
  }

  /** The bookkeeping of a scratch database this instance created; refuses any other database. */
  #owned(db: ScratchDatabase, action: string) {
    const entry = this.#scratch.get(db.name);
    if (!entry) {
      throw new UsageError(
        'UNSAFE_TARGET',
        `refusing to ${action} database "${db.name}" on ${this.location}: rehearse only touches scratch databases it created in this run`,
      );
    }
    return entry;
  }

  #assertOpen(): void {
    if (!this.#admin || this.#closing) throw this.#notOpen();
  }

  #notOpen(): EnvironmentError {
    return new EnvironmentError('ENGINE_FAILED', `the postgres engine for ${this.location} is not open (call open() first, and nothing after close())`);
  }

  async #adminQuery<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    what: string,
    params?: unknown[],
  ): Promise<{ rows: R[] }> {
    if (!this.#admin) throw this.#notOpen();
    try {
      return await this.#admin.query<R>(sql, params);
    } catch (error) {
      throw new EnvironmentError('ENGINE_FAILED', `cannot ${what} on ${this.location}: ${driverReason(error, this.#url)}`, {
        cause: scrubbedCause(error, this.#url),
      });
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
