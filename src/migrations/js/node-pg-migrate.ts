// node-pg-migrate migrations run in-process (PostgreSQL only): the project's own MigrationBuilder
// collects the migration's SQL (`up(pgm)` / `down(pgm)`, or `up` in reverse mode when the module
// has no `down`), and the steps are sent to the SqlRunner as node-pg-migrate's Migration#_apply
// sends them (src/migration.ts, node-pg-migrate 9) — minus the INSERT into / DELETE from
// pgmigrations it appends, which MigrationTracking records (tracking.ts).
//
// Transactions: with `singleTransaction` (the CLI's default) the runner wraps the run in `BEGIN`
// … `COMMIT` (`ROLLBACK` on failure); without it (the programmatic runner's default) each
// migration is wrapped in `BEGIN;` … `COMMIT;`. A migration that calls `pgm.noTransaction()` runs
// its steps in autocommit either way (the CLI then commits the run's transaction before it and
// opens a new one after it: empty transactions rehearse does not send). `pgm.db.query()` calls run
// while the migration function runs, before its steps, as in node-pg-migrate.
import { importMigrationModule, loadTool, migrationExports, prop } from './load.ts';
import { postgresCommand, runStatements } from './statements.ts';
import type { JsApplyResult, JsMigration, SqlRunner } from './types.ts';

type Action = ((pgm: MigrationBuilderLike, run?: () => void) => unknown) | false | undefined;

interface MigrationBuilderLike {
  enableReverseMode(): unknown;
  getSqlSteps(): string[];
  isUsingTransaction(): boolean;
}

type BuilderCtor = new (db: unknown, typeShorthands: unknown, shouldDecamelize: boolean, logger: unknown) => MigrationBuilderLike;

interface QueryConfig {
  text: string;
  values?: unknown[];
}

export async function applyNodePgMigrateMigration(migration: JsMigration, direction: 'up' | 'down', runner: SqlRunner): Promise<JsApplyResult> {
  const settings = migration.nodePgMigrate;
  if (!settings) throw new Error(`${migration.id} was not listed as a node-pg-migrate migration`);
  if (runner.dialect !== 'postgres') throw new Error(`node-pg-migrate runs on PostgreSQL only, not ${runner.dialect}`);
  const tool = await loadTool('node-pg-migrate', migration.projectDir);
  const MigrationBuilder = prop<BuilderCtor>(tool.module, 'MigrationBuilder');
  if (typeof MigrationBuilder !== 'function') throw new Error(`${tool.info.note}: the package exports no MigrationBuilder`);
  const notes: string[] = [];
  const logger = {
    debug: undefined,
    info: () => undefined,
    warn: (message: unknown) => notes.push(`node-pg-migrate: ${String(message)}`),
    error: (message: unknown) => notes.push(`node-pg-migrate: ${String(message)}`),
  };

  const actions = await loadActions(migration, tool.module);
  // Migration#_getAction: a missing `down` is `up` run in reverse mode.
  const up = actions.up as Action;
  let down = actions.down as Action;
  if (direction === 'down' && down === undefined) down = up;
  const action = direction === 'up' ? up : down;
  if (action === false) throw new Error(`User has disabled ${direction} migration on file: ${migration.trackingName}`);
  if (typeof action !== 'function') {
    throw new Error(`Unknown value for direction: ${direction}. Is the migration ${migration.trackingName} exporting a '${direction}' function?`);
  }

  const pgm = new MigrationBuilder(pgDb(runner), settings.shorthands, settings.decamelize, logger);
  if (down === up) pgm.enableReverseMode();

  if (settings.schema && settings.schema.length > 0) {
    // The runner sets the search_path once, before migrating.
    await runner.query(`SET search_path TO ${settings.schema.map((s) => `"${s}"`).join(', ')}`);
  }
  if (action.length === 2) {
    await new Promise<void>((resolve, reject) => {
      try {
        const returned = action(pgm, resolve);
        if (returned && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).catch(reject);
      } catch (error) {
        reject(error);
      }
    });
  } else {
    await action(pgm);
  }

  const steps = pgm.getSqlSteps();
  const transaction = pgm.isUsingTransaction();
  const [begin, commit] = settings.singleTransaction ? ['BEGIN', 'COMMIT'] : ['BEGIN;', 'COMMIT;'];
  if (!transaction) {
    notes.push(`${migration.trackingName} ran without a transaction (it calls pgm.noTransaction())`);
    for (const step of steps) {
      const { statements } = await runStatements(runner, step);
      if (statements > 1) {
        notes.push(`node-pg-migrate sends a step of ${statements} statements in one simple query, which PostgreSQL runs as one implicit transaction; rehearse sent them one by one to measure each`);
      }
    }
    return { tool: tool.info, transaction, notes };
  }
  await runner.query(begin);
  try {
    for (const step of steps) await runStatements(runner, step);
    await runner.query(commit);
  } catch (error) {
    // The CLI's runner rolls back; the programmatic one ends the connection, which does the same.
    await runner.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { tool: tool.info, transaction, notes };
}

/** The module's actions as node-pg-migrate's loaders give them. */
async function loadActions(migration: JsMigration, tool: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (migration.nodePgMigrate?.sql) return sqlActions(migration.up.sql);
  return migrationExports(await importWithTool(migration.file, tool));
}

/**
 * node-pg-migrate (8+) loads JavaScript and TypeScript migrations with its own jiti instance, which
 * it exports; earlier versions used Node's loader. Falls back to rehearse's loader.
 */
export async function importWithTool(file: string, tool: Record<string, unknown>): Promise<Record<string, unknown>> {
  const jiti = prop<{ import?: (id: string) => Promise<unknown> }>(tool, 'jiti');
  if (jiti && typeof jiti.import === 'function') return (await jiti.import(file)) as Record<string, unknown>;
  return importMigrationModule(file);
}

/** node-pg-migrate's legacy SQL loader (sqlMigration.ts `getActions`): `-- Up Migration` / `-- Down Migration` sections. */
export function sqlActions(content: string): Record<string, unknown> {
  const marker = (direction: string) => new RegExp(`^\\s*--[\\s-]*${direction}\\s+migration`, 'im');
  const upStart = content.search(marker('up'));
  const downStart = content.search(marker('down'));
  const upSql = upStart >= 0 ? content.slice(upStart, downStart < upStart ? undefined : downStart) : content;
  const downSql = downStart >= 0 ? content.slice(downStart, upStart < downStart ? undefined : upStart) : undefined;
  return {
    up: (pgm: { sql(sql: string): void }) => pgm.sql(upSql),
    down: downSql === undefined ? false : (pgm: { sql(sql: string): void }) => pgm.sql(downSql),
  };
}

/** node-pg-migrate's `db` (src/db.ts) on the runner: what `pgm.db.query` / `pgm.db.select` reach. */
function pgDb(runner: SqlRunner) {
  const query = async (textOrConfig: string | QueryConfig, values?: unknown[]) => {
    const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
    const params = values ?? (typeof textOrConfig === 'string' ? undefined : textOrConfig.values);
    const { result } = await runStatements(runner, text, params);
    return { command: postgresCommand(text, result), rowCount: result.rowCount, rows: result.rows, fields: result.fields ?? [] };
  };
  const select = async (textOrConfig: string | QueryConfig, values?: unknown[]) => (await query(textOrConfig, values)).rows;
  const column = async (name: string, textOrConfig: string | QueryConfig, values?: unknown[]) => (await select(textOrConfig, values)).map((r) => r[name]);
  return { query, select, column, connected: () => true, createConnection: async () => undefined, addBeforeCloseListener: () => undefined, close: async () => undefined };
}
