// Migrations that fail: the tool's ROLLBACK reaches the runner, nothing of the migration is left,
// and the migration's error is what applyJsMigration throws. Also the tools' refusals, and settings
// that change what the tool sends.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { describeEngine } from '../../../test/helpers/engines.ts';
import { applyJsMigration, readJsMigrations } from './index.ts';
import { createTestDatabase } from './test-harness.ts';

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearse-js-project-'));
  temporary.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describeEngine('sqlite', () => {

  test('knex: a migration failing in its transaction is rolled back through the runner; one without down is refused', async () => {
    const dir = project({
      'migrations/001_broken.js': [
        'exports.up = async (knex) => {',
        "  await knex.schema.createTable('kept_out', (t) => t.increments());",
        "  await knex.raw('insert into no_such_table values (1)');",
        '};',
        "exports.down = (knex) => knex.schema.dropTable('kept_out');",
      ].join('\n'),
      'migrations/002_no_down.js': "exports.up = (knex) => knex.raw('select 1');",
    });
    const { migrations } = await readJsMigrations('knex', { projectDir: dir });
    const db = await createTestDatabase('sqlite');
    try {
      await expect(applyJsMigration(migrations[0]!, 'up', db.runner)).rejects.toThrow(/no such table: no_such_table/);
      expect(db.log.map((r) => r.sql)).toEqual(['BEGIN;', 'create table `kept_out` (`id` integer not null primary key autoincrement)', 'insert into no_such_table values (1)', 'ROLLBACK']);
      expect((await db.session.query(`SELECT name FROM sqlite_master WHERE name = 'kept_out'`)).rows).toEqual([]);
      await expect(applyJsMigration(migrations[1]!, 'up', db.runner)).rejects.toThrow('Invalid migration: 002_no_down.js must have both an up and down function');
    } finally {
      await db.close();
    }
  });
});

describeEngine('postgres', () => {

  test("knex: the config's searchPath is set before the migration, as knex sets it on every connection", async () => {
    const dir = project({
      'migrations/001_in_app.js': "exports.up = (knex) => knex.schema.createTable('things', (t) => t.increments());\nexports.down = (knex) => knex.schema.dropTable('things');",
    });
    const { migrations } = await readJsMigrations('knex', { projectDir: dir, config: { client: 'pg', searchPath: ['app', 'public'] } });
    const db = await createTestDatabase('postgres');
    try {
      await db.session.query('CREATE SCHEMA app');
      db.log.length = 0;
      const result = await applyJsMigration(migrations[0]!, 'up', db.runner);
      expect(result.tool.from).toBe('rehearse');
      expect(db.log.map((r) => r.sql)).toEqual(['set search_path to "app","public"', 'BEGIN;', 'create table "things" ("id" serial primary key)', 'COMMIT;']);
      expect((await db.session.query(`SELECT schemaname FROM pg_tables WHERE tablename = 'things'`)).rows).toEqual([{ schemaname: 'app' }]);
    } finally {
      await db.close();
    }
  });

  test('kysely: a failing migration is rolled back (`rollback`), its error thrown', async () => {
    const dir = project({
      'migrations/001_broken.mjs': [
        'export async function up(db) {',
        "  await db.schema.createTable('kept_out').addColumn('id', 'integer').execute();",
        "  await db.schema.createTable('kept_out').addColumn('id', 'integer').execute();",
        '}',
      ].join('\n'),
    });
    const { migrations } = await readJsMigrations('kysely', { projectDir: dir });
    const db = await createTestDatabase('postgres');
    try {
      await expect(applyJsMigration(migrations[0]!, 'up', db.runner)).rejects.toThrow(/relation "kept_out" already exists/);
      expect(db.log.map((r) => r.sql)).toEqual(['begin', 'create table "kept_out" ("id" integer)', 'create table "kept_out" ("id" integer)', 'rollback']);
      expect((await db.session.query(`SELECT to_regclass('kept_out') AS t`)).rows).toEqual([{ t: null }]);
      // No down: the Migrator runs nothing.
      const down = await applyJsMigration(migrations[0]!, 'down', db.runner);
      expect(down.notes).toEqual(["001_broken has no down: Kysely's Migrator runs nothing for it and keeps it recorded"]);
    } finally {
      await db.close();
    }
  });

  test('node-pg-migrate: a failing migration is rolled back; per-migration transactions without --single-transaction; a disabled down is refused', async () => {
    const dir = project({
      'migrations/1_broken.js': "exports.up = (pgm) => { pgm.createTable('kept_out', { id: 'id' }); pgm.sql('select * from no_such_table'); };",
      'migrations/2_fine.js': "exports.up = (pgm) => { pgm.createTable('fine', { id: 'id' }); };\nexports.down = false;",
    });
    const db = await createTestDatabase('postgres');
    try {
      const cli = await readJsMigrations('node-pg-migrate', { projectDir: dir });
      await expect(applyJsMigration(cli.migrations[0]!, 'up', db.runner)).rejects.toThrow(/relation "no_such_table" does not exist/);
      expect(db.log.map((r) => r.sql)).toEqual(['BEGIN', 'CREATE TABLE "kept_out" (\n  "id" serial PRIMARY KEY\n);', 'select * from no_such_table;', 'ROLLBACK']);
      expect((await db.session.query(`SELECT to_regclass('kept_out') AS t`)).rows).toEqual([{ t: null }]);

      const programmatic = await readJsMigrations('node-pg-migrate', { projectDir: dir, config: { singleTransaction: false } });
      db.log.length = 0;
      await applyJsMigration(programmatic.migrations[1]!, 'up', db.runner);
      expect(db.log.map((r) => r.sql)).toEqual(['BEGIN;', 'CREATE TABLE "fine" (\n  "id" serial PRIMARY KEY\n);', 'COMMIT;']);
      expect(programmatic.migrations[1]!.down).toBeUndefined();
      await expect(applyJsMigration(programmatic.migrations[1]!, 'down', db.runner)).rejects.toThrow('User has disabled down migration on file: 2_fine');
    } finally {
      await db.close();
    }
  });
});
