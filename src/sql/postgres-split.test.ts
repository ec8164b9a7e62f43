import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { splitPostgresFile } from './postgres-split.ts';

async function one(sql: string, opts?: { serverVersionNum?: number }) {
  const file = await splitPostgresFile('one.sql', sql, opts);
  if (file.statements.length !== 1) throw new Error(`expected one statement in: ${sql}`);
  return file.statements[0]!;
}

async function syntaxError(sql: string): Promise<InputError> {
  const error = await splitPostgresFile('migrations/0002_bad.up.sql', sql).catch((e: unknown) => e);
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  return error;
}

describe('splitPostgresFile: statements and positions', () => {
  it('gives zero statements for empty and comment-only files', async () => {
    for (const sql of ['', '\n\n', '-- only a comment\n/* and\n another */\n']) {
      const file = await splitPostgresFile('empty.sql', sql);
      expect(file.statements).toEqual([]);
      expect(file.transactionMode).toBe('per-file');
    }
  });

  it('keeps dollar-quoted function bodies whole, semicolons and all', async () => {
    const fn = [
      'CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $body$',
      'BEGIN',
      "  NEW.updated := now(); -- a comment; with a semicolon",
      '  RETURN NEW;',
      'END',
      '$body$ LANGUAGE plpgsql',
    ].join('\n');
    const file = await splitPostgresFile('f.sql', `${fn};\n\nCREATE TRIGGER t BEFORE UPDATE ON patches FOR EACH ROW EXECUTE FUNCTION touch();\n`);
    expect(file.statements.map((s) => s.sql)).toEqual([
      fn,
      'CREATE TRIGGER t BEFORE UPDATE ON patches FOR EACH ROW EXECUTE FUNCTION touch()',
    ]);
    expect(file.statements.map((s) => [s.index, s.line, s.column, s.kind])).toEqual([
      [0, 1, 1, 'CreateFunctionStmt'],
      [1, 8, 1, 'CreateTrigStmt'],
    ]);
    expect(file.statements[0]!.summary).toBe('CREATE OR REPLACE FUNCTION touch');
  });

  it('leaves comments before a statement out of its text and position, and drops the semicolon', async () => {
    const sql = '-- add the hash\n/* multi\n   line */   ALTER TABLE patches ADD COLUMN hash text ;  -- why\n';
    const statement = await one(sql);
    expect(statement.sql).toBe('ALTER TABLE patches ADD COLUMN hash text');
    expect([statement.line, statement.column]).toEqual([3, 14]);
  });

  it('counts lines and columns in characters after multi-byte text', async () => {
    const sql = "-- café ☕ 😀\nSELECT 'é'; SELECT '😀'; /* ü */ SELECT 3\n";
    const file = await splitPostgresFile('m.sql', sql);
    expect(file.statements.map((s) => [s.sql, s.line, s.column])).toEqual([
      ["SELECT 'é'", 2, 1],
      ["SELECT '😀'", 2, 13],
      ['SELECT 3', 2, 33],
    ]);
  });

  it('reports a syntax error with file, line, column and the parser message', async () => {
    const error = await syntaxError('CREATE TABLE tags (id int);\n-- é 😀\n  SELEC 1;\n');
    expect(error.code).toBe('SQL_SYNTAX');
    expect(error.location).toEqual({ file: 'migrations/0002_bad.up.sql', line: 3, column: 3 });
    expect(error.message).toBe('migrations/0002_bad.up.sql:3:3: syntax error at or near "SELEC"');
  });

  it('points a syntax error after multi-byte characters on the same line at the right column', async () => {
    const error = await syntaxError("SELECT 'é😀', 2 3;");
    expect(error.location).toMatchObject({ line: 1, column: 16 });
  });

  it('reports an unterminated dollar quote where it starts', async () => {
    const error = await syntaxError('SELECT 1;\nDO $$ BEGIN PERFORM 1;\n');
    expect(error.location).toMatchObject({ line: 2, column: 4 });
    expect(error.message).toContain('unterminated dollar-quoted string');
  });
});

