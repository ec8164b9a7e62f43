import { beforeAll, expect, test } from 'vitest';
import { loadParser, roleOf } from './statement-role.ts';

beforeAll(() => loadParser());

const role = (text: string) => roleOf({ text, firstWord: /^\w+/.exec(text)![0].toLowerCase() });

test.each([
  ['COPY public.t (a, b) FROM stdin', { kind: 'copy-from-stdin', textFormat: true }],
  ['COPY t FROM STDIN WITH (FORMAT csv, HEADER)', { kind: 'copy-from-stdin', textFormat: false }],
  ['COPY t FROM stdin CSV', { kind: 'copy-from-stdin', textFormat: false }],
  ['ALTER TABLE ONLY public.t OWNER TO app', { kind: 'ownership' }],
  ['ALTER SCHEMA billing OWNER TO app', { kind: 'ownership' }],
  ['GRANT SELECT ON public.t TO app', { kind: 'privileges' }],
  ['ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO app', { kind: 'privileges' }],
  ['CREATE INDEX CONCURRENTLY i ON t (a)', { kind: 'needs-autocommit', reason: 'CREATE INDEX CONCURRENTLY' }],
  ['ALTER TYPE mood ADD VALUE \'meh\'', { kind: 'needs-autocommit', reason: 'ALTER TYPE … ADD VALUE' }],
  ['DO $$ BEGIN COMMIT; END $$', { kind: 'needs-autocommit', reason: 'a DO block commits or rolls back' }],
  ['DO $$ BEGIN PERFORM 1; END $$', { kind: 'plain' }],
  ['ALTER TABLE t ADD COLUMN b int', { kind: 'plain' }],
  ['SET standard_conforming_strings = on', { kind: 'plain' }],
  ["SET client_encoding = 'UTF8'", { kind: 'plain' }],
])('%s → %o', (text, expected) => {
  expect(role(text)).toEqual(expected);
});

test.each([
  'COPY t TO STDOUT',
  "COPY t FROM PROGRAM 'curl example.com'",
  'CREATE USER app',
  'ALTER SYSTEM SET work_mem = 1',
  'COMMENT ON DATABASE postgres IS $$x$$',
  'SET standard_conforming_strings = off',
  "SET client_encoding = 'SQL_ASCII'",
])('%s is refused', (text) => {
  expect(role(text).kind).toBe('refused');
});

test('statements the parser cannot read are left to the server, which reports them', () => {
  expect(role('CREATE TABEL t (id int)')).toEqual({ kind: 'plain' });
});
