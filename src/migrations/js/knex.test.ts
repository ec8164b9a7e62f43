// Knex migrations through a SqlRunner, compared step by step with knex's own Migrator
// (`knex.migrate.up()` / `down()`, one migration each) on a database of its own: the same
// statements for each migration, the same schema and the same knex_migrations rows after every step.
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEngine } from '../../../test/helpers/engines.ts';
import type { Dialect } from '../../engines/engine.ts';
import { listJsMigrations } from './index.ts';
import {
  createTestDatabase,
  FIXTURES,
  rehearseSteps,
  type StepRecord,
  tableNames,
  type TestDatabase,
  toolSteps,
  withoutBookkeeping,
} from './test-harness.ts';
import type { JsMigration } from './types.ts';

const require = createRequire(import.meta.url);
const PROJECT = path.join(FIXTURES, 'knex');
const CLIENT: Record<Dialect, string> = { postgres: 'pg', mysql: 'mysql2', sqlite: 'better-sqlite3' };
/** knex's history and lock tables, and its hasTable lookups. */
const BOOKKEEPING = /knex_migrations|^select \* from information_schema\.tables where table_name = |^select \* from sqlite_master where type = 'table' and name = \?$/;

describe('knex', () => {
  for (const kind of ['postgres', 'mysql', 'sqlite'] as const) {
    describeEngine(kind, ({ dialect }) => {
      let ours: TestDatabase | undefined;
      let theirs: TestDatabase | undefined;
      let migrations: JsMigration[];
      let mine: StepRecord[];
      let tool: StepRecord[];

      beforeAll(async () => {
        ours = await createTestDatabase(dialect);
        theirs = await createTestDatabase(dialect);
        migrations = await listJsMigrations('knex', { projectDir: PROJECT });
        mine = await rehearseSteps('knex', ours, migrations);
        tool = await knexOwnSteps(theirs, migrations);
      });
      afterAll(async () => {
        await ours?.close();
        await theirs?.close();
      });

      test('each step runs its migration alone, in a transaction unless the migration opts out', () => {
        expect(mine.map((r) => [r.id, r.direction, r.transaction])).toEqual([
          ['20240101090000_create_users', 'up', true],
          ['20240102090000_add_users_email_index', 'up', false],
          ['20240103090000_create_posts', 'up', true],
          ['20240103090000_create_posts', 'down', true],
          ['20240102090000_add_users_email_index', 'down', false],
          ['20240101090000_create_users', 'down', true],
        ]);
        for (const r of mine) {
          if (r.transaction) {
            expect(r.statements[0]).toBe('BEGIN;');
            expect(r.statements.at(-1)).toBe('COMMIT;');
          } else {
            expect(r.statements.filter((s) => /^(BEGIN|COMMIT|ROLLBACK)/i.test(s))).toEqual([]);
          }
          expect(r.statements.filter((s) => s.includes('knex_migrations'))).toEqual([]);
        }
        expect(mine[1]!.statements).toEqual([
          { postgres: 'create index "users_email_index" on "users" ("email")', mysql: 'alter table `users` add index `users_email_index`(`email`)', sqlite: 'create index `users_email_index` on `users` (`email`)' }[dialect],
        ]);
        expect(mine[2]!.statements.some((s) => /^delete from .posts. where .title. = (\$1|\?)$/.test(s))).toBe(true);
        expect(tableNames(mine[2]!.schema)).toEqual(['knex_migrations', 'knex_migrations_lock', 'posts', 'users']);
        expect(tableNames(mine.at(-1)!.schema)).toEqual(['knex_migrations', 'knex_migrations_lock']);
        expect(mine[2]!.history.migrations!.map((r) => (r as { name: string }).name)).toEqual(migrations.map((m) => m.trackingName));
      });

      test("matches knex's own Migrator step by step: statements, schema, knex_migrations rows", () => {
        expect(tool.map((r) => [r.id, r.direction])).toEqual(mine.map((r) => [r.id, r.direction]));
        for (const [i, r] of mine.entries()) {
          const theirsStep = tool[i]!;
          expect(r.statements, `${r.id} ${r.direction}`).toEqual(theirsStep.statements);
          expect(r.schema, `${r.id} ${r.direction}`).toEqual(theirsStep.schema);
          expect(r.history, `${r.id} ${r.direction}`).toEqual(theirsStep.history);
        }
      });
    });
  }
});

/** knex's own Migrator on `db`, one migration per call, with tsx registered for the TypeScript file (as a knexfile.ts setup registers a loader). */
async function knexOwnSteps(db: TestDatabase, migrations: JsMigration[]): Promise<StepRecord[]> {
  const { register } = require('tsx/cjs/api') as { register(): () => void };
  const unregister = register();
  const knex = require('knex') as (config: object) => {
    migrate: { up(): Promise<unknown>; down(): Promise<unknown> };
    on(event: 'query', listener: (query: { sql: string }) => void): void;
    destroy(): Promise<void>;
  };
  const instance = knex({
    client: CLIENT[db.dialect],
    connection: db.dialect === 'sqlite' ? { filename: db.file } : db.url,
    useNullAsDefault: true,
    pool: { min: 1, max: 1 },
    migrations: { directory: path.join(PROJECT, 'migrations') },
  });
  const sent: string[] = [];
  instance.on('query', (query) => sent.push(query.sql));
  try {
    return await toolSteps('knex', db, migrations, async (direction) => {
      const start = sent.length;
      await (direction === 'up' ? instance.migrate.up() : instance.migrate.down());
      return withoutBookkeeping(sent.slice(start), BOOKKEEPING);
    });
  } finally {
    await instance.destroy();
    unregister();
  }
}
