// Knex migrations run in-process: a knex instance whose client is the project's own dialect client
// (pg, mysql2, better-sqlite3, …) with `_query` and the connection pool replaced, so knex compiles
// every statement, its transaction's BEGIN; / COMMIT; / ROLLBACK included, exactly as it would, and
// hands it to the SqlRunner instead of a driver connection. The driver's response is rebuilt from
// what the runner returns, and knex's own `processResponse` reads it.
//
// A migration runs as Knex's Migrator runs one (lib/migrations/migrate/Migrator.js, knex 3.x,
// `_waterfallBatch` outside a batch transaction): in a transaction of its own unless the module
// exports `config = { transaction: false }` or the knexfile sets `migrations.disableTransactions`
// (the module's setting wins), `beforeEach` / `afterEach` hooks inside it. The history table and
// its lock are MigrationTracking's (tracking.ts), not this file's.
import path from 'node:path';
import type { Dialect } from '../../engines/engine.ts';
import { importMigrationModule, loadTool, migrationExports, prop } from './load.ts';
import { postgresCommand, returnsRows, runStatements } from './statements.ts';
import type { JsApplyResult, JsMigration, SqlRunner } from './types.ts';

/** knex's client names per dialect; the first is used when the project's client speaks another dialect. */
const CLIENTS: Record<Dialect, readonly string[]> = {
  postgres: ['pg', 'postgres', 'postgresql', 'pgnative'],
  mysql: ['mysql2', 'mysql', 'mariadb', 'mariasql'],
  sqlite: ['better-sqlite3', 'sqlite3', 'sqlite'],
};

export function knexDialectOf(client: string | undefined): Dialect | undefined {
  if (!client) return undefined;
  for (const [dialect, names] of Object.entries(CLIENTS) as [Dialect, readonly string[]][]) {
    if (names.includes(client)) return dialect;
  }
  return undefined;
}

type KnexFn = ((config: Record<string, unknown>) => KnexInstance) & Record<string, unknown>;

interface KnexInstance {
  client: { constructor: new (config: Record<string, unknown>) => object; logger?: unknown };
  transaction<T>(handler: (trx: KnexInstance) => Promise<T> | T): Promise<T>;
  destroy(): Promise<void>;
}

interface KnexQueryObject {
  sql: string;
  bindings?: unknown[];
  response?: unknown;
  context?: unknown;
}

type MigrationFn = (knex: unknown) => unknown;

export async function applyKnexMigration(migration: JsMigration, direction: 'up' | 'down', runner: SqlRunner): Promise<JsApplyResult> {
  const settings = migration.knex;
  if (!settings) throw new Error(`${migration.id} was not listed as a knex migration`);
  const tool = await loadTool('knex', migration.projectDir);
  const knexFn = (prop<KnexFn>(tool.module, 'default') ?? prop<KnexFn>(tool.module, 'knex')) as KnexFn | undefined;
  if (typeof knexFn !== 'function') throw new Error(`${tool.info.note}: the package exports no knex function`);
  const notes: string[] = [];

  const projectClient = knexDialectOf(settings.client) === runner.dialect ? settings.client! : undefined;
  const clientName = projectClient ?? CLIENTS[runner.dialect][0]!;
  if (settings.client && !projectClient) {
    notes.push(`the knexfile's client "${settings.client}" does not speak ${runner.dialect}: knex's "${clientName}" client compiled the statements`);
  }

  const logger = {
    warn: (message: unknown) => notes.push(`knex: ${String(message)}`),
    error: (message: unknown) => notes.push(`knex: ${String(message)}`),
    deprecate: (method: unknown, alternative: unknown) => notes.push(`knex: ${String(method)} is deprecated, use ${String(alternative)}`),
    debug: () => undefined,
  };
  // A knex without a connection loads its dialect's client class and nothing else (no driver, no pool).
  const probe = knexFn({ client: clientName, useNullAsDefault: true, log: logger });
  const DialectClient = probe.client.constructor;
  await probe.destroy();
  const RunnerClient = runnerClient(DialectClient, runner);

  const config: Record<string, unknown> = { client: RunnerClient, log: logger };
  if (settings.useNullAsDefault !== undefined) config.useNullAsDefault = settings.useNullAsDefault;
  // Unset and false behave alike; false spares the notes knex's "set useNullAsDefault" warning.
  else if (runner.dialect === 'sqlite') config.useNullAsDefault = false;
  for (const key of ['searchPath', 'wrapIdentifier', 'postProcessResponse', 'version'] as const) {
    if (settings[key] !== undefined) config[key] = settings[key];
  }
  const knex = knexFn(config);

  try {
    const namespace = await importMigrationModule(migration.file);
    const content = migrationExports(namespace);
    // The Migrator refuses to run a migration without both functions (`_validateMigrationStructure`).
    if (typeof content.up !== 'function' || typeof content.down !== 'function') {
      throw new Error(`Invalid migration: ${migration.trackingName} must have both an up and down function`);
    }
    const run = content[direction] as MigrationFn;
    const transaction = useTransaction(content, settings.migrations.disableTransactions);
    const beforeEach = hook(settings.migrations.beforeEach);
    const afterEach = hook(settings.migrations.afterEach);
    const migrationInfo = [{ file: path.basename(migration.file), directory: path.dirname(migration.file) }];

    if (runner.dialect === 'postgres' && settings.searchPath !== undefined) {
      // knex sets the search_path on every connection it opens, before the first query.
      await setSearchPath(knex, runner);
    }
    if (transaction) {
      await knex.transaction(async (trx) => {
        await beforeEach(trx, migrationInfo);
        const result = await checkPromise(run(trx), migration.trackingName, notes);
        await afterEach(trx, migrationInfo);
        return result;
      });
    } else {
      await beforeEach(knex, migrationInfo);
      await checkPromise(run(knex), migration.trackingName, notes);
      await afterEach(knex, migrationInfo);
    }
    if (!transaction) notes.push(`${migration.trackingName} ran without a transaction (${transactionReason(content)})`);
    return { tool: tool.info, transaction, notes };
  } finally {
    await knex.destroy();
  }
}

