// The JS/TS tools' history tables, kept as each tool creates and fills them (each statement below
// is the one the tool's migrator sends, checked by running the tool's own migrator against
// PostgreSQL, MariaDB and SQLite in tracking.test.ts):
//
// - knex (lib/migrations/migrate/table-creator.js, Migrator.js): `knex_migrations` (id, name =
//   the file name, batch, migration_time) and `knex_migrations_lock` (index, is_locked), one row
//   inserted with is_locked = 0. Before a step the lock is taken (`update … set is_locked = 1 where
//   is_locked = 0`, "Migration table is already locked" when no row changes); after it, an up that
//   succeeded is inserted with the next batch number (each step its own batch, as `knex migrate:up`
//   records), a down that succeeded deletes its row, and the lock is freed whatever happened.
//   A lock still held (a migrator that died) reads as dirty.
// - kysely (migration/migrator.ts): `kysely_migration` (name, timestamp = ISO text) and
//   `kysely_migration_lock` (id, is_locked) with the row `migration_lock`; an up that succeeded is
//   inserted, a down that succeeded deleted (a migration without `down` keeps its row, as the
//   Migrator does). Never dirty: the Migrator does not use is_locked.
// - node-pg-migrate (runner.ts, migration.ts): `pgmigrations` (id serial, name, run_on timestamp)
//   in the migrations schema (default `public`); the INSERT … NOW() / DELETE its Migration#_apply
//   appends, verbatim. Never dirty.
//
// Knex and Kysely write the row inside the migration's transaction and node-pg-migrate as the
// migration's last step; here it is written once the step has committed (afterStep), outside it.
// The version a database is at: the highest version among the recorded migrations (these tools
// record a set of migrations, not a version).
import type { Dialect, Session } from '../../engines/engine.ts';
import { InputError } from '../../errors.ts';
import type { Migration } from '../migration.ts';
import type { MigrationTracking, TrackedStep, TrackingState } from '../tracking.ts';
import type { JsMigration, JsTool } from './types.ts';

export interface JsTrackingOptions {
  /**
   * The listed migrations: their names map recorded rows to versions (required when the names do
   * not start with numbers) and their tool settings name the tables.
   */
  migrations?: readonly JsMigration[];
  /** Table names and schema, when no migrations are given (the tools' defaults otherwise). */
  tableName?: string;
  lockTableName?: string;
  schema?: string;
}

/** The tool's history table on `dialect`, as the tool keeps it. */
export function trackingFor(tool: JsTool, dialect: Dialect, options: JsTrackingOptions = {}): MigrationTracking & { readonly tables: readonly string[] } {
  const first = options.migrations?.[0];
  const versions = new VersionMap(options.migrations ?? []);
  switch (tool) {
    case 'knex': {
      const m = first?.knex?.migrations;
      return new KnexTracking(dialect, versions, options.tableName ?? m?.tableName ?? 'knex_migrations', options.schema ?? m?.schemaName);
    }
    case 'kysely': {
      const k = first?.kysely;
      return new KyselyTracking(
        dialect,
        versions,
        options.tableName ?? k?.migrationTableName ?? 'kysely_migration',
        options.lockTableName ?? k?.migrationLockTableName ?? 'kysely_migration_lock',
        options.schema ?? k?.migrationTableSchema,
      );
    }
    case 'node-pg-migrate': {
      if (dialect !== 'postgres') throw new InputError('USAGE', `node-pg-migrate keeps its history on PostgreSQL only, not ${dialect}`);
      const n = first?.nodePgMigrate;
      return new NodePgMigrateTracking(versions, options.tableName ?? n?.migrationsTable ?? 'pgmigrations', options.schema ?? n?.migrationsSchema ?? n?.schema?.[0] ?? 'public');
    }
  }
}

/** Recorded names → versions: through the listed migrations, else the names' leading digits. */
class VersionMap {
  private readonly byName = new Map<string, JsMigration>();

  constructor(migrations: readonly JsMigration[]) {
    for (const m of migrations) this.byName.set(m.trackingName, m);
  }

  of(name: string): { version: string; versionNumber: bigint } {
    const known = this.byName.get(name);
    if (known) return { version: known.version, versionNumber: known.versionNumber };
    const digits = /^\d+/.exec(name)?.[0];
    if (digits !== undefined) return { version: digits, versionNumber: BigInt(digits) };
    throw new InputError('DATASET_INVALID', `the history table records "${name}", which is no migration of the project and whose name holds no version number`);
  }

  /** The highest version among `names`; null for none. */
  latest(names: string[]): { version: string; versionNumber: bigint } | null {
    let best: { version: string; versionNumber: bigint } | null = null;
    for (const name of names) {
      const v = this.of(name);
      if (best === null || v.versionNumber > best.versionNumber) best = v;
    }
    return best;
  }
}

