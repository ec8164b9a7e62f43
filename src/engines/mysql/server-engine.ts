// The MySQL/MariaDB server engine: scratch databases are real databases on the server at `--url`,
// created with CREATE DATABASE and copied table by table (copy-database.ts).
//
// Safety: the admin connection only ever runs CREATE/DROP DATABASE for scratch databases, marks
// them, kills rehearse's own connections, and reads catalogs. Sessions, clones, interrupts and
// drops are refused for any database this engine instance did not create.

import type { Connection, RowDataPacket } from 'mysql2/promise';
import { EnvironmentError, UsageError } from '../../errors.ts';
import type { ConnectionInfo, Engine, EngineCapabilities, EngineInfo, ScratchDatabase, Session } from '../engine.ts';
import { isProcessAlive, judgeLeftover, type LeftoverVerdict } from '../postgres/leftovers.ts';
import { currentOrigin, scratchDatabaseName, scratchMarker } from '../postgres/scratch-name.ts';
import { copyDatabase } from './copy-database.ts';
import { driverReason, ERRNO, scrubbedCause } from './driver-errors.ts';
import { closeConnection, MysqlSession, openConnection } from './mysql-session.ts';
import { parseMysqlUrl, type MysqlServerUrl } from './mysql-url.ts';
import { listScratchCandidates, markerComment, writeMarkerTable } from './scratch-marker.ts';
import { detectServerFeatures, type MysqlServerFeatures } from './server-features.ts';
import { supportsDatabaseComment } from './server-version.ts';
import { quoteIdent } from './sql-text.ts';

/**
 * How long the admin connection waits for a metadata lock (CREATE/DROP DATABASE, ALTER of a
 * copy). The server's default is a day: a drop stuck behind someone's open transaction must
 * fail visibly instead.
 */
const ADMIN_LOCK_WAIT_TIMEOUT_S = 30;

export class MysqlServerEngine implements Engine {
  readonly kind = 'mysql' as const;
  readonly dialect = 'mysql' as const;
  /**
   * Two flags depend on the server's settings, so they are final only after `open()`; until then
   * they say false (nothing is promised before the server has been asked).
   */
  readonly capabilities: EngineCapabilities = {
    // Any number of connections can work on a database at once.
    concurrentSessions: true,
    // `KILL QUERY <id>` from another connection stops the running statement and keeps the
    // connection (and the scratch database) usable.
    cancelStatement: true,
    // DDL commits implicitly (every CREATE/ALTER/DROP ends the open transaction), so a failed
    // migration file leaves the statements before the failure applied.
    transactionalDdl: false,
    // Binary logging is on (`@@log_bin`) and its position is readable: binlog bytes per step,
    // from SHOW MASTER STATUS / SHOW BINARY LOG STATUS positions (observe/mysql/binlog.ts).
    walPosition: false,
    // Per-table row counters exist: performance_schema's table I/O summary, or MariaDB's
    // TABLE_STATISTICS (userstat=1). MariaDB's defaults have neither: see server-features.ts.
    tableCounters: false,
  };
  readonly location: string;

  readonly #url: MysqlServerUrl;
  #admin: Connection | undefined;
  #features: MysqlServerFeatures | undefined;
  #opening: Promise<EngineInfo & { removedLeftovers: string[] }> | undefined;
  #closing: Promise<void> | undefined;
  /** Scratch databases this instance created and has not dropped, with the sessions open on each. */
  readonly #scratch = new Map<string, { db: ScratchDatabase; sessions: Set<MysqlSession> }>();

  constructor(url: string) {
    this.#url = parseMysqlUrl(url);
    this.location = this.#url.redacted;
  }

  /** What the server exposes for observing (known after `open()`), with notes on what it hides. */
  get features(): MysqlServerFeatures | undefined {
    return this.#features;
  }

