// Reducing a MySQL/MariaDB dataset clone to a fraction, on the real server: the sample is
// deterministic, nested and about the fraction's size, no foreign key is left pointing at a
// deleted row, no ON DELETE action or DELETE trigger fires, and the kept tables are untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchDatabase, Session } from '../engines/engine.ts';
import type { MysqlServerEngine } from '../engines/mysql/server-engine.ts';
import { createTestEngine, numbersUpTo } from '../engines/mysql/test-server.ts';
import { reduceToFraction, type ReduceResult } from './reduce.ts';
import { reducerContract } from './reducer-contract.ts';

const from = (n: number) => `FROM ${numbersUpTo(n)} AS g`;

const SCHEMA = `
  SET SESSION foreign_key_checks = 0;
  CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
  INSERT INTO schema_migrations VALUES (2, false);
  -- a second kept table, large enough that a reduction would show
  CREATE TABLE lookup (id int PRIMARY KEY, label varchar(20));
  INSERT INTO lookup SELECT n, CONCAT('l', n) ${from(500)};
  CREATE TABLE projects (id int PRIMARY KEY, name varchar(20) NOT NULL);
  -- a text primary key
  CREATE TABLE tags (code varchar(10) PRIMARY KEY, label varchar(10));
  CREATE TABLE patches (
    id int PRIMARY KEY, project_id int NOT NULL, tag varchar(10), name varchar(100),
    FOREIGN KEY (project_id) REFERENCES projects (id), FOREIGN KEY (tag) REFERENCES tags (code));
  -- composite key, a grandchild; ON DELETE CASCADE must not fire either
  CREATE TABLE comments (patch_id int, n int, body varchar(10), PRIMARY KEY (patch_id, n), FOREIGN KEY (patch_id) REFERENCES patches (id) ON DELETE CASCADE);
  -- self-reference: chains of replies, each pointing at the previous one
  CREATE TABLE threads (id int PRIMARY KEY, parent_id int, FOREIGN KEY (parent_id) REFERENCES threads (id));
  -- no primary key at all
  CREATE TABLE events (project_id int, at int, FOREIGN KEY (project_id) REFERENCES projects (id));
  -- ON DELETE SET NULL: with the checks off it must not fire (the follower goes as an orphan)
  CREATE TABLE followers (id varchar(10) PRIMARY KEY, project_id int, FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE SET NULL);
  -- DELETE triggers writing elsewhere: they must not fire, and must be there afterwards, in order
  CREATE TABLE audit (id int PRIMARY KEY AUTO_INCREMENT, what varchar(50));
  CREATE TRIGGER patches_deleted AFTER DELETE ON patches FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('patch ', OLD.id));
  CREATE TRIGGER patches_deleted_first AFTER DELETE ON patches FOR EACH ROW PRECEDES patches_deleted INSERT INTO audit (what) VALUES ('first');
  CREATE TRIGGER patches_inserted AFTER INSERT ON patches FOR EACH ROW INSERT INTO audit (what) VALUES ('inserted');
  INSERT INTO projects SELECT n, CONCAT('p', n) ${from(1000)};
  INSERT INTO tags SELECT CONCAT('t', LPAD(n, 4, '0')), 'tag' ${from(300)};
  INSERT INTO patches SELECT n, 1 + n % 1000, CASE WHEN n % 5 = 0 THEN NULL ELSE CONCAT('t', LPAD(1 + n % 300, 4, '0')) END, REPEAT('x', 90) ${from(4000)};
  INSERT INTO comments SELECT 1 + n % 4000, n, 'c' ${from(8000)};
  INSERT INTO threads SELECT n, CASE WHEN n % 50 = 1 THEN NULL ELSE n - 1 END ${from(2000)};
  INSERT INTO events SELECT CASE WHEN n % 10 = 0 THEN NULL ELSE 1 + n % 1000 END, n ${from(3000)};
  INSERT INTO followers SELECT CONCAT('f', n), 1 + n % 1000 ${from(2000)};
  DELETE FROM audit;
  SET SESSION foreign_key_checks = 1;
  ANALYZE TABLE patches;`;

const ORPHANS = `
  SELECT (SELECT COUNT(*) FROM patches c WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id))
       + (SELECT COUNT(*) FROM patches c WHERE c.tag IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tags p WHERE p.code = c.tag))
       + (SELECT COUNT(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM patches p WHERE p.id = c.patch_id))
       + (SELECT COUNT(*) FROM threads c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM threads p WHERE p.id = c.parent_id))
       + (SELECT COUNT(*) FROM events c WHERE c.project_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id))
       + (SELECT COUNT(*) FROM followers c WHERE c.project_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id)) AS n`;

/** Every reduced table's rows, as keys: what "the same rows" and "a superset" compare. */
const KEYS: Record<string, string> = {
  projects: 'SELECT id AS k FROM projects',
  tags: 'SELECT code AS k FROM tags',
  patches: 'SELECT id AS k FROM patches',
  comments: `SELECT CONCAT(patch_id, '/', n) AS k FROM comments`,
  threads: 'SELECT id AS k FROM threads',
  events: 'SELECT at AS k FROM events',
  followers: 'SELECT id AS k FROM followers',
};

