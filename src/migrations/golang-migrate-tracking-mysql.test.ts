// The MySQL tracking table round trip against a real server, in golang-migrate's exact shape.

import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ScratchDatabase, Session } from '../engines/engine.ts';
import type { MysqlServerEngine } from '../engines/mysql/server-engine.ts';
import { createTestEngine } from '../engines/mysql/test-server.ts';
import { GolangMigrateTrackingMysql } from './golang-migrate-tracking-mysql.ts';

let engine: MysqlServerEngine;
let db: ScratchDatabase;
let session: Session;

beforeAll(async () => {
  engine = createTestEngine();
  await engine.open();
  db = await engine.createScratch('tracking');
  session = await engine.connect(db);
});

afterAll(async () => {
  await engine.close();
});

test('the table is created as golang-migrate creates it, once', async () => {
  const tracking = new GolangMigrateTrackingMysql();
  expect(await tracking.read(session)).toBeNull();
  await tracking.ensure(session);
  await tracking.ensure(session);
  const { rows } = await session.query<{ name: string; type: string; nullable: string; key: string }>(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_KEY AS \`key\`
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migrations' ORDER BY ORDINAL_POSITION`,
  );
  expect(rows.map((r) => [r.name, r.type.replace(/\(\d+\)/, ''), r.nullable, r.key])).toEqual([
    ['version', 'bigint', 'NO', 'PRI'],
    ['dirty', 'tinyint', 'NO', ''],
  ]);
  expect(await tracking.read(session)).toEqual({ version: null, dirty: false });
});

test('versions round-trip exactly, dirty and clean, and NilVersion is written only when dirty', async () => {
  const tracking = new GolangMigrateTrackingMysql();
  await tracking.ensure(session);
  const big = 20240101120000123n; // above 2^53: must not pass through a JS number
  await tracking.set(session, big, true);
  expect(await tracking.read(session)).toEqual({ version: big, dirty: true });
  await tracking.set(session, big, false);
  expect(await tracking.read(session)).toEqual({ version: big, dirty: false });
  expect((await session.query('SELECT * FROM schema_migrations')).rows).toHaveLength(1);

  await tracking.set(session, null, true);
  expect((await session.query('SELECT version, dirty FROM schema_migrations')).rows).toEqual([{ version: '-1', dirty: 1 }]);
  expect(await tracking.read(session)).toEqual({ version: null, dirty: true });
  await tracking.set(session, null, false);
  expect((await session.query('SELECT * FROM schema_migrations')).rows).toEqual([]);
  expect(await tracking.read(session)).toEqual({ version: null, dirty: false });
});

test('a custom table name is honoured', async () => {
  const tracking = new GolangMigrateTrackingMysql('app_migrations');
  await tracking.ensure(session);
  await tracking.set(session, 7n, false);
  expect(await tracking.read(session)).toEqual({ version: 7n, dirty: false });
  expect(tracking.table).toBe('app_migrations');
});