function trackingName(migration: Migration): string {
  const name = (migration as Partial<JsMigration>).trackingName;
  if (typeof name !== 'string') throw new Error(`${migration.id} is not a JS/TS tool's migration (no trackingName)`);
  return name;
}

/** How the tool quotes identifiers: knex's SQLite compiler uses backticks, Kysely's double quotes. */
function quoter(dialect: Dialect, tool: JsTool): (name: string) => string {
  const backticks = dialect === 'mysql' || (dialect === 'sqlite' && tool === 'knex');
  return backticks ? (n) => `\`${n.replace(/`/g, '``')}\`` : (n) => `"${n.replace(/"/g, '""')}"`;
}

/** Placeholders: `$1, $2` on PostgreSQL, `?` elsewhere. */
function placeholder(dialect: Dialect): (i: number) => string {
  return dialect === 'postgres' ? (i) => `$${i}` : () => '?';
}

/** Where a table is: on the session's search path (or the given schema), or in `public` after a pg_dump restore. */
async function postgresTableSchema(session: Session, table: string, schema: string | undefined, restored: boolean): Promise<string | null> {
  if (schema !== undefined) {
    const { rows } = await session.query(`SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = $2`, [schema, table]);
    return rows.length > 0 ? schema : null;
  }
  const { rows } = await session.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1 AND c.relkind IN ('r', 'p')
        AND (n.nspname = ANY (pg_catalog.current_schemas(false))${restored ? ` OR n.nspname = 'public'` : ''})
      ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname) NULLS LAST LIMIT 1`,
    [table],
  );
  return rows[0]?.nspname ?? null;
}

async function tableExists(session: Session, dialect: Dialect, table: string, schema: string | undefined): Promise<boolean> {
  switch (dialect) {
    case 'postgres':
      return (await postgresTableSchema(session, table, schema, false)) !== null;
    case 'mysql': {
      const { rows } = await session.query(
        schema === undefined
          ? 'select * from information_schema.tables where table_name = ? and table_schema = database()'
          : 'select * from information_schema.tables where table_name = ? and table_schema = ?',
        schema === undefined ? [table] : [table, schema],
      );
      return rows.length > 0;
    }
    case 'sqlite': {
      const { rows } = await session.query(`select * from ${schema === undefined ? '' : `\`${schema}\`.`}sqlite_master where type = 'table' and name = ?`, [table]);
      return rows.length > 0;
    }
  }
}

abstract class JsTracking implements MigrationTracking {
  protected readonly q: (name: string) => string;
  protected readonly p: (i: number) => string;

  constructor(
    tool: JsTool,
    protected readonly dialect: Dialect,
    protected readonly versions: VersionMap,
    readonly table: string,
    protected readonly schema: string | undefined,
  ) {
    this.q = quoter(dialect, tool);
    this.p = placeholder(dialect);
  }

  abstract readonly tables: readonly string[];
  abstract ensure(session: Session): Promise<void>;
  abstract beforeStep(session: Session, step: TrackedStep): Promise<void>;
  abstract afterStep(session: Session, step: TrackedStep, result: { status: 'success' | 'error'; durationMs: number }): Promise<void>;
  /** The recorded migration names, or null without a history table; `schema` where the table was found. */
  protected abstract recorded(session: Session, schema: string | undefined): Promise<string[] | null>;
  protected dirty(_session: Session, _schema: string | undefined): Promise<boolean> {
    return Promise.resolve(false);
  }

  protected qualified(name: string, schema = this.schema): string {
    return schema === undefined ? this.q(name) : `${this.q(schema)}.${this.q(name)}`;
  }

  async read(session: Session): Promise<TrackingState | null> {
    if (!(await tableExists(session, this.dialect, this.table, this.schema))) return null;
    const names = await this.recorded(session, this.schema);
    if (names === null) return null;
    return { version: this.versions.latest(names)?.versionNumber ?? null, dirty: await this.dirty(session, this.schema) };
  }

  async readRestored(session: Session): Promise<{ version: string | null; dirty: boolean } | null> {
    let schema = this.schema;
    if (this.dialect === 'postgres') {
      const found = await postgresTableSchema(session, this.table, this.schema, true);
      if (found === null) return null;
      schema = found;
    } else if (!(await tableExists(session, this.dialect, this.table, this.schema))) {
      return null;
    }
    const names = await this.recorded(session, schema);
    if (names === null) return null;
    return { version: this.versions.latest(names)?.version ?? null, dirty: await this.dirty(session, schema) };
  }
}

export class KnexTracking extends JsTracking {
  readonly lockTable: string;
  readonly tables: readonly string[];

  constructor(dialect: Dialect, versions: VersionMap, table: string, schema: string | undefined) {
    super('knex', dialect, versions, table, schema);
    this.lockTable = `${table}_lock`;
    this.tables = [table, this.lockTable];
  }

  /** table-creator.js `ensureTable`: the knex schema builder's DDL per dialect, then the lock row. */
  async ensure(session: Session): Promise<void> {
    const { dialect, q } = this;
    const [id, index, time] =
      dialect === 'postgres'
        ? [`${q('id')} serial primary key`, `${q('index')} serial primary key`, 'timestamptz']
        : dialect === 'mysql'
          ? [`${q('id')} int unsigned not null auto_increment primary key`, `${q('index')} int unsigned not null auto_increment primary key`, 'timestamp']
          : [`${q('id')} integer not null primary key autoincrement`, `${q('index')} integer not null primary key autoincrement`, 'datetime'];
    const int = dialect === 'mysql' ? 'int' : 'integer';
    if (!(await tableExists(session, dialect, this.table, this.schema))) {
      await session.query(`create table ${this.qualified(this.table)} (${id}, ${q('name')} varchar(255), ${q('batch')} ${int}, ${q('migration_time')} ${time})`);
    }
    if (!(await tableExists(session, dialect, this.lockTable, this.schema))) {
      await session.query(`create table ${this.qualified(this.lockTable)} (${index}, ${q('is_locked')} ${int})`);
    }
    const { rows } = await session.query(`select * from ${this.qualified(this.lockTable)}`);
    if (rows.length === 0) await session.query(`insert into ${this.qualified(this.lockTable)} (${q('is_locked')}) values (${this.p(1)})`, [0]);
  }

  protected async recorded(session: Session, schema: string | undefined): Promise<string[]> {
    const { rows } = await session.query<{ name: string }>(`select ${this.q('name')} from ${this.qualified(this.table, schema)} order by ${this.q('id')} asc`);
    return rows.map((r) => r.name);
  }

  protected override async dirty(session: Session, schema: string | undefined): Promise<boolean> {
    if (this.dialect !== 'postgres' && !(await tableExists(session, this.dialect, this.lockTable, schema))) return false;
    if (this.dialect === 'postgres' && (await postgresTableSchema(session, this.lockTable, schema, true)) === null) return false;
    const { rows } = await session.query<{ is_locked: unknown }>(`select * from ${this.qualified(this.lockTable, schema)}`);
    return rows.some((r) => Number(r.is_locked) === 1);
  }

  /** Migrator `_lockMigrations`. */
  async beforeStep(session: Session): Promise<void> {
    const { q, p } = this;
    const { rowCount } = await session.query(`update ${this.qualified(this.lockTable)} set ${q('is_locked')} = ${p(1)} where ${q('is_locked')} = ${p(2)}`, [1, 0]);
    if (rowCount !== 1) throw new Error('Migration table is already locked');
  }

  /** Migrator `_waterfallBatch` (the row) and `_freeLock`. */
  async afterStep(session: Session, step: TrackedStep, result: { status: 'success' | 'error' }): Promise<void> {
    const { q, p } = this;
    try {
      if (result.status !== 'success') return;
      const name = trackingName(step.migration);
      if (step.direction === 'up') {
        const { rows } = await session.query<{ max_batch: unknown }>(`select max(${q('batch')}) as ${q('max_batch')} from ${this.qualified(this.table)}`);
        const batch = Number(rows[0]?.max_batch ?? 0) + 1;
        // knex binds a Date; better-sqlite3's knex client (and node-sqlite3) store it as epoch milliseconds.
        const time = this.dialect === 'sqlite' ? Date.now() : new Date();
        await session.query(`insert into ${this.qualified(this.table)} (${q('batch')}, ${q('migration_time')}, ${q('name')}) values (${p(1)}, ${p(2)}, ${p(3)})`, [batch, time, name]);
      } else {
        await session.query(`delete from ${this.qualified(this.table)} where ${q('name')} = ${p(1)}`, [name]);
      }
    } finally {
      await session.query(`update ${this.qualified(this.lockTable)} set ${q('is_locked')} = ${p(1)}`, [0]);
    }
  }
}

export class KyselyTracking extends JsTracking {
  readonly tables: readonly string[];

  constructor(
    dialect: Dialect,
    versions: VersionMap,
    table: string,
    readonly lockTable: string,
    schema: string | undefined,
  ) {
    super('kysely', dialect, versions, table, schema);
    this.tables = [table, lockTable];
  }

  /** Migrator `#ensureMigrationTableSchemaExists`, `#ensureMigrationTableExists`, `#ensureMigrationLockTableExists`, `#ensureLockRowExists`. */
  async ensure(session: Session): Promise<void> {
    const { q, p } = this;
    if (this.schema !== undefined && this.dialect === 'postgres') await session.query(`create schema if not exists ${q(this.schema)}`);
    if (!(await tableExists(session, this.dialect, this.table, this.schema))) {
      await session.query(`create table if not exists ${this.qualified(this.table)} (${q('name')} varchar(255) not null primary key, ${q('timestamp')} varchar(255) not null)`);
    }
    if (!(await tableExists(session, this.dialect, this.lockTable, this.schema))) {
      await session.query(`create table if not exists ${this.qualified(this.lockTable)} (${q('id')} varchar(255) not null primary key, ${q('is_locked')} integer default 0 not null)`);
    }
    const { rows } = await session.query(`select ${q('id')} from ${this.qualified(this.lockTable)} where ${q('id')} = ${p(1)}`, ['migration_lock']);
    if (rows.length === 0) {
      await session.query(`insert into ${this.qualified(this.lockTable)} (${q('id')}, ${q('is_locked')}) values (${p(1)}, ${p(2)})`, ['migration_lock', 0]);
    }
  }

  /** `#getExecutedMigrations`: by timestamp, then name. */
  protected async recorded(session: Session, schema: string | undefined): Promise<string[]> {
    const { rows } = await session.query<{ name: string; timestamp: string }>(`select ${this.q('name')}, ${this.q('timestamp')} from ${this.qualified(this.table, schema)}`);
    return rows
      .sort((a, b) => (a.timestamp === b.timestamp ? a.name.localeCompare(b.name) : new Date(a.timestamp).getTime() - new Date(b.timestamp).getTime()))
      .map((r) => r.name);
  }

  async beforeStep(): Promise<void> {}

  /** `#migrateUp` / `#migrateDown`: the row goes in after `up`, out after `down` (a migration without `down` stays). */
  async afterStep(session: Session, step: TrackedStep, result: { status: 'success' | 'error' }): Promise<void> {
    if (result.status !== 'success') return;
    const { q, p } = this;
    const name = trackingName(step.migration);
    if (step.direction === 'up') {
      await session.query(`insert into ${this.qualified(this.table)} (${q('name')}, ${q('timestamp')}) values (${p(1)}, ${p(2)})`, [name, new Date().toISOString()]);
    } else if (step.migration.down !== undefined) {
      await session.query(`delete from ${this.qualified(this.table)} where ${q('name')} = ${p(1)}`, [name]);
    }
  }
}

