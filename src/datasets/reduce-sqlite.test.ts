// Reducing a SQLite dataset clone to a fraction, on real files: the sample is deterministic,
// nested and about the fraction's size, no foreign key is left pointing at a deleted row, no ON
// DELETE action or trigger fires, and the kept tables are untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchDatabase, Session } from '../engines/engine.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from '../engines/sqlite/testing.ts';
import { reduceToFraction, type ReduceResult } from './reduce.ts';
import { reducerContract } from './reducer-contract.ts';
import { bucketOf } from './reduce-sqlite.ts';

const series = (n: number) => `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${n})`;

const SCHEMA = `
  CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, dirty INTEGER NOT NULL);
  INSERT INTO schema_migrations VALUES (2, 0);
  -- a second kept table, large enough that a reduction would show
  CREATE TABLE lookup (id INTEGER PRIMARY KEY, label TEXT);
  ${series(500)} INSERT INTO lookup SELECT n, 'l' || n FROM g;
  CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  -- text primary key in a WITHOUT ROWID table: hashed by rank in key order
  CREATE TABLE tags (code TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
  -- REFERENCES projects without columns: the parent's primary key
  CREATE TABLE patches (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects, tag TEXT REFERENCES tags (code), name TEXT);
  -- composite key (a rowid table with a non-integer key: hashed by rowid), a grandchild
  CREATE TABLE comments (patch_id INTEGER REFERENCES patches (id), n INTEGER, body TEXT, PRIMARY KEY (patch_id, n));
  -- self-reference: chains of replies, each pointing at the previous one
  CREATE TABLE threads (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES threads (id));
  -- no primary key at all
  CREATE TABLE events (project_id INTEGER REFERENCES projects (id), at INTEGER);
  -- ON DELETE SET NULL: with foreign keys off it must not fire (the follower goes as an orphan)
  CREATE TABLE followers (id TEXT PRIMARY KEY, project_id INTEGER REFERENCES projects (id) ON DELETE SET NULL);
  -- a DELETE trigger writing elsewhere: it must not fire, and must still be there afterwards
  CREATE TABLE audit (what TEXT);
  CREATE TRIGGER patches_deleted AFTER DELETE ON patches BEGIN INSERT INTO audit VALUES ('patch ' || old.id); END;
  CREATE TRIGGER patches_deleted_too AFTER DELETE ON patches BEGIN INSERT INTO audit VALUES ('again ' || old.id); END;
  ${series(1000)} INSERT INTO projects SELECT n, 'p' || n FROM g;
  ${series(300)} INSERT INTO tags SELECT printf('t%04d', n), 'tag' FROM g;
  ${series(4000)} INSERT INTO patches SELECT n, 1 + n % 1000, CASE WHEN n % 5 = 0 THEN NULL ELSE printf('t%04d', 1 + n % 300) END, 'x' || n FROM g;
  ${series(8000)} INSERT INTO comments SELECT 1 + n % 4000, n, 'c' FROM g;
  ${series(2000)} INSERT INTO threads SELECT n, CASE WHEN n % 50 = 1 THEN NULL ELSE n - 1 END FROM g;
  ${series(3000)} INSERT INTO events SELECT CASE WHEN n % 10 = 0 THEN NULL ELSE 1 + n % 1000 END, n FROM g;
  ${series(2000)} INSERT INTO followers SELECT 'f' || n, 1 + n % 1000 FROM g;`;

const ORPHANS = `
  SELECT (SELECT count(*) FROM patches c WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id))
       + (SELECT count(*) FROM patches c WHERE c.tag IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tags p WHERE p.code = c.tag))
       + (SELECT count(*) FROM comments c WHERE c.patch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM patches p WHERE p.id = c.patch_id))
       + (SELECT count(*) FROM threads c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM threads p WHERE p.id = c.parent_id))
       + (SELECT count(*) FROM events c WHERE c.project_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id))
       + (SELECT count(*) FROM followers c WHERE c.project_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id)) AS n`;

/** Every reduced table's rows, as sorted keys: what "the same rows" and "a superset" compare. */
const KEYS: Record<string, string> = {
  projects: 'SELECT id AS k FROM projects',
  tags: 'SELECT code AS k FROM tags',
  patches: 'SELECT id AS k FROM patches',
  comments: `SELECT patch_id || '/' || n AS k FROM comments`,
  threads: 'SELECT id AS k FROM threads',
  events: 'SELECT at AS k FROM events',
  followers: 'SELECT id AS k FROM followers',
};

