// What a rehearsal needs from an engine's SQL family besides the engine itself: the observer that
// watches migrations with the family's catalog, and the migration tool's tracking table as that
// tool keeps it on the family. The one place that picks them by dialect.
import type { Dialect, Session } from '../engines/engine.ts';
import type { MigrationSourceModule } from '../migrations/sources/registry.ts';
import type { MigrationTracking } from '../migrations/tracking.ts';
import { MysqlObserver } from '../observe/mysql/observer.ts';
import type { Observer } from '../observe/observer.ts';
import { PostgresObserver } from '../observe/postgres/observer.ts';
import { SqliteObserver } from '../observe/sqlite/observer.ts';

export interface DialectParts {
  observer: Observer;
  tracking: MigrationTracking;
}

export function dialectParts(dialect: Dialect, source: Pick<MigrationSourceModule, 'id' | 'tracking'>): DialectParts {
  const tracking = source.tracking(dialect);
  // Snapshots record the tool's state the tool's way: the observers read golang-migrate's one row
  // themselves; other tools keep a row per migration, which their tracking reads.
  const options = source.id === 'golang-migrate' ? { trackingTable: tracking.table } : { trackingTable: tracking.table, trackingState: (session: Session) => tracking.readRestored(session) };
  switch (dialect) {
    case 'postgres':
      return { tracking, observer: new PostgresObserver(options) };
    case 'mysql':
      return { tracking, observer: new MysqlObserver(options) };
    case 'sqlite':
      return { tracking, observer: new SqliteObserver(options) };
  }
}
