// The MySQL observer against a real server: rewrites, rows per step, schema and checksums.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import type { MysqlServerEngine } from '../../engines/mysql/server-engine.ts';
import { createTestEngine, numbersUpTo } from '../../engines/mysql/test-server.ts';
import { ALL_TABLES } from './counters.ts';
import { MysqlObserver } from './observer.ts';

let engine: MysqlServerEngine;
let db: ScratchDatabase;
let session: Session;
let observer: MysqlObserver;

beforeAll(async () => {
  engine = createTestEngine();
  await engine.open();
  db = await engine.createScratch('observer');
  session = await engine.connect(db);
  observer = new MysqlObserver({ trackingTable: 'schema_migrations' });
  await observer.prepareSession(session);
});

afterAll(async () => {
  await engine.close();
});

test('notes say what this server hides', async () => {
  const features = await observer.features(session);
  const notes = observer.notes().join('\n');
  if (features.settings.log_bin === 'OFF') expect(notes).toContain('log_bin=OFF');
  if (!features.tableCounters) expect(notes).toContain('per-table row counters are off');
  if (!features.metadataLocks) expect(notes).toContain('metadata locks are not visible');
});

test('FORCE and ALGORITHM=COPY rebuild (new InnoDB ids); INSTANT ADD COLUMN and ADD INDEX do not', async () => {
  await session.exec(`
    CREATE TABLE items (id int PRIMARY KEY, v int, KEY items_v (v));
    INSERT INTO items SELECT n, n FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) AS numbers;
    CREATE TABLE \`empty-one\` (id int PRIMARY KEY);`);
  const before = await observer.storage(session);
  expect([...before.keys()].sort()).toEqual(['empty-one', 'items', 'items.items_v']);
  expect(before.get('items')).toMatchObject({ kind: 'table', table: 'items' });
  expect(before.get('items.items_v')).toMatchObject({ kind: 'index', table: 'items', name: 'items.items_v' });
  expect(before.get('items')!.bytes).toBeGreaterThan(0);
  expect(before.get('empty-one')!.bytes).toBe(0);

  await session.query('ALTER TABLE items ADD COLUMN w int DEFAULT 7, ALGORITHM=INSTANT');
  await session.query('ALTER TABLE items ADD INDEX items_w (w)');
  const instant = await observer.storage(session, { sizes: false });
  expect(instant.get('items')!.storageId).toBe(before.get('items')!.storageId);
  expect(instant.get('items.items_v')!.storageId).toBe(before.get('items.items_v')!.storageId);
  expect(instant.has('items.items_w')).toBe(true);

  await session.query('ALTER TABLE items FORCE');
  const forced = await observer.storage(session, { sizes: false });
  expect(forced.get('items')!.storageId).not.toBe(instant.get('items')!.storageId);
  expect(forced.get('items.items_v')!.storageId).not.toBe(instant.get('items.items_v')!.storageId);
  expect(forced.get('empty-one')!.storageId).toBe(before.get('empty-one')!.storageId);

  await session.query('ALTER TABLE items MODIFY v bigint, ALGORITHM=COPY');
  const copied = await observer.storage(session, { sizes: false });
  expect(copied.get('items')!.storageId).not.toBe(forced.get('items')!.storageId);
  const sizes = await observer.relationSizes(session, ['items', 'empty-one']);
  expect(sizes.get('items')).toBeGreaterThan(0);
  expect(sizes.get('empty-one')).toBe(0);
  await session.exec('DROP TABLE items; DROP TABLE `empty-one`');
});

test('sizes are current right after a bulk load (InnoDB statistics lag behind it)', async () => {
  await session.exec(`CREATE TABLE bulk (id int PRIMARY KEY, pad char(100) NOT NULL, KEY bulk_pad (pad(10)));
    INSERT INTO bulk SELECT n, REPEAT('x', 100) FROM ${numbersUpTo(50_000)} AS numbers;`);
  const map = await observer.storage(session);
  // 50,000 rows of 100+ bytes: several MB, where the statistics may still say one 16 KiB page.
  expect(map.get('bulk')!.bytes).toBeGreaterThan(4_000_000);
  expect(map.get('bulk.bulk_pad')!.bytes).toBeGreaterThan(0);
  await session.query('DROP TABLE bulk');
});

