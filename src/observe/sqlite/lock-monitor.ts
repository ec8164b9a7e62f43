// The lock monitor of a SQLite target sees nothing, on purpose. Another connection cannot read
// who holds SQLite's write lock; it can only find out by trying to take it (BEGIN IMMEDIATE with
// no busy timeout), and whenever it succeeded the migration's own statement would have to wait
// for it: the monitor would slow down what it measures. So an autocommit statement's lock is the
// one its text implies (SQLITE_RESERVED on the tables it writes, held for the statement), which
// the step runner falls back to when a monitor saw nothing — for SQLite that inference is exact
// about the mode; only the tables are the statement's own account.
import type { Session } from '../../engines/engine.ts';
import type { HeldLock, LockMonitor } from '../observer.ts';

export class SqliteLockMonitor implements LockMonitor {
  constructor(private readonly session: Session) {}

  watch(): { stop(): Promise<HeldLock[]> } {
    return { stop: async () => [] };
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
