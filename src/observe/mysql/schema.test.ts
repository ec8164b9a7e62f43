// MySQL/MariaDB's schema model against a real server: collations each against the level above
// (column against its table's default, table against the database's), types without them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import type { MysqlServerEngine } from '../../engines/mysql/server-engine.ts';
import { createTestEngine } from '../../engines/mysql/test-server.ts';
import { introspectSchema, TABLE_COLLATION } from './schema.ts';

let engine: MysqlServerEngine;
let db: ScratchDatabase;
let session: Session;

beforeAll(async () => {
  engine = createTestEngine();
  await engine.open();
  db = await engine.createScratch('schema');
  session = await engine.connect(db);
  await session.exec(`
    CREATE TABLE plain (id int PRIMARY KEY, name varchar(40) NOT NULL, code varchar(10) COLLATE utf8mb4_bin, kind enum('a', 'b'));
    CREATE TABLE binary_default (id int PRIMARY KEY, name varchar(40), label varchar(40) COLLATE utf8mb4_unicode_ci, n int) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;`);
});

afterAll(async () => {
  await engine.close();
});

test('a column shows its collation only where it is not its table\'s default, and the type never carries it', async () => {
  const schema = await introspectSchema(session);
  const plain = Object.fromEntries(schema.tables.plain!.columns.map((c) => [c.name, c]));
  expect(plain.name).toEqual({ name: 'name', type: 'varchar(40)', notNull: true, default: null });
  expect(plain.code).toEqual({ name: 'code', type: 'varchar(10)', notNull: false, default: null, collation: 'utf8mb4_bin' });
  expect(plain.kind).toEqual({ name: 'kind', type: "enum('a','b')", notNull: false, default: null });
  expect(schema.tables.plain!.constraints).not.toHaveProperty(TABLE_COLLATION);
});

test('a table whose default collation is not the database\'s shows it once, as DEFAULT COLLATE; its columns that follow it do not', async () => {
  const schema = await introspectSchema(session);
  const table = schema.tables.binary_default!;
  expect(table.constraints[TABLE_COLLATION]).toBe('DEFAULT COLLATE utf8mb4_bin');
  const columns = Object.fromEntries(table.columns.map((c) => [c.name, c]));
  expect(columns.name).not.toHaveProperty('collation');
  expect(columns.n).not.toHaveProperty('collation');
  expect(columns.label).toMatchObject({ type: 'varchar(40)', collation: 'utf8mb4_unicode_ci' });
});
