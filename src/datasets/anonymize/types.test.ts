import { describe, expect, it } from 'vitest';
import { columnType, lengthInType } from './types.ts';

describe('columnType', () => {
  it('reads the families of PostgreSQL, MySQL and SQLite type names', () => {
    const cases: [string, string, Record<string, unknown>?][] = [
      ['character varying(120)', 'text'],
      ['citext', 'text'],
      ['VARCHAR(255)', 'text'],
      ['', 'text'],
      ['email_address', 'text'], // a domain rehearse cannot see through
      ['integer', 'integer', { bits: 32, unsigned: false }],
      ['int(10) unsigned', 'integer', { bits: 32, unsigned: true }],
      ['bigint', 'integer', { bits: 64 }],
      ['smallserial', 'integer', { bits: 16 }],
      ['tinyint(1)', 'integer', { bits: 8 }],
      ['UNSIGNED BIG INT', 'integer', { bits: 64 }],
      ['numeric(10,2)', 'decimal'],
      ['double precision', 'decimal'],
      ['uuid', 'uuid'],
      ['date', 'date'],
      ['timestamp(3) with time zone', 'timestamp'],
      ['datetime(6)', 'timestamp'],
      ['time without time zone', 'other'],
      ['interval', 'other'],
      ['boolean', 'other'],
      ["enum('a','b')", 'other'],
      ['inet', 'inet'],
      ['cidr', 'inet', { cidr: true }],
      ['jsonb', 'json'],
      ['bytea', 'binary'],
      ['varbinary(16)', 'binary'],
      ['text[]', 'array'],
      ['_int4', 'array'],
    ];
    for (const [type, family, details] of cases) expect(columnType(type), type).toMatchObject({ family, ...details });
  });
});

describe('lengthInType', () => {
  it('reads the limit of varchar(n) and char(n) spellings only', () => {
    expect(lengthInType('character varying(120)')).toBe(120);
    expect(lengthInType('varchar(20)')).toBe(20);
    expect(lengthInType('CHAR(2)')).toBe(2);
    expect(lengthInType('numeric(10,2)')).toBeUndefined();
    expect(lengthInType('text')).toBeUndefined();
  });
});
