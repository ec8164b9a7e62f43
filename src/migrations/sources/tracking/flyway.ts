// Flyway's schema history table, kept as Flyway keeps it (from Flyway's source: the database
// classes' `getRawCreateScript`, `Database.getInsertStatement`, `JdbcTableSchemaHistory`,
// `DbMigrate`, `MigrationInfoServiceImpl`; Flyway itself could not be run here):
//
// - created when missing (no IF NOT EXISTS: Flyway checks first) with the exact script of
//   PostgreSQLDatabase / MySQLDatabase / SQLiteDatabase: the table, its `<table>_pk` primary key
//   and the `<table>_s_idx` index on `success`;
// - one row per migration run: installed_rank = MAX(installed_rank) + 1, version as Flyway displays
//   it (`1.2`), description (abbreviated to 200 characters as AbbreviationUtils does), type `SQL`,
//   script (the path below the location, abbreviated to 1000), checksum, installed_by (the
//   `installedBy` setting, else PostgreSQL `SELECT current_user`, MySQL
//   `SELECT SUBSTRING_INDEX(USER(),'@',1)`, SQLite ''), installed_on by the column's default,
//   execution_time in whole milliseconds, success;
// - a failed migration leaves a row with success = false only where its changes could not be
//   rolled back: `DbMigrate.applyMigrations` records it unless the database supports DDL
//   transactions *and* the migration ran in one. So on MySQL/MariaDB always, on PostgreSQL and
//   SQLite only for a migration run outside a transaction (CREATE INDEX CONCURRENTLY …). Flyway
//   then refuses to migrate ("contains a failed migration") until `repair` deletes the row;
// - an undo (Flyway Teams, `U<version>__…sql`) adds a row of its own: the undone version, the undo
//   file's description, type `UNDO_SQL`, its script and checksum; a successful one marks the
//   latest applied row of that version undone, so the current version falls back to the one
//   below. (Flyway Teams' DbUndo is not open source: the failure rule is assumed to be
//   DbMigrate's, as its transaction handling is.)
//
// On success Flyway inserts the row inside the migration's transaction; rehearse inserts it right
// after the step committed (the same row; only a crash in between would differ).
import path from 'node:path';
import type { Dialect, Session } from '../../../engines/engine.ts';
import type { Migration } from '../../migration.ts';
import type { MigrationTracking, TrackedStep, TrackingState } from '../../tracking.ts';
import { parseFlywayFileName, type FlywayMigration } from '../flyway.ts';
import { compareDottedVersions, encodeDottedVersion, trimTrailingZeros } from '../version-order.ts';
import {
  findRestoredPostgresTable,
  inTransaction,
  param,
  quoteIdent,
  tableExists,
  text,
  toolMigration,
  transactionModeOf,
  truthy,
  type StepResult,
} from './common.ts';

export const FLYWAY_TABLE = 'flyway_schema_history';

const COLUMNS = ['installed_rank', 'version', 'description', 'type', 'script', 'checksum', 'installed_by', 'execution_time', 'success'] as const;

export function isFlywayMigration(m: Migration): m is FlywayMigration {
  const f = m as Partial<FlywayMigration>;
  return typeof f.script === 'string' && typeof f.checksum === 'number' && typeof f.description === 'string' && Array.isArray(f.versionParts);
}

export interface FlywayTrackingOptions {
  /** Flyway's `table` setting. */
  table?: string;
  /** Flyway's `installedBy` setting; by default the database user, as Flyway asks the database. */
  installedBy?: string;
}

/** One row as `read` needs it. */
interface HistoryRow {
  rank: number;
  version: string | null;
  type: string;
  success: boolean;
}

export class FlywayTracking implements MigrationTracking {
  readonly table: string;
  readonly #installedBy: string | undefined;

  constructor(
    readonly dialect: Dialect,
    options: FlywayTrackingOptions = {},
  ) {
    this.table = options.table ?? FLYWAY_TABLE;
    this.#installedBy = options.installedBy;
  }

  /** The create script of Flyway's database class, run when the table is missing. */
  async ensure(session: Session): Promise<void> {
    if (await tableExists(session, this.dialect, this.table)) return;
    const statements = await this.#createScript(session);
    if (this.dialect === 'mysql') {
      // Each DDL statement commits by itself on MySQL/MariaDB anyway.
      for (const sql of statements) await session.query(sql);
      return;
    }
    await inTransaction(session, this.dialect, async () => {
      for (const sql of statements) await session.query(sql);
    });
  }