interface Reduced {
  result: ReduceResult;
  keys: Record<string, Set<string>>;
  counts: Record<string, number>;
  orphans: number;
  foreignKeyCheck: unknown[];
  foreignKeys: number;
  audit: number;
  triggers: string[];
  lookup: number;
  tracking: number;
  nullFollowers: number;
  nullEvents: number;
  pages: { pageCount: number; freelist: number };
  stats: { tbl: string; stat: string }[] | null;
}

const pragma = async (s: Session, name: string) => Number(Object.values((await s.query(`PRAGMA ${name}`)).rows[0]!)[0]);

describeSqlite('reduceToFraction (sqlite)', () => {
  let t: TestSqliteEngine;
  let golden: ScratchDatabase;
  let analysed: ScratchDatabase;
  let goldenPages: number;
  const runs: Record<string, Reduced> = {};

  async function reduce(source: ScratchDatabase, fraction: number): Promise<Reduced> {
    const db = await t.engine.cloneScratch(source, `reduce-${fraction * 100}`);
    const s = await t.engine.connect(db);
    try {
      const result = await reduceToFraction('sqlite', s, fraction, { keep: ['schema_migrations', 'LOOKUP'] });
      const keys: Record<string, Set<string>> = {};
      const counts: Record<string, number> = {};
      for (const [table, sql] of Object.entries(KEYS)) {
        keys[table] = new Set((await s.query<{ k: unknown }>(sql)).rows.map((r) => String(r.k)));
        counts[table] = keys[table].size;
      }
      counts.audit = Number((await s.query<{ n: number }>('SELECT count(*) AS n FROM audit')).rows[0]?.n);
      const one = async (sql: string) => Number((await s.query<{ n: number }>(sql)).rows[0]?.n);
      const hasStats = (await s.query(`SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'`)).rows.length > 0;
      return {
        result,
        keys,
        counts,
        orphans: await one(ORPHANS),
        foreignKeyCheck: (await s.query('SELECT * FROM pragma_foreign_key_check')).rows,
        foreignKeys: await pragma(s, 'foreign_keys'),
        audit: counts.audit,
        triggers: (await s.query<{ name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY rowid`)).rows.map((r) => r.name),
        lookup: await one('SELECT count(*) AS n FROM lookup'),
        tracking: await one('SELECT count(*) AS n FROM schema_migrations'),
        nullFollowers: await one('SELECT count(*) AS n FROM followers WHERE project_id IS NULL'),
        nullEvents: await one('SELECT count(*) AS n FROM events WHERE project_id IS NULL'),
        pages: { pageCount: await pragma(s, 'page_count'), freelist: await pragma(s, 'freelist_count') },
        stats: hasStats ? (await s.query<{ tbl: string; stat: string }>('SELECT tbl, stat FROM sqlite_stat1 ORDER BY tbl, idx')).rows : null,
      };
    } finally {
      await s.close();
      await t.engine.dropScratch(db);
    }
  }

  beforeAll(async () => {
    t = await openTestEngine();
    golden = await t.engine.createScratch('reduce-golden');
    const s = await t.engine.connect(golden);
    await s.exec(SCHEMA);
    goldenPages = await pragma(s, 'page_count');
    await s.close();
    analysed = await t.engine.cloneScratch(golden, 'reduce-analysed');
    const a = await t.engine.connect(analysed);
    await a.exec('ANALYZE patches; ANALYZE comments;');
    await a.close();

    runs.quarter = await reduce(golden, 0.25);
    runs.quarterAgain = await reduce(golden, 0.25);
    runs.half = await reduce(golden, 0.5);
    runs.analysed = await reduce(analysed, 0.25);
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  it('leaves no orphan: PRAGMA foreign_key_check is empty, and foreign keys are back on', () => {
    for (const run of Object.values(runs)) {
      expect(run.orphans).toBe(0);
      expect(run.foreignKeyCheck).toEqual([]);
      expect(run.foreignKeys).toBe(1);
    }
  });

  reducerContract(runs, Object.keys(KEYS));

  it('fires no ON DELETE action and no trigger, and keeps the triggers', () => {
    // SET NULL did not fire: every follower left points at a kept project.
    expect(runs.quarter!.nullFollowers).toBe(0);
    expect(runs.quarter!.audit).toBe(0);
    expect(runs.quarter!.triggers).toEqual(['patches_deleted', 'patches_deleted_too']);
  });

  it('leaves the kept tables whole, and the file at the reduced size', () => {
    for (const run of Object.values(runs)) {
      expect(run.tracking).toBe(1);
      expect(run.lookup).toBe(500);
    }
    // VACUUM: no free pages, and far fewer pages than the full dataset.
    expect(runs.quarter!.pages.freelist).toBe(0);
    expect(runs.quarter!.pages.pageCount).toBeLessThan(goldenPages / 2);
  });

  it('refreshes statistics the dataset has, and creates none it does not have', () => {
    expect(runs.quarter!.stats).toBeNull();
    // The first number of every sqlite_stat1 entry is the table's row count.
    const stats = new Map(runs.analysed!.stats!.map((r) => [r.tbl, Number(r.stat.split(' ')[0])]));
    expect(stats.get('patches')).toBe(runs.analysed!.counts.patches);
    expect(stats.get('comments')).toBe(runs.analysed!.counts.comments);
    expect([...stats.keys()].sort()).toEqual(['comments', 'patches']);
  });

  it('refuses a session inside a transaction, where foreign keys cannot be switched off, and changes nothing', async () => {
    const db = await t.engine.cloneScratch(golden, 'reduce-in-transaction');
    const s = await t.engine.connect(db);
    try {
      await s.query('BEGIN');
      await expect(reduceToFraction('sqlite', s, 0.5, { keep: [] })).rejects.toThrow(/inside a transaction/);
      await s.query('ROLLBACK');
      expect(await pragma(s, 'foreign_keys')).toBe(1);
      expect(Number((await s.query<{ n: number }>('SELECT count(*) AS n FROM patches')).rows[0]?.n)).toBe(4000);
    } finally {
      await s.close();
      await t.engine.dropScratch(db);
    }
  });

  it('refuses a fraction outside (0, 1)', async () => {
    const session = {} as Session;
    await expect(reduceToFraction('sqlite', session, 1, { keep: [] })).rejects.toThrow(/between 0 and 1/);
    await expect(reduceToFraction('sqlite', session, 0, { keep: [] })).rejects.toThrow(/between 0 and 1/);
  });
});

describe('bucketOf (sqlite)', () => {
  it('spreads consecutive and related keys evenly over 0…999', async () => {
    // The arithmetic, in JavaScript with BigInt, against the SQL text evaluated by SQLite.
    const { default: Database } = await import('better-sqlite3').catch(() => ({ default: undefined }));
    if (!Database) return;
    const db = new Database(':memory:');
    try {
      const rows = db.prepare(`${series(20000)} SELECT n, ${bucketOf('n')} AS b FROM g`).all() as { n: number; b: number }[];
      const deciles = new Array(10).fill(0) as number[];
      for (const r of rows) deciles[Math.floor(r.b / 100)]!++;
      for (const d of deciles) expect(Math.abs(d - 2000)).toBeLessThan(200);
      const b = new Map(rows.map((r) => [r.n, r.b]));
      // neighbours (a child next to its parent) are independent: both below 250 ≈ 1/16 of the time
      let both = 0;
      for (let n = 1; n < 20000; n++) if (b.get(n)! < 250 && b.get(n + 1)! < 250) both++;
      expect(both / 19999).toBeGreaterThan(0.05);
      expect(both / 19999).toBeLessThan(0.075);
      const extremes = db.prepare(`SELECT ${bucketOf('x')} AS b FROM (SELECT ? AS x)`);
      for (const x of [0, -1, 2 ** 53, -(2 ** 62), 9223372036854775807n, -9223372036854775808n]) {
        const v = (extremes.get(x) as { b: unknown }).b;
        expect(Number.isInteger(v), String(x)).toBe(true);
        expect(v as number).toBeGreaterThanOrEqual(0);
        expect(v as number).toBeLessThan(1000);
      }
    } finally {
      db.close();
    }
  });
});
