import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../errors.ts';
import { prepareMigrations } from '../prepare.ts';
import { drizzleDialectEngine, drizzleStatements, readDrizzleDir, withoutBreakpoints } from './drizzle.ts';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/sources/drizzle', import.meta.url));

let root: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'rehearse-drizzle-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Entry {
  idx: number;
  when: number;
  tag: string;
  breakpoints?: boolean;
}

function journal(entries: Entry[], dialect = 'postgresql'): string {
  const full = entries.map((e) => ({ idx: e.idx, version: '7', when: e.when, tag: e.tag, breakpoints: e.breakpoints ?? true }));
  return JSON.stringify({ version: '7', dialect, entries: full }, null, 2);
}

async function outDir(files: Record<string, string>, journalText?: string): Promise<string> {
  const dir = path.join(root, 'drizzle');
  await mkdir(path.join(dir, 'meta'), { recursive: true });
  if (journalText !== undefined) await writeFile(path.join(dir, 'meta', '_journal.json'), journalText);
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(dir, file), content);
  return dir;
}

async function problemWith(dir: string): Promise<string> {
  const error = await readDrizzleDir(dir).catch((e: unknown) => e);
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  expect(error.code).toBe('MIGRATIONS_INVALID');
  return error.message;
}

describe('readDrizzleDir: a folder drizzle-kit 0.31 generated', () => {
  it('reads the journal\'s entries in order, with their `when`', async () => {
    const result = await readDrizzleDir(path.join(FIXTURE, 'drizzle'));
    expect(result.dialect).toBe('postgresql');
    expect(result.engine).toBe('postgres');
    expect(result.journalVersion).toBe('7');
    expect(result.migrations.map((m) => [m.version, m.versionNumber, m.name, m.id, m.when, m.down])).toEqual([
      ['0000', 0n, 'init', '0000_init', 1795271609125, undefined],
      ['0001', 1n, 'add_patch_hash', '0001_add_patch_hash', 1795271610850, undefined],
      ['0002', 2n, 'slippery_penance', '0002_slippery_penance', 1795271615394, undefined],
    ]);
  });

  // What drizzle-kit migrate (drizzle-orm 0.45.4's migrator, PostgreSQL 15) stored in
  // drizzle.__drizzle_migrations (hash, created_at) when it applied this folder.
  it('computes the hash drizzle\'s migrator records', async () => {
    const { migrations } = await readDrizzleDir(path.join(FIXTURE, 'drizzle'));
    expect(migrations.map((m) => [m.hash, m.when])).toEqual([
      ['a94197ddde397c31b694381e1fc90f95758b2b461fd0cda0182e704bdcde36e9', 1795271609125],
      ['574c99f9e6c2aaf57b206020fa7d458b71b2a87e6108b9cd3d71b7c9d2bc049f', 1795271610850],
      ['6a7d6ab02815f200b9dec662d68fb9ccfe0a860de1ee63e660dd4423e6e7a64b', 1795271615394],
    ]);
  });

  it('splits statements at breakpoints as the migrator does, and keeps the file\'s lines in `up.sql`', async () => {
    const { migrations } = await readDrizzleDir(path.join(FIXTURE, 'drizzle'));
    const tags = migrations[2]!;
    const source = await readFile(path.join(FIXTURE, 'drizzle', '0002_slippery_penance.sql'), 'utf8');
    expect(tags.source).toBe(source);
    expect(tags.statements.map((s) => s.sql)).toEqual(source.split('--> statement-breakpoint'));
    expect(tags.statements.map((s) => s.line)).toEqual([1, 6, 7]);
    expect(tags.up.sql).not.toContain('statement-breakpoint');
    expect(tags.up.sql.split('\n').map((l) => l.length)).toEqual(source.split('\n').map((l) => l.length));
    const [prepared] = await prepareMigrations([tags], { dialect: 'postgres' });
    expect(prepared!.upPlan.statements.map((s) => [s.line, s.column])).toEqual([
      [1, 1],
      [7, 1],
      [8, 1],
    ]);
  });
});

describe('statement breakpoints', () => {
  it('ends a statement that has no semicolon before its breakpoint, so MySQL\'s splitter sees it', async () => {
    const source = 'ALTER TABLE `a` ADD `x` int\n--> statement-breakpoint\nALTER TABLE `a` ADD `y` int;--> statement-breakpoint\nSELECT 1';
    const sql = withoutBreakpoints(source);
    expect(sql).toBe(`ALTER TABLE \`a\` ADD \`x\` int\n;${' '.repeat(23)}\nALTER TABLE \`a\` ADD \`y\` int;${' '.repeat(24)}\nSELECT 1`);
    expect(drizzleStatements(source).map((s) => s.line)).toEqual([1, 2, 3]);
    const migration = { version: '0000', versionNumber: 0n, name: 'x', id: '0000_x', up: { path: 'x.sql', sql } };
    const [prepared] = await prepareMigrations([migration], { dialect: 'mysql' });
    expect(prepared!.upPlan.statements.map((s) => s.line)).toEqual([1, 3, 4]);
  });

  it('maps dialects to engines', () => {
    expect(drizzleDialectEngine('postgresql')).toBe('postgres');
    expect(drizzleDialectEngine('mysql')).toBe('mysql');
    expect(drizzleDialectEngine('turso')).toBe('sqlite');
    expect(drizzleDialectEngine('singlestore')).toBeUndefined();
  });
});

