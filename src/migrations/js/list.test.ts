// Reading the fixture projects (and small projects written on the fly) the way each tool finds and
// orders its migrations; where the tool comes from; versions when names carry no number.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../../errors.ts';
import { readJsMigrations, trackingFor } from './index.ts';
import { compareNodePgMigrateNames } from './list.ts';
import { findPackageDir } from './load.ts';
import { FIXTURES } from './test-harness.ts';

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A project directory outside the repository (so no node_modules above it), with `files` written in it. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearse-js-project-'));
  temporary.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('knex', () => {
  test("the fixture's migrations in file-name order, settings from its knexfile", async () => {
    const { migrations, notes } = await readJsMigrations('knex', { projectDir: path.join(FIXTURES, 'knex'), environment: 'development' });
    expect(migrations.map((m) => [m.id, m.version, m.versionNumber, m.name, m.trackingName, m.down !== undefined])).toEqual([
      ['20240101090000_create_users', '20240101090000', 20240101090000n, 'create_users', '20240101090000_create_users.js', true],
      ['20240102090000_add_users_email_index', '20240102090000', 20240102090000n, 'add_users_email_index', '20240102090000_add_users_email_index.js', true],
      ['20240103090000_create_posts', '20240103090000', 20240103090000n, 'create_posts', '20240103090000_create_posts.ts', true],
    ]);
    expect(migrations.map((m) => m.noTransaction)).toEqual([undefined, { up: 'its config.transaction is false', down: 'its config.transaction is false' }, undefined]);
    expect(migrations[1]!.knex?.transaction).toBe(false);
    expect(migrations[0]!.knex).toMatchObject({ client: 'better-sqlite3', useNullAsDefault: true, migrations: { tableName: 'knex_migrations', disableTransactions: false } });
    expect(migrations[0]!.up.sql).toContain("createTable('users'");
    expect(notes).toEqual([expect.stringMatching(/^knex \d+\.\d+\.\d+ from the project \(/), 'knex settings from test/fixtures/js/knex/knexfile.js, environment development']);
  });

  test("another environment's settings, a missing environment, and a config given outright", async () => {
    const missing = await readJsMigrations('knex', { projectDir: path.join(FIXTURES, 'knex'), environment: 'staging' });
    expect(missing.notes[1]).toBe('test/fixtures/js/knex/knexfile.js has no environment "staging" (it has development, production): its top level is used, as knex\'s CLI would');
    const production = await readJsMigrations('knex', { projectDir: path.join(FIXTURES, 'knex'), environment: 'production' });
    expect(production.migrations[0]!.knex?.client).toBe('postgresql');
    const given = await readJsMigrations('knex', { projectDir: path.join(FIXTURES, 'knex'), config: { client: 'pg', migrations: { disableTransactions: true, tableName: 'history' } } });
    expect(given.migrations.map((m) => m.noTransaction?.up)).toEqual([
      "the knexfile's migrations.disableTransactions",
      'its config.transaction is false',
      "the knexfile's migrations.disableTransactions",
    ]);
    expect(trackingFor('knex', 'postgres', { migrations: given.migrations }).tables).toEqual(['history', 'history_lock']);
  });

  test("without the project's own knex, rehearse's runs it and says so", async () => {
    const dir = project({
      'migrations/002_b.js': "exports.up = (knex) => knex.raw('select 2'); exports.down = (knex) => knex.raw('select 2');",
      'migrations/001_a.js': "exports.up = (knex) => knex.raw('select 1'); exports.down = (knex) => knex.raw('select 1');",
      'migrations/notes.md': 'not a migration',
    });
    expect(findPackageDir('knex', dir)).toBeUndefined();
    const { migrations, notes } = await readJsMigrations('knex', { projectDir: dir });
    expect(migrations.map((m) => m.trackingName)).toEqual(['001_a.js', '002_b.js']);
    expect(notes[0]).toMatch(/^knex \S+ from rehearse's own dependencies .*: the project has no node_modules\/knex/);
    expect(notes[1]).toMatch(/^no knexfile in .*: knex's defaults/);
  });

  test("with the project's own knex, that one runs", async () => {
    const dir = project({ 'migrations/001_a.js': "exports.up = (knex) => knex.raw('select 1'); exports.down = (knex) => knex.raw('select 1');" });
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(findPackageDir('knex', FIXTURES)!, path.join(dir, 'node_modules', 'knex'));
    const { notes } = await readJsMigrations('knex', { projectDir: dir });
    expect(notes[0]).toMatch(new RegExp(`^knex \\S+ from the project \\(`));
  });

  test('a missing migrations directory is an input error', async () => {
    await expect(readJsMigrations('knex', { projectDir: path.join(FIXTURES, 'knex'), migrationsDir: 'nowhere' })).rejects.toThrow(InputError);
  });
});

describe('kysely', () => {
  test("the fixture's migrations by name; the name is what kysely_migration records", async () => {
    const { migrations } = await readJsMigrations('kysely', { projectDir: path.join(FIXTURES, 'kysely') });
    expect(migrations.map((m) => [m.id, m.version, m.name, m.trackingName, m.versioning, m.down !== undefined])).toEqual([
      ['1704099600000_create_person', '1704099600000', 'create_person', '1704099600000_create_person', 'prefix', true],
      ['1704186000000_add_person_email_index', '1704186000000', 'add_person_email_index', '1704186000000_add_person_email_index', 'prefix', true],
      ['1704272400000_create_pet', '1704272400000', 'create_pet', '1704272400000_create_pet', 'prefix', true],
    ]);
    expect(migrations[0]!.kysely).toEqual({ disableTransactions: false, migrationTableName: 'kysely_migration', migrationLockTableName: 'kysely_migration_lock' });
  });

  test('names without numbers are versioned by position; files without `up` are skipped, as the provider skips them', async () => {
    const dir = project({
      'migrations/init.mjs': 'export async function up(db) {}\nexport async function down(db) {}\n',
      'migrations/add_users.mjs': 'export async function up(db) {}\n',
      'migrations/helpers.mjs': 'export const columns = [];\n',
      'migrations/types.d.ts': 'export {};\n',
    });
    const { migrations, notes } = await readJsMigrations('kysely', { projectDir: dir });
    expect(migrations.map((m) => [m.id, m.version, m.versionNumber, m.versioning, m.down !== undefined])).toEqual([
      ['add_users', 'add_users', 1n, 'position', false],
      ['init', 'init', 2n, 'position', true],
    ]);
    expect(notes).toEqual([
      expect.stringMatching(/^kysely \S+ from rehearse's own dependencies/),
      expect.stringMatching(/helpers\.mjs exports no up function: Kysely's migration provider skips it$/),
      expect.stringMatching(/versions are their positions/),
    ]);
  });
});

describe('node-pg-migrate', () => {
  test("the fixture's migrations by timestamp; shorthands add up; a missing down reverses up", async () => {
    const { migrations } = await readJsMigrations('node-pg-migrate', { projectDir: path.join(FIXTURES, 'node-pg-migrate') });
    expect(migrations.map((m) => [m.id, m.version, m.name, m.trackingName, m.nodePgMigrate?.downReversesUp])).toEqual([
      ['1704099600000_create-users', '1704099600000', 'create-users', '1704099600000_create-users', false],
      ['1704186000000_add-users-email-index', '1704186000000', 'add-users-email-index', '1704186000000_add-users-email-index', true],
      ['1704272400000_create-posts', '1704272400000', 'create-posts', '1704272400000_create-posts', false],
    ]);
    expect(Object.keys(migrations[2]!.nodePgMigrate!.shorthands)).toEqual(['createdAt']);
    expect(migrations[0]!.nodePgMigrate).toMatchObject({ migrationsTable: 'pgmigrations', singleTransaction: true, decamelize: false, sql: false });
  });

  test('17-digit names are UTC times: ordered among millisecond names by time, versioned by position', async () => {
    // 20240101000000000 is 2024-01-01T00:00:00.000Z = 1704067200000 ms.
    expect(['1704067200001_b.sql', '20240101000000000_a.sql'].sort(compareNodePgMigrateNames)).toEqual(['20240101000000000_a.sql', '1704067200001_b.sql']);
    const dir = project({
      'migrations/1704067200001_b.sql': '-- Up Migration\nCREATE TABLE b (id int);\n-- Down Migration\nDROP TABLE b;\n',
      'migrations/20240101000000000_a.sql': '-- Up Migration\nCREATE TABLE a (id int);\n',
      'migrations/.keep': '',
    });
    const { migrations } = await readJsMigrations('node-pg-migrate', { projectDir: dir, config: { singleTransaction: false } });
    expect(migrations.map((m) => [m.id, m.versionNumber, m.versioning, m.down !== undefined, m.nodePgMigrate?.sql])).toEqual([
      ['20240101000000000_a', 1n, 'position', false, true],
      ['1704067200001_b', 2n, 'position', true, true],
    ]);
  });

  test('a module that does not load is named', async () => {
    const dir = project({ 'migrations/1_broken.js': 'export const up = (pgm) => {' });
    await expect(readJsMigrations('node-pg-migrate', { projectDir: dir })).rejects.toThrow(/1_broken\.js does not load: /);
  });

  test('a file without a numeric prefix is refused, as node-pg-migrate refuses it', async () => {
    const dir = project({ 'migrations/init.js': 'export const up = () => {};' });
    await expect(readJsMigrations('node-pg-migrate', { projectDir: dir })).rejects.toThrow(/Cannot determine numeric prefix for "init.js"/);
  });
});
