// What a rehearsal needs from an engine's SQL family besides the engine itself: the observer that
// watches migrations with the family's catalog, and golang-migrate's tracking table as that
// family's driver keeps it. The one place that picks them by dialect.
import type { Dialect } from '../engines/engine.ts';
import { GolangMigrateTracking } from '../migrations/golang-migrate-tracking.ts';
import { GolangMigrateTrackingMysql } from '../migrations/golang-migrate-tracking-mysql.ts';
import { GolangMigrateSqliteTracking } from '../migrations/golang-migrate-tracking-sqlite.ts';
import type { MigrationTracking } from '../migrations/tracking.ts';
import { MysqlObserver } from '../observe/mysql/observer.ts';
import type { Observer } from '../observe/observer.ts';
import { PostgresObserver } from '../observe/postgres/observer.ts';
import { SqliteObserver } from '../observe/sqlite/observer.ts';

export interface DialectParts {
  observer: Observer;
  tracking: MigrationTracking;
}

export function dialectParts(dialect: Dialect): DialectParts {
  switch (dialect) {
    case 'postgres': {
      const tracking = new GolangMigrateTracking();
      return { tracking, observer: new PostgresObserver({ trackingTable: tracking.table }) };
    }
    case 'mysql': {
      const tracking = new GolangMigrateTrackingMysql();
      return { tracking, observer: new MysqlObserver({ trackingTable: tracking.table }) };
    }
    case 'sqlite': {
      const tracking = new GolangMigrateSqliteTracking();
      return { tracking, observer: new SqliteObserver({ trackingTable: tracking.table }) };
    }
  }
}
