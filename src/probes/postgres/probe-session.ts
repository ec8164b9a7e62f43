// A PostgreSQL probe session: its settings, one attempt of a probe statement, and an exact tally
// of what it added to the per-table row counters.
//
// Why a probe cannot become the blocker: between attempts it holds nothing (no open transaction,
// no session-level lock). During an attempt it takes the locks the application's statement would
// take, for as long as that statement runs, and the rollback releases them. Its waits are cut
// short by lock_timeout, kept below deadlock_timeout: a probe insert into a child table waits for
// the parent's lock while holding ROW EXCLUSIVE on the child, so a migration that then asks for
// the child would deadlock with it — with the probe giving up first, the migration waits at most
// lock_timeout and is never the one PostgreSQL cancels. A wait longer than lock_timeout is still
// measured: the probe retries at once, and the report joins consecutive timeouts into one window.
//
// Why the tally: pg_stat_user_tables is shared by all sessions and counts rolled-back work (a
// rolled-back INSERT adds to n_tup_ins). A backend keeps its counts pending and flushes them to
// the shared table at an idle moment (outside a transaction), on its own at most once per second
// (PGSTAT_MIN_INTERVAL, PostgreSQL 15+), or when forced. pg_stat_xact_user_tables shows this
// backend's pending counts plus its open transaction's. So the session reads them and forces the
// flush in the same statement — what it read is exactly what gets flushed — and sees to it that
// no flush of the server's own choosing comes in between: it reads before an attempt once
// READ_EVERY_MS have passed since the last flush, and an attempt, failed or not, ends within
// PROBE_STATEMENT_TIMEOUT_MS, so the idle moment after it comes well inside the second.
import { performance } from 'node:perf_hooks';
import { DatabaseError, type Session } from '../../engines/engine.ts';
import { tally, type RowCounts } from '../activity.ts';
import type { AccountedConnection, LockHolderConnection, ProbeConnection } from '../probes.ts';
import type { Attempt } from '../stats.ts';

/** How probe sessions show in pg_stat_activity. */
export const PROBE_APPLICATION_NAME = 'rehearse-probe';
/** The longest a probe waits for one lock before retrying (lower when deadlock_timeout is low). */
export const PROBE_LOCK_TIMEOUT_MS = 400;
/**
 * Bounds an attempt, whatever it waits for. A point read or a one-row write that has not finished
 * in half a second is stuck, not slow; it counts as a wait (57014) and the probe retries.
 */
export const PROBE_STATEMENT_TIMEOUT_MS = 500;
/** The control session's catalog queries get more room: they run between steps, not against them. */
export const CONTROL_STATEMENT_TIMEOUT_MS = 10_000;
/** A probe session left in a transaction (rehearse stopped mid-attempt) is ended by the server. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

// Read every 200 ms at most, plus a 500 ms attempt: the next idle moment comes at most 0.7 s after
// the last flush, leaving 0.3 s of the second for a busy machine's scheduling delays.
const READ_EVERY_MS = 200;

const PENDING_COUNTS_SQL = `
SELECT pg_stat_force_next_flush() AS flushed,
       coalesce((SELECT json_agg(json_build_object(
                   'oid', relid::int8::text, 'read', coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0),
                   'inserted', n_tup_ins, 'updated', n_tup_upd, 'deleted', n_tup_del))
                 FROM pg_stat_xact_user_tables
                 WHERE coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) + n_tup_ins + n_tup_upd + n_tup_del > 0), '[]') AS pending`;

/** A session whose reads and writes of user tables are tallied exactly (see the header). */
export class AccountedSession implements AccountedConnection {
  #lastFlush = 0;
  readonly #activity = new Map<string, RowCounts>();

  protected constructor(protected readonly session: Session) {}

  get pid(): number {
    return this.session.backendPid;
  }