describe('readDrizzleDir: other layouts', () => {
  it('pads idx for tags drizzle-kit prefixed with a timestamp', async () => {
    const dir = await outDir(
      { '20240101120000_init.sql': 'SELECT 1;', '20240102120000_more.sql': 'SELECT 2;' },
      journal([
        { idx: 0, when: 1704110400000, tag: '20240101120000_init' },
        { idx: 1, when: 1704196800000, tag: '20240102120000_more' },
      ]),
    );
    const { migrations } = await readDrizzleDir(dir);
    expect(migrations.map((m) => [m.version, m.versionNumber, m.name, m.id])).toEqual([
      ['0000', 0n, 'init', '20240101120000_init'],
      ['0001', 1n, 'more', '20240102120000_more'],
    ]);
  });

  it('reads a tag without a numeric prefix as the name', async () => {
    const dir = await outDir({ 'init.sql': 'SELECT 1;' }, journal([{ idx: 0, when: 1, tag: 'init' }]));
    const { migrations } = await readDrizzleDir(dir);
    expect(migrations.map((m) => [m.version, m.name, m.id])).toEqual([['0000', 'init', 'init']]);
  });
});

describe('readDrizzleDir: bad input', () => {
  it('refuses a folder without a journal', async () => {
    const dir = await outDir({ '0000_init.sql': 'SELECT 1;' });
    expect(await problemWith(dir)).toBe(
      `no meta/_journal.json in ${dir}: drizzle's migrator runs the migrations it lists (drizzle-kit generate writes it beside the .sql files); the 1 .sql file(s) there would not run`,
    );
  });

  it('refuses a missing folder', async () => {
    const missing = path.join(root, 'nope');
    expect(await problemWith(missing)).toBe(`migrations directory ${missing} does not exist`);
  });

  it('names the line of a journal that is not JSON', async () => {
    const dir = await outDir({}, '{\n  "version": "7",\n  "entries": [\n    {,\n  ]\n}');
    expect(await problemWith(dir)).toMatch(new RegExp(`^${path.join(dir, 'meta', '_journal.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: not valid JSON`));
  });

  it('refuses a journal without entries, or with none', async () => {
    const dir = await outDir({}, '{ "version": "7" }');
    expect(await problemWith(dir)).toBe(`${path.join(dir, 'meta', '_journal.json')}:1: no \`entries\` list (expected drizzle-kit's { version, dialect, entries: [...] })`);
    await writeFile(path.join(dir, 'meta', '_journal.json'), journal([]));
    expect(await problemWith(dir)).toBe(`no migrations in ${path.join(dir, 'meta', '_journal.json')}: its entries list is empty`);
  });

  it('names a journal entry without its file and a file missing from the journal, with the entry\'s line', async () => {
    const text = journal([
      { idx: 0, when: 1, tag: '0000_init' },
      { idx: 1, when: 2, tag: '0001_gone' },
    ]);
    const dir = await outDir({ '0000_init.sql': 'SELECT 1;', '0002_stray.sql': 'SELECT 2;' }, text);
    const journalPath = path.join(dir, 'meta', '_journal.json');
    const line = text.split('\n').findIndex((l) => l.includes('"0001_gone"')) + 1;
    const message = await problemWith(dir);
    expect(message).toContain(`2 problems in ${dir}:`);
    expect(message).toContain(`${journalPath}:${line}: entry 1 (0001_gone) has no file ${path.join(dir, '0001_gone.sql')}: drizzle's migrator stops at it`);
    expect(message).toContain(`${path.join(dir, '0002_stray.sql')} is not in ${journalPath}: drizzle's migrator runs only the journal's entries, so it would never run`);
  });

  it('refuses an entry whose `when` is not later than the one before', async () => {
    const text = journal([
      { idx: 0, when: 1700000000000, tag: '0000_a' },
      { idx: 1, when: 1600000000000, tag: '0001_b' },
    ]);
    const dir = await outDir({ '0000_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 2;' }, text);
    const line = text.split('\n').findIndex((l) => l.includes('"0001_b"')) + 1;
    expect(await problemWith(dir)).toBe(
      `${path.join(dir, 'meta', '_journal.json')}:${line}: entry 0001_b has \`when\` 1600000000000, not later than 0000_a's 1700000000000: ` +
        "drizzle's migrator would skip it on a database that already has the entry before it",
    );
  });

  it('refuses idx that does not grow, a tag listed twice, and entries without their fields', async () => {
    const text = JSON.stringify({
      version: '7',
      dialect: 'sqlite',
      entries: [
        { idx: 1, when: 1, tag: '0001_a', breakpoints: true },
        { idx: 0, when: 2, tag: '0000_b', breakpoints: true },
        { idx: 2, when: 3, tag: '0001_a', breakpoints: true },
        { idx: 'x', tag: '' },
      ],
    });
    const dir = await outDir({ '0001_a.sql': 'SELECT 1;', '0000_b.sql': 'SELECT 2;' }, text);
    const message = await problemWith(dir);
    expect(message).toContain(`3 problems in ${dir}:`);
    expect(message).toContain('entry 0000_b has idx 0, not above the entry before it (0001_a, idx 1); rehearse orders by idx');
    expect(message).toContain('tag 0001_a is listed twice');
    expect(message).toContain('entry 3 lacks a valid `tag` (a file name without .sql), `idx` (a whole number), `when` (milliseconds)');
  });
});
