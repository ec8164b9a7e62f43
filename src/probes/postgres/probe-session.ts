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
// the shared table at an idle moment (outside a transaction), at most once a second unless forced.
// pg_stat_xact_user_tables shows this backend's pending counts plus its open transaction's. So
// the session reads them and forces the flush in the same statement — the pending counts at that
// moment are exactly what it flushes — and makes sure no flush of its own choosing can happen in
// between: it reads at least every READ_EVERY_MS, and before ending a transaction more than
// READ_BEFORE_MS after the last flush it reads inside the transaction first.
import { performance } from 'node:perf_hooks';
import { DatabaseError, type Session } from '../../engines/engine.ts';
import { tally, type RowCounts } from '../activity.ts';
import type { AccountedConnection, ProbeConnection } from '../probes.ts';
import type { Attempt } from '../stats.ts';

/** How probe sessions show in pg_stat_activity. */
export const PROBE_APPLICATION_NAME = 'rehearse-probe';
/** Bounds an attempt whatever it waits for: a probe never hangs. */
export const PROBE_STATEMENT_TIMEOUT_MS = 5_000;
/** The longest a probe waits for one lock before retrying (lower when deadlock_timeout is low). */
export const PROBE_LOCK_TIMEOUT_MS = 500;
/** A probe session left in a transaction (rehearse stopped mid-attempt) is ended by the server. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

// PostgreSQL flushes a backend's pending counts on its own at most once per PGSTAT_MIN_INTERVAL
// (1 s, PostgreSQL 15+). Reading them well inside that leaves a wide margin for a busy machine.
const READ_EVERY_MS = 250;
const READ_BEFORE_MS = 600;

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

  /** Settings of every probe-side session, then a first flush, so the tally starts from zero. */
  protected async prepare(): Promise<void> {
    const { rows } = await this.session.query<{ ms: string }>(`SELECT setting AS ms FROM pg_settings WHERE name = 'deadlock_timeout'`);
    const deadlockMs = Number(rows[0]?.ms ?? 1_000);
    const lockTimeoutMs = Math.max(10, Math.min(PROBE_LOCK_TIMEOUT_MS, Math.floor(deadlockMs / 2)));
    await this.session.exec(
      [
        `SET application_name = '${PROBE_APPLICATION_NAME}'`,
        `SET lock_timeout = ${lockTimeoutMs}`,
        `SET statement_timeout = ${PROBE_STATEMENT_TIMEOUT_MS}`,
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

  /** Whether the next idle moment could flush on its own, so the counters must be read first. */
  protected mustReadBefore(idle: 'between attempts' | 'ending a transaction'): boolean {
    return performance.now() - this.#lastFlush >= (idle === 'between attempts' ? READ_EVERY_MS : READ_BEFORE_MS);
  }

  protected flushedNow(): void {
    this.#lastFlush = performance.now();
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
    await probe.prepare();
    return probe;
  }

  async attempt(sql: string): Promise<Attempt> {
    if (this.mustReadBefore('between attempts')) await this.readCounts();
    const start = performance.now();
    let sqlstate: string | undefined;
    try {
      // One round trip. The savepoint is there so the tally can be read after a failure.
      await this.session.exec(`BEGIN; SAVEPOINT probe; ${sql}`);
    } catch (error) {
      // No SQLSTATE: the connection itself failed, which is not a probe result.
      if (!(error instanceof DatabaseError) || !error.sqlstate) throw error;
      sqlstate = error.sqlstate;
    }
    const end = performance.now();
    const read = this.mustReadBefore('ending a transaction');
    if (read) {
      if (sqlstate) await this.session.exec('ROLLBACK TO SAVEPOINT probe');
      await this.readCounts();
    }
    await this.session.exec('ROLLBACK');
    if (read) this.flushedNow();
    return sqlstate ? { startMs: start, endMs: end, sqlstate } : { startMs: start, endMs: end };
  }
}