  async read(session: Session): Promise<TrackingState | null> {
    if (!(await tableExists(session, this.dialect, this.table))) return null;
    const state = currentState(await this.#rows(session, this.#quoted));
    if (state.version === null) return { version: null, dirty: state.dirty };
    const number = encodeDottedVersion(versionParts(state.version));
    if (typeof number === 'string') {
      throw new Error(`${this.table} holds version ${state.version}, which ${number}`);
    }
    return { version: number, dirty: state.dirty };
  }

  async readRestored(session: Session): ReturnType<MigrationTracking['readRestored']> {
    const table =
      this.dialect === 'postgres'
        ? await findRestoredPostgresTable(session, this.table, COLUMNS)
        : (await tableExists(session, this.dialect, this.table))
          ? this.#quoted
          : null;
    return table ? currentState(await this.#rows(session, table)) : null;
  }

  /** Flyway records nothing before a migration runs. */
  async beforeStep(_session: Session, step: TrackedStep): Promise<void> {
    this.#migration(step);
  }

  /**
   * A row for the step: `SQL` for an up, `UNDO_SQL` for a down (an undo), success or not; a
   * failure only where Flyway could not roll it back (see the top of this file).
   */
  async afterStep(session: Session, step: TrackedStep, result: StepResult): Promise<void> {
    const migration = this.#migration(step);
    if (result.status !== 'success') {
      const rolledBack = this.dialect !== 'mysql' && (transactionModeOf(step) ?? 'per-file') === 'per-file';
      if (rolledBack) return;
    }
    const undo = step.direction === 'down';
    const installedBy = this.#installedBy ?? (await this.#databaseUser(session));
    const row = {
      version: migration.version,
      description: abbreviateDescription(undo ? undoDescription(migration) : migration.description),
      type: undo ? 'UNDO_SQL' : 'SQL',
      script: abbreviateScript(undo ? migration.undoScript! : migration.script),
      checksum: undo ? (migration.undoChecksum ?? null) : migration.checksum,
      installedBy,
      executionTime: Math.max(0, Math.floor(result.durationMs)),
      success: result.status === 'success',
    };
    await this.#insert(session, row);
  }

  async #insert(
    session: Session,
    row: { version: string; description: string; type: string; script: string; checksum: number | null; installedBy: string; executionTime: number; success: boolean },
  ): Promise<void> {
    const d = this.dialect;
    const q = (name: string) => quoteIdent(d, name);
    const insert =
      `INSERT INTO ${this.#quoted} (${COLUMNS.map(q).join(', ')})` + ` VALUES (${COLUMNS.map((_, i) => param(d, i + 1)).join(', ')})`;
    const write = async () => {
      // calculateInstalledRank: a NULL maximum reads as 0 through JDBC's getInt.
      const { rows } = await session.query<{ rank: unknown }>(`SELECT MAX(${q('installed_rank')}) AS ${q('rank')} FROM ${this.#quoted}`);
      const rank = Number(text(rows[0]?.rank) ?? 0) + 1;
      const success = d === 'postgres' ? row.success : row.success ? 1 : 0;
      await session.query(insert, [rank, row.version, row.description, row.type, row.script, row.checksum, row.installedBy, row.executionTime, success]);
    };
    // MySQL/MariaDB: Flyway locks the table instead; rehearse is alone on its scratch database.
    if (d === 'mysql') await write();
    else await inTransaction(session, d, write);
  }

  /** `Database.getInstalledBy()` when `installedBy` is not set: the database's idea of the user. */
  async #databaseUser(session: Session): Promise<string> {
    if (this.dialect === 'sqlite') return '';
    const sql = this.dialect === 'postgres' ? 'SELECT current_user AS u' : "SELECT SUBSTRING_INDEX(USER(),'@',1) AS u";
    const { rows } = await session.query<{ u: unknown }>(sql);
    return text(rows[0]?.u) ?? '';
  }

