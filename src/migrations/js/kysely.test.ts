// Kysely migrations through a SqlRunner, compared step by step with Kysely's own Migrator
// (`migrateUp()` / `migrateDown()`, kysely-ctl's way of loading TypeScript migrations) on a
// database of its own: the same statements, schema and kysely_migration rows after every step.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, type LogEvent, type Migration, Migrator, MysqlDialect, PostgresDialect, SqliteDialect, type Dialect as KyselyDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEngine } from '../../../test/helpers/engines.ts';
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

const PROJECT = path.join(FIXTURES, 'kysely');
/** The Migrator's history and lock tables, its locks, and the introspection it checks tables with. */
const BOOKKEEPING = /kysely_migration|pg_advisory|get_lock|release_lock|"pg_catalog"|information_schema|sqlite_master|sqlite_schema|pragma_table_info/i;

describe('kysely', () => {
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
        migrations = await listJsMigrations('kysely', { projectDir: PROJECT });
        mine = await rehearseSteps('kysely', ours, migrations);
        tool = await kyselyOwnSteps(theirs, migrations);
      });
      afterAll(async () => {
        await ours?.close();
        await theirs?.close();
      });

      test('each step runs its migration alone, in a transaction where Kysely uses one (PostgreSQL)', () => {
        const transactional = dialect === 'postgres';
        expect(mine.map((r) => [r.id, r.direction, r.transaction])).toEqual([
          ['1704099600000_create_person', 'up', transactional],
          ['1704186000000_add_person_email_index', 'up', transactional],
          ['1704272400000_create_pet', 'up', transactional],
          ['1704272400000_create_pet', 'down', transactional],
          ['1704186000000_add_person_email_index', 'down', transactional],
          ['1704099600000_create_person', 'down', transactional],
        ]);
        for (const r of mine) {
          if (transactional) {
            expect(r.statements[0]).toBe('begin');
            expect(r.statements.at(-1)).toBe('commit');
          } else {
            expect(r.statements.filter((s) => /^(begin|commit|rollback)/i.test(s))).toEqual([]);
          }
          expect(r.statements.filter((s) => s.includes('kysely_migration'))).toEqual([]);
        }
        expect(mine[1]!.statements.filter((s) => s.startsWith('create index'))).toHaveLength(1);
        expect(tableNames(mine[2]!.schema)).toEqual(['kysely_migration', 'kysely_migration_lock', 'person', 'pet']);
        expect(tableNames(mine.at(-1)!.schema)).toEqual(['kysely_migration', 'kysely_migration_lock']);
      });

      test("matches Kysely's own Migrator step by step: statements, schema, kysely_migration rows", () => {
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

/** kysely-ctl's TSFileMigrationProvider: every .ts file, imported with tsx (once: the Migrator asks on every step). */
let imported: Promise<Record<string, Migration>> | undefined;
const provider = {
  getMigrations(): Promise<Record<string, Migration>> {
    imported ??= importMigrations();
    return imported;
  },
};

async function importMigrations(): Promise<Record<string, Migration>> {
  const folder = path.join(PROJECT, 'migrations');
  const found: Record<string, Migration> = {};
  for (const name of readdirSync(folder)) {
    if (!name.endsWith('.ts') || name.endsWith('.d.ts')) continue;
    const module = (await tsImport(pathToFileURL(path.join(folder, name)).href, import.meta.url)) as Migration & { default?: Migration };
    found[name.slice(0, name.lastIndexOf('.'))] = typeof module.default?.up === 'function' ? module.default : module;
  }
  return found;
}

function realDialect(db: TestDatabase): KyselyDialect {
  switch (db.dialect) {
    case 'postgres':
      return new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 1 }) });
    case 'mysql':
      return new MysqlDialect({ pool: createPool({ uri: db.url, connectionLimit: 1 }) });
    case 'sqlite':
      return new SqliteDialect({ database: new Database(db.file!) });
  }
}

async function kyselyOwnSteps(db: TestDatabase, migrations: JsMigration[]): Promise<StepRecord[]> {
  const sent: string[] = [];
  const kysely = new Kysely<unknown>({
    dialect: realDialect(db),
    log: (event: LogEvent) => {
      if (event.level === 'query') sent.push(event.query.sql);
    },
  });
  const migrator = new Migrator({ db: kysely, provider });
  try {
    return await toolSteps('kysely', db, migrations, async (direction) => {
      const start = sent.length;
      const { error } = await (direction === 'up' ? migrator.migrateUp() : migrator.migrateDown());
      if (error) throw error;
      return withoutBookkeeping(sent.slice(start), BOOKKEEPING);
    });
  } finally {
    await kysely.destroy();
  }
}
