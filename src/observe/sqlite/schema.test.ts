// SQLite's schema model: a column's COLLATE read off the CREATE TABLE text (no pragma reports it),
// on the text alone and on a real database file.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from '../../engines/sqlite/testing.ts';
import { columnCollations, introspectSchema } from './schema.ts';

describe('columnCollations', () => {
  test('the COLLATE of each column definition, upper-cased; BINARY (the default) left out', () => {
    const sql = `CREATE TABLE "Users" (
      id INTEGER PRIMARY KEY,
      "E-mail" TEXT NOT NULL COLLATE nocase UNIQUE,
      name TEXT COLLATE RTRIM DEFAULT ('x' COLLATE NOCASE),
      code TEXT COLLATE BINARY,
      note TEXT CHECK (note <> '' COLLATE NOCASE),
      CONSTRAINT named CHECK (name COLLATE NOCASE <> 'root'),
      UNIQUE (name COLLATE NOCASE)
    )`;
    expect([...columnCollations(sql)]).toEqual([
      ['e-mail', 'NOCASE'],
      ['name', 'RTRIM'],
    ]);
  });

  test('nothing for a table made by CREATE TABLE … AS SELECT', () => {
    expect(columnCollations('CREATE TABLE copy AS SELECT name COLLATE NOCASE AS name FROM (SELECT 1 AS name)').size).toBe(0);
  });
});

describeSqlite('sqlite schema', () => {
  let t: TestSqliteEngine;
  let db: ScratchDatabase;
  let s: Session;

  beforeAll(async () => {
    t = await openTestEngine();
    db = await t.engine.createScratch('schema');
    s = await t.engine.connect(db);
    await s.exec(`
      CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE, name TEXT);
      ALTER TABLE users ADD COLUMN handle TEXT COLLATE rtrim;`);
  });

  afterAll(async () => {
    await s.close();
    await t.cleanup();
  });

  test('columns carry their collation where it is not BINARY, also one added by ALTER TABLE', async () => {
    const schema = await introspectSchema(s);
    expect(schema.tables.users!.columns).toEqual([
      { name: 'id', type: 'INTEGER', notNull: false, default: null },
      { name: 'email', type: 'TEXT', notNull: true, default: null, collation: 'NOCASE' },
      { name: 'name', type: 'TEXT', notNull: false, default: null },
      { name: 'handle', type: 'TEXT', notNull: false, default: null, collation: 'RTRIM' },
    ]);
  });
});
