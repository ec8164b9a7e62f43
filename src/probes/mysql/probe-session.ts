// A MySQL/MariaDB probe session: its settings, one attempt of a probe statement, and the tally of
// what it added to per-table row counters.
//
// Why a probe cannot become the blocker. Between attempts it holds nothing: no open transaction
// (so no metadata lock, which a transaction keeps until it ends), no LOCK TABLES, no named lock.
// An attempt is `START TRANSACTION; <statement>; ROLLBACK` in one round trip (a failed statement
// is followed by ROLLBACK at once); it takes the locks the application's statement would take —
// SHARED_READ or SHARED_WRITE on the table, the row locks of one row — for as long as the
// statement runs, and the rollback releases them. Every wait is bounded:
//
// - Metadata locks. A probe asking for the table's metadata lock while a DDL holds it, or is
//   queued for it, waits in the lock's queue like any other session. Its request never delays
//   the DDL: the server grants a waiting DDL's request (EXCLUSIVE, SHARED_NO_WRITE, …) before
//   waiting SHARED_READ / SHARED_WRITE requests, and a DDL upgrading its lock waits only for locks
//   already granted. A granted probe lock delays a DDL at most until the probe's statement ends,
//   which the statement time bound below caps. A deadlock among metadata locks is resolved at once
//   against the request of least weight, DML before DDL: the probe. And a DDL never waits for a
//   metadata lock while holding row locks: it commits the open transaction before it starts.
// - Row locks. A read is a consistent read and takes none. An update or an FK-check read waits for
//   the one row it locks while holding no other row lock: it cannot close a deadlock cycle. An
//   insert can: it writes its row, then waits (for its parent's row in the foreign-key check, for
//   a gap an index's next-key lock covers) while holding that new row, and a migration that then
//   needs the row — a locking scan of the table in REPEATABLE READ — closes the cycle; InnoDB
//   resolves it at once against the lighter transaction, and a one-row migration is no heavier
//   than the probe (rehearsed: the migration was the one rolled back). So on MariaDB the insert
//   gives up a row-lock wait at once (innodb_lock_wait_timeout = 0 for that statement: error
//   1205) and retries 25 ms later, its failures joined into one blocked window; on MySQL (and
//   MariaDB before 10.3), where a row-lock wait lasts at least a second, there is no insert probe
//   on a table where it could wait holding its row (see statements.ts).
// - Time. MariaDB's max_statement_time (0.5 s) ends any probe statement, whatever it waits for
//   (error 1969), so a DDL waits at most that long for a probe. MySQL's max_execution_time bounds
//   only SELECTs; its writes are bounded by lock_wait_timeout and innodb_lock_wait_timeout, 1 s
//   (whole seconds, the least that still waits: 0 would not wait at all). An attempt that gives up
//   counts as waiting (stats.ts), and the probe retries at once.
//
// Probes read in READ COMMITTED: an insert copies its sample row with INSERT … SELECT, which in
// REPEATABLE READ would lock the row it reads in share mode, a lock the application's INSERT …
// VALUES never takes. (With statement-based binary logging, InnoDB refuses READ COMMITTED writes:
// the probes then stay in REPEATABLE READ, and the plan's notes say so.)
//
// Why the tally. Per-table row counters (performance_schema's table I/O summary, MariaDB's
// userstat TABLE_STATISTICS) count every session's rows, rolled-back writes included. Neither keeps
// per-session figures by table, so a probe counts what its own statements touched: each attempt
// asks the server how many rows it found or wrote (FOUND_ROWS(), ROW_COUNT()) in the same round
// trip. A successful attempt reads one row and, for an insert, writes one (an update sets the row
// to itself, which MySQL does not write and neither counter counts). A failed attempt is not
// tallied: userstat does not count a failed write either; performance_schema may count the failed
// handler call, so a row per failed insert attempt could stay in the step's rows there. userstat
// keeps only "rows changed", which the observer splits in the proportions of the migration
// session's own inserts, updates and deletes: the probes' inserts are taken out of `inserted`, which
// is exact when the step's own changes on the table are inserts, not when they are updates or
// there are none (the split then calls the probes' inserts updates). Without per-table counters
// (MariaDB's defaults) nothing is tallied, because nothing needs taking out: the observer then
// counts rows read and written only in the migration session's own status counters, and each
// table's net row-count change once the probes have stopped and rolled back.
import { performance } from 'node:perf_hooks';
import { DatabaseError, type Session } from '../../engines/engine.ts';
import { detectServerFeatures, type MysqlServerFeatures } from '../../engines/mysql/server-features.ts';
import type { MysqlFlavour } from '../../engines/mysql/server-version.ts';
import type { ProbeOperation } from '../../rehearsal/evidence.ts';
import { tally, type RowCounts } from '../activity.ts';
import type { AccountedConnection, LockHolderConnection, ProbeConnection } from '../probes.ts';
import type { Attempt } from '../stats.ts';

