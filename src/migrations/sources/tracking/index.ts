// The history tables of dbmate, Flyway, Prisma and drizzle as `MigrationTracking`s, one per tool and
// engine family, each kept exactly as the tool keeps it (docs/migration-sources.md, "History table").
import type { Dialect } from '../../../engines/engine.ts';
import type { MigrationTracking } from '../../tracking.ts';
import type { DrizzleMigration } from '../drizzle.ts';
import { DbmateTracking } from './dbmate.ts';
import { DrizzleTracking } from './drizzle.ts';
import { FlywayTracking } from './flyway.ts';
import { PRISMA_TABLE, PrismaTracking } from './prisma.ts';

export { DbmateTracking, DBMATE_TABLE, isDbmateMigration } from './dbmate.ts';
export { DrizzleTracking, DRIZZLE_SCHEMA, DRIZZLE_TABLE, isDrizzleMigration, type DrizzleTrackingOptions } from './drizzle.ts';
export { FlywayTracking, FLYWAY_TABLE, isFlywayMigration, type FlywayTrackingOptions } from './flyway.ts';
export { PrismaTracking, PRISMA_TABLE, isPrismaMigration } from './prisma.ts';

export type TrackedSource = 'dbmate' | 'flyway' | 'prisma' | 'drizzle';

export interface TrackingOptions {
  /**
   * The history table's name where the project changed it: dbmate's `--migrations-table`, Flyway's
   * `table`, drizzle's `migrations.table` (Prisma's is fixed).
   */
  table?: string;
  /** drizzle on PostgreSQL: `migrations.schema` (default `drizzle`). */
  schema?: string;
  /** Flyway's `installedBy` (default: the database user, as Flyway asks for it). */
  installedBy?: string;
  /**
   * drizzle: the migrations in journal order, so the version read is the one drizzle's migrator
   * would consider applied (by `created_at`) rather than one counted from the rows.
   */
  migrations?: readonly DrizzleMigration[];
}

/** The tracking of `source`'s history table on an engine of `dialect`. */
export function trackingFor(source: TrackedSource, dialect: Dialect, options: TrackingOptions = {}): MigrationTracking {
  switch (source) {
    case 'dbmate':
      return new DbmateTracking(dialect, options.table);
    case 'flyway':
      return new FlywayTracking(dialect, {
        ...(options.table !== undefined ? { table: options.table } : {}),
        ...(options.installedBy !== undefined ? { installedBy: options.installedBy } : {}),
      });
    case 'prisma':
      if (options.table !== undefined && options.table !== PRISMA_TABLE) {
        throw new TypeError(`Prisma's history table is always _prisma_migrations (got table "${options.table}")`);
      }
      return new PrismaTracking(dialect);
    case 'drizzle':
      return new DrizzleTracking(dialect, {
        ...(options.table !== undefined ? { table: options.table } : {}),
        ...(options.schema !== undefined ? { schema: options.schema } : {}),
        ...(options.migrations !== undefined ? { migrations: options.migrations } : {}),
      });
    default:
      throw new TypeError(`no history table is known for migration tool "${String(source)}" (known: dbmate, flyway, prisma, drizzle)`);
  }
}
