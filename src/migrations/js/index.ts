// JS/TS migration tools run in-process (docs/js-sources.md): Knex, Kysely and node-pg-migrate
// migrations applied one at a time through a SqlRunner, so rehearse sees every statement the tool
// sends, and the tools' history tables kept as the tools keep them.
//
//   const { migrations, notes } = await readJsMigrations('knex', { projectDir });
//   const tracking = trackingFor('knex', 'postgres', { migrations });
//   await tracking.ensure(session);
//   await tracking.beforeStep(session, step);
//   await applyJsMigration(migrations[0], 'up', sessionRunner(session, 'postgres'));
//   await tracking.afterStep(session, step, { status: 'success', durationMs });
import type { Dialect, Session } from '../../engines/engine.ts';
import { applyKnexMigration } from './knex.ts';
import { applyKyselyMigration } from './kysely.ts';
import { readJsMigrations } from './list.ts';
import { applyNodePgMigrateMigration } from './node-pg-migrate.ts';
import type { JsApplyResult, JsMigration, JsTool, ListJsMigrationsOptions, SqlRunner } from './types.ts';

export { readJsMigrations } from './list.ts';
export { loadTool } from './load.ts';
export { trackingFor, type JsTrackingOptions } from './tracking.ts';
export * from './types.ts';

/** The project's migrations for `tool`, in the order the tool applies them. */
export async function listJsMigrations(tool: JsTool, opts: ListJsMigrationsOptions): Promise<JsMigration[]> {
  return (await readJsMigrations(tool, opts)).migrations;
}

/**
 * Runs only `migration`'s up or down through `runner`, with the tool's own transaction behaviour;
 * leaves the tool's history table alone (MigrationTracking records it). Throws what the migration
 * throws (after the tool's ROLLBACK, where it ran in a transaction).
 */
export async function applyJsMigration(migration: JsMigration, direction: 'up' | 'down', runner: SqlRunner): Promise<JsApplyResult> {
  switch (migration.tool) {
    case 'knex':
      return applyKnexMigration(migration, direction, runner);
    case 'kysely':
      return applyKyselyMigration(migration, direction, runner);
    case 'node-pg-migrate':
      return applyNodePgMigrateMigration(migration, direction, runner);
  }
}

/** A SqlRunner on a rehearse session. */
export function sessionRunner(session: Pick<Session, 'query'>, dialect: Dialect): SqlRunner {
  return { dialect, query: (sql, params) => session.query(sql, params) };
}
