import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { readGolangMigrateDir } from './golang-migrate.ts';
import type { Migration } from './migration.ts';
import { findVersion, prepareMigrations } from './prepare.ts';

let dir: string;

beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), 'rehearse-prepare-')));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(dir, file), content);
}

describe('prepareMigrations', () => {
  it('splits every up and down file and decides how each runs', async () => {
    await write({
      '0001_tags.up.sql': 'CREATE TABLE tags (id int PRIMARY KEY, name text);\nINSERT INTO tags VALUES (1, $$a;b$$);\n',
      '0001_tags.down.sql': 'DROP TABLE tags;\n',
      '0002_tag_index.up.sql': '-- rehearse:no-transaction\nCREATE INDEX CONCURRENTLY tags_name_idx ON tags (name);\n',
      '0002_tag_index.down.sql': 'DROP INDEX CONCURRENTLY tags_name_idx;\n',
    });
    const prepared = await prepareMigrations(await readGolangMigrateDir(dir), { dialect: 'postgres' });

    expect(prepared.map((m) => m.id)).toEqual(['0001_tags', '0002_tag_index']);
    const [tags, index] = prepared;
    expect(tags!.upPlan.path).toBe(path.join(dir, '0001_tags.up.sql'));
    expect(tags!.upPlan.statements.map((s) => s.summary)).toEqual(['CREATE TABLE tags', 'INSERT INTO tags']);
    expect(tags!.upPlan.transactionMode).toBe('per-file');
    expect(tags!.downPlan!.statements.map((s) => s.summary)).toEqual(['DROP TABLE tags']);
    expect(index!.upPlan.transactionMode).toBe('none');
    expect(index!.downPlan!.transactionModeReason).toBe(
      'statement 1 (DROP INDEX CONCURRENTLY tags_name_idx) cannot run inside a transaction block',
    );
  });

  it('prepares migrations that keep no down file', async () => {
    const migration: Migration = {
      version: '7',
      versionNumber: 7n,
      name: 'seed',
      id: '7_seed',
      up: { path: 'seed.sql', sql: 'INSERT INTO t VALUES (1)' },
    };
    const [prepared] = await prepareMigrations([migration], { dialect: 'postgres' });
    expect(prepared!.upPlan.statements).toHaveLength(1);
    expect(prepared).not.toHaveProperty('downPlan');
  });

  it('passes the server version on: ALTER TYPE … ADD VALUE cannot run in a transaction before 12', async () => {
    await write({ '1_mood.up.sql': "ALTER TYPE mood ADD VALUE 'meh';", '1_mood.down.sql': 'SELECT 1;' });
    const migrations = await readGolangMigrateDir(dir);
    expect((await prepareMigrations(migrations, { dialect: 'postgres', serverVersionNum: 110005 }))[0]!.upPlan.transactionMode).toBe('none');
    expect((await prepareMigrations(migrations, { dialect: 'postgres', serverVersionNum: 160002 }))[0]!.upPlan.transactionMode).toBe('per-file');
  });

  it('stops at a syntax error in a down file, pointing at file, line and column', async () => {
    await write({
      '1_ok.up.sql': 'CREATE TABLE t (id int);',
      '1_ok.down.sql': 'DROP TABLE t;',
      '2_bad.up.sql': 'ALTER TABLE t ADD c int;',
      '2_bad.down.sql': 'ALTER TABLE t\n  DROP COLUMN c,;\n',
    });
    const error = await prepareMigrations(await readGolangMigrateDir(dir), { dialect: 'postgres' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('SQL_SYNTAX');
    expect((error as InputError).message).toBe(`${path.join(dir, '2_bad.down.sql')}:2:17: syntax error at or near ";"`);
  });
});

describe('findVersion', () => {
  const migrations = ['0001', '0002', '0003', '0005', '0006'].map(
    (version): Migration => ({
      version,
      versionNumber: BigInt(version),
      name: `m${version}`,
      id: `${version}_m${version}`,
      up: { path: `${version}.up.sql`, sql: '' },
    }),
  );

  it('matches by numeric value, whatever the zero padding', () => {
    expect(findVersion(migrations, '5').id).toBe('0005_m0005');
    expect(findVersion(migrations, '00000003').id).toBe('0003_m0003');
  });

  it('says which versions exist when none matches', () => {
    expect(() => findVersion(migrations, '7')).toThrow('dataset version 7 matches no migration (versions: 0001 … 0006)');
    expect(() => findVersion(migrations, '4')).toThrow(
      'dataset version 4 matches no migration (versions: 0001 … 0006; nearest: 0003 and 0005)',
    );
    expect(() => findVersion(migrations.slice(0, 2), '9')).toThrow(
      'dataset version 9 matches no migration (versions: 0001, 0002)',
    );
    expect(() => findVersion([], '1')).toThrow('dataset version 1 matches no migration (there are no migrations)');
  });

  it('refuses a version that is neither a whole number nor dotted', () => {
    const error = (() => {
      try {
        findVersion(migrations, 'latest');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('MIGRATIONS_INVALID');
    expect((error as InputError).message).toBe('dataset version "latest" is not a migration version (a whole number, or dotted like 1.2)');
  });

  it('finds a version by its text first, then by number, whole or dotted as Flyway compares them', () => {
    const flyway = [
      { version: '1', versionNumber: 1n * 10n ** 140n, name: 'a', id: '1_a', up: { path: 'V1__a.sql', sql: '' } },
      { version: '1.2', versionNumber: 1n * 10n ** 140n + 2n * 10n ** 120n, name: 'b', id: '1.2_b', up: { path: 'V1.2__b.sql', sql: '' } },
    ];
    expect(findVersion(flyway, '1.2').id).toBe('1.2_b');
    expect(findVersion(flyway, '1.2.0').id).toBe('1.2_b');
    expect(findVersion(flyway, '1_2').id).toBe('1.2_b');
    expect(findVersion(flyway, '1').id).toBe('1_a');
    expect(findVersion(migrations, '5').version).toBe(findVersion(migrations, '0005').version);
  });
});