/** The Migrator's `_useTransaction`: the module's `config.transaction` when a boolean, else not `disableTransactions`. */
export function useTransaction(content: Record<string, unknown>, disableTransactions: boolean): boolean {
  const own = prop(prop(content, 'config'), 'transaction');
  return typeof own === 'boolean' ? own : !disableTransactions;
}

function transactionReason(content: Record<string, unknown>): string {
  return typeof prop(prop(content, 'config'), 'transaction') === 'boolean' ? 'its config.transaction is false' : "the knexfile's migrations.disableTransactions";
}

/** knex's `checkPromise`: a migration that returns no promise is warned about, and knex goes on. */
function checkPromise(value: unknown, name: string, notes: string[]): unknown {
  if (!value || typeof (value as { then?: unknown }).then !== 'function') {
    notes.push(`knex: migration ${name} did not return a promise`);
  }
  return value;
}

function hook(value: unknown): (knex: unknown, migrations: unknown[]) => Promise<void> {
  return typeof value === 'function' ? async (k, m) => void (await (value as (k: unknown, m: unknown[]) => unknown)(k, m)) : async () => undefined;
}

async function setSearchPath(knex: KnexInstance, runner: SqlRunner): Promise<void> {
  const client = knex.client as unknown as { setSchemaSearchPath?: (connection: unknown) => Promise<unknown> };
  if (typeof client.setSchemaSearchPath !== 'function') return;
  // The pg client calls `connection.query(sql, callback)` on the raw connection.
  const connection = {
    query: (sql: string, callback: (error: unknown, result?: unknown) => void) => {
      runner.query(sql).then((result) => callback(null, result), (error: unknown) => callback(error));
    },
  };
  await client.setSchemaSearchPath(connection);
}

/**
 * The dialect's client class with the pool and the driver call replaced: every connection knex
 * asks for is the runner's session, and `_query` sends the compiled statement to the runner and
 * stores what the driver would have answered where knex's `processResponse` looks for it.
 */
function runnerClient(Base: new (config: Record<string, unknown>) => object, runner: SqlRunner): new (config: Record<string, unknown>) => object {
  const Client = Base as unknown as new (config: Record<string, unknown>) => Record<string, unknown>;
  let connections = 0;
  class RunnerClient extends Client {
    initializeDriver(): void {}
    initializePool(): void {}
    async acquireConnection(): Promise<object> {
      return { __knexUid: `rehearse${++connections}` };
    }
    async releaseConnection(): Promise<void> {}
    async destroy(callback?: () => void): Promise<void> {
      if (typeof callback === 'function') callback();
    }
    async _query(_connection: unknown, obj: KnexQueryObject): Promise<KnexQueryObject> {
      if (!obj.sql) throw new Error('The query is empty');
      const bindings = runner.dialect === 'sqlite' ? sqliteBindings(obj.bindings) : (obj.bindings ?? []);
      const { result } = await runStatements(runner, obj.sql, bindings);
      switch (runner.dialect) {
        case 'postgres':
          // node-postgres' Result.
          obj.response = { command: postgresCommand(obj.sql, result), rowCount: result.rowCount, rows: result.rows, fields: result.fields ?? [] };
          break;
        case 'mysql':
          // mysql2's callback arguments: rows (or a ResultSetHeader) and fields.
          obj.response = returnsRows(obj.sql, result)
            ? [result.rows, result.fields ?? []]
            : [{ fieldCount: 0, affectedRows: result.rowCount ?? 0, insertId: result.insertId ?? 0, info: '', serverStatus: 0, warningStatus: 0, changedRows: 0 }, undefined];
          break;
        case 'sqlite':
          // sqlite3's `all` rows with the statement as context / better-sqlite3's run info.
          obj.response = result.rows;
          obj.context = { lastID: result.insertId, changes: result.rowCount ?? 0 };
          break;
      }
      return obj;
    }
  }
  return RunnerClient as unknown as new (config: Record<string, unknown>) => object;
}

/** What better-sqlite3's knex client (`_formatBindings`) and node-sqlite3 bind: dates as epoch ms, booleans as 0/1. */
function sqliteBindings(bindings: unknown[] | undefined): unknown[] {
  return (bindings ?? []).map((b) => (b instanceof Date ? b.valueOf() : typeof b === 'boolean' ? Number(b) : b));
}