export class NodePgMigrateTracking extends JsTracking {
  readonly tables: readonly string[];
  private readonly full: string;

  constructor(versions: VersionMap, table: string, schema: string) {
    super('node-pg-migrate', 'postgres', versions, table, schema);
    this.tables = [table];
    this.full = `"${schema}"."${table}"`;
  }

  /** runner.ts `ensureMigrationsTable`, verbatim. */
  async ensure(session: Session): Promise<void> {
    const schema = this.schema!;
    const { rows } = await session.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${lit(schema)}' AND table_name = '${lit(this.table)}'`);
    if (rows.length === 1) {
      const { rows: keys } = await session.query(
        `SELECT constraint_name FROM information_schema.table_constraints WHERE table_schema = '${lit(schema)}' AND table_name = '${lit(this.table)}' AND constraint_type = 'PRIMARY KEY'`,
      );
      if (keys.length !== 1) await session.query(`ALTER TABLE ${this.full} ADD PRIMARY KEY (id)`);
    } else {
      await session.query(`CREATE TABLE ${this.full} (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`);
    }
  }

  /** runner.ts `getRunMigrations`. */
  protected async recorded(session: Session, schema: string | undefined): Promise<string[]> {
    const { rows } = await session.query<{ name: string }>(`SELECT name FROM "${schema}"."${this.table}" ORDER BY run_on, id`);
    return rows.map((r) => r.name);
  }

  async beforeStep(): Promise<void> {}

  /** migration.ts `_getMarkAsRun`, verbatim. */
  async afterStep(session: Session, step: TrackedStep, result: { status: 'success' | 'error' }): Promise<void> {
    if (result.status !== 'success') return;
    const name = lit(trackingName(step.migration));
    await session.query(
      step.direction === 'up' ? `INSERT INTO ${this.full} (name, run_on) VALUES ('${name}', NOW());` : `DELETE FROM ${this.full} WHERE name='${name}';`,
    );
  }
}

/** A string literal's content (node-pg-migrate interpolates names unescaped; a quote would break its SQL). */
function lit(value: string): string {
  return value.replace(/'/g, "''");
}
