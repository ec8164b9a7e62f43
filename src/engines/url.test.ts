import { describe, expect, test } from 'vitest';
import { UsageError } from '../errors.ts';
import { parsePostgresUrl, redactUrl, scrubPassword, withDatabase } from './url.ts';

describe('parsePostgresUrl', () => {
  test('reads the database and keeps the password out of the printable form', () => {
    const url = parsePostgresUrl('postgres://alice:s3cret@db.example:5433/app?sslmode=require');
    expect(url.database).toBe('app');
    expect(url.password).toBe('s3cret');
    expect(url.redacted).toBe('postgres://alice:***@db.example:5433/app?sslmode=require');
  });

  test('accepts postgresql:// and a URL without password or database', () => {
    const url = parsePostgresUrl('postgresql://bob@localhost');
    expect(url.database).toBe('');
    expect(url.password).toBeUndefined();
    expect(url.redacted).toBe('postgresql://bob@localhost');
  });

  test('decodes a percent-encoded password so it can be scrubbed in either form', () => {
    const url = parsePostgresUrl('postgres://u:p%40ss%2Fw@h/db');
    expect(url.password).toBe('p@ss/w');
    expect(scrubPassword('auth failed for p@ss/w and p%40ss%2Fw', url)).toBe('auth failed for *** and ***');
  });

  test.each([
    ['mysql://root:hunter2@h/db', 'postgres:// or postgresql://'],
    ['postgres://u:hunter2@h/a/b', 'single database name'],
    ['not a url hunter2', 'expected postgres://'],
  ])('rejects %s with a UsageError that does not show the password', (input, reason) => {
    let caught: unknown;
    try {
      parsePostgresUrl(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).code).toBe('USAGE');
    expect((caught as Error).message).toContain(reason);
    if (input.includes('://')) expect((caught as Error).message).not.toContain('hunter2');
  });
});

describe('redactUrl', () => {
  test.each([
    ['postgres://u:pw@h:5432/db', 'postgres://u:***@h:5432/db'],
    // An unescaped @ in the password: everything up to the last @ is hidden, never leaked.
    ['postgres://u:p@ss@h/db', 'postgres://u:***@h/db'],
    ['postgres://h/db?user=u&password=pw&sslmode=disable', 'postgres://h/db?user=u&password=***&sslmode=disable'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

test('withDatabase points the same server URL at another database', () => {
  const url = parsePostgresUrl('postgres://u:pw@h:5432/postgres?application_name=x');
  expect(withDatabase(url, 'rehearse_1')).toBe('postgres://u:pw@h:5432/rehearse_1?application_name=x');
});
