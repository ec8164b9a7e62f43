import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../errors.ts';
import { compareFlywayVersions, parseFlywayFileName, readFlywayDir } from './flyway.ts';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/sources/flyway', import.meta.url));

let root: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'rehearse-flyway-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function location(files: Record<string, string>, name = 'db/migration'): Promise<string> {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

async function problemWith(locations: string | string[]): Promise<string> {
  const error = await readFlywayDir(locations).catch((e: unknown) => e);
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  expect(error.code).toBe('MIGRATIONS_INVALID');
  return error.message;
}

describe('readFlywayDir: a Flyway project', () => {
  it('orders versions numerically, part by part, through sub-directories (1 < 1.1 < 1.2 < 1.10 < 2 < 10)', async () => {
    const { migrations } = await readFlywayDir(path.join(FIXTURE, 'db/migration'));
    expect(migrations.map((m) => [m.version, m.name, m.id, m.script])).toEqual([
      ['1', 'create projects', '1_create_projects', 'V1__create_projects.sql'],
      ['1.1', 'add project slug', '1.1_add_project_slug', 'V1.1__add_project_slug.sql'],
      ['1.2', 'index project slug', '1.2_index_project_slug', 'V1_2__index_project_slug.sql'],
      ['1.10', 'backfill project slugs', '1.10_backfill_project_slugs', 'backfills/V1_10__backfill_project_slugs.sql'],
      ['2', 'create patches', '2_create_patches', 'V2__create_patches.sql'],
      ['10', 'add patch hash', '10_add_patch_hash', 'V10__add_patch_hash.sql'],
    ]);
    const numbers = migrations.map((m) => m.versionNumber);
    expect([...numbers].sort((a, b) => (a < b ? -1 : 1))).toEqual(numbers);
    expect(migrations.map((m) => m.versionParts)).toEqual([[1n], [1n, 1n], [1n, 2n], [1n, 10n], [2n], [10n]]);
  });

  // The values Flyway's checksum algorithm (ChecksumCalculator.calculateChecksumForResource:
  // BufferedReader.readLine, BomFilter, java.util.zip.CRC32, cast to int) gives for these files,
  // computed by that code under OpenJDK 17; V2 has CRLF line endings, the repeatable a BOM.
  it('computes each file\'s checksum as Flyway does', async () => {
    const { migrations, repeatables } = await readFlywayDir(path.join(FIXTURE, 'db/migration'));
    expect(Object.fromEntries(migrations.map((m) => [m.script, m.checksum]))).toEqual({
      'V1__create_projects.sql': 1161975920,
      'V1.1__add_project_slug.sql': -232386225,
      'V1_2__index_project_slug.sql': 103199725,
      'backfills/V1_10__backfill_project_slugs.sql': -566999100,
      'V2__create_patches.sql': -406325856,
      'V10__add_patch_hash.sql': 853727066,
    });
    expect(migrations.find((m) => m.version === '2')!.undoChecksum).toBe(1513729680);
    expect(repeatables[0]!.checksum).toBe(-101029637);
  });

  it('pairs an undo migration with its version as the down, and returns repeatables and callbacks apart', async () => {
    const dir = path.join(FIXTURE, 'db/migration');
    const { migrations, repeatables, ignored } = await readFlywayDir(`filesystem:${dir}`);
    const two = migrations.find((m) => m.version === '2')!;
    const shown = (file: string) => path.relative(process.cwd(), path.join(dir, file));
    expect(two.down).toEqual({ path: shown('U2__create_patches.sql'), sql: 'DROP TABLE patches;\n' });
    expect(two.undoScript).toBe('U2__create_patches.sql');
    expect(migrations.filter((m) => m.down).map((m) => m.version)).toEqual(['2']);
    expect(repeatables.map((r) => [r.description, r.script])).toEqual([['project stats view', 'R__project_stats_view.sql']]);
    expect(ignored).toEqual([shown('afterMigrate.sql')]);
    expect(migrations.find((m) => m.version === '10')!.placeholders).toEqual(['flyway:user']);
  });
});