/** Bounds a probe statement (MariaDB: any; MySQL: SELECTs). A point read or one-row write still running then is stuck, not slow. */
export const PROBE_STATEMENT_TIMEOUT_MS = 500;
/** Metadata-lock and row-lock waits, in whole seconds as the server takes them: 1 is the shortest that waits at all. */
export const PROBE_LOCK_WAIT_TIMEOUT_S = 1;
/** The control session's catalog queries and the lock-queue reader's reads get more room: they run before the step, not against it. */
export const CONTROL_STATEMENT_TIMEOUT_MS = 10_000;
export const CONTROL_LOCK_WAIT_TIMEOUT_S = 10;
/** A probe session left in a transaction (rehearse stopped mid-attempt) is ended by the server (MariaDB's idle_transaction_timeout). */
const IDLE_IN_TRANSACTION_TIMEOUT_S = 10;

/**
 * Errors that mean "waited and gave up": lock wait timeout (1205, row locks and metadata locks
 * alike), deadlock (1213), MariaDB's max_statement_time (1969), MySQL's max_execution_time (3024).
 */
export const GAVE_UP_WAITING_ERRNOS: ReadonlySet<number> = new Set([1205, 1213, 1969, 3024]);

/** What the probes need to know of the server. */
export interface ProbeServer {
  flavour: MysqlFlavour;
  versionNum: number;
  metadataLocks: MysqlServerFeatures['metadataLocks'];
  /** The server keeps per-table row counters, which count the probes' reads and writes too: they are tallied. */
  countsActivity: boolean;
  /** Probe sessions read in READ COMMITTED (see the header). */
  readCommitted: boolean;
}

/** What the sessions of one dialect instance share: the server, and what each planned statement is. */
export class MysqlProbeContext {
  #server: Promise<ProbeServer> | undefined;
  /** Each planned statement's table and operation, set by the control session's plan. */
  readonly statements = new Map<string, { table: string; operation: ProbeOperation }>();
  /** Tables linked to each probed table by a foreign key (a DDL on one takes metadata locks on the others). */
  linked = new Map<string, string[]>();
  /** What each probe session is attempting now, by connection id. */
  readonly attempting = new Map<number, { table: string; operation: ProbeOperation }>();
  /** The probes' own lanes and control session, by connection id: never "a blocker" of their own DDL inference. */
  readonly own = new Set<number>();

  constructor(private readonly options: { countActivity?: boolean } = {}) {}

