// A second session that polls the locks the migration's backend holds while it runs a statement
// in autocommit (CREATE INDEX CONCURRENTLY, VACUUM, …), where its own session cannot look:
// the locks are gone when the statement returns.
import type { Session } from '../../engines/engine.ts';
import type { HeldLock, LockMonitor } from '../observer.ts';
import { performance } from 'node:perf_hooks';
import { PROBE_APPLICATION_NAME } from '../../probes/postgres/probe-session.ts';
import { HELD_LOCKS_SQL, heldLockFromRow } from './locks.ts';

/** The locks of every other session on this database but `$1` (pids), this one and the probes (`$2`). */
const OTHERS_LOCKS_SQL = HELD_LOCKS_SQL.replace(
  'WHERE l.pid = $1 AND',
  `WHERE l.pid <> ALL($1::int[]) AND l.pid <> pg_backend_pid()
  AND l.pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name IS DISTINCT FROM $2) AND`,
);

const POLL_MS = 20;

export class PostgresLockMonitor implements LockMonitor {
  constructor(private readonly session: Session) {}

  watch(backendPid: number): { stop(): Promise<HeldLock[]> } {
    const seen = new Map<string, HeldLock>();
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        try {
          const { rows } = await this.session.query(HELD_LOCKS_SQL, [backendPid]);
          for (const row of rows) {
            const lock = heldLockFromRow(row as never);
            seen.set(`${lock.oid}:${lock.mode}`, lock);
          }
        } catch {
          // The monitor must never fail the step it watches; a missed poll only loses detail.
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
        return [...seen.values()];
      },
    };
  }

  watchOthers(exclude: number[]): { stop(): Promise<{ lock: HeldLock; heldMs: number }[]> } {
    const seen = new Map<string, { lock: HeldLock; first: number; last: number }>();
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        try {
          const { rows } = await this.session.query(OTHERS_LOCKS_SQL, [exclude, PROBE_APPLICATION_NAME]);
          const now = performance.now();
          for (const row of rows) {
            const lock = heldLockFromRow(row as never);
            const key = `${lock.oid}:${lock.mode}`;
            const entry = seen.get(key);
            if (entry) entry.last = now;
            else seen.set(key, { lock, first: now, last: now });
          }
        } catch {
          // As in watch(): a missed poll only loses detail.
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
        // Seen once: held at least about one poll interval.
        return [...seen.values()].map((e) => ({ lock: e.lock, heldMs: Math.max(POLL_MS, Math.round(e.last - e.first)) }));
      },
    };
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