describe('readFlywayDir: versions', () => {
  it('reads `_` in a version as `.` and keeps leading zeros as written', async () => {
    const dir = await location({ 'V001__a.sql': 'SELECT 1;', 'V1_1_1__b.sql': 'SELECT 1;', 'V2024.01.15.1030__c.sql': 'SELECT 1;' });
    const { migrations } = await readFlywayDir(dir);
    expect(migrations.map((m) => m.version)).toEqual(['001', '1.1.1', '2024.01.15.1030']);
  });

  it('takes 1 and 1.0 for the same version, as Flyway does', async () => {
    const dir = await location({ 'V1__a.sql': 'SELECT 1;', 'V1.0__b.sql': 'SELECT 1;', 'V1_0_0__c.sql': 'SELECT 1;' });
    expect(await problemWith(dir)).toBe(
      `duplicate version 1: ${path.join(dir, 'V1.0__b.sql')} and ${path.join(dir, 'V1_0_0__c.sql')} and ${path.join(dir, 'V1__a.sql')} ` +
        '(Flyway refuses two versioned migrations with one version; 1 and 1.0 are the same)',
    );
  });

  it('finds a duplicate in another sub-directory or location', async () => {
    const a = await location({ 'V1__a.sql': 'SELECT 1;' }, 'a');
    const b = await location({ 'old/V1__b.sql': 'SELECT 1;' }, 'b');
    expect(await problemWith([a, b])).toContain(`duplicate version 1: ${path.join(a, 'V1__a.sql')} and ${path.join(b, 'old', 'V1__b.sql')}`);
  });

  it('accepts a versioned migration without a description', async () => {
    const dir = await location({ 'V3.sql': 'SELECT 1;' });
    const { migrations } = await readFlywayDir(dir);
    expect(migrations.map((m) => [m.version, m.name, m.id])).toEqual([['3', '', '3']]);
  });

  it('keeps a description\'s doubled separator as Flyway does (`a__b` → `a  b`)', async () => {
    const dir = await location({ 'V1__add__x.sql': 'SELECT 1;' });
    const { migrations } = await readFlywayDir(dir);
    expect(migrations[0]!.description).toBe('add  x');
    expect(migrations[0]!.id).toBe('1_add__x');
  });

  it('refuses a version with more parts, or a larger part, than rehearse orders', async () => {
    const dir = await location({ 'V1.2.3.4.5.6.7.8.9__a.sql': 'SELECT 1;', 'V100000000000000000000__b.sql': 'SELECT 1;', 'V1.0.0.0.0.0.0.0.0.0__c.sql': 'SELECT 1;' });
    const message = await problemWith(dir);
    expect(message).toContain(`2 problems in ${dir}:`);
    expect(message).toContain(`${path.join(dir, 'V1.2.3.4.5.6.7.8.9__a.sql')}: version 1.2.3.4.5.6.7.8.9 has 9 parts; rehearse orders versions of at most 8`);
    expect(message).toContain(
      `${path.join(dir, 'V100000000000000000000__b.sql')}: version 100000000000000000000 part 100000000000000000000 is too large (rehearse orders parts below 100000000000000000000)`,
    );
  });

  it('compares history-table versions as Flyway does', () => {
    expect(['10', '1.10', '2', '1', '1.2', '1.1'].sort(compareFlywayVersions)).toEqual(['1', '1.1', '1.2', '1.10', '2', '10']);
    expect(compareFlywayVersions('1.0', '1')).toBe(0);
    expect(compareFlywayVersions('1_2', '1.2')).toBe(0);
  });
});

