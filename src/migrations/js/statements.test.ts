import { expect, test } from 'vitest';
import { leadingKeyword, postgresCommand, returnsRows, runStatements } from './statements.ts';
import type { SqlRunner } from './types.ts';

function recorder(dialect: SqlRunner['dialect']): SqlRunner & { sent: { sql: string; params?: unknown[] }[] } {
  const sent: { sql: string; params?: unknown[] }[] = [];
  return { dialect, sent, query: async (sql, params) => (sent.push(params ? { sql, params } : { sql }), { rows: [], rowCount: null }) };
}

test('the leading keyword skips blanks, comments and parentheses', () => {
  expect(leadingKeyword('  -- note\n/* block */ (select 1) union (select 2)')).toBe('SELECT');
  expect(leadingKeyword('# mysql comment\nshow tables')).toBe('SHOW');
  expect(leadingKeyword('')).toBe('');
});

test("PostgreSQL command tags as node-postgres reports them, the driver's own when given", () => {
  const none = { rows: [], rowCount: null };
  expect(postgresCommand('with x as (select 1) select * from x', none)).toBe('SELECT');
  expect(postgresCommand('with x as (select 1) delete from t where id in (select * from x)', none)).toBe('DELETE');
  expect(postgresCommand('values (1)', none)).toBe('SELECT');
  expect(postgresCommand('create table t (id int)', none)).toBe('CREATE');
  expect(postgresCommand('select 1', { ...none, command: 'update' })).toBe('UPDATE');
});

test('a result set is told by the fields, the rows, or a reading statement', () => {
  expect(returnsRows('update t set a = 1', { rows: [], rowCount: 3 })).toBe(false);
  expect(returnsRows('select * from t', { rows: [], rowCount: 0 })).toBe(true);
  expect(returnsRows('pragma foreign_keys', { rows: [], rowCount: 0 })).toBe(true);
  expect(returnsRows('insert into t values (1) returning id', { rows: [{ id: 1 }], rowCount: 1 })).toBe(true);
  expect(returnsRows('call p()', { rows: [], rowCount: 0, fields: [] })).toBe(true);
});

test('PostgreSQL text without parameters holding several statements reaches the runner one statement at a time', async () => {
  const pg = recorder('postgres');
  const { statements } = await runStatements(pg, "COMMENT ON TABLE a IS 'x; y'; CREATE TABLE b (id int);\n-- trailing comment\n");
  expect(statements).toBe(2);
  expect(pg.sent).toEqual([{ sql: "COMMENT ON TABLE a IS 'x; y'" }, { sql: 'CREATE TABLE b (id int)' }]);

  const one = recorder('postgres');
  await runStatements(one, 'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;');
  await runStatements(one, 'select $1::int; select 2', [1]);
  await runStatements(one, 'this is not sql; nor this');
  expect(one.sent.map((s) => s.sql)).toEqual([
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;',
    'select $1::int; select 2',
    'this is not sql; nor this',
  ]);

  const mysql = recorder('mysql');
  await runStatements(mysql, 'select 1; select 2');
  expect(mysql.sent).toEqual([{ sql: 'select 1; select 2' }]);
});
