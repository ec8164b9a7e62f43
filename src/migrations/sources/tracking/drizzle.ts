// drizzle's `__drizzle_migrations` table, kept as drizzle-orm's migrator keeps it (the `migrate`
// methods of pg-core, mysql-core and sqlite-core's dialects; checked with drizzle-orm 0.45.4 on
// PostgreSQL 15, MariaDB 10.11 and SQLite):
//
// - CREATE TABLE IF NOT EXISTS, with the migrator's text (SQLite keeps it in sqlite_schema):
//     PostgreSQL  CREATE SCHEMA IF NOT EXISTS "drizzle", then "drizzle"."__drizzle_migrations"
//                 (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)
//     MySQL       `__drizzle_migrations` (id serial primary key, hash text not null, created_at bigint)
//     SQLite      "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)
//                 — SERIAL is no SQLite type, so id is no rowid alias and stays NULL;
// - one row per applied migration, inserted after its statements: hash = SHA-256 of the file,
//   created_at = the journal entry's `when`; nothing for a failed one (drizzle runs every pending
//   migration in one transaction, which a failure rolls back whole);
// - the migrator reads only the newest created_at: an entry is pending when its `when` is later.
//
// drizzle has no down migrations: a down step is refused.
import type { Dialect, Session } from '../../../engines/engine.ts';
import type { Migration } from '../../migration.ts';
import type { MigrationTracking, TrackedStep, TrackingState } from '../../tracking.ts';
import type { DrizzleMigration } from '../drizzle.ts';
import { findRestoredPostgresTable, param, quoteIdent, refuseDown, tableExists, text, toolMigration, type StepResult } from './common.ts';

export const DRIZZLE_TABLE = '__drizzle_migrations';
/** drizzle-orm's default `migrationsSchema` on PostgreSQL. */
export const DRIZZLE_SCHEMA = 'drizzle';

export function isDrizzleMigration(m: Migration): m is DrizzleMigration {
  const d = m as Partial<DrizzleMigration>;
  return typeof d.hash === 'string' && typeof d.when === 'number' && typeof d.tag === 'string';
}

export interface DrizzleTrackingOptions {
  /** `migrations.table` of drizzle.config. */
  table?: string;
  /** `migrations.schema` of drizzle.config (PostgreSQL only). */
  schema?: string;
  /**
   * The project's migrations in journal order (as `readDrizzleDir` returns them). With them, the
   * version read is the one drizzle's migrator would consider applied (the last entry whose `when`
   * is not later than the newest `created_at`); without them, the number of rows, one per applied
   * entry from the first on.
   */
  migrations?: readonly DrizzleMigration[];
}

export class DrizzleTracking implements MigrationTracking {
  readonly #name: string;
  readonly #schema: string;
  readonly #migrations: readonly DrizzleMigration[] | undefined;

  constructor(
    readonly dialect: Dialect,
    options: DrizzleTrackingOptions = {},
  ) {
    this.#name = options.table ?? DRIZZLE_TABLE;
    this.#schema = options.schema ?? DRIZZLE_SCHEMA;
    this.#migrations = options.migrations;
  }

  /** PostgreSQL: `drizzle.__drizzle_migrations`; elsewhere the bare name. */
  get table(): string {
    return this.dialect === 'postgres' ? `${this.#schema}.${this.#name}` : this.#name;
  }

  async ensure(session: Session): Promise<void> {
    switch (this.dialect) {
      case 'postgres':
        await session.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent('postgres', this.#schema)}`);
        await session.query(`
			CREATE TABLE IF NOT EXISTS ${this.#quoted} (
				id SERIAL PRIMARY KEY,
				hash text NOT NULL,
				created_at bigint
			)
		`);
        return;
      case 'mysql':
        await session.query(`
			create table if not exists ${this.#quoted} (
				id serial primary key,
				hash text not null,
				created_at bigint
			)
		`);
        return;
      case 'sqlite':
        await session.query(`
			CREATE TABLE IF NOT EXISTS ${this.#quoted} (
				id SERIAL PRIMARY KEY,
				hash text NOT NULL,
				created_at numeric
			)
		`);
        return;
    }
  }

  async read(session: Session): Promise<TrackingState | null> {
    const exists = await tableExists(session, this.dialect, this.#name, this.dialect === 'postgres' ? this.#schema : undefined);
    if (!exists) return null;
    const state = await this.#state(session, this.#quoted);
    return { version: state.version === null ? null : BigInt(state.version), dirty: false };
  }

  /** PostgreSQL: in the configured schema (`drizzle`), else on the search_path or in `public`. */
  async readRestored(session: Session): ReturnType<MigrationTracking['readRestored']> {
    const table =
      this.dialect === 'postgres'
        ? await findRestoredPostgresTable(session, this.#name, ['hash', 'created_at'], [this.#schema])
        : (await tableExists(session, this.dialect, this.#name))
          ? this.#quoted
          : null;
    return table ? this.#state(session, table) : null;
  }

  /** drizzle records nothing before a migration runs. */
  async beforeStep(_session: Session, step: TrackedStep): Promise<void> {
    refuseDown('drizzle', step);
    toolMigration(step, 'drizzle', 'DrizzleMigration', isDrizzleMigration);
  }

  /** The migrator's insert, after the statements succeeded; nothing for a failed migration. */
  async afterStep(session: Session, step: TrackedStep, result: StepResult): Promise<void> {
    refuseDown('drizzle', step);
    const migration = toolMigration(step, 'drizzle', 'DrizzleMigration', isDrizzleMigration);
    if (result.status !== 'success') return;
    const q = (name: string) => quoteIdent(this.dialect, name);
    await session.query(`insert into ${this.#quoted} (${q('hash')}, ${q('created_at')}) values(${param(this.dialect, 1)}, ${param(this.dialect, 2)})`, [
      migration.hash,
      migration.when,
    ]);
  }

  /**
   * The version as the reader spells it (`0003`): with the migrations, the last one drizzle would
   * not apply again; without, from the row count (drizzle-kit's tags pad the idx to 4 digits).
   */
  async #state(session: Session, table: string): Promise<{ version: string | null; dirty: false }> {
    const cast = this.dialect === 'mysql' ? 'CHAR' : 'TEXT';
    const { rows } = await session.query<{ created_at: unknown; n: unknown }>(
      `SELECT CAST(MAX(created_at) AS ${cast}) AS created_at, CAST(COUNT(*) AS ${cast}) AS n FROM ${table}`,
    );
    const count = Number(text(rows[0]?.n) ?? 0);
    if (count === 0) return { version: null, dirty: false };
    if (this.#migrations) {
      const newest = Number(text(rows[0]?.created_at));
      const applied = this.#migrations.filter((m) => !(newest < m.when));
      return { version: applied.at(-1)?.version ?? null, dirty: false };
    }
    return { version: String(count - 1).padStart(4, '0'), dirty: false };
  }

  get #quoted(): string {
    const name = quoteIdent(this.dialect, this.#name);
    return this.dialect === 'postgres' ? `${quoteIdent('postgres', this.#schema)}.${name}` : name;
  }
}
