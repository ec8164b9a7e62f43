import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../errors.ts';
import { prepareMigrations } from '../prepare.ts';
import { readDbmateDir } from './dbmate.ts';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/sources/dbmate', import.meta.url));

let root: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'rehearse-dbmate-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function migrationsDir(files: Record<string, string>, name = 'db/migrations'): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(dir, file), content);
  return dir;
}

async function problemWith(dirs: string | string[]): Promise<string> {
  const error = await readDbmateDir(dirs).catch((e: unknown) => e);
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  expect(error.code).toBe('MIGRATIONS_INVALID');
  return error.message;
}

const UP_DOWN = '-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n';

describe('readDbmateDir: a project dbmate 2.36 created and applied', () => {
  it('reads the migrations `dbmate new` created, in the order dbmate applied them', async () => {
    const dir = path.join(FIXTURE, 'db/migrations');
    const migrations = await readDbmateDir(dir);
    expect(migrations.map((m) => [m.version, m.versionNumber, m.name, m.id])).toEqual([
      ['20261121143536', 20261121143536n, 'create_projects', '20261121143536_create_projects'],
      ['20261121143537', 20261121143537n, 'add_project_slug', '20261121143537_add_project_slug'],
      ['20261121143538', 20261121143538n, 'index_projects_slug', '20261121143538_index_projects_slug'],
      ['20261121143539', 20261121143539n, 'backfill_slugs', '20261121143539_backfill_slugs'],
    ]);
    // The versions dbmate recorded in schema_migrations, as its schema dump lists them.
    const dump = await readFile(path.join(FIXTURE, 'db/schema.sql'), 'utf8');
    const recorded = [...dump.slice(dump.indexOf('INSERT INTO public.schema_migrations')).matchAll(/\('(\d+)'\)/g)].map((m) => m[1]);
    expect(migrations.map((m) => m.version)).toEqual(recorded);
  });

  it('keeps the transaction option of each section and reads an empty down section as a down that runs nothing', async () => {
    const migrations = await readDbmateDir(path.join(FIXTURE, 'db/migrations'));
    const index = migrations.find((m) => m.name === 'index_projects_slug')!;
    expect(index.upOptions).toEqual({ transaction: false, options: { transaction: 'false' } });
    expect(index.downOptions).toEqual({ transaction: false, options: { transaction: 'false' } });
    const create = migrations.find((m) => m.name === 'create_projects')!;
    expect(create.upOptions.transaction).toBe(true);
    expect(create.downOptions?.transaction).toBe(true);
    const backfill = migrations.find((m) => m.name === 'backfill_slugs')!;
    // dbmate rollback runs the empty section (nothing) and deletes the row: the rollback goes on.
    expect(backfill.down?.sql.trim()).toBe('');
    expect(backfill.downOptions?.transaction).toBe(true);
    expect(backfill.downLine).toBe(5);
  });

  it('gives each section with the file\'s line numbers, so statements point at the file', async () => {
    const migrations = await readDbmateDir(path.join(FIXTURE, 'db/migrations'));
    const create = migrations[0]!;
    expect(create.up.path).toBe(create.down!.path);
    expect(create.up.sql.startsWith('-- migrate:up\nCREATE TABLE projects')).toBe(true);
    expect(create.up.sql).not.toContain('migrate:down');
    expect(create.downLine).toBe(14);
    expect(create.down!.sql.split('\n')[13]).toBe('-- migrate:down');
    const [prepared] = await prepareMigrations([create], { dialect: 'postgres' });
    expect(prepared!.upPlan.statements.map((s) => s.line)).toEqual([2, 8]);
    expect(prepared!.downPlan!.statements.map((s) => [s.line, s.summary])).toEqual([
      [15, 'DROP TABLE patches'],
      [16, 'DROP TABLE projects'],
    ]);
  });
});

