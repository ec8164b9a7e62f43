// golang-migrate's sqlite3 tracking table on a real SQLite file: the driver's exact DDL, and the
// SetVersion / Version round trip, NilVersion included.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Session } from '../engines/engine.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from '../engines/sqlite/testing.ts';
import { GolangMigrateSqliteTracking } from './golang-migrate-tracking-sqlite.ts';

describeSqlite('golang-migrate sqlite3 tracking table', () => {
  let t: TestSqliteEngine;
  let s: Session;
  const tracking = new GolangMigrateSqliteTracking();

  beforeAll(async () => {
    t = await openTestEngine();
    s = await t.engine.connect(await t.engine.createScratch('tracking'));
  });

  afterAll(async () => {
    await s.close();
    await t.cleanup();
  });

  const raw = async () => (await s.query('SELECT version, dirty FROM schema_migrations')).rows;

  test('no table reads as null; ensure creates the driver’s table and unique index, twice over', async () => {
    expect(await tracking.read(s)).toBeNull();
    await tracking.ensure(s);
    await tracking.ensure(s);
    const { rows } = await s.query("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'schema_migrations' ORDER BY type DESC");
    expect(rows).toEqual([
      { type: 'table', name: 'schema_migrations', sql: 'CREATE TABLE schema_migrations (version uint64,dirty bool)' },
      { type: 'index', name: 'version_unique', sql: 'CREATE UNIQUE INDEX version_unique ON schema_migrations (version)' },
    ]);
    expect(await tracking.read(s)).toEqual({ version: null, dirty: false });
  });

  test('set and read round trip, one row at a time, dirty as 1/0', async () => {
    await tracking.set(s, 5n, true);
    expect(await raw()).toEqual([{ version: 5, dirty: 1 }]);
    expect(await tracking.read(s)).toEqual({ version: 5n, dirty: true });
    await tracking.set(s, 20240101120000n, false);
    expect(await raw()).toEqual([{ version: 20240101120000, dirty: 0 }]);
    expect(await tracking.read(s)).toEqual({ version: 20240101120000n, dirty: false });
  });

  test('below the first migration: NilVersion is written only when dirty', async () => {
    await tracking.set(s, null, true);
    expect(await raw()).toEqual([{ version: -1, dirty: 1 }]);
    expect(await tracking.read(s)).toEqual({ version: null, dirty: true });
    await tracking.set(s, null, false);
    expect(await raw()).toEqual([]);
    expect(await tracking.read(s)).toEqual({ version: null, dirty: false });
  });

  test('a failed set leaves the previous state', async () => {
    await tracking.set(s, 7n, false);
    await s.query('CREATE TRIGGER refuse BEFORE INSERT ON schema_migrations WHEN new.version = 8 BEGIN SELECT RAISE(ABORT, \'no\'); END');
    await expect(tracking.set(s, 8n, true)).rejects.toThrow('no');
    expect(await tracking.read(s)).toEqual({ version: 7n, dirty: false });
    await s.query('DROP TRIGGER refuse');
  });
});