describe('splitPostgresFile: summary', () => {
  it.each([
    ['ALTER TABLE public.patches ADD COLUMN hash text', 'ALTER TABLE public.patches ADD COLUMN hash'],
    ['CREATE INDEX CONCURRENTLY patches_date_idx ON patches (date)', 'CREATE INDEX CONCURRENTLY patches_date_idx ON patches'],
    ['CREATE UNIQUE INDEX ON patches (msgid)', 'CREATE UNIQUE INDEX ON patches'],
    ["UPDATE patches SET hash = md5(body) WHERE hash IS NULL", 'UPDATE patches'],
    ['CREATE TABLE tags (id serial PRIMARY KEY, name text)', 'CREATE TABLE tags'],
    ['ALTER TABLE x ADD CONSTRAINT fk FOREIGN KEY (y_id) REFERENCES y (id) NOT VALID', 'ALTER TABLE x ADD CONSTRAINT fk FOREIGN KEY REFERENCES y NOT VALID'],
    ['ALTER TABLE x ALTER COLUMN c TYPE bigint', 'ALTER TABLE x ALTER COLUMN c TYPE'],
    ['ALTER TABLE x VALIDATE CONSTRAINT fk, DROP COLUMN old', 'ALTER TABLE x VALIDATE CONSTRAINT fk, DROP COLUMN old'],
    ['DROP TABLE x, s.y CASCADE', 'DROP TABLE x, s.y'],
    ['DROP INDEX CONCURRENTLY IF EXISTS i', 'DROP INDEX CONCURRENTLY i'],
    ['ALTER TABLE a RENAME COLUMN b TO c', 'ALTER TABLE a RENAME COLUMN b TO c'],
    ['DELETE FROM events WHERE at < now()', 'DELETE FROM events'],
    ['VACUUM (FULL) big', 'VACUUM FULL big'],
    ["ALTER TYPE mood ADD VALUE 'meh'", "ALTER TYPE mood ADD VALUE 'meh'"],
    ['BEGIN', 'BEGIN'],
  ])('%s → %s', async (sql, summary) => {
    expect((await one(sql)).summary).toBe(summary);
  });

  it('falls back to the first characters of the statement on one line', async () => {
    const sql = "SELECT setval('patches_id_seq',\n       (SELECT max(id) FROM patches), true) AS restored_sequence_value_for_the_patches_table";
    const { summary } = await one(sql);
    expect(summary).toBe("SELECT setval('patches_id_seq', (SELECT max(id) FROM patche…");
    expect(summary.length).toBeLessThanOrEqual(60);
  });

  it('stays within 100 characters for long statements', async () => {
    const columns = Array.from({ length: 30 }, (_, i) => `ADD COLUMN column_number_${i} int`).join(', ');
    const { summary } = await one(`ALTER TABLE t ${columns}`);
    expect(summary.length).toBeLessThanOrEqual(100);
    expect(summary.startsWith('ALTER TABLE t ADD COLUMN column_number_0, ADD COLUMN column_number_1')).toBe(true);
    expect(summary.endsWith('…')).toBe(true);
  });
});

describe('splitPostgresFile: tables', () => {
  it.each([
    ['UPDATE patches p SET x = 1 FROM projects pr JOIN s.owners o ON o.id = pr.owner WHERE pr.id = p.project', ['patches', 'projects', 's.owners']],
    ['SELECT * FROM a WHERE id IN (SELECT a_id FROM b WHERE EXISTS (SELECT 1 FROM c))', ['a', 'b', 'c']],
    ['WITH recent AS (SELECT * FROM events) SELECT * FROM recent', ['events']],
    ['CREATE TABLE tags (id int, patch int REFERENCES patches (id), FOREIGN KEY (id) REFERENCES s.ids)', ['tags', 'patches', 's.ids']],
    ['ALTER TABLE x ADD CONSTRAINT fk FOREIGN KEY (y_id) REFERENCES y', ['x', 'y']],
    ['CREATE INDEX i ON "Patches" (a)', ['Patches']],
    ['DROP TABLE a, "S".b', ['a', 'S.b']],
    ['DROP INDEX s.i', ['s.i']],
    ['DROP VIEW v', ['v']],
    ['DROP TRIGGER tr ON s.t', ['s.t']],
    ['DROP FUNCTION f(int)', []],
    ['TRUNCATE a, b', ['a', 'b']],
    ['COPY t (a, b) FROM STDIN', ['t']],
    ['ALTER TABLE Old RENAME TO new', ['old', 'new']],
    ['ALTER TABLE s.old RENAME TO new', ['s.old', 's.new']],
    ['ALTER TABLE t SET SCHEMA archive', ['t', 'archive.t']],
    ["COMMENT ON COLUMN s.t.c IS 'x'", ['s.t']],
    ['INSERT INTO a SELECT * FROM a', ['a']],
  ])('%s → %j', async (sql, tables) => {
    expect((await one(sql)).tables).toEqual(tables);
  });

  it('attaches the inferred locks', async () => {
    expect((await one('ALTER TABLE x ADD FOREIGN KEY (y_id) REFERENCES y')).inferredLocks).toEqual([
      { relation: 'x', mode: 'ShareRowExclusiveLock' },
      { relation: 'y', mode: 'ShareRowExclusiveLock' },
    ]);
  });
});

