// Session.prepare on every engine: compiles a statement against the schema (names, types) and
// runs nothing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEveryEngine } from '../../test/helpers/engines.ts';
import { DatabaseError, type Dialect, type Engine, type ScratchDatabase, type Session } from './engine.ts';

/** The placeholder of the engine's drivers. */
function param(dialect: Dialect, n: number): string {
  return dialect === 'postgres' ? `$${n}` : '?';
}

/** What each engine says for a table / a column it cannot find. */
function expectedError(dialect: Dialect, what: 'table' | 'column'): { sqlstate?: string; errno?: number; message: RegExp } {
  switch (dialect) {
    case 'postgres':
      return what === 'table' ? { sqlstate: '42P01', message: /relation "missing_table" does not exist/ } : { sqlstate: '42703', message: /column "missing_column" (of relation "accounts" )?does not exist/ };
    case 'mysql':
      return what === 'table' ? { sqlstate: '42S02', errno: 1146, message: /missing_table' doesn't exist/ } : { sqlstate: '42S22', errno: 1054, message: /Unknown column 'missing_column'/ };
    case 'sqlite':
      return what === 'table' ? { message: /no such table: missing_table/ } : { message: /no such column: missing_column|table accounts has no column named missing_column/ };
  }
}

async function prepareError(session: Session, sql: string): Promise<DatabaseError> {
  const error = await session.prepare(sql).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `prepare of ${sql} should fail`).toBeInstanceOf(DatabaseError);
  return error as DatabaseError;
}

describeEveryEngine(({ dialect, create }) => {
  describe('Session.prepare', () => {
    let engine: Engine;
    let db: ScratchDatabase;
    let session: Session;

    beforeAll(async () => {
      engine = create();
      await engine.open();
      db = await engine.createScratch('prepare');
      session = await engine.connect(db);
      await session.exec('CREATE TABLE accounts (id integer PRIMARY KEY, name varchar(50) NOT NULL)');
      await session.exec("INSERT INTO accounts (id, name) VALUES (1, 'first')");
    });

    afterAll(async () => {
      await session?.close();
      await engine?.close();
    });

    test('compiles a valid SELECT with a parameter', async () => {
      await expect(session.prepare(`SELECT id, name FROM accounts WHERE id = ${param(dialect, 1)}`)).resolves.toBeUndefined();
      // The same text again: nothing is cached as "compiled" without asking the engine.
      await expect(session.prepare(`SELECT id, name FROM accounts WHERE id = ${param(dialect, 1)}`)).resolves.toBeUndefined();
    });

    test('fails with the engine\'s error for a missing table', async () => {
      const error = await prepareError(session, `SELECT id FROM missing_table WHERE id = ${param(dialect, 1)}`);
      const expected = expectedError(dialect, 'table');
      expect(error.message).toMatch(expected.message);
      expect(error.sqlstate).toBe(expected.sqlstate);
      expect(error.details.errno).toBe(expected.errno);
      if (dialect === 'sqlite') expect(error.details.detail).toBe('SQLite result code SQLITE_ERROR');
    });

    test('fails with the engine\'s error for a missing column, in SELECT, INSERT and UPDATE', async () => {
      const expected = expectedError(dialect, 'column');
      for (const sql of [
        `SELECT missing_column FROM accounts WHERE id = ${param(dialect, 1)}`,
        `INSERT INTO accounts (id, missing_column) VALUES (${param(dialect, 1)}, ${param(dialect, 2)})`,
        `UPDATE accounts SET name = ${param(dialect, 1)} WHERE missing_column = ${param(dialect, 2)}`,
      ]) {
        const error = await prepareError(session, sql);
        expect(error.message, sql).toMatch(expected.message);
        expect(error.sqlstate, sql).toBe(expected.sqlstate);
        expect(error.details.errno, sql).toBe(expected.errno);
      }
    });

    test('runs nothing: a prepared INSERT, UPDATE and DELETE leave the table as it was', async () => {
      await session.prepare("INSERT INTO accounts (id, name) VALUES (2, 'second')");
      await session.prepare(`UPDATE accounts SET name = 'changed' WHERE id = ${param(dialect, 1)}`);
      await session.prepare('DELETE FROM accounts');
      const { rows } = await session.query<{ id: unknown; name: string }>('SELECT id, name FROM accounts ORDER BY id');
      expect(rows.map((r) => [Number(r.id), r.name])).toEqual([[1, 'first']]);
    });

    test('a text of two statements is refused, and neither runs', async () => {
      await expect(session.prepare("SELECT 1; INSERT INTO accounts (id, name) VALUES (3, 'third')")).rejects.toThrow();
      const { rows } = await session.query<{ n: unknown }>('SELECT count(*) AS n FROM accounts');
      expect(Number(rows[0]!.n)).toBe(1);
    });

    test('the session stays usable after a failed prepare', async () => {
      await expect(session.prepare('SELECT missing_column FROM accounts')).rejects.toThrow();
      const { rows } = await session.query<{ name: string }>('SELECT name FROM accounts');
      expect(rows).toEqual([{ name: 'first' }]);
      await expect(session.prepare('SELECT name FROM accounts')).resolves.toBeUndefined();
    });
  });
});
