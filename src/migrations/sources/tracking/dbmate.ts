// dbmate's history table, kept as dbmate 2.x keeps it (pkg/driver/{postgres,mysql,sqlite}; checked
// against the dbmate 2.36.0 binary on PostgreSQL 15, MariaDB 10.11 and SQLite):
//
// - one row per applied migration, `version` = the file's leading digits as written (a string:
//   `001` and `1` are different rows); no checksum, no timestamp, no dirty flag;
// - CREATE TABLE IF NOT EXISTS, per engine:
//     PostgreSQL      create table if not exists "public"."schema_migrations" (version varchar primary key)
//     MySQL/MariaDB   create table if not exists `schema_migrations` (version varchar(128) primary key)
//     SQLite          create table if not exists "schema_migrations" (version varchar(128) primary key)
//   (PostgreSQL: in the URL's first search_path schema, else the current schema — rehearse's
//   sessions have the default search_path, so the current schema);
// - up: `insert into … (version) values ($1)`; down (`dbmate rollback`): `delete from … where
//   version = $1`; a failed migration records nothing.
//
// dbmate runs the insert or delete in the migration's own transaction (after it, in autocommit,
// for a `transaction:false` section). rehearse writes it right after the step's statements
// committed: the rows are the same; only a crash between the two would differ, and rehearse does
// not simulate crashes.
import type { Dialect, Session } from '../../../engines/engine.ts';
import type { Migration } from '../../migration.ts';
import type { MigrationTracking, TrackedStep, TrackingState } from '../../tracking.ts';
import type { DbmateMigration } from '../dbmate.ts';
import { findRestoredPostgresTable, param, quoteIdent, tableExists, text, toolMigration, type StepResult } from './common.ts';

export const DBMATE_TABLE = 'schema_migrations';

export function isDbmateMigration(m: Migration): m is DbmateMigration {
  const d = m as Partial<DbmateMigration>;
  return typeof d.file === 'string' && typeof d.upOptions === 'object' && typeof d.upLine === 'number';
}

export class DbmateTracking implements MigrationTracking {
  /** `table`: dbmate's `--migrations-table` (unqualified). */
  constructor(
    readonly dialect: Dialect,
    readonly table = DBMATE_TABLE,
  ) {}

  async ensure(session: Session): Promise<void> {
    const type = this.dialect === 'postgres' ? 'varchar' : 'varchar(128)';
    let name = quoteIdent(this.dialect, this.table);
    if (this.dialect === 'postgres') {
      // dbmate qualifies the name with the schema it resolved (the current one here).
      const { rows } = await session.query<{ schema: string | null }>('SELECT pg_catalog.current_schema() AS schema');
      const schema = rows[0]?.schema;
      if (schema) name = `${quoteIdent('postgres', schema)}.${name}`;
    }
    await session.query(`create table if not exists ${name} (version ${type} primary key)`);
  }

  async read(session: Session): Promise<TrackingState | null> {
    const state = await this.#readFrom(session, (await tableExists(session, this.dialect, this.table)) ? this.#quoted : null);
    return state && { version: state.version === null ? null : BigInt(state.version), dirty: false };
  }

  /** PostgreSQL: the table on the search_path or in `public`, which a restored pg_dump leaves the session without. */
  async readRestored(session: Session): ReturnType<MigrationTracking['readRestored']> {
    if (this.dialect !== 'postgres') {
      return this.#readFrom(session, (await tableExists(session, this.dialect, this.table)) ? this.#quoted : null);
    }
    return this.#readFrom(session, await findRestoredPostgresTable(session, this.table, ['version']));
  }

  /** dbmate records nothing before a migration runs. */
  async beforeStep(_session: Session, step: TrackedStep): Promise<void> {
    toolMigration(step, 'dbmate', 'DbmateMigration', isDbmateMigration);
  }

  /** Up: the version's row is inserted; down: deleted; a failed step changes nothing. */
  async afterStep(session: Session, step: TrackedStep, result: StepResult): Promise<void> {
    const migration = toolMigration(step, 'dbmate', 'DbmateMigration', isDbmateMigration);
    if (result.status !== 'success') return;
    const sql =
      step.direction === 'up'
        ? `insert into ${this.#quoted} (version) values (${param(this.dialect, 1)})`
        : `delete from ${this.#quoted} where version = ${param(this.dialect, 1)}`;
    await session.query(sql, [migration.version]);
  }

  /** The highest version by number (dbmate's versions are digits), as the row holds it. */
  async #readFrom(session: Session, table: string | null): Promise<{ version: string | null; dirty: false } | null> {
    if (!table) return null;
    const { rows } = await session.query<{ version: unknown }>(`SELECT version FROM ${table}`);
    let best: { text: string; number: bigint } | undefined;
    for (const row of rows) {
      const version = text(row.version);
      if (version === null || !/^\d+$/.test(version)) continue;
      const number = BigInt(version);
      if (!best || number > best.number) best = { text: version, number };
    }
    return { version: best?.text ?? null, dirty: false };
  }

  get #quoted(): string {
    return quoteIdent(this.dialect, this.table);
  }
}