  /** Detected once, through the first session that asks. */
  server(session: Session): Promise<ProbeServer> {
    this.#server ??= (async () => {
      const features = await detectServerFeatures(async (sql) => (await session.query<Record<string, unknown>>(sql)).rows);
      const { rows } = await session.query<{ format: string | null }>('SELECT @@SESSION.binlog_format AS format');
      const logBin = ['ON', '1'].includes(String(features.settings.log_bin ?? '').toUpperCase());
      const statementLogging = logBin && String(rows[0]?.format ?? '').toUpperCase() === 'STATEMENT';
      return {
        flavour: features.version.flavour,
        versionNum: features.version.num,
        metadataLocks: features.metadataLocks,
        countsActivity: this.options.countActivity ?? features.tableCounters !== undefined,
        readCommitted: !statementLogging,
      };
    })();
    // A failed detection is retried by the next session.
    this.#server.catch(() => (this.#server = undefined));
    return this.#server;
  }
}

/** The session settings of a probe-side connection. */
function settings(server: ProbeServer, statementTimeoutMs: number, lockWaitTimeoutS: number): string {
  const bound =
    server.flavour === 'mariadb'
      ? [`max_statement_time = ${statementTimeoutMs / 1000}`, `idle_transaction_timeout = ${IDLE_IN_TRANSACTION_TIMEOUT_S}`]
      : [`max_execution_time = ${statementTimeoutMs}`];
  const set = [
    ...bound,
    `lock_wait_timeout = ${lockWaitTimeoutS}`,
    `innodb_lock_wait_timeout = ${lockWaitTimeoutS}`,
    // An insert probe's key 0 in an unsigned AUTO_INCREMENT column is stored as 0 (statements.ts).
    `sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO')`,
  ];
  return [`SET SESSION ${set.join(', ')}`, ...(server.readCommitted ? ['SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'] : [])].join('; ');
}

/** A probe-side session whose reads and writes of user tables are tallied where the server counts them (see the header). */
export class MysqlAccountedSession implements AccountedConnection {
  readonly #activity = new Map<string, RowCounts>();

  protected constructor(
    protected readonly session: Session,
    protected readonly context: MysqlProbeContext,
    protected readonly server: ProbeServer,
  ) {}

  get pid(): number {
    return this.session.backendPid;
  }

  protected static async prepare(session: Session, context: MysqlProbeContext, statementTimeoutMs: number, lockWaitTimeoutS: number): Promise<ProbeServer> {
    const server = await context.server(session);
    await session.exec(settings(server, statementTimeoutMs, lockWaitTimeoutS));
    return server;
  }

