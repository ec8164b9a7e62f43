// runSqlScript on every engine, with inline scripts that exercise each rule.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachEngine } from '../../test/helpers/engines.ts';
import type { Engine, Session } from '../engines/engine.ts';
import { InputError } from '../errors.ts';
import { runSqlScript, type RunSqlScriptOptions } from './run-sql-script.ts';

describeEachEngine(({ create }) => {
  let engine: Engine;
  let dir: string;

  beforeAll(async () => {
    engine = create();
    await engine.open();
    dir = await mkdtemp(join(tmpdir(), 'rehearse-script-'));
  });

  afterAll(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `script` (from a file on disk) on a new scratch database, then `check` on a fresh session. */
  async function restore(script: string, options: RunSqlScriptOptions = {}, check?: (session: Session) => Promise<void>) {
    const db = await engine.createScratch('script');
    const path = join(dir, `script-${Math.random().toString(36).slice(2)}.sql`);
    await writeFile(path, script);
    try {
      const session = await engine.connect(db);
      const outcome = await runSqlScript(session, { path }, options).then(
        (result) => ({ result, error: undefined }),
        (error: unknown) => ({ result: undefined, error }),
      );
      await session.close();
      if (check) {
        const after = await engine.connect(db);
        await check(after);
        await after.close();
      }
      return { ...outcome, path };
    } finally {
      await engine.dropScratch(db);
    }
  }

  const tableCount = async (session: Session) =>
    (await session.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"))
      .rows[0]!.n;

  test('a seed script: DDL, dollar-quoted functions, DO blocks, a big INSERT … SELECT, COPY, a last statement without ;', async () => {
    const script = `-- seed
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE people (id int PRIMARY KEY, name text, mood mood);
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN upper(t) || '!'; -- a semicolon inside the body
END
$fn$;
CREATE FUNCTION twice(a int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT a * 2;
END;
INSERT INTO people SELECT g, 'p' || g, CASE WHEN g % 2 = 0 THEN 'happy'::mood ELSE 'sad' END FROM generate_series(1, 20000) g;
DO $$
BEGIN
  UPDATE people SET name = shout(name) WHERE id <= 10;
END
$$;
COPY people (id, name, mood) FROM stdin;
20001\tfrom copy\thappy
20002\t\\N\tsad
\\.
SELECT twice(21)`;
    const { result, error } = await restore(script, {}, async (session) => {
      const { rows } = await session.query(
        "SELECT count(*)::int AS n, count(*) FILTER (WHERE name LIKE '%!')::int AS shouted, twice(4) AS t FROM people",
      );
      expect(rows).toEqual([{ n: 20002, shouted: 10, t: 8 }]);
    });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ statements: 8, copiedRows: 2, autocommitFrom: undefined });
  });

  test('a syntax error on line 7 is reported at line 7, and nothing of the script stays', async () => {
    const script = ['-- seed', 'CREATE TABLE a (id int);', "INSERT INTO a SELECT g FROM generate_series(1, 1000) g;", '', 'DO $$ BEGIN PERFORM 1; END $$;', '-- next line is broken', 'INSERT INTO a VALUES (1,;', 'SELECT 1;'].join('\n');
    const { error, path } = await restore(script, {}, async (session) => expect(await tableCount(session)).toBe(0));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'DATASET_RESTORE_FAILED', location: { file: path, line: 7, column: 25 } });
    expect((error as Error).message).toMatch(/syntax error at or near ";" \(SQLSTATE 42601\)$/);
  });

  test('a statement failing in the middle of a batch is named exactly', async () => {
    const lines = ['CREATE TABLE n (v int);'];
    for (let i = 1; i <= 300; i++) lines.push(i === 123 ? 'INSERT INTO n VALUES (1 / 0);' : `INSERT INTO n VALUES (${i});`);
    const { error } = await restore(lines.join('\n'), { batchStatements: 50 });
    expect(error).toMatchObject({ code: 'DATASET_RESTORE_FAILED', location: { line: 124 } });
    expect((error as Error).message).toBe(`${(error as InputError).location!.file}:124:1: division by zero (SQLSTATE 22012)`);
  });

  test('a bad COPY row is reported at its own line, also in a later slice of a long block', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i + 1}\tok`);
    rows[1499] = '1500\tok\textra column';
    const script = `CREATE TABLE c (id int, v text);\nCOPY c (id, v) FROM stdin;\n${rows.join('\n')}\n\\.\n`;
    const { error } = await restore(script, { copySliceChars: 4096 });
    expect(error).toMatchObject({ code: 'DATASET_RESTORE_FAILED', location: { line: 2 + 1500 } });
    expect((error as Error).message).toMatch(/extra data after last expected column \(SQLSTATE 22P04\)/);
    // The row itself is data: it must not be quoted back.
    expect((error as Error).message).not.toContain('extra column');
  });

  test('COPY in slices loads every row', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i + 1}\tvalue ${i + 1}`);
    const script = `CREATE TABLE c (id int, v text);\nCOPY c (id, v) FROM stdin;\n${rows.join('\n')}\n\\.\nSELECT 1;\n`;
    const { result } = await restore(script, { copySliceChars: 10_000 }, async (session) => {
      expect((await session.query('SELECT count(*)::int AS n, sum(id)::int AS s FROM c')).rows).toEqual([{ n: 5000, s: 12502500 }]);
    });
    expect(result).toMatchObject({ copiedRows: 5000, statements: 3 });
  });

  test('COPY data cut short by the end of the file fails at the COPY line, and nothing stays', async () => {
    const script = 'CREATE TABLE c (id int);\n\nCOPY c (id) FROM stdin;\n1\n2\n3';
    const { error } = await restore(script, {}, async (session) => expect(await tableCount(session)).toBe(0));
    expect(error).toMatchObject({ code: 'DATASET_RESTORE_FAILED', location: { line: 3 } });
    expect((error as Error).message).toMatch(/cut short: the file ends at line 6 without the "\\\." line/);
  });

  test('psql meta-commands are refused at file:line, except pg_dump\'s \\restrict / \\unrestrict', async () => {
    const accepted = await restore('\\restrict abc123\nCREATE TABLE t (id int);\n\\unrestrict abc123\n');
    expect(accepted.error).toBeUndefined();
    const { error } = await restore('CREATE TABLE t (id int);\n\\connect other\nSELECT 1;\n');
    expect(error).toMatchObject({ code: 'DATASET_INVALID', location: { line: 2 } });
    expect((error as Error).message).toMatch(/psql meta-command \\connect: rehearse runs the SQL of a script, not psql meta-commands/);
  });

  test('ownership, privileges and settings this server does not know are skipped and counted', async () => {
    const script = `SET no_such.setting_is_fine = 1;
SET transaction_timeout_from_the_future = 0;
CREATE TABLE t (id int);
ALTER TABLE public.t OWNER TO role_that_does_not_exist;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER FUNCTION public.f() OWNER TO role_that_does_not_exist;
GRANT SELECT ON TABLE public.t TO role_that_does_not_exist;
REVOKE ALL ON FUNCTION public.f() FROM PUBLIC;
INSERT INTO t VALUES (1);`;
    const { result, error } = await restore(script);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ statements: 4, skipped: { ownership: 2, privileges: 2, unknownSettings: 1 } });
  });

  test('a statement that cannot run in a transaction switches the rest of the script to autocommit', async () => {
    const script = `CREATE TABLE t (id int);
INSERT INTO t SELECT generate_series(1, 100);
CREATE INDEX CONCURRENTLY t_id ON t (id);
INSERT INTO t VALUES (101);
VACUUM t;`;
    const { result, error } = await restore(script, {}, async (session) => {
      expect((await session.query("SELECT count(*)::int AS n, to_regclass('t_id') IS NOT NULL AS indexed FROM t")).rows).toEqual([
        { n: 101, indexed: true },
      ]);
    });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ statements: 5, autocommitFrom: { line: 3, reason: 'CREATE INDEX CONCURRENTLY' } });
  });

  test('a script that manages its own transactions runs as written', async () => {
    const script = 'BEGIN;\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nCOMMIT;\nBEGIN;\nINSERT INTO t VALUES (2);\nROLLBACK;\n';
    const { result } = await restore(script, {}, async (session) => {
      expect((await session.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 1 }]);
    });
    expect(result?.autocommitFrom).toEqual({ line: 1, reason: 'the script manages its own transactions' });
  });

  test('statements that reach beyond the scratch database are refused', async () => {
    for (const [statement, reason] of [
      ['CREATE ROLE app_reader', /roles belong to the whole server/],
      ["COPY t FROM '/etc/passwd'", /server-side file or program/],
      ['DROP DATABASE postgres', /reach beyond the scratch database/],
      ["SET client_encoding = 'LATIN1'", /reads scripts as UTF-8/],
    ] as const) {
      const { error } = await restore(`CREATE TABLE t (id int);\n${statement};\n`);
      expect(error).toMatchObject({ code: 'DATASET_INVALID', location: { line: 2, column: 1 } });
      expect((error as Error).message).toMatch(reason);
    }
  });

  test('a script given as text needs no file', async () => {
    const db = await engine.createScratch('text');
    const session = await engine.connect(db);
    const result = await runSqlScript(session, { path: 'inline.sql', text: 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (2);\n' });
    expect(result).toMatchObject({ statements: 2, copiedRows: 0 });
    expect(result.ms).toBeGreaterThanOrEqual(0);
    await session.close();
    await engine.dropScratch(db);
  });
});
