import { describe, expect, it } from 'vitest';
import {
  count,
  describeError,
  errorClass,
  formatBytes,
  formatDuration,
  lockModeName,
  normalizeTable,
  shortListing,
} from './advice.ts';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [340, '340 ms'],
    [999, '999 ms'],
    [1_000, '1 s'],
    [2_345, '2.3 s'],
    [45_000, '45 s'],
    [60_000, '1 min'],
    [252_000, '4 min 12 s'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
  ])('%d ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [1024, '1 KiB'],
    [340 * 1024 ** 2, '340 MiB'],
    [1.2 * 1024 ** 3, '1.2 GiB'],
    [1024 ** 3, '1 GiB'],
  ])('%d bytes reads %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('count', () => {
  it('groups thousands and agrees in number', () => {
    expect(count(340_000, 'row')).toBe('340,000 rows');
    expect(count(1, 'row')).toBe('1 row');
    expect(count(2, 'index', 'indexes')).toBe('2 indexes');
  });
});

describe('shortListing', () => {
  it('caps long lists for a one-line message', () => {
    expect(shortListing(['a'])).toBe('a');
    expect(shortListing(['a', 'b', 'c'])).toBe('a, b and c');
    expect(shortListing(['a', 'b', 'c', 'd', 'e', 'f'], 2)).toBe('a, b and 4 more');
  });
});

describe('lockModeName', () => {
  it('writes PostgreSQL lock modes as the documentation does', () => {
    expect(lockModeName('AccessExclusiveLock')).toBe('ACCESS EXCLUSIVE');
    expect(lockModeName('ShareRowExclusiveLock')).toBe('SHARE ROW EXCLUSIVE');
    expect(lockModeName('ShareLock')).toBe('SHARE');
  });
  it("leaves other engines' modes alone", () => {
    expect(lockModeName('SHARED_NO_WRITE')).toBe('SHARED_NO_WRITE');
  });
});

describe('normalizeTable', () => {
  it('treats public.x, "X" and x as one table, other schemas as different', () => {
    expect(normalizeTable('public.Enrollments')).toBe('enrollments');
    expect(normalizeTable('"public"."enrollments"')).toBe('enrollments');
    expect(normalizeTable('audit.enrollments')).toBe('audit.enrollments');
  });
});


describe('errorClass', () => {
  it('uses the SQLSTATE when it is precise', () => {
    expect(errorClass({ sqlstate: '23502', message: '' })).toBe('not-null');
    expect(errorClass({ sqlstate: '23514', message: '' })).toBe('check');
    expect(errorClass({ sqlstate: '23505', message: '' })).toBe('unique');
    expect(errorClass({ sqlstate: '23503', message: '' })).toBe('foreign-key');
    expect(errorClass({ sqlstate: '22P02', message: '' })).toBe('data');
    expect(errorClass({ sqlstate: '42P01', message: 'relation "x" does not exist' })).toBe('other');
  });
  it('falls back to the message for MySQL (23000) and SQLite (no SQLSTATE)', () => {
    expect(errorClass({ sqlstate: '23000', message: "Duplicate entry 'x' for key 'vin'" })).toBe('unique');
    expect(errorClass({ message: 'NOT NULL constraint failed: order_lines.total_cents' })).toBe('not-null');
    expect(errorClass({ sqlstate: 'HY000', message: "Check constraint 'weight_positive' is violated." })).toBe('check');
  });
});

describe('describeError', () => {
  it('prefixes the SQLSTATE and keeps only the first line, redacted', () => {
    expect(describeError({ sqlstate: '22P02', message: 'invalid input syntax for type integer: "12a"\nmore' })).toBe(
      'SQLSTATE 22P02: invalid input syntax for type integer: "…"',
    );
  });
});
