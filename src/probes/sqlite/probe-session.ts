// A SQLite probe session: one connection of the sqlite engine (a process of its own), one attempt
// of a probe statement, and the lock-queue reader. What blocking means on SQLite, and why the
// attempts are what they are:
//
// - One writer at a time, for the whole database. A write transaction holds the write lock
//   (RESERVED) from its first write until it ends; every other writer waits for it — of any
//   table — up to its busy_timeout, then fails with SQLITE_BUSY (SQLSTATE 55P03 here). A
//   migration's write transaction therefore blocks the application's writes for all of its
//   duration: a CREATE INDEX for the whole build, a backfill UPDATE until COMMIT.
// - In WAL mode (the engine's default) readers are never blocked by a writer: they read the last
//   committed snapshot. A read probe shows that reads go on.
// - In the rollback-journal modes (journal_mode=delete/truncate/persist) a writer that commits
//   (or spills its changes out of the page cache) takes PENDING, then EXCLUSIVE, and readers wait
//   meanwhile — the read probe measures that too — and the writer waits for the readers already
//   reading to finish, which is what the lock-queue reader shows there.
// - There is no FOR KEY SHARE: a foreign-key check is a plain read of the parent inside the
//   writer's own transaction, which already holds the write lock. It waits exactly as the write
//   does, so there is no `fk-share` probe on SQLite.
//
// An attempt:
//
// - `read`: the point read alone, in autocommit.
// - `insert` / `update`: `BEGIN; <the write>; ROLLBACK` in one round trip. The write is the
//   transaction's first statement, so it takes the write lock just as BEGIN IMMEDIATE would —
//   from no transaction, waiting up to busy_timeout — but only once it has compiled: a statement
//   that no longer compiles (the step renamed a column) fails without ever taking the lock. The
//   write is `OR ROLLBACK`, so a constraint error releases the lock at once too.
//
// Why a probe cannot become the blocker: between attempts it holds nothing. A waiting attempt
// holds nothing either (SQLite's busy handler sleeps with no lock held). An attempt that got the
// write lock holds it while its one-row write runs and the rollback discards it: about 10 µs
// (measured: 5-12 µs for the insert, the update and the rollback together), and the migration,
// should it ask for the lock meanwhile, waits for it through its own busy_timeout (the engine's
// default is 5000 ms; SQLite's busy handler first sleeps 1 ms). With a busy_timeout of 0 the
// migration would fail instead, so then there are no write probes (plan notes say so).
//
// The exception: a transaction that has already read, when it first writes, asks SQLite to
// upgrade its read transaction, and SQLite does not wait for that (the busy handler is not called,
// as waiting could deadlock): if a probe holds the write lock at that instant, the migration's
// statement fails with SQLITE_BUSY. Two shapes do that: a transaction that reads before it writes
// (it meets the application's writes the same way in production, where the advice is BEGIN
// IMMEDIATE), and any transaction whose first statement writes nothing — `PRAGMA foreign_keys =
// off` before the twelve-step table rebuild, or a file's own `BEGIN` — because the observer reads
// the schema after every statement, inside the transaction. With every probe's first attempt at
// the start of the step, as the runner starts them, 12 of 300 rebuilds and 10 of 300 read-first
// transactions failed so, all at their first write, a few milliseconds in. So a write probe makes
// its first attempt of a step WRITE_SETTLE_MS after the probes started: 0 of 1,500 then (rebuild,
// read-first, BEGIN in the file, autocommit, write-first). The cost: a write block at the start of
// a step is measured from then on, up to 50 ms short. An upgrade later in a step still meets a
// probe holding the lock now and then: 0 and 2 of 300 for one about 300 ms in, on a loaded
// two-core machine (a probe descheduled while it holds the lock holds it longer).
//
// The probe's own busy_timeout (400 ms) bounds one attempt; a write blocked longer is retried at
// once and the report joins the attempts that gave up (55P03) into one window, as PostgreSQL's
// lock_timeout retries are. SQLite's busy handler polls (sleeping 1, 2, 5, 10, 15, 20, 25, 25,
// 25, 50, 50, 100 ms in turn), so an attempt notices a released lock up to 100 ms late — as
// an application waiting through busy_timeout does.
//
// Nothing to tally: the step's rows on SQLite come from the migration's own connection (its write
// log) and from committed row counts, and a probe's writes are never committed, so they cannot
// appear in either. `takeActivity` has nothing to report.
import { performance } from 'node:perf_hooks';
import { DatabaseError, type Session } from '../../engines/engine.ts';
import type { RowCounts } from '../activity.ts';
import type { AccountedConnection, LockHolderConnection, ProbeConnection } from '../probes.ts';
import { GAVE_UP_WAITING, type Attempt } from '../stats.ts';