test('rows per step: each table\'s net row-count change and the session totals, where the server keeps no per-table counters', async () => {
  await session.exec(`CREATE TABLE accounts (id int PRIMARY KEY, balance int);
    INSERT INTO accounts SELECT n, 0 FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) AS numbers;`);
  const features = await observer.features(session);
  const baseline = await observer.beginStep(session);
  await session.query('BEGIN');
  await session.query('UPDATE accounts SET balance = 1 WHERE id <= 3');
  // INNODB_TRX is refreshed at most every 100 ms: wait so the reading is current.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const inTransaction = await observer.transactionCounters(session);
  expect(inTransaction.rowsProcessed).toBeGreaterThanOrEqual(6); // 3 read + 3 updated
  expect(inTransaction.sharedLocks).toBeGreaterThan(0);
  await session.query('DELETE FROM accounts WHERE id = 5');
  await session.query('INSERT INTO accounts VALUES (6, 0), (7, 0)');
  await session.query('COMMIT');
  const { rows, walBytes, sessionRows } = await observer.endStep(session, baseline);
  if (features.tableCounters) {
    expect(rows.find((r) => r.table === 'accounts')).toMatchObject({ inserted: 2, updated: 3, deleted: 1 });
  } else {
    // 5 rows before, 6 after: the net change is all a count can tell; the session saw the rest.
    expect(rows).toEqual([{ table: 'accounts', read: 0, inserted: 1, updated: 0, deleted: 0 }]);
    expect(sessionRows).toMatchObject({ inserted: 2, updated: 3, deleted: 1 });
    expect(sessionRows!.read).toBeGreaterThanOrEqual(4);
  }
  expect(walBytes === undefined).toBe(features.binlogStatus === undefined);
  await session.query('DROP TABLE accounts');
});

test('with userstat=1 (MariaDB), rows are counted per table from TABLE_STATISTICS', async () => {
  const { rows: settings } = await session.query<{ userstat: string | null }>(
    `SELECT (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME = 'USERSTAT') AS userstat`,
  );
  const userstat = settings[0]?.userstat;
  // A server without userstat (MySQL) cannot count that way: the observer must not claim it does.
  if (userstat !== 'OFF' && userstat !== 'ON') {
    expect((await observer.features(session)).tableCounters).not.toBe('table-statistics');
    return;
  }
  // A server-wide switch, set for this test only and put back as it was found.
  if (userstat === 'OFF') await session.query('SET GLOBAL userstat = 1');
  try {
    const perTable = new MysqlObserver({ trackingTable: 'schema_migrations' });
    await perTable.prepareSession(session);
    expect((await perTable.features(session)).tableCounters).toBeDefined();
    await session.exec(`CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY, a_id int);
      INSERT INTO a VALUES (1), (2), (3); INSERT INTO b VALUES (1, 1), (2, 1), (3, 2);`);
    const baseline = await perTable.beginStep(session);
    await session.query('DELETE FROM b WHERE a_id = 1');
    await session.query('SELECT COUNT(*) FROM a');
    const { rows } = await perTable.endStep(session, baseline);
    expect(rows.find((r) => r.table === 'b')).toMatchObject({ deleted: 2, inserted: 0, updated: 0 });
    expect(rows.find((r) => r.table === 'a')).toMatchObject({ read: 3, deleted: 0 });
    expect(rows.some((r) => r.table === ALL_TABLES)).toBe(false);
    await session.exec('DROP TABLE a; DROP TABLE b');
  } finally {
    if (userstat === 'OFF') await session.query('SET GLOBAL userstat = 0');
  }
});

test('lock capacity is derived from the buffer pool and says it is an estimate', async () => {
  const capacity = await observer.lockCapacity(session);
  const { rows } = await session.query<{ pool: string }>('SELECT @@innodb_buffer_pool_size AS pool');
  expect(capacity.locks).toBe(Math.floor((Number(rows[0]!.pool) * 3) / 4 / 120));
  expect(capacity.derivation).toMatch(/innodb_buffer_pool_size \d+ MiB .*estimate.*1206/);
});

const CONTENT_SCHEMA = `
  CREATE TABLE parent (id int PRIMARY KEY AUTO_INCREMENT, code varchar(20) NOT NULL UNIQUE, price decimal(10, 2) DEFAULT 0.00,
    seen datetime NULL, data blob, doc json, CHECK (price >= 0));
  CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL, note varchar(50) DEFAULT 'none',
    CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE, KEY child_note (note(10) DESC));
  INSERT INTO parent (code, price, seen, data, doc) VALUES
    ('a', 1.50, '2024-01-02 03:04:05', x'00ff', '{"k": 1}'), ('b', 0, NULL, NULL, NULL), ('c', 2, '2024-03-01', '', '[]');
  INSERT INTO child VALUES (1, 1, NULL), (2, 1, ''), (3, 2, 'x');
  CREATE VIEW parent_codes AS SELECT code FROM parent WHERE price > 0;
  CREATE TRIGGER child_note BEFORE INSERT ON child FOR EACH ROW SET NEW.note = LOWER(NEW.note);
  CREATE FUNCTION cents(p decimal(10, 2)) RETURNS int DETERMINISTIC RETURN p * 100;
  CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
  INSERT INTO schema_migrations VALUES (20240101000000, 0);`;

