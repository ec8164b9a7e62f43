// Knex, Kysely and node-pg-migrate as migration sources (docs/js-sources.md): the project's
// migration modules, read in the tool's order, each carrying how it runs in-process on rehearse's
// session, and the tool's history table kept as the tool keeps it.
import { relative } from 'node:path';
import { UsageError } from '../errors.ts';
import { applyJsMigration, type JsMigration, type JsTool, readJsMigrations, trackingFor } from './js/index.ts';
import type { MigrationSourceModule } from './sources/registry.ts';

export function jsSourceModule(tool: JsTool, projectDir: string): MigrationSourceModule {
  let read: JsMigration[] = [];
  return {
    id: tool,
    layout: `${tool} migration modules`,
    // The project itself: the tool's configuration (knexfile, …) says where its migrations are.
    defaultDir: '.',
    hasDowns: true,
    read: async (dir) => {
      const migrationsDir = relative(projectDir, dir);
      const list = await readJsMigrations(tool, { projectDir, ...(migrationsDir !== '' ? { migrationsDir } : {}) });
      read = list.migrations;
      const migrations = list.migrations.map((m) => ({
        ...m,
        applyInProcess: async (runner: Parameters<typeof applyJsMigration>[2], direction: 'up' | 'down') => {
          const result = await applyJsMigration(m, direction, runner);
          return { notes: [result.tool.note, ...result.notes] };
        },
      }));
      return { migrations, notes: list.notes };
    },
    fromFiles: async () => {
      throw new UsageError('USAGE', `--base with ${tool}: its migrations are modules loaded from the working tree; rehearse without --base (the change is everything above the dataset's version)`);
    },
    tracking: (dialect) => trackingFor(tool, dialect, { migrations: read }),
  };
}
