// The SQL migration sources rehearse reads (DESIGN §2 "migration source"), each behind one
// interface: where its files are, how to read them from the working tree or from a git
// revision (--base), whether it keeps downs, and its tracking table on each engine family. The
// one place that picks a source's module by name.
import type { Dialect, Engine } from '../../engines/engine.ts';
import { GolangMigrateTracking } from '../golang-migrate-tracking.ts';
import { GolangMigrateTrackingMysql } from '../golang-migrate-tracking-mysql.ts';
import { GolangMigrateSqliteTracking } from '../golang-migrate-tracking-sqlite.ts';
import { parseGolangMigrateFiles, readGolangMigrateDir } from '../golang-migrate.ts';
import type { Migration, PreparedMigration } from '../migration.ts';
import type { MigrationTracking } from '../tracking.ts';
import { DBMATE_DEFAULT_DIR, parseDbmateFiles, readDbmateDir } from './dbmate.ts';
import { DRIZZLE_DEFAULT_DIR, parseDrizzleFiles, readDrizzleDir } from './drizzle.ts';
import { FLYWAY_DEFAULT_LOCATION, type FlywayMigrations, parseFlywayFiles, readFlywayDir } from './flyway.ts';
import { parsePrismaMigrations, PRISMA_DEFAULT_DIR, type PrismaMigrationDir, readPrismaMigrationsDir } from './prisma.ts';
import { trackingFor } from './tracking/index.ts';
import type { SourceFile } from './version-order.ts';

export const SQL_SOURCES = ['golang-migrate', 'dbmate', 'flyway', 'prisma', 'drizzle'] as const;
export type SqlSourceId = (typeof SQL_SOURCES)[number];

/** What reading a source gives: the migrations in apply order, and what rehearse leaves aside. */
export interface SourceRead {
  migrations: Migration[];
  /** Said in the report's notes (e.g. Flyway's repeatable migrations, which are not rehearsed). */
  notes: string[];
}

export interface MigrationSourceModule {
  readonly id: SqlSourceId | 'command' | 'knex' | 'kysely' | 'node-pg-migrate';
  /** The layout, for messages and docs. */
  readonly layout: string;
  /** The tool's default directory, relative to the project, when the config names none. */
  readonly defaultDir: string;
  /** false: the tool keeps no down migrations, so rollback and reapply cannot be rehearsed. */
  readonly hasDowns: boolean;
  /** The working tree's directory. */
  read(dir: string): Promise<SourceRead>;
  /** The directory's files read elsewhere (a git revision): every file under it, paths relative to it. */
  fromFiles(files: SourceFile[], shownDir: string): Promise<SourceRead>;
  /** The tool's history table, as the tool keeps it on this engine family. */
  tracking(dialect: Dialect): MigrationTracking;
  /**
   * For tools that list their migrations themselves (command sources): the list, asked on a
   * scratch database of the target's engine. `read` then gives none.
   */
  listOn?(engine: Engine): Promise<PreparedMigration[]>;
}

const only = (migrations: Migration[]): SourceRead => ({ migrations, notes: [] });

function flywayRead(read: FlywayMigrations): SourceRead {
  const notes = read.repeatables.length > 0 ? [`${read.repeatables.length} Flyway repeatable migration(s) (R__…) are not rehearsed: Flyway runs them after the versioned ones whenever their checksum changes`] : [];
  return { migrations: read.migrations, notes };
}

/** Prisma keeps one directory per migration, its script in `migration.sql`. */
function prismaDirs(files: SourceFile[], shownDir: string): PrismaMigrationDir[] {
  const dirs = new Map<string, PrismaMigrationDir>();
  for (const f of files) {
    const [name, rest] = f.file.split('/', 2);
    if (!name || rest === undefined) continue;
    const dir = dirs.get(name) ?? { name, shown: `${shownDir}/${name}` };
    if (f.file === `${name}/migration.sql`) dir.script = f;
    dirs.set(name, dir);
  }
  return [...dirs.values()];
}

const MODULES: Record<SqlSourceId, MigrationSourceModule> = {
  'golang-migrate': {
    id: 'golang-migrate',
    layout: '<version>_<name>.up.sql and <version>_<name>.down.sql',
    defaultDir: 'migrations',
    hasDowns: true,
    read: async (dir) => only(await readGolangMigrateDir(dir)),
    fromFiles: async (files, shownDir) => only(await parseGolangMigrateFiles(files.filter((f) => !f.file.includes('/') && /\.sql$/i.test(f.file)), shownDir)),
    tracking: (dialect) => (dialect === 'postgres' ? new GolangMigrateTracking() : dialect === 'mysql' ? new GolangMigrateTrackingMysql() : new GolangMigrateSqliteTracking()),
  },
  dbmate: {
    id: 'dbmate',
    layout: '<version>_<name>.sql with -- migrate:up and -- migrate:down sections',
    defaultDir: DBMATE_DEFAULT_DIR,
    hasDowns: true,
    read: async (dir) => only(await readDbmateDir(dir)),
    fromFiles: async (files, shownDir) => only(await parseDbmateFiles(files.filter((f) => !f.file.includes('/') && /\.sql$/i.test(f.file)), shownDir)),
    tracking: (dialect) => trackingFor('dbmate', dialect),
  },
  flyway: {
    id: 'flyway',
    layout: 'V<version>__<description>.sql, undo U<version>__<description>.sql',
    defaultDir: FLYWAY_DEFAULT_LOCATION,
    hasDowns: true,
    read: async (dir) => flywayRead(await readFlywayDir(dir)),
    fromFiles: async (files, shownDir) => flywayRead(await parseFlywayFiles(files.filter((f) => /\.sql$/i.test(f.file)), shownDir)),
    tracking: (dialect) => trackingFor('flyway', dialect),
  },
  prisma: {
    id: 'prisma',
    layout: '<timestamp>_<name>/migration.sql (no down migrations)',
    defaultDir: PRISMA_DEFAULT_DIR,
    hasDowns: false,
    read: async (dir) => only((await readPrismaMigrationsDir(dir)).migrations),
    fromFiles: async (files, shownDir) => {
      const lock = files.find((f) => f.file === 'migration_lock.toml');
      return only((await parsePrismaMigrations(prismaDirs(files, shownDir), lock ? await lock.read() : undefined, shownDir)).migrations);
    },
    tracking: (dialect) => trackingFor('prisma', dialect),
  },
  drizzle: {
    id: 'drizzle',
    layout: '<idx>_<tag>.sql listed in meta/_journal.json (no down migrations)',
    defaultDir: DRIZZLE_DEFAULT_DIR,
    hasDowns: false,
    read: async (dir) => only((await readDrizzleDir(dir)).migrations),
    fromFiles: async (files, shownDir) => {
      const journal = files.find((f) => f.file === 'meta/_journal.json');
      const sql = files.filter((f) => !f.file.includes('/') && /\.sql$/i.test(f.file));
      return only((await parseDrizzleFiles(sql, journal ? { shown: journal.shown, text: await journal.read() } : undefined, shownDir)).migrations);
    },
    tracking: (dialect) => trackingFor('drizzle', dialect),
  },
};

export function sourceModule(id: SqlSourceId): MigrationSourceModule {
  return MODULES[id];
}
