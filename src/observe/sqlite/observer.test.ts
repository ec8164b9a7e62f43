// The SQLite observer on real files: storage ids (root pages) and sizes, the schema picture,
// content checksums and the tracking state, the write lock of an open transaction, counters,
// rows per step, and foreign_key_check.
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from '../../engines/sqlite/testing.ts';
import { GolangMigrateSqliteTracking } from '../../migrations/golang-migrate-tracking-sqlite.ts';
import { foreignKeyViolations } from './foreign-keys.ts';
import { SqliteObserver } from './observer.ts';

const SCHEMA = `
  CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x' CHECK (length(name) < 100), CONSTRAINT sane CHECK (id > 0));
  CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    parent_id INT NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
    code TEXT UNIQUE,
    total REAL GENERATED ALWAYS AS (id * 2) STORED
  );
  CREATE INDEX child_parent ON child (parent_id)  -- used by the cascade
  ;
  CREATE TABLE tags (name TEXT PRIMARY KEY, n INT) WITHOUT ROWID, STRICT;
  CREATE VIEW child_names AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id;
  CREATE TRIGGER child_code AFTER INSERT ON child BEGIN UPDATE child SET code = 'c' || new.id WHERE id = new.id AND code IS NULL; END;
  INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');
  INSERT INTO child (id, parent_id) VALUES (10, 1), (11, 1), (12, 2), (13, 2), (14, 3);
  INSERT INTO tags VALUES ('t', 1);`;