  open(): Promise<EngineInfo & { removedLeftovers: string[] }> {
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<EngineInfo & { removedLeftovers: string[] }> {
    try {
      // The URL's own database, when it names one, is only where the admin connection sits.
      this.#admin = await openConnection(this.#url, this.#url.database || undefined);
    } catch (error) {
      throw new EnvironmentError('ENGINE_UNREACHABLE', `cannot connect to MySQL/MariaDB at ${this.location}: ${driverReason(error, this.#url)}`, {
        cause: scrubbedCause(error, this.#url),
      });
    }
    await this.#adminQuery(`SET SESSION lock_wait_timeout = ${ADMIN_LOCK_WAIT_TIMEOUT_S}`, 'set up the admin connection');
    const features = await this.#guard('read the server settings', () =>
      detectServerFeatures(async (sql) => (await this.#admin!.query<RowDataPacket[]>(sql))[0]),
    );
    this.#features = features;
    this.capabilities.walPosition = features.binlogStatus !== undefined;
    this.capabilities.tableCounters = features.tableCounters !== undefined;
    const removedLeftovers = await this.#removeLeftovers();
    return { serverVersion: features.version.display, serverVersionNum: features.version.num, removedLeftovers };
  }

  async #removeLeftovers(): Promise<string[]> {
    const candidates = await this.#guard('list leftover scratch databases', () =>
      listScratchCandidates(this.#admin!, supportsDatabaseComment(this.#requireFeatures().version)),
    );
    const context = { host: currentOrigin().host, now: new Date(), isProcessAlive };
    const removed: string[] = [];
    for (const candidate of candidates) {
      const verdict: LeftoverVerdict = judgeLeftover(candidate, context);
      if (verdict === 'keep') continue;
      try {
        // A dead process's connections normally ended with it; any left are killed so DROP does not
        // wait on their locks. One judged on age had nobody connected a moment ago. (Unlike
        // PostgreSQL, MySQL drops a database under idle connections: the listing just before is
        // what protects a database in use.)
        if (verdict === 'creator-gone') await this.#killConnectionsUsing(candidate.name);
        await this.#adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(candidate.name)}`, `drop ${candidate.name}`);
        removed.push(candidate.name);
      } catch {
        // Someone else (a concurrent run's cleanup) got there first, or it is in use: not ours to fight over.
      }
    }
    return removed;
  }

  createScratch(purpose: string): Promise<ScratchDatabase> {
    // utf8mb4 with the server's default collation for it, whatever the server's default charset.
    return this.#createDatabase(purpose, 'CHARACTER SET utf8mb4', 'create a scratch database');
  }

  async cloneScratch(source: ScratchDatabase, purpose: string): Promise<ScratchDatabase> {
    this.#owned(source, 'clone');
    const [[charset]] = await this.#adminQuery<RowDataPacket[]>(
      `SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS coll FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`,
      `read the character set of ${source.name}`,
      [source.name],
    );
    const options = charset ? `CHARACTER SET ${charset.cs} COLLATE ${charset.coll}` : 'CHARACTER SET utf8mb4';
    const db = await this.#createDatabase(purpose, options, `clone ${source.name}`);
    // A connection of its own: the copy changes session settings (foreign_key_checks, sql_mode).
    let copier: Connection | undefined;
    try {
      copier = await openConnection(this.#url, db.name);
      await copyDatabase(copier, source.name, db.name);
    } catch (error) {
      // A half-made copy is of no use to anyone: drop it now rather than at close().
      await this.dropScratch(db).catch(() => {});
      throw this.#failure(`clone ${source.name}`, error);
    } finally {
      if (copier) await closeConnection(copier);
    }
    return db;
  }

  async #createDatabase(purpose: string, options: string, what: string): Promise<ScratchDatabase> {
    this.#assertOpen();
    const origin = currentOrigin();
    const name = scratchDatabaseName(purpose, origin);
    const marker = scratchMarker(origin);
    const withComment = supportsDatabaseComment(this.#requireFeatures().version);
    await this.#adminQuery(`CREATE DATABASE ${quoteIdent(name)} ${options}${withComment ? markerComment(marker) : ''}`, what);
    const db: ScratchDatabase = { name, purpose };
    this.#scratch.set(name, { db, sessions: new Set() });
    if (!withComment) await this.#guard(`mark ${name}`, () => writeMarkerTable(this.#admin!, name, marker));
    return db;
  }

  connectionInfo(db: ScratchDatabase): ConnectionInfo {
    this.#owned(db, 'hand out');
    const url = new URL(this.#url.href);
    url.pathname = `/${encodeURIComponent(db.name)}`;
    return {
      engine: 'mysql',
      url: url.href,
      host: this.#url.host,
      port: this.#url.port,
      ...(this.#url.socketPath ? { socketPath: this.#url.socketPath } : {}),
      user: this.#url.user,
      ...(this.#url.password !== undefined ? { password: this.#url.password } : {}),
      database: db.name,
    };
  }

  async connect(db: ScratchDatabase): Promise<Session> {
    const entry = this.#owned(db, 'connect to');
    this.#assertOpen();
    try {
      const session = await MysqlSession.open(this.#url, db.name, (closed) => entry.sessions.delete(closed));
      entry.sessions.add(session);
      return session;
    } catch (error) {
      throw this.#failure(`connect to ${db.name}`, error);
    }
  }

  async interrupt(db: ScratchDatabase, session: Session): Promise<void> {
    const entry = this.#owned(db, 'interrupt a session of');
    // Only a session of this engine's own, on this database: never some other connection id.
    if (!entry.sessions.has(session as MysqlSession)) {
      throw new UsageError('UNSAFE_TARGET', `refusing to interrupt connection ${session.backendPid}: it is not a session rehearse opened on ${db.name}`);
    }
    await this.#kill('QUERY', session.backendPid, 'cancel a statement');
  }

  async dropScratch(db: ScratchDatabase): Promise<void> {
    const entry = this.#owned(db, 'drop');
    // Kill first, as PostgreSQL's DROP DATABASE … WITH (FORCE) does: an open transaction of a
    // session would make DROP wait for its metadata locks, and a long statement would go on.
    for (const session of entry.sessions) await this.#kill('CONNECTION', session.backendPid, `disconnect a session from ${db.name}`);
    await this.#adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(db.name)}`, `drop ${db.name}`);
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
    if (this.#admin) await closeConnection(this.#admin);
    this.#admin = undefined;
  }

  async #kill(what: 'QUERY' | 'CONNECTION', connectionId: number, action: string): Promise<void> {
    if (!Number.isSafeInteger(connectionId) || connectionId <= 0) throw new Error(`not a connection id: ${connectionId}`);
    try {
      await this.#requireAdmin().query(`KILL ${what} ${connectionId}`);
    } catch (error) {
      // The connection had ended already: nothing left to stop.
      if ((error as { errno?: unknown }).errno === ERRNO.noSuchThread) return;
      throw this.#failure(action, error);
    }
  }

  async #killConnectionsUsing(database: string): Promise<void> {
    const [rows] = await this.#adminQuery<RowDataPacket[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
      `list the connections to ${database}`,
      [database],
    );
    for (const row of rows) await this.#kill('CONNECTION', Number(row.id), `disconnect a session from ${database}`);
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

  #requireAdmin(): Connection {
    if (!this.#admin) throw this.#notOpen();
    return this.#admin;
  }

  #requireFeatures(): MysqlServerFeatures {
    if (!this.#features) throw this.#notOpen();
    return this.#features;
  }

  #notOpen(): EnvironmentError {
    return new EnvironmentError('ENGINE_FAILED', `the mysql engine for ${this.location} is not open (call open() first, and nothing after close())`);
  }

  #failure(action: string, error: unknown): EnvironmentError {
    return new EnvironmentError('ENGINE_FAILED', `cannot ${action} on ${this.location}: ${driverReason(error, this.#url)}`, {
      cause: scrubbedCause(error, this.#url),
    });
  }

  async #guard<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.#failure(action, error);
    }
  }

  async #adminQuery<T extends RowDataPacket[] = RowDataPacket[]>(sql: string, action: string, params?: unknown[]): Promise<[T, unknown]> {
    const admin = this.#requireAdmin();
    return this.#guard(action, () => admin.query<T>(sql, params));
  }
}