/** The longest one attempt waits for the write lock (or, in a rollback-journal mode, for readers to be let in) before retrying. */
export const PROBE_BUSY_TIMEOUT_MS = 400;
/** How long after the probes of a step start the write probes make their first attempt (see the header). */
export const WRITE_SETTLE_MS = 50;

/** What a probe session needs from the probes of its target. */
export interface ProbeSessionHooks {
  /** Resolves when a write attempt may start (WRITE_SETTLE_MS into the step, or at once when the probes stop). */
  beforeWrite(): Promise<void>;
  closed(probe: SqliteProbeSession): void;
}

/** A probe-side connection. */
export class SqliteConnection implements AccountedConnection {
  protected constructor(protected readonly session: Session) {}

  get pid(): number {
    return this.session.backendPid;
  }

  /** Nothing: see the header. */
  async takeActivity(): Promise<Map<string, RowCounts>> {
    return new Map();
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /** Ends a transaction a failed script may have left open; "no transaction is active" is fine. */
  protected async rollback(): Promise<void> {
    await this.session.exec('ROLLBACK').catch((error: unknown) => {
      if (!(error instanceof DatabaseError)) throw error;
    });
  }
}

/** A session that repeats one probe statement. */
export class SqliteProbeSession extends SqliteConnection implements ProbeConnection {
  /** When the current blocked window began: the first of the attempts that gave up waiting, or the one in flight. */
  #waitingSince: number | undefined;
  #reading = false;
  #inFlight = false;

  private constructor(
    session: Session,
    private readonly hooks: ProbeSessionHooks,
  ) {
    super(session);
  }

  static async open(session: Session, hooks: ProbeSessionHooks): Promise<SqliteProbeSession> {
    await session.exec(`PRAGMA busy_timeout = ${PROBE_BUSY_TIMEOUT_MS}`);
    return new SqliteProbeSession(session, hooks);
  }

  /** Whether the attempt in flight (or the last one) is a read. */
  get reading(): boolean {
    return this.#reading;
  }

  /** When a read probe still waiting began to wait (performance.now()), or undefined. */
  get readWaitingSince(): number | undefined {
    return this.#inFlight && this.#reading ? this.#waitingSince : undefined;
  }

  async attempt(sql: string): Promise<Attempt> {
    const read = /^\s*SELECT\b/i.test(sql);
    if (!read) await this.hooks.beforeWrite();
    const start = performance.now();
    this.#reading = read;
    this.#inFlight = true;
    this.#waitingSince ??= start;
    let attempt: Attempt;
    try {
      // One round trip: the write lock is held only while the write runs in the session's process.
      await this.session.exec(read ? sql : `BEGIN; ${sql}; ROLLBACK`);
      attempt = { startMs: start, endMs: performance.now() };
    } catch (error) {
      // Not a database error: the connection itself failed, which is not a probe result.
      if (!(error instanceof DatabaseError)) throw error;
      const end = performance.now();
      if (!read) await this.rollback();
      const code = error.sqlstate ?? (error as DatabaseError & { sqliteCode?: string }).sqliteCode ?? 'SQLITE_ERROR';
      attempt = { startMs: start, endMs: end, sqlstate: code };
    } finally {
      this.#inFlight = false;
    }
    if (!attempt.sqlstate || !GAVE_UP_WAITING.has(attempt.sqlstate)) this.#waitingSince = undefined;
    return attempt;
  }

  override async close(): Promise<void> {
    this.hooks.closed(this);
    await super.close();
  }
}

/**
 * The lock-queue reader: `BEGIN` and a read of one row of each table, left open, as a long report
 * query would. In WAL mode it holds a snapshot, which no writer waits for (it only keeps
 * checkpoints from getting past it, so the -wal file grows meanwhile); in a rollback-journal mode
 * it holds SHARED, and a writer's commit waits for it, shutting new readers out while it waits.
 */
export class SqliteLockHolder extends SqliteConnection implements LockHolderConnection {
  #open = false;

  private constructor(
    session: Session,
    private readonly onHold: (holder: SqliteLockHolder, holding: boolean) => void,
  ) {
    super(session);
  }

  static async open(session: Session, onHold: (holder: SqliteLockHolder, holding: boolean) => void): Promise<SqliteLockHolder> {
    return new SqliteLockHolder(session, onHold);
  }

  async hold(qualifiedTables: string[]): Promise<void> {
    const reads = qualifiedTables.map((t) => `SELECT 1 FROM ${t} LIMIT 1`);
    try {
      await this.session.exec(['BEGIN', ...reads].join('; '));
    } catch (error) {
      await this.rollback();
      throw error;
    }
    this.#open = true;
    this.onHold(this, true);
  }

  async release(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    try {
      await this.session.exec('ROLLBACK');
    } finally {
      this.onHold(this, false);
    }
  }

  override async close(): Promise<void> {
    if (this.#open) this.onHold(this, false);
    await super.close();
  }
}