describe('readFlywayDir: names', () => {
  it.each([
    ['V1_init.sql', 'version "1_init" is not a Flyway version (digits separated by . or _): Flyway would skip this file'],
    ['V1.a__x.sql', 'version "1.a" is not a Flyway version (digits separated by . or _): Flyway would skip this file'],
    ['V1..2__x.sql', 'version "1..2" is not a Flyway version (digits separated by . or _): Flyway would skip this file'],
    ['V__x.sql', 'no version after the V prefix: Flyway would skip this file (expected V1.2__<description>.sql)'],
    ['U__x.sql', 'no version after the U prefix: Flyway would skip this file (expected U1.2__<description>.sql)'],
    ['R1__x.sql', 'a repeatable migration has no version: Flyway would reject or skip this name (expected R__<description>.sql)'],
    ['v1__x.sql', "Flyway's prefixes are upper-case (`V`): Flyway would skip this file"],
    ['V1__x.SQL', "Flyway's default suffix is lower-case `.sql`: Flyway would not read this file"],
  ])('names a misnamed migration: %s', async (file, problem) => {
    const dir = await location({ [file]: 'SELECT 1;', 'V9__ok.sql': 'SELECT 1;' });
    expect(await problemWith(dir)).toContain(`${path.join(dir, file)}: ${problem}`);
  });

  it('reads names the way Flyway\'s parser does', () => {
    expect(parseFlywayFileName('V1_2__add_x.sql')).toEqual({ kind: 'V', rawVersion: '1_2', version: '1.2', parts: [1n, 2n], rawDescription: 'add_x' });
    expect(parseFlywayFileName('R__views.sql')).toEqual({ kind: 'R', rawVersion: '', version: '', parts: [], rawDescription: 'views' });
    expect(parseFlywayFileName('beforeMigrate.sql')).toBe('ignored');
    expect(parseFlywayFileName('README.md')).toBe('ignored');
  });

  it('refuses an undo migration without its versioned migration', async () => {
    const dir = await location({ 'V1__a.sql': 'SELECT 1;', 'U3__c.sql': 'SELECT 1;' });
    expect(await problemWith(dir)).toBe(`${path.join(dir, 'U3__c.sql')} undoes version 3, and there is no versioned migration V3__….sql`);
  });

  it('refuses two undo migrations of one version and two repeatables of one description', async () => {
    const dir = await location({
      'V1__a.sql': 'SELECT 1;',
      'U1__a.sql': 'SELECT 1;',
      'U1.0__b.sql': 'SELECT 1;',
      'R__stats_view.sql': 'SELECT 1;',
      'sub/R__stats view.sql': 'SELECT 1;',
    });
    const message = await problemWith(dir);
    expect(message).toContain(`duplicate undo version 1: ${path.join(dir, 'U1.0__b.sql')} and ${path.join(dir, 'U1__a.sql')}`);
    expect(message).toContain(`duplicate repeatable description "stats view": ${path.join(dir, 'R__stats_view.sql')} and ${path.join(dir, 'sub', 'R__stats view.sql')}`);
  });

  it('orders repeatables by description', async () => {
    const dir = await location({ 'V1__a.sql': 'SELECT 1;', 'R__b_view.sql': 'SELECT 2;', 'R__a_view.sql': 'SELECT 1;', 'R__B_view.sql': 'SELECT 3;' });
    const { repeatables } = await readFlywayDir(dir);
    expect(repeatables.map((r) => r.description)).toEqual(['B view', 'a view', 'b view']);
  });

  it('refuses a classpath location, a missing location and one without versioned migrations', async () => {
    expect(await problemWith('classpath:db/migration')).toBe(
      'location classpath:db/migration is on the Java classpath: give rehearse the directory it comes from (for `classpath:db/migration`, usually src/main/resources/db/migration)',
    );
    const missing = path.join(root, 'nope');
    expect(await problemWith(missing)).toBe(`migrations directory ${missing} does not exist`);
    const dir = await location({ 'R__only.sql': 'SELECT 1;' });
    expect(await problemWith(dir)).toBe(
      `no versioned migrations in ${dir}: expected files named V<version>__<description>.sql (U<version>__… for its undo, R__<description>.sql for a repeatable)`,
    );
  });
});