describeSqlite('sqlite observer', () => {
  let t: TestSqliteEngine;
  let db: ScratchDatabase;
  let s: Session;
  const observer = new SqliteObserver({ trackingTable: 'schema_migrations' });
  const tracking = new GolangMigrateSqliteTracking();

  beforeAll(async () => {
    t = await openTestEngine();
  });

  beforeEach(async () => {
    if (s) await s.close();
    if (db) await t.engine.dropScratch(db);
    db = await t.engine.createScratch('observed');
    s = await t.engine.connect(db);
    await observer.prepareSession(s);
    await s.exec(SCHEMA);
    await tracking.ensure(s);
    await tracking.set(s, 3n, false);
  });

  afterAll(async () => {
    await s.close();
    await t.cleanup();
  });

  test('storage: every table and index by lower-case name, the root page as storage id, sizes from dbstat', async () => {
    const map = await observer.storage(s);
    expect(map.get('child')).toMatchObject({ oid: 'child', name: 'child', kind: 'table', table: 'child', bytes: 4096 });
    expect(map.get('child_parent')).toMatchObject({ kind: 'index', table: 'child' });
    expect(map.get('sqlite_autoindex_child_1')).toMatchObject({ kind: 'index', table: 'child' });
    expect(Number(map.get('parent')!.storageId)).toBeGreaterThan(1);
    expect([...map.keys()]).not.toContain('child_names');
    const lean = await observer.storage(s, { sizes: false });
    expect(lean.get('child')!.bytes).toBeUndefined();
    expect(await observer.relationSizes(s, ['parent', 'child_parent'])).toEqual(new Map([['parent', 4096], ['child_parent', 4096]]));
  });

  test('a table rebuilt under its own name has a new root page; tables not rebuilt keep theirs', async () => {
    // SQLite's procedure: views on the table are dropped and made again around the swap.
    await s.exec('DROP VIEW child_names');
    const before = await observer.storage(s);
    await s.exec(`
      PRAGMA foreign_keys = OFF;
      BEGIN;
      CREATE TABLE new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born TEXT);
      INSERT INTO new_parent (id, name) SELECT id, name FROM parent;
      DROP TABLE parent;
      ALTER TABLE new_parent RENAME TO parent;
      COMMIT;
      PRAGMA foreign_keys = ON;`);
    const after = await observer.storage(s);
    expect(after.get('parent')!.storageId).not.toBe(before.get('parent')!.storageId);
    expect(after.get('child')!.storageId).toBe(before.get('child')!.storageId);
    expect(after.get('child_parent')!.storageId).toBe(before.get('child_parent')!.storageId);
  });

  test('schema: columns, keys, CHECK and FOREIGN KEY constraints, indexes, triggers, views, table options', async () => {
    const schema = await observer.schema(s);
    expect(Object.keys(schema.tables)).toEqual(['child', 'parent', 'schema_migrations', 'tags']);
    expect(schema.tables.parent).toEqual({
      name: 'parent',
      columns: [
        { name: 'id', type: 'INTEGER', notNull: false, default: null },
        { name: 'name', type: 'TEXT', notNull: true, default: "'x'" },
      ],
      indexes: {},
      constraints: {
        'PRIMARY KEY': 'PRIMARY KEY (id)',
        'CHECK (length (name) < 100)': 'CHECK (length (name) < 100)',
        sane: 'CHECK (id > 0)',
      },
      triggers: {},
    });
    const child = schema.tables.child!;
    expect(child.columns.at(-1)).toEqual({ name: 'total', type: 'REAL', notNull: false, default: 'GENERATED ALWAYS AS (…) STORED' });
    expect(child.constraints['FOREIGN KEY (parent_id) REFERENCES parent']).toBe('FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE');
    expect(child.indexes).toEqual({ child_parent: 'CREATE INDEX child_parent ON child (parent_id)', sqlite_autoindex_child_1: 'UNIQUE (code)' });
    expect(child.triggers.child_code).toBe("CREATE TRIGGER child_code AFTER INSERT ON child BEGIN UPDATE child SET code = 'c' || new.id WHERE id = new.id AND code IS NULL; END");
    expect(schema.tables.tags!.constraints).toEqual({ 'PRIMARY KEY': 'PRIMARY KEY (name)', 'WITHOUT ROWID': 'WITHOUT ROWID', STRICT: 'STRICT' });
    expect(schema.views).toEqual({ child_names: 'CREATE VIEW child_names AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id' });
    expect(schema.tables.schema_migrations!.indexes).toEqual({ version_unique: 'CREATE UNIQUE INDEX version_unique ON schema_migrations (version)' });
  });

  test('snapshot: row counts and checksums that move with the content, never with row order, and the tracking state', async () => {
    const first = await observer.snapshot(s, 'dataset');
    expect(first.tracking).toEqual({ version: '3', dirty: false });
    expect(Object.keys(first.tables)).toEqual(['child', 'parent', 'tags']);
    expect(first.tables.child).toMatchObject({ rows: 5, checksum: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(Object.keys(first.tables.child!.columns)).toEqual(['code', 'id', 'parent_id', 'total']);

    // Same rows, inserted in another order into a rebuilt table: same checksums.
    await s.exec(`
      PRAGMA foreign_keys = OFF;
      CREATE TABLE parent2 AS SELECT * FROM parent ORDER BY id DESC; DELETE FROM parent; INSERT INTO parent SELECT * FROM parent2; DROP TABLE parent2;
      PRAGMA foreign_keys = ON;`);
    const reordered = await observer.snapshot(s, 'again');
    expect(reordered.tables).toEqual(first.tables);

    await s.query("UPDATE child SET code = NULL WHERE id = 12");
    const changed = await observer.snapshot(s, 'after', { columnChecksums: false });
    expect(changed.tables.child!.checksum).not.toBe(first.tables.child!.checksum);
    expect(changed.tables.child!.columns).toEqual({});
    expect(changed.tables.parent).toEqual({ ...first.tables.parent, columns: {} });
    expect(await observer.tableRows(s)).toEqual({ child: 5, parent: 3, tags: 1 });
  });

  test('heldLocks: the write lock of the open transaction, on the tables its statements wrote', async () => {
    expect(await observer.heldLocks(s)).toEqual([]);
    await s.query('BEGIN');
    await s.query('SELECT * FROM parent');
    expect(await observer.heldLocks(s)).toEqual([]);
    await s.query("UPDATE Parent SET name = 'z' WHERE id = 1");
    await s.query('CREATE INDEX child_code_idx ON child (code)');
    expect(await observer.heldLocks(s)).toEqual([
      { oid: 'parent', name: 'parent', kind: 'table', table: 'parent', mode: 'SQLITE_RESERVED' },
      { oid: 'child', name: 'child', kind: 'table', table: 'child', mode: 'SQLITE_RESERVED' },
    ]);
    expect(observer.blockedBy('SQLITE_RESERVED')).toEqual({ reads: false, writes: true });
    await s.query('COMMIT');
    expect(await observer.heldLocks(s)).toEqual([]);
    expect(await observer.lockCapacity()).toBeUndefined();
  });

  test('in a rollback-journal mode the write lock is reported as EXCLUSIVE, which keeps readers out too', async () => {
    const journaled = await openTestEngine({ journalMode: 'delete' });
    try {
      const session = await journaled.engine.connect(await journaled.engine.createScratch('journal'));
      const own = new SqliteObserver({ trackingTable: 'schema_migrations' });
      await own.prepareSession(session);
      await session.exec('CREATE TABLE t (a)');
      await session.query('BEGIN');
      await session.query('INSERT INTO t VALUES (1)');
      expect(await own.heldLocks(session)).toEqual([{ oid: 't', name: 't', kind: 'table', table: 't', mode: 'SQLITE_EXCLUSIVE' }]);
      expect(own.blockedBy('SQLITE_EXCLUSIVE')).toEqual({ reads: true, writes: true });
      await session.close();
    } finally {
      await journaled.cleanup();
    }
  });

  test('transactionCounters: rows written, cascades included, and the rows an index build reads', async () => {
    await s.query('BEGIN');
    const start = (await observer.transactionCounters(s)).rowsProcessed;
    await s.query('DELETE FROM parent WHERE id = 1');
    const afterDelete = (await observer.transactionCounters(s)).rowsProcessed;
    expect(afterDelete - start).toBe(3); // the parent row and its two children
    await s.query('CREATE INDEX child_code_idx ON child (code)');
    const afterIndex = await observer.transactionCounters(s);
    expect(afterIndex).toEqual({ rowsProcessed: afterDelete + 3, sharedLocks: 0 });
    expect((await observer.transactionCounters(s)).rowsProcessed).toBe(afterIndex.rowsProcessed);
    await s.query('ROLLBACK');
  });

  test('beginStep/endStep: rows per table from the write log and row counts, the tracking table left out', async () => {
    const baseline = await observer.beginStep(s);
    await tracking.set(s, 4n, true);
    await s.query('BEGIN');
    await s.query("UPDATE child SET code = 'x' || id WHERE parent_id = 2");
    await s.query('DELETE FROM parent WHERE id = 3');
    await s.query("INSERT INTO tags VALUES ('u', 2)");
    await s.query('COMMIT');
    const { rows, walBytes } = await observer.endStep(s, baseline);
    expect(walBytes).toBeUndefined();
    expect(rows).toEqual([
      { table: 'child', read: 0, inserted: 0, updated: 2, deleted: 1 },
      { table: 'parent', read: 0, inserted: 0, updated: 0, deleted: 1 },
      { table: 'tags', read: 0, inserted: 1, updated: 0, deleted: 0 },
    ]);
  });

  test('foreignKeyViolations counts orphans per child table and parent, without their rows', async () => {
    expect(await foreignKeyViolations(s)).toEqual([]);
    await s.exec('PRAGMA foreign_keys = OFF; DELETE FROM parent WHERE id IN (1, 2); PRAGMA foreign_keys = ON;');
    expect(await foreignKeyViolations(s)).toEqual([{ table: 'child', parent: 'parent', rows: 4 }]);
  });

  test('the lock monitor stays out of the way: it reports nothing and closes its session', async () => {
    const second = await t.engine.connect(db);
    const monitor = observer.lockMonitor(second);
    const watch = monitor.watch(s.backendPid);
    await s.query("UPDATE parent SET name = 'q'");
    expect(await watch.stop()).toEqual([]);
    await monitor.close();
    await expect(second.query('SELECT 1')).rejects.toThrow(/closed/);
  });
});
