// node-pg-migrate migrations through a SqlRunner, compared step by step with node-pg-migrate's own
// runner (`runner({ direction, count: 1 })`, the CLI's single-transaction mode) on a database of its
// own: the same statements, schema and pgmigrations rows after every step. PostgreSQL only.
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEngine } from '../../../test/helpers/engines.ts';
import { listJsMigrations } from './index.ts';
import {
  createTestDatabase,
  FIXTURES,
  rehearseSteps,
  splitLikeTheAdapters,
  type StepRecord,
  tableNames,
  type TestDatabase,
  toolSteps,
  withoutBookkeeping,
} from './test-harness.ts';
import type { JsMigration } from './types.ts';

const PROJECT = path.join(FIXTURES, 'node-pg-migrate');
/** The runner's history table, advisory lock and catalog lookups. */
const BOOKKEEPING = /pgmigrations|pg_advisory|pg_try_advisory|information_schema/;

describe('node-pg-migrate', () => {
  describeEngine('postgres', () => {
    let ours: TestDatabase | undefined;
    let theirs: TestDatabase | undefined;
    let migrations: JsMigration[];
    let mine: StepRecord[];
    let tool: StepRecord[];

    beforeAll(async () => {
      ours = await createTestDatabase('postgres');
      theirs = await createTestDatabase('postgres');
      migrations = await listJsMigrations('node-pg-migrate', { projectDir: PROJECT });
      mine = await rehearseSteps('node-pg-migrate', ours, migrations);
      tool = await nodePgMigrateOwnSteps(theirs, migrations);
    });
    afterAll(async () => {
      await ours?.close();
      await theirs?.close();
    });

    test('each step runs its migration alone, in a transaction unless it calls pgm.noTransaction()', () => {
      expect(mine.map((r) => [r.id, r.direction, r.transaction])).toEqual([
        ['1704099600000_create-users', 'up', true],
        ['1704186000000_add-users-email-index', 'up', false],
        ['1704272400000_create-posts', 'up', true],
        ['1704272400000_create-posts', 'down', true],
        ['1704186000000_add-users-email-index', 'down', false],
        ['1704099600000_create-users', 'down', true],
      ]);
      for (const r of mine) {
        if (r.transaction) {
          expect(r.statements[0]).toBe('BEGIN');
          expect(r.statements.at(-1)).toBe('COMMIT');
        } else {
          expect(r.statements.filter((s) => /^(BEGIN|COMMIT|ROLLBACK)/i.test(s))).toEqual([]);
        }
        expect(r.statements.filter((s) => s.includes('pgmigrations'))).toEqual([]);
      }
      // No `down`: the up in reverse mode, the index dropped concurrently before the column.
      expect(mine[4]!.statements).toEqual(['DROP INDEX CONCURRENTLY "users_email_index";', 'ALTER TABLE "users"\n  DROP "email";']);
      // A pgm.sql() of two statements reaches the runner as two.
      expect(mine[2]!.statements.filter((s) => s.startsWith('COMMENT ON'))).toEqual(["COMMENT ON TABLE posts IS 'blog posts'", "COMMENT ON COLUMN posts.body IS 'markdown'"]);
      // The first migration's `createdAt` shorthand is in force in the third.
      expect(mine[2]!.statements.some((s) => /"created_at" timestamp DEFAULT current_timestamp NOT NULL/.test(s))).toBe(true);
      expect(tableNames(mine[2]!.schema)).toEqual(['pgmigrations', 'posts', 'users']);
      expect(tableNames(mine.at(-1)!.schema)).toEqual(['pgmigrations']);
    });

    test("matches node-pg-migrate's own runner step by step: statements, schema, pgmigrations rows", async () => {
      expect(tool.map((r) => [r.id, r.direction])).toEqual(mine.map((r) => [r.id, r.direction]));
      for (const [i, r] of mine.entries()) {
        const theirsStep = tool[i]!;
        expect(r.statements, `${r.id} ${r.direction}`).toEqual(await splitLikeTheAdapters(theirsStep.statements, 'postgres'));
        expect(r.schema, `${r.id} ${r.direction}`).toEqual(theirsStep.schema);
        expect(r.history, `${r.id} ${r.direction}`).toEqual(theirsStep.history);
      }
    });
  });
});

async function nodePgMigrateOwnSteps(db: TestDatabase, migrations: JsMigration[]): Promise<StepRecord[]> {
  const sent: string[] = [];
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const query = client.query.bind(client) as (text: unknown, values?: unknown) => Promise<unknown>;
  (client as unknown as { query: typeof query }).query = (text, values) => {
    sent.push(typeof text === 'string' ? text : (text as { text: string }).text);
    return query(text, values);
  };
  const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  try {
    return await toolSteps('node-pg-migrate', db, migrations, async (direction) => {
      const start = sent.length;
      await runner({ dbClient: client, dir: path.join(PROJECT, 'migrations'), direction, count: 1, migrationsTable: 'pgmigrations', singleTransaction: true, logger: silent });
      return withoutBookkeeping(sent.slice(start), BOOKKEEPING);
    });
  } finally {
    await client.end();
  }
}
