// The probe plan read from a real SQLite file: which tables (index names stand for their table,
// foreign-key neighbours both ways, never views, virtual tables or the tracking table), and that
// every statement planned runs there as an attempt without an error — keys that cannot collide
// on awkward tables included.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from '../../engines/sqlite/testing.ts';
import { SqliteTrafficProbes } from './control.ts';
import { planProbes } from './plan.ts';

const SCHEMA = `
  CREATE TABLE schema_migrations (version uint64, dirty bool);
  CREATE TABLE projects (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE NOCASE, slug TEXT UNIQUE);
  CREATE TABLE patches (
    id INT PRIMARY KEY,                                  -- not a rowid alias
    project_id INT NOT NULL REFERENCES projects (id),
    title TEXT NOT NULL,
    title_len INT GENERATED ALWAYS AS (length(title)) VIRTUAL,
    CHECK (id > 0)
  );
  CREATE INDEX patches_project ON patches (project_id);
  CREATE TABLE tags (name TEXT PRIMARY KEY, n INT NOT NULL) WITHOUT ROWID, STRICT;
  CREATE TABLE patch_tags (patch_id INT NOT NULL REFERENCES patches (id), tag TEXT NOT NULL REFERENCES tags (name), PRIMARY KEY (patch_id, tag)) WITHOUT ROWID;
  CREATE TABLE log (at TEXT, line TEXT);                 -- no primary key
  CREATE UNIQUE INDEX log_lower ON log (lower(line));
  CREATE VIEW patch_titles AS SELECT id, title FROM patches;
  CREATE VIRTUAL TABLE search USING fts5 (body);
  CREATE TABLE empty (id INTEGER PRIMARY KEY, v TEXT);
  INSERT INTO projects (name, slug) VALUES ('One', 'one'), ('Two', NULL);
  INSERT INTO patches (id, project_id, title) VALUES (1, 1, 'a'), (9007199254740993, 2, 'big key');
  INSERT INTO tags VALUES ('bug', 1), ('it''s', 2);
  INSERT INTO patch_tags VALUES (1, 'bug'), (9007199254740993, 'it''s');
  INSERT INTO log VALUES ('now', 'started');`;

describeSqlite('sqlite probe plan', () => {
  let t: TestSqliteEngine;
  let db: ScratchDatabase;
  let s: Session;

  beforeAll(async () => {
    t = await openTestEngine();
    db = await t.engine.createScratch('plan');
    s = await t.engine.connect(db);
    await s.exec(SCHEMA);
  });
  afterAll(async () => {
    await s?.close();
    await t?.cleanup();
  });

  const plan = (names: string[]) => planProbes(s, names, new Set(['schema_migrations']), { writes: true });
  const probed = (p: Awaited<ReturnType<typeof plan>>) => [...new Set(p.targets.map((x) => x.table))];

  test('named tables first (an index name stands for its table), then foreign-key neighbours both ways', async () => {
    const p = await plan(['patches_project', 'PATCH_TITLES', 'search', 'schema_migrations', 'missing', 'temp.x']);
    expect(p.named).toEqual([{ table: 'patches', qualified: 'main."patches"' }]);
    expect(probed(p)).toEqual(['patches', 'patch_tags', 'projects']);
    expect(probed(await plan(['tags']))).toEqual(['tags', 'patch_tags']);
    expect(probed(await plan(['main.log']))).toEqual(['log']);
  });

  test('samples the lowest and highest key exactly, beyond 2^53 too', async () => {
    const p = await plan(['patches']);
    expect(p.targets.find((x) => x.table === 'patches' && x.operation === 'read')!.statements).toEqual([
      'SELECT 1 FROM main."patches" WHERE "id" = 1',
      'SELECT 1 FROM main."patches" WHERE "id" = 9007199254740993',
    ]);
    expect(p.targets.find((x) => x.table === 'patch_tags' && x.operation === 'read')!.statements[1]).toBe(
      `SELECT 1 FROM main."patch_tags" WHERE ("patch_id", "tag") = (9007199254740993, 'it''s')`,
    );
  });

  test('every planned statement runs as an attempt does, without an error, and leaves nothing behind', async () => {
    const p = await plan(['patches', 'tags', 'log', 'empty']);
    expect(p.notes).toEqual([
      'no insert probe on log: unique index log_lower is on an expression, so no value is sure not to collide',
      // A join table's key is all foreign keys: a new key would need new parent rows.
      'no insert probe on patch_tags: no column of its primary key (patch_id, tag) can take a value sure not to collide (that takes a numeric column, or a text one with a built-in collation, that no foreign key of the table uses)',
    ]);
    expect(p.targets.map((x) => `${x.table}:${x.operation}`).sort()).toEqual(
      [
        'empty:insert', 'empty:read', 'empty:update', 'log:read', 'log:update', 'patch_tags:read', 'patch_tags:update',
        'patches:insert', 'patches:read', 'patches:update', 'projects:insert', 'projects:read', 'projects:update', 'tags:insert', 'tags:read', 'tags:update',
      ].sort(),
    );
    const before = await s.query(`SELECT (SELECT count(*) FROM projects) + (SELECT count(*) FROM patches) + (SELECT count(*) FROM patch_tags) AS n`);
    for (const target of p.targets) {
      for (const sql of target.statements) {
        if (target.operation === 'read') await s.exec(sql);
        else {
          // As an attempt runs it, with the changes counted before the rollback.
          await s.exec('BEGIN');
          const { rowCount } = await s.query(sql);
          await s.exec('ROLLBACK');
          expect(rowCount, sql).toBe(target.table === 'empty' ? 0 : 1);
        }
      }
    }
    expect((await s.query(`SELECT (SELECT count(*) FROM projects) + (SELECT count(*) FROM patches) + (SELECT count(*) FROM patch_tags) AS n`)).rows).toEqual(before.rows);
    // The update of a referenced table leaves its key alone.
    expect(p.targets.find((x) => x.table === 'projects' && x.operation === 'update')!.statements[0]).toBe(
      'UPDATE OR ROLLBACK main."projects" SET "name" = "name" WHERE "id" = 1',
    );
  });

  test('with busy_timeout 0 only reads are probed: the migration could not wait out a probe holding the write lock', async () => {
    const noWait = await openTestEngine({ busyTimeoutMs: 0 });
    try {
      const file = await noWait.engine.createScratch('no-wait');
      const setup = await noWait.engine.connect(file);
      await setup.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES (1)');
      await setup.close();
      const probes = new SqliteTrafficProbes(() => noWait.engine.connect(file), { trackingTable: 'schema_migrations' });
      const running = await probes.start({ tables: ['t'], migrationPid: -1 });
      const outcome = await running!.stop();
      expect(outcome.blocked.map((b) => b.operation)).toEqual(['read']);
      expect(probes.notes().join('\n')).toMatch(/no insert or update probes on SQLite with busy_timeout 0/);
      await probes.close();
    } finally {
      await noWait.cleanup();
    }
  });
});