describe('readDbmateDir: files and order', () => {
  it('orders by file name as dbmate does, with versions of equal length', async () => {
    const dir = await migrationsDir({ '20240102000000_b.sql': UP_DOWN, '20240101000000_a.sql': UP_DOWN, '20240103000000.sql': UP_DOWN });
    const migrations = await readDbmateDir(dir);
    expect(migrations.map((m) => m.id)).toEqual(['20240101000000_a', '20240102000000_b', '20240103000000']);
    expect(migrations[2]!.name).toBe('');
  });

  it('merges several migrations directories by file name, as dbmate does with repeated --migrations-dir', async () => {
    const a = await migrationsDir({ '001_a.sql': UP_DOWN, '003_c.sql': UP_DOWN }, 'a');
    const b = await migrationsDir({ '002_b.sql': UP_DOWN }, 'b');
    expect((await readDbmateDir([a, b])).map((m) => m.id)).toEqual(['001_a', '002_b', '003_c']);
  });

  it('ignores files that are not SQL and sub-directories (dbmate does not descend)', async () => {
    const dir = await migrationsDir({ '1_init.sql': UP_DOWN, 'README.md': '# notes' });
    await mkdir(path.join(dir, 'old'));
    await writeFile(path.join(dir, 'old', '0_old.sql'), UP_DOWN);
    expect((await readDbmateDir(dir)).map((m) => m.id)).toEqual(['1_init']);
  });

  it('reads CRLF files and markers without a space, as dbmate does', async () => {
    const dir = await migrationsDir({
      '1_crlf.sql': '-- migrate:up transaction:false\r\nCREATE INDEX CONCURRENTLY i ON t (id);\r\n-- migrate:down\r\nDROP INDEX i;\r\n',
      '2_tight.sql': '--migrate:up\nSELECT 1;\n--migrate:down   transaction:false   foo:bar\nSELECT 2;\n',
    });
    const [crlf, tight] = await readDbmateDir(dir);
    expect(crlf!.upOptions.transaction).toBe(false);
    expect(crlf!.downOptions!.transaction).toBe(true);
    expect(crlf!.down!.sql).toBe('\n\n-- migrate:down\r\nDROP INDEX i;\r\n');
    expect(tight!.downOptions).toEqual({ transaction: false, options: { transaction: 'false', foo: 'bar' } });
  });

  it('runs a section in a transaction unless its option is exactly `transaction:false`', async () => {
    const dir = await migrationsDir({ '1_x.sql': '-- migrate:up transaction:FALSE\nSELECT 1;\n-- migrate:down transaction:no\nSELECT 1;\n' });
    const [m] = await readDbmateDir(dir);
    expect(m!.upOptions.transaction).toBe(true);
    expect(m!.downOptions!.transaction).toBe(true);
  });

  it('allows blank and comment lines before `-- migrate:up`, and reads a comment-only down as one that runs nothing', async () => {
    const dir = await migrationsDir({ '1_x.sql': '-- Adds t.\n\n-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\n-- irreversible\n\n' });
    const [m] = await readDbmateDir(dir);
    expect(m!.upLine).toBe(3);
    expect(m!.up.sql).toBe('\n\n-- migrate:up\nCREATE TABLE t ();\n');
    expect(m!.down!.sql.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('--'))).toEqual([]);
  });

  it('does not take `-- migrate:upgrade` or an indented marker for a section', async () => {
    const dir = await migrationsDir({ '1_x.sql': '-- migrate:up\nSELECT 1;\n  -- migrate:down\n-- migrate:downgrade\n-- migrate:down\nSELECT 2;\n' });
    const [m] = await readDbmateDir(dir);
    expect(m!.downLine).toBe(5);
    expect(m!.up.sql).toContain('-- migrate:downgrade');
  });
});

