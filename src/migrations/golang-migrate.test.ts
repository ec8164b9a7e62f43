import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { readGolangMigrateDir } from './golang-migrate.ts';

let root: string;

beforeEach(async () => {
  // realpath: on some systems the temporary directory is reached through a symbolic link.
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'rehearse-golang-migrate-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `files` (name → content) into a fresh directory under the temporary root. */
async function migrationsDir(files: Record<string, string>, name = 'migrations'): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(dir, file), content);
  return dir;
}

async function problemWith(dir: string): Promise<string> {
  const error = await readGolangMigrateDir(dir).catch((e: unknown) => e);
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  expect(error.code).toBe('MIGRATIONS_INVALID');
  return error.message;
}

describe('readGolangMigrateDir', () => {
  it('reads up/down pairs in numeric version order, whatever the zero padding', async () => {
    const dir = await migrationsDir({
      '10_add_index.up.sql': 'CREATE INDEX i ON patches (date);',
      '10_add_index.down.sql': 'DROP INDEX i;',
      '0002_add_hash.up.sql': 'ALTER TABLE patches ADD hash text;',
      '0002_add_hash.down.sql': 'ALTER TABLE patches DROP hash;',
      '9_tags.up.sql': 'CREATE TABLE tags ();',
      '9_tags.down.sql': 'DROP TABLE tags;',
    });
    const migrations = await readGolangMigrateDir(dir);
    expect(migrations.map((m) => [m.version, m.versionNumber, m.name, m.id])).toEqual([
      ['0002', 2n, 'add_hash', '0002_add_hash'],
      ['9', 9n, 'tags', '9_tags'],
      ['10', 10n, 'add_index', '10_add_index'],
    ]);
    expect(migrations[0]!.up).toEqual({ path: path.join(dir, '0002_add_hash.up.sql'), sql: 'ALTER TABLE patches ADD hash text;' });
    expect(migrations[0]!.down).toEqual({ path: path.join(dir, '0002_add_hash.down.sql'), sql: 'ALTER TABLE patches DROP hash;' });
  });

  it('keeps titles with dots and underscores whole, as golang-migrate does', async () => {
    const dir = await migrationsDir({ '1_v2.0_split_names.up.sql': 'SELECT 1', '1_v2.0_split_names.down.sql': 'SELECT 1' });
    expect((await readGolangMigrateDir(dir)).map((m) => m.name)).toEqual(['v2.0_split_names']);
  });

  it('ignores files that are not SQL and subdirectories', async () => {
    const dir = await migrationsDir({
      'README.md': '# migrations',
      'notes.txt': 'remember',
      '1_init.up.sql': 'CREATE TABLE t ();',
      '1_init.down.sql': 'DROP TABLE t;',
    });
    await mkdir(path.join(dir, 'archive.sql'));
    await writeFile(path.join(dir, 'archive.sql', '0_old.up.sql'), 'SELECT 1');
    expect((await readGolangMigrateDir(dir)).map((m) => m.id)).toEqual(['1_init']);
  });

  it('shows paths relative to the current directory when the migrations are under it', async () => {
    const dir = await migrationsDir({ '1_init.up.sql': 'SELECT 1', '1_init.down.sql': 'SELECT 1' }, 'db/migrations');
    const previous = process.cwd();
    process.chdir(root);
    try {
      const [migration] = await readGolangMigrateDir('db/migrations');
      expect(migration!.up.path).toBe(path.join('db', 'migrations', '1_init.up.sql'));
      expect(migration!.down!.path).toBe(path.join('db', 'migrations', '1_init.down.sql'));
      expect(await problemWith(path.join(dir, 'missing'))).toBe(
        `migrations directory ${path.join('db', 'migrations', 'missing')} does not exist`,
      );
    } finally {
      process.chdir(previous);
    }
  });
});

