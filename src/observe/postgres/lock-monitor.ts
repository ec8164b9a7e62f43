// A second session that polls the locks the migration's backend holds while it runs a statement
// in autocommit (CREATE INDEX CONCURRENTLY, VACUUM, …), where its own session cannot look:
// the locks are gone when the statement returns.
import type { Session } from '../../engines/engine.ts';
import type { HeldLock, LockMonitor } from '../observer.ts';
import { HELD_LOCKS_SQL, heldLockFromRow } from './locks.ts';

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

  close(): Promise<void> {
    return this.session.close();
  }
}
