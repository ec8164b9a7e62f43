// Prisma Migrate's `_prisma_migrations` table, kept as the schema engine keeps it
// (prisma-engines: `create_migrations_table` of the postgres / mysql / sqlite flavours,
// `sql_migration_persistence.rs`, `apply_migrations`; checked with Prisma 6.19.3's CLI on
// PostgreSQL 15 and SQLite):
//
// - created when missing, with the flavour's exact DDL (no IF NOT EXISTS: the engine checks first);
// - `prisma migrate deploy`, per migration: before the script, `record_migration_started` inserts
//   (id = a random UUID v4, checksum = SHA-256 of migration.sql, started_at = now, migration_name =
//   the directory name) — logs, finished_at, rolled_back_at NULL, applied_steps_count 0; then the
//   script runs; on success `record_successful_step` (applied_steps_count + 1) and
//   `record_migration_finished` (finished_at = now); on failure `record_failed_step` writes the
//   error into `logs` and the row stays unfinished, which makes every later `migrate deploy` stop
//   with P3009 until `prisma migrate resolve`;
// - the timestamps are the engine's clock, sent as parameters: PostgreSQL timestamptz, MySQL
//   DATETIME(3) in UTC, SQLite integer milliseconds since the epoch (quaint binds a DateTime so;
//   the CLI's WebAssembly engine with a driver adapter writes ISO text instead — both read back).
//
// Prisma Migrate has no down migrations: a down step is refused.
import { randomUUID } from 'node:crypto';
import type { Dialect, Session } from '../../../engines/engine.ts';
import type { Migration } from '../../migration.ts';
import type { MigrationTracking, TrackedStep, TrackingState } from '../../tracking.ts';
import type { PrismaMigration } from '../prisma.ts';
import {
  findRestoredPostgresTable,
  mysqlUtcDatetime,
  param,
  refuseDown,
  tableExists,
  text,
  toolMigration,
  truthy,
  type StepResult,
} from './common.ts';

export const PRISMA_TABLE = '_prisma_migrations';

const COLUMNS = ['id', 'checksum', 'finished_at', 'migration_name', 'logs', 'rolled_back_at', 'started_at', 'applied_steps_count'] as const;

/** The flavours' `create_migrations_table` statements, as the schema engine sends them. */
export const PRISMA_CREATE_TABLE: Record<Dialect, string> = {
  postgres: `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`,
  mysql: `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  sqlite: `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
};

export function isPrismaMigration(m: Migration): m is PrismaMigration {
  const p = m as Partial<PrismaMigration>;
  return typeof p.migrationName === 'string' && typeof p.checksum === 'string';
}

/** What `logs` holds when the caller did not pass the step's error. */
const FAILED_WITHOUT_DETAIL = 'the migration failed (rehearse: the error is in the rehearsal report)';

export class PrismaTracking implements MigrationTracking {
  readonly table = PRISMA_TABLE;
  /** The row `beforeStep` inserted for a migration, by migration id, until `afterStep` completes it. */
  readonly #started = new Map<string, string>();

  constructor(readonly dialect: Dialect) {}

  async ensure(session: Session): Promise<void> {
    if (await tableExists(session, this.dialect, this.table)) return;
    await session.query(PRISMA_CREATE_TABLE[this.dialect]);
  }

  async read(session: Session): Promise<TrackingState | null> {
    if (!(await tableExists(session, this.dialect, this.table))) return null;
    const state = await this.#state(session, this.table);
    return { version: state.version === null ? null : BigInt(state.version), dirty: state.dirty };
  }

  async readRestored(session: Session): ReturnType<MigrationTracking['readRestored']> {
    const table =
      this.dialect === 'postgres'
        ? await findRestoredPostgresTable(session, this.table, COLUMNS)
        : (await tableExists(session, this.dialect, this.table))
          ? this.table
          : null;
    return table ? this.#state(session, table) : null;
  }

  /** `record_migration_started`: the attempt's row, before the script runs and outside its transaction. */
  async beforeStep(session: Session, step: TrackedStep): Promise<void> {
    refuseDown('Prisma Migrate', step);
    const migration = toolMigration(step, 'Prisma', 'PrismaMigration', isPrismaMigration);
    const id = randomUUID();
    const p = (n: number) => param(this.dialect, n);
    await session.query(`INSERT INTO ${this.table} (id, checksum, started_at, migration_name) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`, [
      id,
      migration.checksum,
      this.#now(),
      migration.migrationName,
    ]);
    this.#started.set(migration.id, id);
  }

  /** Success: `record_successful_step` then `record_migration_finished`; failure: `record_failed_step`. */
  async afterStep(session: Session, step: TrackedStep, result: StepResult): Promise<void> {
    refuseDown('Prisma Migrate', step);
    const migration = toolMigration(step, 'Prisma', 'PrismaMigration', isPrismaMigration);
    const id = this.#started.get(migration.id) ?? (await this.#unfinishedRow(session, migration));
    this.#started.delete(migration.id);
    if (id === undefined) {
      throw new Error(`Prisma tracking: no started row of ${migration.migrationName} in ${this.table} (beforeStep was not called)`);
    }
    const p = (n: number) => param(this.dialect, n);
    if (result.status === 'success') {
      await session.query(`UPDATE ${this.table} SET applied_steps_count = (applied_steps_count + ${p(1)}) WHERE id = ${p(2)}`, [1, id]);
      await session.query(`UPDATE ${this.table} SET finished_at = ${p(1)} WHERE id = ${p(2)}`, [this.#now(), id]);
    } else {
      const logs = result.error ?? FAILED_WITHOUT_DETAIL;
      await session.query(`UPDATE ${this.table} SET logs = ${p(1)} WHERE id = ${p(2)}`, [logs, id]);
    }
  }

  /** The current time as the schema engine binds it on this engine. */
  #now(): string | number {
    const now = new Date();
    if (this.dialect === 'sqlite') return now.getTime();
    if (this.dialect === 'mysql') return mysqlUtcDatetime(now);
    return now.toISOString();
  }

  async #unfinishedRow(session: Session, migration: PrismaMigration): Promise<string | undefined> {
    const { rows } = await session.query<{ id: unknown }>(
      `SELECT id FROM ${this.table} WHERE migration_name = ${param(this.dialect, 1)} AND finished_at IS NULL AND rolled_back_at IS NULL ORDER BY started_at DESC`,
      [migration.migrationName],
    );
    return text(rows[0]?.id) ?? undefined;
  }

  /**
   * The newest migration (by its directory's leading digits, Prisma's order) among the rows not
   * rolled back, a failed one included; dirty when a row is neither finished nor rolled back —
   * what makes `migrate deploy` stop with P3009.
   */
  async #state(session: Session, table: string): Promise<{ version: string | null; dirty: boolean }> {
    const { rows } = await session.query<{ migration_name: unknown; unfinished: unknown }>(
      `SELECT migration_name, CASE WHEN finished_at IS NULL THEN 1 ELSE 0 END AS unfinished FROM ${table} WHERE rolled_back_at IS NULL`,
    );
    let best: { text: string; number: bigint } | undefined;
    let dirty = false;
    for (const row of rows) {
      if (truthy(row.unfinished)) dirty = true;
      const digits = /^(\d+)/.exec(text(row.migration_name) ?? '')?.[1];
      if (digits === undefined) continue;
      const number = BigInt(digits);
      if (!best || number > best.number) best = { text: digits, number };
    }
    return { version: best?.text ?? null, dirty };
  }
}