  /** Adds to the tally, where the server has per-table counters to keep the probes out of. */
  protected count(table: string, counts: Partial<RowCounts>): void {
    if (!this.server.countsActivity) return;
    tally(this.#activity, table, { read: counts.read ?? 0, inserted: counts.inserted ?? 0, updated: counts.updated ?? 0, deleted: counts.deleted ?? 0 });
  }

  /** By table name: MySQL's counters are keyed by table, and the names are the ids. */
  takeActivity(): Promise<Map<string, RowCounts>> {
    const taken = new Map(this.#activity);
    this.#activity.clear();
    return Promise.resolve(taken);
  }

  close(): Promise<void> {
    this.context.own.delete(this.pid);
    this.context.attempting.delete(this.pid);
    return this.session.close();
  }
}

/** A session that repeats one probe statement. */
export class MysqlProbeSession extends MysqlAccountedSession implements ProbeConnection {
  static async open(session: Session, context: MysqlProbeContext): Promise<MysqlProbeSession> {
    const server = await MysqlAccountedSession.prepare(session, context, PROBE_STATEMENT_TIMEOUT_MS, PROBE_LOCK_WAIT_TIMEOUT_S);
    context.own.add(session.backendPid);
    return new MysqlProbeSession(session, context, server);
  }

  async attempt(sql: string): Promise<Attempt> {
    const target = this.context.statements.get(sql);
    if (target) this.context.attempting.set(this.pid, target);
    else this.context.attempting.delete(this.pid);
    const counting = this.server.countsActivity && target !== undefined;
    const start = performance.now();
    try {
      if (!counting) {
        // One round trip. Reads run in a transaction too, the same for every operation.
        await this.session.exec(`START TRANSACTION; ${sql}; ROLLBACK`);
        return { startMs: start, endMs: performance.now() };
      }
      const writes = target.operation === 'insert' || target.operation === 'update';
      const { rows } = await this.session.query<{ n: string | number | null }>(
        `START TRANSACTION; ${sql}; SET @rehearse_probe_rows = ${writes ? 'ROW_COUNT()' : 'FOUND_ROWS()'}; ROLLBACK; SELECT @rehearse_probe_rows AS n`,
      );
      const end = performance.now();
      const n = Math.max(0, Number(rows[0]?.n ?? 0));
      // ROW_COUNT() of an update is the rows it matched (rehearse's connections ask for found rows).
      this.count(target.table, target.operation === 'insert' ? { read: n, inserted: n } : { read: n });
      return { startMs: start, endMs: end };
    } catch (error) {
      // No SQLSTATE: the connection itself failed, which is not a probe result.
      if (!(error instanceof DatabaseError) || !error.sqlstate) throw error;
      const end = performance.now();
      // A failed statement leaves its transaction open (a deadlock rolled it back already).
      await this.session.exec('ROLLBACK');
      return failedAttempt(start, end, error);
    }
  }
}

/** A failed attempt, counted under MySQL's error number (its SQLSTATE is often just HY000). */
export function failedAttempt(startMs: number, endMs: number, error: DatabaseError): Attempt {
  const errno = error.details.errno;
  if (errno === undefined) return { startMs, endMs, ...(error.sqlstate ? { sqlstate: error.sqlstate } : {}) };
  return { startMs, endMs, ...(error.sqlstate ? { sqlstate: error.sqlstate } : {}), code: String(errno), gaveUpWaiting: GAVE_UP_WAITING_ERRNOS.has(errno) };
}

/**
 * The lock-queue reader: a transaction that reads one row of each table and stays open, holding
 * each table's SHARED_READ metadata lock until it ends, as a long report query would. A DDL needing
 * an exclusive metadata lock (even an instant ADD COLUMN) waits for it, and every later statement
 * on the table queues behind the waiting DDL.
 */
export class MysqlLockHolder extends MysqlAccountedSession implements LockHolderConnection {
  #open = false;

  static async open(session: Session, context: MysqlProbeContext): Promise<MysqlLockHolder> {
    const server = await MysqlAccountedSession.prepare(session, context, CONTROL_STATEMENT_TIMEOUT_MS, CONTROL_LOCK_WAIT_TIMEOUT_S);
    return new MysqlLockHolder(session, context, server);
  }

  async hold(qualifiedTables: string[], holdMs: number): Promise<void> {
    // Idle in its transaction for the whole hold: the server must not end it early (nor leave it
    // open long after rehearse is gone; MySQL has no such timeout, and ends it with the connection).
    const idle = this.server.flavour === 'mariadb' ? `SET SESSION idle_transaction_timeout = ${Math.ceil(holdMs / 1000) + IDLE_IN_TRANSACTION_TIMEOUT_S}; ` : '';
    try {
      await this.session.exec(`${idle}START TRANSACTION`);
      for (const qualified of qualifiedTables) {
        const { rows } = await this.session.query(`SELECT 1 FROM ${qualified} LIMIT 1`);
        this.count(unquote(qualified), { read: rows.length });
      }
    } catch (error) {
      await this.session.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.#open = true;
  }

  async release(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    const idle = this.server.flavour === 'mariadb' ? `; SET SESSION idle_transaction_timeout = ${IDLE_IN_TRANSACTION_TIMEOUT_S}` : '';
    await this.session.exec(`ROLLBACK${idle}`);
  }
}

/** `` `a``b` `` → `` a`b ``: the table behind a quoted name. */
function unquote(qualified: string): string {
  const m = /^`((?:[^`]|``)*)`$/.exec(qualified);
  return m ? m[1]!.replaceAll('``', '`') : qualified;
}