const TRIGGERS = `SELECT TRIGGER_NAME AS name, EVENT_MANIPULATION AS event, ACTION_ORDER AS ord FROM information_schema.TRIGGERS
                   WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY EVENT_MANIPULATION, ACTION_ORDER`;

interface Reduced {
  result: ReduceResult;
  keys: Record<string, Set<string>>;
  counts: Record<string, number>;
  orphans: number;
  foreignKeyChecks: number;
  sqlMode: string;
  triggers: unknown[];
  lookup: number;
  tracking: number;
  nullFollowers: number;
  nullEvents: number;
  patchesBytes: number;
}

async function scalar(session: Session, sql: string): Promise<number> {
  const { rows } = await session.query<Record<string, unknown>>(sql);
  return Number(Object.values(rows[0] ?? {})[0]);
}

describe('reduceToFraction (mysql)', () => {
  let engine: MysqlServerEngine;
  let golden: ScratchDatabase;
  let goldenTriggers: unknown[];
  let goldenPatchesBytes: number;
  const runs: Record<string, Reduced> = {};

  async function reduce(fraction: number): Promise<Reduced> {
    const db = await engine.cloneScratch(golden, `reduce_${fraction * 100}`);
    const s = await engine.connect(db);
    try {
      const sqlMode = String((await s.query<{ m: string }>('SELECT @@SESSION.sql_mode AS m')).rows[0]?.m);
      const result = await reduceToFraction('mysql', s, fraction, { keep: ['schema_migrations', 'LOOKUP'] });
      const keys: Record<string, Set<string>> = {};
      const counts: Record<string, number> = {};
      for (const [table, sql] of Object.entries(KEYS)) {
        keys[table] = new Set((await s.query<{ k: unknown }>(sql)).rows.map((r) => String(r.k)));
        counts[table] = keys[table].size;
      }
      counts.audit = await scalar(s, 'SELECT COUNT(*) FROM audit');
      const after = String((await s.query<{ m: string }>('SELECT @@SESSION.sql_mode AS m')).rows[0]?.m);
      return {
        result,
        keys,
        counts,
        orphans: await scalar(s, ORPHANS),
        foreignKeyChecks: await scalar(s, 'SELECT @@SESSION.foreign_key_checks'),
        sqlMode: after === sqlMode ? 'unchanged' : `${sqlMode} → ${after}`,
        triggers: (await s.query(TRIGGERS)).rows,
        lookup: await scalar(s, 'SELECT COUNT(*) FROM lookup'),
        tracking: await scalar(s, 'SELECT COUNT(*) FROM schema_migrations'),
        nullFollowers: await scalar(s, 'SELECT COUNT(*) FROM followers WHERE project_id IS NULL'),
        nullEvents: await scalar(s, 'SELECT COUNT(*) FROM events WHERE project_id IS NULL'),
        patchesBytes: await scalar(s, `SELECT DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'patches'`),
      };
    } finally {
      await s.close();
      await engine.dropScratch(db);
    }
  }

  beforeAll(async () => {
    engine = createTestEngine();
    await engine.open();
    golden = await engine.createScratch('reduce_golden');
    const s = await engine.connect(golden);
    await s.exec(SCHEMA);
    goldenTriggers = (await s.query(TRIGGERS)).rows;
    goldenPatchesBytes = await scalar(s, `SELECT DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'patches'`);
    await s.close();

    runs.quarter = await reduce(0.25);
    runs.quarterAgain = await reduce(0.25);
    runs.half = await reduce(0.5);
  });

  afterAll(async () => {
    await engine?.close();
  });

  it('leaves no orphan, and the session as it was (foreign-key checks on, sql_mode)', () => {
    for (const run of Object.values(runs)) {
      expect(run.orphans).toBe(0);
      expect(run.foreignKeyChecks).toBe(1);
      expect(run.sqlMode).toBe('unchanged');
    }
  });

  reducerContract(runs, Object.keys(KEYS));

  it('fires no ON DELETE action and no DELETE trigger, and keeps the triggers in their order', () => {
    // SET NULL did not fire: every follower left points at a kept project.
    expect(runs.quarter!.nullFollowers).toBe(0);
    expect(runs.quarter!.counts.audit).toBe(0);
    expect(goldenTriggers).toHaveLength(3);
    for (const run of Object.values(runs)) expect(run.triggers).toEqual(goldenTriggers);
  });

  it('leaves the kept tables whole, and the shrunk tables rebuilt at the reduced size', () => {
    for (const run of Object.values(runs)) {
      expect(run.tracking).toBe(1);
      expect(run.lookup).toBe(500);
    }
    expect(runs.quarter!.patchesBytes).toBeGreaterThan(0);
    expect(runs.quarter!.patchesBytes).toBeLessThan(goldenPatchesBytes / 4);
  });

  it('refuses a fraction outside (0, 1)', async () => {
    const session = {} as Session;
    await expect(reduceToFraction('mysql', session, 1, { keep: [] })).rejects.toThrow(/between 0 and 1/);
    await expect(reduceToFraction('mysql', session, -0.5, { keep: [] })).rejects.toThrow(/between 0 and 1/);
  });
});
