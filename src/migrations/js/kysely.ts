// Kysely migrations run in-process: a Kysely instance on a dialect made of the project's own
// Kysely adapter, query compiler and introspector for the engine (Postgres*, Mysql*, Sqlite*) and
// the matching driver class with its pool replaced by the SqlRunner. The driver's own
// beginTransaction / commitTransaction / rollbackTransaction (`begin`, `commit`, `rollback`) reach
// the runner like every other statement.
//
// A migration runs as Kysely's Migrator runs one (src/migration/migrator.ts, kysely 0.28): in a
// transaction when the adapter supports transactional DDL (PostgreSQL; not MySQL, and not SQLite,
// whose adapter says false) and the Migrator's `disableTransactions` is not set, `up(db)` /
// `down(db)` given the transaction. The Migrator's run-wide lock (PostgreSQL `pg_advisory_lock`,
// MySQL `get_lock`, taken around the whole batch) is not taken: a scratch database has no other
// migrator to keep out. The history table is MigrationTracking's (tracking.ts).
import type { Dialect } from '../../engines/engine.ts';
import { importMigrationModule, loadTool, migrationExports, prop } from './load.ts';
import { postgresCommand, returnsRows, runStatements } from './statements.ts';
import type { JsApplyResult, JsMigration, SqlRunner } from './types.ts';

type Ctor = new (...args: unknown[]) => object;

interface CompiledQuery {
  sql: string;
  parameters: readonly unknown[];
}

interface KyselyQueryResult {
  rows: Record<string, unknown>[];
  numAffectedRows?: bigint;
  numChangedRows?: bigint;
  insertId?: bigint;
}

interface KyselyInstance {
  getExecutor(): { adapter: { supportsTransactionalDdl: boolean } };
  connection(): { execute<T>(fn: (db: KyselyInstance) => Promise<T>): Promise<T> };
  transaction(): { execute<T>(fn: (trx: KyselyInstance) => Promise<T>): Promise<T> };
  destroy(): Promise<void>;
}

const PARTS: Record<Dialect, { adapter: string; compiler: string; introspector: string; driver: string }> = {
  postgres: { adapter: 'PostgresAdapter', compiler: 'PostgresQueryCompiler', introspector: 'PostgresIntrospector', driver: 'PostgresDriver' },
  mysql: { adapter: 'MysqlAdapter', compiler: 'MysqlQueryCompiler', introspector: 'MysqlIntrospector', driver: 'MysqlDriver' },
  sqlite: { adapter: 'SqliteAdapter', compiler: 'SqliteQueryCompiler', introspector: 'SqliteIntrospector', driver: 'SqliteDriver' },
};

export async function applyKyselyMigration(migration: JsMigration, direction: 'up' | 'down', runner: SqlRunner): Promise<JsApplyResult> {
  const settings = migration.kysely;
  if (!settings) throw new Error(`${migration.id} was not listed as a kysely migration`);
  const tool = await loadTool('kysely', migration.projectDir);
  const db = kyselyOnRunner(tool.module, runner, settings.plugins);
  try {
    const content = migrationExports(await importMigrationModule(migration.file));
    const run = content[direction];
    if (typeof run !== 'function') {
      // The Migrator skips a missing `down` silently (and keeps the migration's row): nothing runs.
      if (direction === 'down') {
        return { tool: tool.info, transaction: false, notes: [`${migration.id} has no down: Kysely's Migrator runs nothing for it and keeps it recorded`] };
      }
      throw new Error(`${migration.id} exports no up function`);
    }
    const fn = run as (db: KyselyInstance) => Promise<unknown>;
    const transaction = db.getExecutor().adapter.supportsTransactionalDdl && !settings.disableTransactions;
    if (transaction) {
      await db.connection().execute((conn) => conn.transaction().execute(async (trx) => void (await fn(trx))));
    } else {
      await db.connection().execute(async (conn) => void (await fn(conn)));
    }
    const notes = transaction
      ? []
      : [`${migration.id} ran without a transaction (${settings.disableTransactions ? 'the Migrator\'s disableTransactions' : `Kysely's ${runner.dialect} adapter does not run migrations in transactions`})`];
    return { tool: tool.info, transaction, notes };
  } finally {
    await db.destroy();
  }
}

/** A Kysely instance (the project's Kysely) whose every query goes to `runner`. */
export function kyselyOnRunner(kysely: Record<string, unknown>, runner: SqlRunner, plugins?: unknown[]): KyselyInstance {
  const names = PARTS[runner.dialect];
  const part = (name: string): Ctor => {
    const value = prop<Ctor>(kysely, name);
    if (typeof value !== 'function') throw new Error(`this kysely exports no ${name}`);
    return value;
  };
  const Adapter = part(names.adapter);
  const Compiler = part(names.compiler);
  const Introspector = part(names.introspector);
  const Driver = part(names.driver);
  const Kysely = part('Kysely');
  const connection = new RunnerConnection(runner);

  // The dialect's own driver, for its transaction and savepoint statements; no pool behind it.
  class RunnerDriver extends (Driver as new (config: object) => object) {
    async init(): Promise<void> {}
    async acquireConnection(): Promise<RunnerConnection> {
      return connection;
    }
    async releaseConnection(): Promise<void> {}
    async destroy(): Promise<void> {}
  }
  const dialect = {
    createAdapter: () => new Adapter(),
    createDriver: () => new RunnerDriver({}),
    createQueryCompiler: () => new Compiler(),
    createIntrospector: (db: unknown) => new Introspector(db),
  };
  return new Kysely({ dialect, ...(plugins ? { plugins } : {}) }) as unknown as KyselyInstance;
}

class RunnerConnection {
  constructor(private readonly runner: SqlRunner) {}

  async executeQuery(compiled: CompiledQuery): Promise<KyselyQueryResult> {
    const { result } = await runStatements(this.runner, compiled.sql, compiled.parameters);
    const affected = result.rowCount === null ? undefined : BigInt(result.rowCount);
    const insertId = result.insertId === undefined || String(result.insertId) === '0' ? undefined : BigInt(result.insertId);
    switch (this.runner.dialect) {
      case 'postgres': {
        // PostgresConnection: numAffectedRows for INSERT, UPDATE, DELETE and MERGE.
        const command = postgresCommand(compiled.sql, result);
        const writes = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
        return { numAffectedRows: writes ? (affected ?? 0n) : undefined, rows: result.rows };
      }
      case 'mysql':
      case 'sqlite':
        // MysqlConnection: an OkPacket's counts, or the rows; SqliteConnection: `stmt.reader` rows, or run info.
        if (returnsRows(compiled.sql, result)) return { rows: result.rows };
        return { insertId, numAffectedRows: affected ?? 0n, rows: [] };
    }
  }

  async *streamQuery(): AsyncIterableIterator<KyselyQueryResult> {
    throw new Error('rehearse runs Kysely migrations without streaming queries');
  }
}
