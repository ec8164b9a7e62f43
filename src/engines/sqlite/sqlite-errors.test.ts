import { expect, test } from 'vitest';
import { DatabaseError } from '../engine.ts';
import { deserializeError, SqliteDatabaseError, sqlstateOf } from './sqlite-errors.ts';

test('extended result codes map to the SQLSTATE that means the same, by primary code where not listed', () => {
  expect(sqlstateOf('SQLITE_CONSTRAINT_FOREIGNKEY')).toBe('23503');
  expect(sqlstateOf('SQLITE_CONSTRAINT_UNIQUE')).toBe('23505');
  expect(sqlstateOf('SQLITE_CONSTRAINT_TRIGGER')).toBe('23000');
  expect(sqlstateOf('SQLITE_BUSY_SNAPSHOT')).toBe('55P03');
  expect(sqlstateOf('SQLITE_ERROR')).toBeUndefined();
  expect(sqlstateOf(undefined)).toBeUndefined();
});

test('SQLite errors from the session process become DatabaseErrors; others stay plain errors', () => {
  const error = deserializeError({ message: 'NOT NULL constraint failed: t.a', code: 'SQLITE_CONSTRAINT_NOTNULL', name: 'SqliteError' });
  expect(error).toBeInstanceOf(DatabaseError);
  expect(error).toBeInstanceOf(SqliteDatabaseError);
  expect(error).toMatchObject({ sqlstate: '23502', sqliteCode: 'SQLITE_CONSTRAINT_NOTNULL', details: { detail: 'SQLite result code SQLITE_CONSTRAINT_NOTNULL' } });
  const plain = deserializeError({ message: 'The supplied SQL string contains more than one statement', name: 'RangeError' });
  expect(plain).not.toBeInstanceOf(DatabaseError);
  expect(plain.name).toBe('RangeError');
});