  async #createScript(session: Session): Promise<string[]> {
    const t = this.table;
    switch (this.dialect) {
      case 'postgres': {
        const { rows } = await session.query<{ schema: string | null }>('SELECT pg_catalog.current_schema() AS schema');
        const schema = rows[0]?.schema;
        if (!schema) throw new Error(`cannot create ${t}: the session has no current schema (empty search_path)`);
        const table = `"${schema.replaceAll('"', '""')}"."${t.replaceAll('"', '""')}"`;
        return [
          `CREATE TABLE ${table} (\n` +
            '    "installed_rank" INT NOT NULL,\n' +
            '    "version" VARCHAR(50),\n' +
            '    "description" VARCHAR(200) NOT NULL,\n' +
            '    "type" VARCHAR(20) NOT NULL,\n' +
            '    "script" VARCHAR(1000) NOT NULL,\n' +
            '    "checksum" INTEGER,\n' +
            '    "installed_by" VARCHAR(100) NOT NULL,\n' +
            '    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),\n' +
            '    "execution_time" INTEGER NOT NULL,\n' +
            '    "success" BOOLEAN NOT NULL\n' +
            ')',
          `ALTER TABLE ${table} ADD CONSTRAINT "${t}_pk" PRIMARY KEY ("installed_rank")`,
          `CREATE INDEX "${t}_s_idx" ON ${table} ("success")`,
        ];
      }
      case 'mysql': {
        const { rows } = await session.query<{ db: string | null }>('SELECT DATABASE() AS db');
        const table = `\`${text(rows[0]?.db) ?? ''}\`.\`${t}\``;
        return [
          `CREATE TABLE ${table} (\n` +
            '    `installed_rank` INT NOT NULL,\n' +
            '    `version` VARCHAR(50),\n' +
            '    `description` VARCHAR(200) NOT NULL,\n' +
            '    `type` VARCHAR(20) NOT NULL,\n' +
            '    `script` VARCHAR(1000) NOT NULL,\n' +
            '    `checksum` INT,\n' +
            '    `installed_by` VARCHAR(100) NOT NULL,\n' +
            '    `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n' +
            '    `execution_time` INT NOT NULL,\n' +
            '    `success` BOOL NOT NULL,\n' +
            `    CONSTRAINT \`${t}_pk\` PRIMARY KEY (\`installed_rank\`)\n` +
            ')',
          `CREATE INDEX \`${t}_s_idx\` ON ${table} (\`success\`)`,
        ];
      }
      case 'sqlite':
        return [
          `CREATE TABLE "main"."${t}" (\n` +
            '    "installed_rank" INT NOT NULL PRIMARY KEY,\n' +
            '    "version" VARCHAR(50),\n' +
            '    "description" VARCHAR(200) NOT NULL,\n' +
            '    "type" VARCHAR(20) NOT NULL,\n' +
            '    "script" VARCHAR(1000) NOT NULL,\n' +
            '    "checksum" INT,\n' +
            '    "installed_by" VARCHAR(100) NOT NULL,\n' +
            `    "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),\n` +
            '    "execution_time" INT NOT NULL,\n' +
            '    "success" BOOLEAN NOT NULL\n' +
            ')',
          `CREATE INDEX "main"."${t}_s_idx" ON "${t}" ("success")`,
        ];
    }
  }

  async #rows(session: Session, table: string): Promise<HistoryRow[]> {
    const q = (name: string) => quoteIdent(this.dialect, name);
    const { rows } = await session.query<{ installed_rank: unknown; version: unknown; type: unknown; success: unknown }>(
      `SELECT ${q('installed_rank')}, ${q('version')}, ${q('type')}, ${q('success')} FROM ${table} ORDER BY ${q('installed_rank')}`,
    );
    return rows.map((r) => ({ rank: Number(text(r.installed_rank)), version: text(r.version), type: text(r.type) ?? '', success: truthy(r.success) }));
  }

  #migration(step: TrackedStep): FlywayMigration {
    const migration = toolMigration(step, 'Flyway', 'FlywayMigration', isFlywayMigration);
    if (step.direction === 'down' && migration.undoScript === undefined) {
      throw new TypeError(`Flyway: ${migration.id} has no undo migration (U${migration.version}__….sql): there is no down to record`);
    }
    return migration;
  }

  get #quoted(): string {
    return quoteIdent(this.dialect, this.table);
  }
}

/**
 * Flyway's current version and whether it would refuse to migrate, from the rows in installed_rank
 * order (`MigrationInfoServiceImpl`): a successful undo (`UNDO_*`), or a `DELETE` marker written by
 * `repair`, takes the latest applied row of its version out; the current version is the highest
 * version among the remaining versioned rows, failed ones included (Flyway's `current()` counts a
 * failed migration as applied); any failed row means Flyway stops (`repair` must remove it).
 */
export function currentState(rows: readonly HistoryRow[]): { version: string | null; dirty: boolean } {
  const applied: { row: HistoryRow; parts: bigint[]; out: boolean }[] = [];
  for (const row of [...rows].sort((a, b) => a.rank - b.rank)) {
    if (row.version === null || row.version === '') continue;
    const parts = versionParts(row.version);
    if ((row.type.startsWith('UNDO_') || row.type === 'DELETE') && row.success) {
      const target = applied.findLast((a) => !a.out && compareDottedVersions(a.parts, parts) === 0);
      if (target) target.out = true;
      continue;
    }
    if (row.type.startsWith('UNDO_') || row.type === 'DELETE' || row.type === 'SCHEMA') continue;
    applied.push({ row, parts, out: false });
  }
  let current: { row: HistoryRow; parts: bigint[] } | undefined;
  for (const a of applied) {
    if (!a.out && (!current || compareDottedVersions(a.parts, current.parts) > 0)) current = a;
  }
  return { version: current?.row.version ?? null, dirty: rows.some((r) => !r.success) };
}

function versionParts(version: string): bigint[] {
  return trimTrailingZeros(
    version
      .replace(/_/g, '.')
      .split(/\.(?=\d)/)
      .map((p) => (/^\d+$/.test(p) ? BigInt(p) : 0n)),
  );
}

/** The description of the undo file (`U1_2__drop_slug.sql` → `drop slug`), which its history row holds. */
function undoDescription(migration: FlywayMigration): string {
  const parsed = parseFlywayFileName(path.posix.basename(migration.undoScript!));
  return typeof parsed === 'object' ? parsed.rawDescription.replace(/_/g, ' ') : migration.description;
}

/** AbbreviationUtils.abbreviateDescription. */
function abbreviateDescription(description: string): string {
  return description.length <= 200 ? description : `${description.slice(0, 197)}...`;
}

/** AbbreviationUtils.abbreviateScript. */
function abbreviateScript(script: string): string {
  return script.length <= 1000 ? script : `...${script.slice(3, 1000)}`;
}
