import { describe, expect, it } from 'vitest';
import { compareHistory, shortDiff } from './history.ts';
import type { Migration } from './migration.ts';
import { prepareMigrations } from './prepare.ts';

const migration = (version: string, name: string, up: string, down = `-- undo ${name}\nSELECT 1;`, dir = 'migrations'): Migration => ({
  version,
  versionNumber: BigInt(version),
  name,
  id: `${version}_${name}`,
  up: { path: `${dir}/${version}_${name}.up.sql`, sql: up },
  down: { path: `${dir}/${version}_${name}.down.sql`, sql: down },
});
const prepared = (list: Migration[]) => prepareMigrations(list, { dialect: 'postgres' });

const CREATE = 'CREATE TABLE reviews (id int PRIMARY KEY, rating int CHECK (rating BETWEEN 1 AND 5));\n';
const WIDENED = 'CREATE TABLE reviews (id int PRIMARY KEY, rating int CHECK (rating BETWEEN 0 AND 10));\n';

describe('compareHistory', () => {
  it('finds nothing when the head only adds migrations, and lists what it adds', async () => {
    const base = await prepared([migration('0001', 'reviews', CREATE, 'DROP TABLE reviews;', 'main:migrations')]);
    const head = await prepared([migration('0001', 'reviews', CREATE, 'DROP TABLE reviews;'), migration('0002', 'index', 'CREATE INDEX r ON reviews (rating);')]);
    const c = compareHistory(base, head);
    expect(c.rewritten).toEqual([]);
    expect(c.added.map((m) => m.id)).toEqual(['0002_index']);
    expect(c.baseLatest?.id).toBe('0001_reviews');
  });

  it('reports an edited up with a short diff of what changed', async () => {
    const base = await prepared([migration('0001', 'reviews', CREATE, 'DROP TABLE reviews;', 'main:migrations')]);
    const head = await prepared([migration('0001', 'reviews', WIDENED, 'DROP TABLE reviews;')]);
    const [r, ...rest] = compareHistory(base, head).rewritten;
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ migration: '0001_reviews', change: 'edited', files: [{ direction: 'up', change: 'edited', onlyCommentsOrWhitespace: false }] });
    expect(r?.files[0]?.diff).toContain('-CREATE TABLE reviews (id int PRIMARY KEY, rating int CHECK (rating BETWEEN 1 AND 5));');
    expect(r?.files[0]?.diff).toContain('+CREATE TABLE reviews (id int PRIMARY KEY, rating int CHECK (rating BETWEEN 0 AND 10));');
    expect(r?.files[0]?.diff).toMatch(/^--- main:migrations\/0001_reviews\.up\.sql/);
  });

  it('tells an edit of comments and whitespace from a real one', async () => {
    const base = await prepared([migration('0001', 'reviews', CREATE)]);
    const head = await prepared([migration('0001', 'reviews', `-- the reviews table\n${CREATE.replace(' (id', '  (id')}`)]);
    expect(compareHistory(base, head).rewritten[0]?.files[0]).toMatchObject({ change: 'edited', onlyCommentsOrWhitespace: true });
  });

  it('reports a deleted migration, and a moved one as renamed (and as added: it runs again at its new version)', async () => {
    const base = await prepared([migration('0001', 'reviews', CREATE), migration('0002', 'gone', 'CREATE TABLE gone (id int);')]);
    const head = await prepared([migration('0003', 'reviews', CREATE)]);
    const c = compareHistory(base, head);
    expect(c.rewritten.map((r) => [r.migration, r.change])).toEqual([
      ['0001_reviews', 'renamed'],
      ['0002_gone', 'deleted'],
    ]);
    expect(c.rewritten[0]?.files[0]).toMatchObject({ change: 'renamed', headPath: 'migrations/0003_reviews.up.sql' });
    expect(c.added.map((m) => m.id)).toEqual(['0003_reviews']);
  });

  it('reports a name-only rename at the same version, which the change does not run', async () => {
    const base = await prepared([migration('0001', 'reviews', CREATE)]);
    const head = await prepared([migration('0001', 'create_reviews', CREATE)]);
    const c = compareHistory(base, head);
    expect(c.rewritten).toMatchObject([{ migration: '0001_reviews', change: 'renamed' }]);
    expect(c.added).toEqual([]);
  });
});

describe('shortDiff', () => {
  it('cuts a long diff and says how much is left out', () => {
    const before = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const after = Array.from({ length: 100 }, (_, i) => `LINE ${i}`).join('\n');
    const diff = shortDiff('a', 'b', before, after).split('\n');
    expect(diff).toHaveLength(41);
    expect(diff[40]).toMatch(/^… \d+ more diff lines$/);
  });
});
