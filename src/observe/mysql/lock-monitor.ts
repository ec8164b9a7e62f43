// A second session that polls the metadata locks the migration's connection holds, and its state
// in information_schema.PROCESSLIST, while it runs a statement. On MySQL/MariaDB every DDL
// statement runs in autocommit (it commits implicitly), so its locks are gone when it returns:
// only a second session can see them.
import type { Session } from '../../engines/engine.ts';
import type { HeldLock, LockMonitor } from '../observer.ts';
import { heldLocksFromRows, type LockRow } from './locks.ts';

const POLL_MS = 20;

/** A state the migration's connection was seen in (`copy to tmp table`, `Waiting for table metadata lock`, …). */
export interface ConnectionState {
  state: string;
  /** First seen this long after the watch started. */
  atMs: number;
}

export interface MysqlLockWatch {
  stop(): Promise<HeldLock[]>;
  /** The distinct PROCESSLIST states seen so far, in order. */
  states(): ConnectionState[];
}

export class MysqlLockMonitor implements LockMonitor {
  /** `locksSql` is undefined where the server does not show metadata locks: only states are polled then. */
  constructor(
    private readonly session: Session,
    private readonly locksSql: string | undefined,
  ) {}

  watch(connectionId: number): MysqlLockWatch {
    const seen = new Map<string, HeldLock>();
    const states: ConnectionState[] = [];
    const started = performance.now();
    let stopped = false;
    // stop() cuts the pause between polls short: the step must not wait out a sleep (about 15 ms a statement).
    let wake: () => void = () => undefined;
    const loop = (async () => {
      while (!stopped) {
        try {
          if (this.locksSql) {
            const { rows } = await this.session.query<LockRow>(this.locksSql, [connectionId]);
            for (const lock of heldLocksFromRows(rows)) seen.set(`${lock.oid}:${lock.mode}`, lock);
          }
          const { rows } = await this.session.query<{ state: string | null }>('SELECT STATE AS state FROM information_schema.PROCESSLIST WHERE ID = ?', [
            connectionId,
          ]);
          const state = rows[0]?.state;
          if (state && !states.some((s) => s.state === state)) states.push({ state, atMs: Math.round(performance.now() - started) });
        } catch {
          // The monitor must never fail the step it watches; a missed poll only loses detail.
        }
        if (stopped) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
    return {
      async stop() {
        stopped = true;
        wake();
        await loop;
        return [...seen.values()];
      },
      states: () => [...states],
    };
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