test('schema and content snapshots: stable for the same content (also in a clone), a changed cell changes its column', async () => {
  const source = await engine.createScratch('snapshots');
  const s = await engine.connect(source);
  await s.exec(CONTENT_SCHEMA);
  const first = await observer.snapshot(s, 'first');
  if (process.env.REHEARSE_DUMP) console.log(JSON.stringify(first, null, 1));
  expect(await observer.snapshot(s, 'again')).toEqual({ ...first, label: 'again' });

  expect(Object.keys(first.schema.tables)).toEqual(['child', 'parent', 'schema_migrations']);
  const parent = first.schema.tables.parent!;
  expect(parent.columns.map((c) => [c.name, c.notNull])).toEqual([
    ['id', true], ['code', true], ['price', false], ['seen', false], ['data', false], ['doc', false],
  ]);
  expect(parent.columns[0]!.type).toMatch(/^int(\(11\))? auto_increment$/);
  expect(parent.columns[1]!.type).toBe('varchar(20)');
  expect(parent.columns[2]!.default).toBe('0.00');
  expect(parent.columns[3]!.default).toBeNull();
  expect(parent.indexes).toMatchObject({ PRIMARY: 'UNIQUE BTREE (`id`)', code: 'UNIQUE BTREE (`code`)' });
  expect(Object.values(parent.constraints)).toEqual(expect.arrayContaining(['PRIMARY KEY (`id`)', 'UNIQUE (`code`)', expect.stringMatching(/^CHECK \(.*price.* >= 0\)$/)]));
  const child = first.schema.tables.child!;
  expect(child.constraints.child_parent).toBe('FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`) ON UPDATE RESTRICT ON DELETE CASCADE');
  expect(child.indexes.child_note).toMatch(/^BTREE \(`note`\(10\)( DESC)?\)$/);
  expect(child.triggers.child_note).toBe('BEFORE INSERT FOR EACH ROW (order 1) SET NEW.note = LOWER(NEW.note)');
  expect(first.schema.views.parent_codes).not.toContain(source.name);
  expect(first.schema.functions['cents(IN p decimal(10,2))'] ?? first.schema.functions['cents(p decimal(10,2))']).toMatch(/^FUNCTION RETURNS int(\(11\))? body md5 [0-9a-f]{32}$/);
  expect(first.tracking).toEqual({ version: '20240101000000', dirty: false });
  expect(first.tables.schema_migrations).toBeUndefined();
  expect(first.tables.parent).toMatchObject({ rows: 3 });
  expect(Object.keys(first.tables.parent!.columns)).toEqual(['code', 'data', 'doc', 'id', 'price', 'seen']);

  // A copy in another database has the same schema and content.
  const clone = await engine.cloneScratch(source, 'snapshots_copy');
  const c = await engine.connect(clone);
  const copied = await observer.snapshot(c, 'first');
  expect(copied.schema).toEqual(first.schema);
  expect(copied.tables).toEqual(first.tables);

  // One changed cell: the table's checksum and that column's change, nothing else does.
  await c.query(`UPDATE parent SET doc = '{"k": 2}' WHERE code = 'a'`);
  const changed = await observer.snapshot(c, 'changed');
  expect(changed.tables.parent!.checksum).not.toBe(first.tables.parent!.checksum);
  expect(changed.tables.parent!.columns.doc).not.toBe(first.tables.parent!.columns.doc);
  for (const column of ['code', 'data', 'id', 'price', 'seen']) {
    expect(changed.tables.parent!.columns[column]).toBe(first.tables.parent!.columns[column]);
  }
  expect(changed.tables.child).toEqual(first.tables.child);

  // NULL and '' are different values; so are two values swapped between columns of a row.
  await c.query(`UPDATE child SET note = '' WHERE id = 1`);
  await c.query(`UPDATE child SET note = NULL WHERE id = 2`);
  const swapped = await observer.snapshot(c, 'swapped');
  expect(swapped.tables.child!.columns.note).toBe(first.tables.child!.columns.note);
  expect(swapped.tables.child!.checksum).not.toBe(first.tables.child!.checksum);

  expect(await observer.tableRows(c)).toEqual({ child: 3, parent: 3 });
  await engine.dropScratch(clone);
  await engine.dropScratch(source);
});
