// SQLite's classic migration trap, on real statements: with foreign keys on, rebuilding a parent
// table the naive way (create the new table, copy, DROP the old one, rename) makes DROP TABLE
// delete the parent's rows first — and ON DELETE CASCADE takes every child row with them. The
// step succeeds. Turning foreign keys off inside the transaction golang-migrate wraps the file in
// does not help: the pragma is a no-op there. The observer's row counts and checksums show the
// loss, and the data-loss check reports it. SQLite's own 12-step procedure (foreign keys off
// outside the transaction, foreign_key_check before COMMIT) loses nothing.
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { dataLossCheck } from '../../checks/data-loss.ts';
import { context, target } from '../../checks/test-fixtures.ts';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from '../../engines/sqlite/testing.ts';
import { GolangMigrateSqliteTracking } from '../../migrations/golang-migrate-tracking-sqlite.ts';
import type { PreparedMigration } from '../../migrations/migration.ts';
import { runStep, type StepContext } from '../../rehearsal/step-runner.ts';
import { splitSqliteFile } from '../../sql/sqlite-split.ts';
import { foreignKeyViolations } from './foreign-keys.ts';
import { SqliteObserver } from './observer.ts';

const DATASET = `
  CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT NOT NULL REFERENCES parent (id) ON DELETE CASCADE, note TEXT);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) INSERT INTO parent SELECT i, 'p' || i FROM n;
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) INSERT INTO child SELECT i, 1 + i % 50, NULL FROM n;`;

const REBUILD = [
  'CREATE TABLE new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT);',
  'INSERT INTO new_parent (id, name) SELECT id, name FROM parent;',
  'DROP TABLE parent;',
  'ALTER TABLE new_parent RENAME TO parent;',
];

const NAIVE = ['-- add created_at by rebuilding the table', 'PRAGMA foreign_keys = OFF;', ...REBUILD].join('\n');

const TWELVE_STEP = ['PRAGMA foreign_keys = OFF;', 'BEGIN;', ...REBUILD, 'PRAGMA foreign_key_check;', 'COMMIT;', 'PRAGMA foreign_keys = ON;'].join('\n');

function migration(sql: string): PreparedMigration {
  const path = 'migrations/0002_rebuild_parent.up.sql';
  return { version: '0002', versionNumber: 2n, name: 'rebuild_parent', id: '0002_rebuild_parent', up: { path, sql }, upPlan: splitSqliteFile(path, sql) };
}

describeSqlite('the table-rebuild cascade trap', () => {
  let t: TestSqliteEngine;
  let db: ScratchDatabase;
  let session: Session;
  const observer = new SqliteObserver({ trackingTable: 'schema_migrations' });
  const tracking = new GolangMigrateSqliteTracking();

  beforeAll(async () => {
    t = await openTestEngine();
  });

  beforeEach(async () => {
    if (session) await session.close();
    if (db) await t.engine.dropScratch(db);
    db = await t.engine.createScratch('cascade');
    session = await t.engine.connect(db);
    await observer.prepareSession(session);
    await session.exec(DATASET);
    await tracking.ensure(session);
    await tracking.set(session, 1n, false);
  });

  afterAll(async () => {
    await session.close();
    await t.cleanup();
  });

  async function rehearse(sql: string) {
    const before = await observer.snapshot(session, 'dataset');
    const storageBefore = await observer.storage(session);
    const ctx: StepContext = { engine: t.engine, db, session, observer, tracking, stepTimeoutMs: 30_000 };
    const { evidence } = await runStep(ctx, { migration: migration(sql), direction: 'up', phase: 'change', versionAfter: 2n });
    const after = await observer.snapshot(session, 'after-change');
    const storageAfter = await observer.storage(session);
    const findings = dataLossCheck.run(context(target({ steps: [evidence], dataset: { path: 'seed.sql', kind: 'seed-script', version: '0001', buildMs: 1, tableRows: { parent: 50, child: 400 } } })));
    return { evidence, before, after, findings, rootPage: (s: typeof storageBefore) => s.get('parent')!.storageId, storageBefore, storageAfter };
  }

  test('the naive rebuild, wrapped in a transaction as golang-migrate runs it, silently deletes every child row', async () => {
    const { evidence, before, after, findings } = await rehearse(NAIVE);
    expect(evidence.status).toBe('success');
    expect(evidence.transaction).toBe('per-file');
    expect(evidence.tablesNamed).toEqual(['new_parent', 'parent']);
    expect(evidence.rows).toEqual([
      { table: 'child', read: 0, inserted: 0, updated: 0, deleted: 400 },
      { table: 'new_parent', read: 0, inserted: 50, updated: 0, deleted: 0 },
    ]);
    expect(before.tables.child!.rows).toBe(400);
    expect(after.tables.child).toMatchObject({ rows: 0, checksum: '0000000000000000' });
    expect(after.tables.parent!.rows).toBe(50);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', table: 'child', evidence: { deleted: 400, datasetRows: 400 } });
    // The write lock was seen in the migration's transaction, on the tables it wrote.
    expect(evidence.locks.map((l) => [l.relation, l.mode, l.source])).toEqual(
      expect.arrayContaining([['parent', 'SQLITE_RESERVED', 'observed']]),
    );
  });

  test('the 12-step procedure — foreign keys off outside the transaction, checked before COMMIT — keeps every row', async () => {
    const { evidence, before, after, findings, rootPage, storageBefore, storageAfter } = await rehearse(TWELVE_STEP);
    expect(evidence.status).toBe('success');
    expect(evidence.transaction).toBe('file-managed');
    expect(evidence.rows).toEqual([{ table: 'new_parent', read: 0, inserted: 50, updated: 0, deleted: 0 }]);
    expect(after.tables.child).toEqual(before.tables.child);
    expect(after.tables.parent!.rows).toBe(50);
    expect(findings).toEqual([]);
    expect(await foreignKeyViolations(session)).toEqual([]);
    expect((await session.query('PRAGMA foreign_keys')).rows).toEqual([{ foreign_keys: 1 }]);
    // The rebuilt table is back under its name with new storage.
    expect(rootPage(storageAfter)).not.toBe(rootPage(storageBefore));
    expect(after.schema.tables.parent!.columns.map((c) => c.name)).toEqual(['id', 'name', 'created_at']);
  });
});