describe('readDbmateDir: bad input', () => {
  it('refuses a missing directory and a file', async () => {
    const missing = path.join(root, 'nope');
    expect(await problemWith(missing)).toBe(`migrations directory ${missing} does not exist`);
    const file = path.join(root, 'f.sql');
    await writeFile(file, UP_DOWN);
    expect(await problemWith(file)).toBe(`migrations directory ${file} is not a directory`);
  });

  it('refuses a directory without migrations', async () => {
    const dir = await migrationsDir({ 'notes.txt': '' });
    expect(await problemWith(dir)).toBe(
      `no migrations in ${dir}: expected files named <version>_<name>.sql, the version a number, holding \`-- migrate:up\` and \`-- migrate:down\` sections`,
    );
  });

  it('names a file without `-- migrate:up` at line 1', async () => {
    const dir = await migrationsDir({ '1_x.sql': 'CREATE TABLE t ();\n' });
    expect(await problemWith(dir)).toBe(
      `${path.join(dir, '1_x.sql')}:1: no \`-- migrate:up\` line (dbmate requires each migration to define an up section with \`-- migrate:up\`)`,
    );
  });

  it('names the line of a down marker that comes before any up', async () => {
    const dir = await migrationsDir({ '1_x.sql': '\n-- migrate:down\nDROP TABLE t;\n' });
    expect(await problemWith(dir)).toBe(`${path.join(dir, '1_x.sql')}:2: \`-- migrate:down\` with no \`-- migrate:up\` before it (dbmate requires an up section, first)`);
  });

  it('names the line of a statement before `-- migrate:up`', async () => {
    const dir = await migrationsDir({ '1_x.sql': '-- setup\nCREATE TYPE s AS ENUM (\'a\');\n-- migrate:up\nSELECT 1;\n-- migrate:down\n' });
    expect(await problemWith(dir)).toBe(
      `${path.join(dir, '1_x.sql')}:2: a statement before \`-- migrate:up\` (dbmate accepts only blank and comment lines there)`,
    );
  });

  it('names the up marker of a file without a down marker', async () => {
    const dir = await migrationsDir({ '1_x.sql': '\n-- migrate:up\nCREATE TABLE t ();\n' });
    expect(await problemWith(dir)).toBe(
      `${path.join(dir, '1_x.sql')}:2: no \`-- migrate:down\` after \`-- migrate:up\` (dbmate requires the down marker; leave its section empty when there is no down)`,
    );
  });

  it('names the line of a second down marker', async () => {
    const dir = await migrationsDir({ '1_x.sql': '-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;\n' });
    expect(await problemWith(dir)).toBe(`${path.join(dir, '1_x.sql')}:5: a second \`-- migrate:down\` in one section (dbmate refuses it)`);
  });

  it('refuses a second up section, naming its line', async () => {
    const dir = await migrationsDir({ '1_x.sql': `${UP_DOWN}\n-- migrate:up transaction:false\nSELECT 1;\n-- migrate:down\n` });
    const message = await problemWith(dir);
    expect(message).toContain(`${path.join(dir, '1_x.sql')}:7: a second \`-- migrate:up\` section`);
    expect(message).toContain('records the version once per section');
  });

  it('names SQL files dbmate would skip', async () => {
    const dir = await migrationsDir({ '1_x.sql': UP_DOWN, 'create_users.sql': UP_DOWN, '2_y.SQL': UP_DOWN });
    const message = await problemWith(dir);
    expect(message).toContain(`2 problems in ${dir}:`);
    expect(message).toContain(`${path.join(dir, 'create_users.sql')} is not a dbmate migration: dbmate runs only files whose names start with their version and would skip it`);
    expect(message).toContain(`${path.join(dir, '2_y.SQL')}: dbmate only reads files ending in lower-case \`.sql\` and would skip this one`);
  });

  it('names both files of a duplicate version', async () => {
    const dir = await migrationsDir({ '2_a.sql': UP_DOWN, '2_b.sql': UP_DOWN });
    expect(await problemWith(dir)).toBe(`duplicate version 2: ${path.join(dir, '2_a.sql')} and ${path.join(dir, '2_b.sql')} (dbmate records a version once)`);
  });

  it('refuses versions that are distinct to dbmate but one number', async () => {
    const dir = await migrationsDir({ '01_a.sql': UP_DOWN, '1_b.sql': UP_DOWN });
    expect(await problemWith(dir)).toBe(
      `duplicate version 1: ${path.join(dir, '01_a.sql')} and ${path.join(dir, '1_b.sql')} have versions "01" and "1", distinct to dbmate but the same number, which rehearse orders by`,
    );
  });

  it('refuses file names whose order is not their versions\' order', async () => {
    const dir = await migrationsDir({ '9_a.sql': UP_DOWN, '10_b.sql': UP_DOWN });
    expect(await problemWith(dir)).toBe(
      `${path.join(dir, '10_b.sql')} sorts before ${path.join(dir, '9_a.sql')}, so dbmate applies it first, although its version is larger: ` +
        'give the versions the same number of digits (dbmate orders by file name, rehearse by version)',
    );
  });

  it('reports every problem at once', async () => {
    const dir = await migrationsDir({ '1_a.sql': 'SELECT 1;', '2_b.sql': '-- migrate:up\nSELECT 1;\n', '3_c.sql': UP_DOWN });
    const message = await problemWith(dir);
    expect(message).toContain(`2 problems in ${dir}:`);
    expect(message).toContain(`${path.join(dir, '1_a.sql')}:1: no \`-- migrate:up\``);
    expect(message).toContain(`${path.join(dir, '2_b.sql')}:1: no \`-- migrate:down\``);
  });
});
