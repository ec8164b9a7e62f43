// Metadata locks against a real server: degraded without a lock catalog, then seen in the
// migration's transaction and by the monitor during a slow ALTER.
//
// MariaDB shows metadata locks only through the metadata_lock_info plugin. rehearse never
// installs it; this test does, when the server lacks it (INSTALL SONAME is server-wide), and
// uninstalls it afterwards, so the server is left as it was found.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import type { MysqlServerEngine } from '../../engines/mysql/server-engine.ts';
import { createTestEngine, setupConnection } from '../../engines/mysql/test-server.ts';
import type { MysqlLockWatch } from './lock-monitor.ts';
import { MysqlObserver } from './observer.ts';

let engine: MysqlServerEngine;
let db: ScratchDatabase;
let migration: Session;
let setup: Connection;
let installedPlugin = false;

beforeAll(async () => {
  engine = createTestEngine();
  await engine.open();
  db = await engine.createScratch('locks');
  migration = await engine.connect(db);
  await migration.exec(`CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 2); CREATE VIEW tv AS SELECT id FROM t`);
  setup = await setupConnection();
});

afterAll(async () => {
  if (installedPlugin) await setup.query(`UNINSTALL SONAME 'metadata_lock_info'`);
  await setup.end();
  await engine.close();
});

async function isMariaDbWithoutLockPlugin(): Promise<boolean> {
  const [rows] = await setup.query<RowDataPacket[]>(
    `SELECT (VERSION() LIKE '%MariaDB%') AS mariadb,
            (SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO') AS status`,
  );
  return Number(rows[0]!.mariadb) === 1 && rows[0]!.status !== 'ACTIVE';
}

test('without a lock catalog, heldLocks is empty and the notes say why (with one, it shows the lock)', async () => {
  const withoutCatalog = await isMariaDbWithoutLockPlugin();
  const observer = new MysqlObserver({ trackingTable: 'schema_migrations' });
  await observer.prepareSession(migration);
  await migration.query('BEGIN');
  await migration.query('SELECT * FROM t');
  const held = await observer.heldLocks(migration);
  await migration.query('COMMIT');
  if (withoutCatalog) {
    expect(held).toEqual([]);
    expect(observer.notes().join('\n')).toContain("metadata_lock_info plugin, which is not installed (INSTALL SONAME 'metadata_lock_info'");
  } else {
    expect(held.map((l) => l.table)).toContain('t');
  }
});

test('locks held in a transaction, and those a monitor sees during a slow ALTER', async () => {
  if (await isMariaDbWithoutLockPlugin()) {
    await setup.query(`INSTALL SONAME 'metadata_lock_info'`);
    installedPlugin = true;
  }
  const observer = new MysqlObserver({ trackingTable: 'schema_migrations' });
  await observer.prepareSession(migration);
  expect((await observer.features(migration)).metadataLocks).toBeDefined();

  await migration.query('BEGIN');
  await migration.query('SELECT * FROM tv');
  await migration.query('UPDATE t SET v = v + 1 WHERE id = 1');
  // Twice: the observer's own catalog reads must not leave locks of their own behind.
  await observer.heldLocks(migration);
  const held = await observer.heldLocks(migration);
  expect(held.sort((a, b) => a.name.localeCompare(b.name) || a.mode.localeCompare(b.mode))).toEqual([
    { oid: 't', name: 't', kind: 'table', table: 't', mode: 'MDL_SHARED_READ' },
    { oid: 't', name: 't', kind: 'table', table: 't', mode: 'MDL_SHARED_WRITE' },
    { oid: 'tv', name: 'tv', kind: 'view', table: 'tv', mode: 'MDL_SHARED_READ' },
  ]);
  await migration.query('COMMIT');

  // Another session reads t in an open transaction: the ALTER copies the table holding
  // MDL_SHARED_NO_WRITE, then waits for MDL_EXCLUSIVE until that transaction ends.
  const reader = await engine.connect(db);
  const monitorSession = await engine.connect(db);
  await observer.prepareSession(monitorSession);
  const monitor = observer.lockMonitor(monitorSession);
  await reader.query('BEGIN');
  await reader.query('SELECT COUNT(*) FROM t');
  const watch = monitor.watch(migration.backendPid) as MysqlLockWatch;
  const altering = migration.query('ALTER TABLE t ADD COLUMN w int, ALGORITHM=COPY');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await reader.query('COMMIT');
  await altering;
  const seen = await watch.stop();
  expect(seen).toContainEqual({ oid: 't', name: 't', kind: 'table', table: 't', mode: 'MDL_SHARED_NO_WRITE' });
  expect(observer.blockedBy('MDL_SHARED_NO_WRITE')).toEqual({ reads: false, writes: true });
  expect(watch.states().map((s) => s.state)).toContain('Waiting for table metadata lock');
  await monitor.close();
  await reader.close();
});
