// The contract between rehearse and the JS/TS migration tools it runs in-process (Knex, Kysely,
// node-pg-migrate): rehearse hands a SqlRunner bound to its session on the scratch database, the
// tool's own query machinery is pointed at it, and every statement the tool issues (its BEGIN /
// COMMIT / ROLLBACK included) goes through `query`, where rehearse measures it.
import type { Dialect } from '../../engines/engine.ts';
import type { Migration } from '../migration.ts';

/** A column of a result set, where the runner knows it. */
export interface SqlField {
  name: string;
}

export interface SqlRunnerResult {
  rows: Record<string, unknown>[];
  /** Rows affected by INSERT / UPDATE / DELETE (and rows returned by a SELECT), when the driver says. */
  rowCount: number | null;
  /**
   * The statement's columns. Present (possibly empty) means "the statement returns rows"; absent
   * means the runner does not say, and the adapters judge by the statement's leading keyword.
   */
  fields?: SqlField[];
  /** PostgreSQL's command tag (`SELECT`, `INSERT`, `CREATE`…), when the driver reports it. */
  command?: string;
  /** The id the statement generated (MySQL AUTO_INCREMENT, SQLite rowid), when the driver reports it. */
  insertId?: number | bigint;
}

/** What rehearse provides: one session on the scratch database. */
export interface SqlRunner {
  dialect: Dialect;
  /** Runs one statement; `params` use the dialect's placeholders (`$1` on PostgreSQL, `?` elsewhere). */
  query(sql: string, params?: unknown[]): Promise<SqlRunnerResult>;
}

export const JS_TOOLS = ['knex', 'kysely', 'node-pg-migrate'] as const;
export type JsTool = (typeof JS_TOOLS)[number];

/** Where the tool's code was loaded from. */
export interface JsToolInfo {
  /** npm package name. */
  package: JsTool;
  version: string;
  /** `project`: the project's own node_modules (what production runs); `rehearse`: rehearse's copy. */
  from: 'project' | 'rehearse';
  /** The package directory. */
  dir: string;
  /** One line for the report, e.g. `knex 3.3.0 from the project (…/node_modules/knex)`. */
  note: string;
}

/** Knex's settings that change what a migration runs (a knexfile environment, or its `migrations` part). */
export interface KnexSettings {
  /** The knexfile's `client`, when the project gives one (`pg`, `mysql2`, `better-sqlite3`, …). */
  client?: string;
  useNullAsDefault?: boolean;
  /** PostgreSQL `searchPath`: knex sets it on every connection it opens. */
  searchPath?: string | string[];
  /** Passed to knex as given (they change the SQL knex generates). */
  wrapIdentifier?: unknown;
  postProcessResponse?: unknown;
  /** The knexfile's `version` (server version knex compiles for), passed as given. */
  version?: string;
  migrations: {
    directory: string[];
    loadExtensions: string[];
    sortDirsSeparately: boolean;
    disableTransactions: boolean;
    tableName: string;
    schemaName?: string;
    beforeEach?: unknown;
    afterEach?: unknown;
  };
}

export interface KyselySettings {
  /** The Migrator's `disableTransactions` (kysely-ctl: `--no-transaction`). */
  disableTransactions: boolean;
  migrationTableName: string;
  migrationLockTableName: string;
  migrationTableSchema?: string;
  /** Kysely plugins the project's migrator instance uses (e.g. CamelCasePlugin), passed as given. */
  plugins?: unknown[];
}

export interface NodePgMigrateSettings {
  migrationsTable: string;
  /** `schema`: node-pg-migrate sets `search_path` to it before migrating. */
  schema?: string[];
  /** Where the migrations table lives (default: the first `schema`, else `public`). */
  migrationsSchema?: string;
  decamelize: boolean;
  /** The CLI's `--single-transaction` (its default: true) or the programmatic runner's (default: false). */
  singleTransaction: boolean;
  /** The column shorthands in force for this migration: every earlier file's `shorthands`, merged in order. */
  shorthands: Record<string, unknown>;
}

/** A JS/TS migration: `up.sql` / `down.sql` hold the module's source (its statements are only known by running it). */
export interface JsMigration extends Migration {
  tool: JsTool;
  /** Absolute path of the migration module. */
  file: string;
  /** The project directory the tool is loaded from. */
  projectDir: string;
  /** What the tool writes in its history table: knex the file name, kysely and node-pg-migrate the name without extension. */
  trackingName: string;
  /**
   * How `version` / `versionNumber` were made: `prefix` — the name's leading digits (every name has
   * them, unique and in the tool's order); `position` — 1-based place in the tool's order, `version`
   * the whole name (names without such a prefix).
   */
  versioning: 'prefix' | 'position';
  knex?: KnexSettings & {
    /** The module's `config.transaction`, when it sets one. */
    transaction?: boolean;
  };
  kysely?: KyselySettings;
  nodePgMigrate?: NodePgMigrateSettings & {
    /** The file is a SQL migration (`-- Up Migration` / `-- Down Migration`). */
    sql: boolean;
    /** No `down` export: node-pg-migrate runs `up` in reverse mode. */
    downReversesUp: boolean;
  };
}

export interface ListJsMigrationsOptions {
  projectDir: string;
  /** The tool's migrations directory, relative to `projectDir` (default: the config's, else the tool's). */
  migrationsDir?: string;
  /**
   * The tool's settings. knex: a knexfile's environment (`{ client, migrations: {…} }`; default: the
   * project's knexfile, environment `environment` / NODE_ENV / `development`); kysely: the Migrator's
   * options (`migrationTableName`, `migrationLockTableName`, `migrationTableSchema`,
   * `disableTransactions`, `plugins`, `migrationFolder`); node-pg-migrate: its runner options
   * (`migrationsTable`, `schema`, `migrationsSchema`, `decamelize`, `singleTransaction`,
   * `ignorePattern`, `dir`).
   */
  config?: Record<string, unknown>;
  /** knex: the knexfile environment to use. */
  environment?: string;
}

export interface JsMigrationList {
  migrations: JsMigration[];
  /** Said in the report: where the tool came from, files the tool skips, how versions were made. */
  notes: string[];
}

export interface JsApplyResult {
  tool: JsToolInfo;
  /** Whether the tool wrapped the migration in a transaction. */
  transaction: boolean;
  /** What the tool warned about, and where rehearse's run differs from the tool's. */
  notes: string[];
}