describe('splitPostgresFile: statements that cannot run in a transaction block', () => {
  it.each([
    'CREATE INDEX CONCURRENTLY i ON t (a)',
    'DROP INDEX CONCURRENTLY i',
    'REINDEX INDEX CONCURRENTLY i',
    'REINDEX (CONCURRENTLY) TABLE t',
    'REINDEX SCHEMA public',
    'VACUUM t',
    'VACUUM (ANALYZE) t',
    'CLUSTER',
    'CREATE DATABASE d',
    'DROP DATABASE d',
    "CREATE TABLESPACE ts LOCATION '/x'",
    'DROP TABLESPACE ts',
    'ALTER SYSTEM SET work_mem = 64',
    'ALTER DATABASE d SET TABLESPACE ts',
    "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p",
    'ALTER SUBSCRIPTION s REFRESH PUBLICATION',
    'ALTER SUBSCRIPTION s SET PUBLICATION p',
    'DROP SUBSCRIPTION s',
    'ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY',
    'DISCARD ALL',
  ])('%s', async (sql) => {
    expect((await one(sql)).nonTransactional).toBe(true);
  });

  it.each([
    'CREATE INDEX i ON t (a)',
    'REINDEX TABLE t',
    'ANALYZE t',
    'CLUSTER t USING i',
    'ALTER TABLE p DETACH PARTITION p1',
    "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = false)",
    "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (connect = false)",
    'ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)',
    'ALTER DATABASE d SET work_mem = 64',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY mv',
    'DISCARD PLANS',
  ])('%s runs in a transaction', async (sql) => {
    expect((await one(sql)).nonTransactional).toBe(false);
  });

  it('ALTER TYPE … ADD VALUE only before PostgreSQL 12', async () => {
    const sql = "ALTER TYPE mood ADD VALUE 'meh'";
    expect((await one(sql, { serverVersionNum: 110022 })).nonTransactional).toBe(true);
    expect((await one(sql, { serverVersionNum: 120000 })).nonTransactional).toBe(false);
    expect((await one(sql)).nonTransactional).toBe(false);
    expect((await one("ALTER TYPE mood RENAME VALUE 'a' TO 'b'", { serverVersionNum: 110000 })).nonTransactional).toBe(false);
  });
});

describe('splitPostgresFile: transaction mode', () => {
  it('runs an ordinary file in one transaction', async () => {
    const file = await splitPostgresFile('a.sql', 'ALTER TABLE t ADD c int;\nUPDATE t SET c = 1;\n');
    expect(file.transactionMode).toBe('per-file');
    expect(file.transactionModeReason).toBeUndefined();
    expect(file.statements.every((s) => !s.transactionControl && !s.nonTransactional)).toBe(true);
  });

  it('runs a file holding a non-transactional statement statement by statement, saying which', async () => {
    const file = await splitPostgresFile('a.sql', 'SET lock_timeout = 1000;\nCREATE INDEX CONCURRENTLY patches_date_idx ON patches (date);\n');
    expect(file.transactionMode).toBe('none');
    expect(file.transactionModeReason).toBe(
      'statement 2 (CREATE INDEX CONCURRENTLY patches_date_idx ON patches) cannot run inside a transaction block',
    );
  });

  it('honours the -- rehearse:no-transaction opt-out on the first non-blank line only', async () => {
    for (const header of ['-- rehearse:no-transaction', '\n\n  --   REHEARSE:No-Transaction  ', '-- rehearse: no-transaction']) {
      const file = await splitPostgresFile('a.sql', `${header}\nUPDATE t SET c = 1;\n`);
      expect(file.transactionMode, header).toBe('none');
      expect(file.transactionModeReason).toBe('the file opts out with -- rehearse:no-transaction');
    }
    for (const sql of ['-- note\n-- rehearse:no-transaction\nSELECT 1', '-- rehearse:no-transaction please\nSELECT 1']) {
      expect((await splitPostgresFile('a.sql', sql)).transactionMode, sql).toBe('per-file');
    }
  });

  it('lets a file with its own BEGIN/COMMIT manage its transactions', async () => {
    const file = await splitPostgresFile('a.sql', 'BEGIN;\nALTER TABLE t ADD c int;\nSAVEPOINT s;\nCOMMIT;\n');
    expect(file.transactionMode).toBe('file-managed');
    expect(file.transactionModeReason).toBe('the file has its own BEGIN/COMMIT');
    expect(file.statements.map((s) => s.transactionControl)).toEqual([true, false, true, true]);
  });

  it('prefers no transaction when a file mixes its own BEGIN/COMMIT with a non-transactional statement', async () => {
    const file = await splitPostgresFile('a.sql', 'BEGIN;\nUPDATE t SET c = 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (c);\n');
    expect(file.transactionMode).toBe('none');
    expect(file.transactionModeReason).toContain('statement 4 (CREATE INDEX CONCURRENTLY i ON t)');
  });
});