describe('readGolangMigrateDir: bad input', () => {
  it('refuses a missing directory', async () => {
    const missing = path.join(root, 'nope');
    expect(await problemWith(missing)).toBe(`migrations directory ${missing} does not exist`);
  });

  it('refuses a path that is a file', async () => {
    const file = path.join(root, 'file.sql');
    await writeFile(file, 'SELECT 1');
    expect(await problemWith(file)).toBe(`migrations directory ${file} is not a directory`);
  });

  it('refuses a directory without migrations', async () => {
    const dir = await migrationsDir({ 'README.md': 'nothing yet' });
    expect(await problemWith(dir)).toBe(
      `no migrations in ${dir}: expected files named {version}_{title}.up.sql and {version}_{title}.down.sql, version a whole number`,
    );
  });

  it.each(['0001_init.sql', 'init.up.sql', '0001_init.UP.sql', '0001_init.up.SQL'])(
    'names an SQL file that does not follow the layout: %s',
    async (file) => {
      const dir = await migrationsDir({ [file]: 'SELECT 1' });
      expect(await problemWith(dir)).toBe(
        `${path.join(dir, file)} does not follow the golang-migrate layout {version}_{title}.up.sql and {version}_{title}.down.sql, version a whole number`,
      );
    },
  );

  it('names a file whose version is not a number', async () => {
    const dir = await migrationsDir({ 'v1_init.up.sql': 'SELECT 1', 'v1_init.down.sql': 'SELECT 1' });
    const message = await problemWith(dir);
    expect(message).toContain(`2 problems in ${dir}:`);
    expect(message).toContain(`${path.join(dir, 'v1_init.down.sql')}: version "v1" is not a number`);
    expect(message).toContain(`${path.join(dir, 'v1_init.up.sql')}: version "v1" is not a number`);
  });

  it('names both files of a version that has two ups', async () => {
    const dir = await migrationsDir({
      '1_a.up.sql': 'SELECT 1',
      '01_b.up.sql': 'SELECT 1',
      '1_a.down.sql': 'SELECT 1',
    });
    expect(await problemWith(dir)).toBe(
      `duplicate version 1: ${path.join(dir, '01_b.up.sql')} and ${path.join(dir, '1_a.up.sql')}`,
    );
  });

  it('names both files when an up and a down share a version but not a name', async () => {
    const dir = await migrationsDir({ '3_add_tags.up.sql': 'SELECT 1', '3_add_labels.down.sql': 'SELECT 1' });
    expect(await problemWith(dir)).toBe(
      `duplicate version 3: ${path.join(dir, '3_add_tags.up.sql')} and ${path.join(dir, '3_add_labels.down.sql')} have the same version but different names`,
    );
  });

  it('names an up without its down, and a down without its up', async () => {
    const dir = await migrationsDir({
      '1_init.up.sql': 'SELECT 1',
      '1_init.down.sql': 'SELECT 1',
      '2_add_hash.up.sql': 'SELECT 1',
      '3_drop_old.down.sql': 'SELECT 1',
    });
    const message = await problemWith(dir);
    expect(message).toContain(`${path.join(dir, '2_add_hash.up.sql')} is unpaired: no down migration 2_add_hash.down.sql beside it`);
    expect(message).toContain(`${path.join(dir, '3_drop_old.down.sql')} is unpaired: no up migration 3_drop_old.up.sql beside it`);
  });

  it('refuses a version too large for a bigint', async () => {
    const tooLarge = '9223372036854775808';
    const dir = await migrationsDir({
      [`${tooLarge}_x.up.sql`]: 'SELECT 1',
      '9223372036854775807_max.up.sql': 'SELECT 1',
      '9223372036854775807_max.down.sql': 'SELECT 1',
    });
    expect(await problemWith(dir)).toBe(
      `${path.join(dir, `${tooLarge}_x.up.sql`)}: version ${tooLarge} is too large for a bigint (at most 9223372036854775807)`,
    );
  });
});