  /** Settings of a probe-side session, then a first flush, so the tally starts from zero. */
  protected async prepare(statementTimeoutMs: number): Promise<void> {
    const { rows } = await this.session.query<{ ms: string }>(`SELECT setting AS ms FROM pg_settings WHERE name = 'deadlock_timeout'`);
    const deadlockMs = Number(rows[0]?.ms ?? 1_000);
    const lockTimeoutMs = Math.max(10, Math.min(PROBE_LOCK_TIMEOUT_MS, Math.floor(deadlockMs / 2)));
    await this.session.exec(
      [
        `SET application_name = '${PROBE_APPLICATION_NAME}'`,
        `SET lock_timeout = ${lockTimeoutMs}`,
        `SET statement_timeout = ${statementTimeoutMs}`,
        `SET idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
        // Probe statements carry their sample values as literals.
        `SET standard_conforming_strings = on`,
      ].join('; '),
    );
    await this.readCounts();
  }

  async takeActivity(): Promise<Map<string, RowCounts>> {
    await this.readCounts();
    const taken = new Map(this.#activity);
    this.#activity.clear();
    return taken;
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /** Runs `fn` in a transaction that is rolled back, with what it reads tallied. */
  protected async rolledBack<T>(fn: () => Promise<T>): Promise<T> {
    await this.session.exec('BEGIN');
    try {
      const result = await fn();
      await this.readCounts();
      return result;
    } finally {
      await this.session.exec('ROLLBACK');
      this.#lastFlush = performance.now();
    }
  }

  /** Whether the idle moment after an attempt could come late enough to flush on its own. */
  protected mustReadFirst(): boolean {
    return performance.now() - this.#lastFlush >= READ_EVERY_MS;
  }

  /** Pending counts of this backend (plus its open transaction's), and a forced flush of them. */
  protected async readCounts(): Promise<void> {
    const { rows } = await this.session.query<{ pending: ({ oid: string } & RowCounts)[] }>(PENDING_COUNTS_SQL);
    for (const { oid, read, inserted, updated, deleted } of rows[0]?.pending ?? []) {
      tally(this.#activity, oid, { read: Number(read), inserted: Number(inserted), updated: Number(updated), deleted: Number(deleted) });
    }
    // Outside a transaction the flush happens as this statement ends; inside one, at its end.
    this.#lastFlush = performance.now();
  }
}

/** A session that repeats one probe statement. */
export class PostgresProbeSession extends AccountedSession implements ProbeConnection {
  static async open(session: Session): Promise<PostgresProbeSession> {
    const probe = new PostgresProbeSession(session);
    await probe.prepare(PROBE_STATEMENT_TIMEOUT_MS);
    return probe;
  }

  async attempt(sql: string): Promise<Attempt> {
    if (this.mustReadFirst()) await this.readCounts();
    const start = performance.now();
    try {
      // One round trip. Reads run in a transaction too, the same for every operation.
      await this.session.exec(`BEGIN; ${sql}; ROLLBACK`);
      return { startMs: start, endMs: performance.now() };
    } catch (error) {
      // No SQLSTATE: the connection itself failed, which is not a probe result.
      if (!(error instanceof DatabaseError) || !error.sqlstate) throw error;
      const end = performance.now();
      // The failed statement left the transaction open (aborted); its counts stay pending.
      await this.session.exec('ROLLBACK');
      return { startMs: start, endMs: end, sqlstate: error.sqlstate };
    }
  }
}

/**
 * The lock-queue reader: a transaction that reads one row of each table and stays open, holding
 * ACCESS SHARE on them, as a long report query would. Its reads are tallied like a probe's: they
 * are read inside the transaction, before the rollback, so no flush of the server's choosing can
 * come in between (a backend does not flush inside a transaction).
 */
export class PostgresLockHolder extends AccountedSession implements LockHolderConnection {
  #open = false;

  static async open(session: Session): Promise<PostgresLockHolder> {
    const holder = new PostgresLockHolder(session);
    await holder.prepare(CONTROL_STATEMENT_TIMEOUT_MS);
    return holder;
  }

  async hold(qualifiedTables: string[], holdMs: number): Promise<void> {
    if (this.mustReadFirst()) await this.readCounts();
    // Idle in its transaction for the whole hold: the server must not end it early (nor leave it
    // open long after rehearse is gone).
    const reads = qualifiedTables.map((t) => `SELECT 1 FROM ${t} LIMIT 1`);
    try {
      await this.session.exec([`SET idle_in_transaction_session_timeout = ${Math.ceil(holdMs) + IDLE_IN_TRANSACTION_TIMEOUT_MS}`, 'BEGIN', ...reads].join('; '));
    } catch (error) {
      await this.session.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.#open = true;
  }

  async release(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    try {
      await this.readCounts();
    } finally {
      await this.session.exec(`ROLLBACK; SET idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_TIMEOUT_MS}`);
    }
  }
}
