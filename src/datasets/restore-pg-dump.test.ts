// A real pg_dump (the binary on PATH) of a database on the test server, restored with
// runSqlScript into every engine under test. Needs the server: the dump is taken from it.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEngine, testEngines } from '../../test/helpers/engines.ts';
import type { Engine, ScratchDatabase, Session } from '../engines/engine.ts';
import { parsePostgresUrl, withDatabase } from '../engines/url.ts';
import { detectDatasetKind } from './detect-kind.ts';
import { runSqlScript } from './run-sql-script.ts';
import { readTrackingVersion } from '../migrations/tracking-version.ts';

const SOURCE_SCHEMA = String.raw`
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE items (
  id serial PRIMARY KEY, name text, mood mood, price numeric(10, 2), tags text[], doc jsonb, raw bytea, at timestamptz
);
INSERT INTO items (name, mood, price, tags, doc, raw, at) VALUES
  (E'tab\there', 'ok', 1.50, '{a,b}', '{"k": "v;"}', '\x00ff', '2024-01-02 03:04:05+00'),
  (E'new\nline and \r return', 'sad', NULL, NULL, NULL, NULL, NULL),
  (E'back\\slash \\N and \\.', 'happy', 0, '{}', '[]', '\x', '1999-12-31 23:59:59.999+00'),
  (E'\\.', 'ok', 2, '{"x y",NULL}', '{"a": [1, 2.5, null]}', '\xdeadbeef', '2000-01-01 00:00:00+00'),
  ('ünïcødé ✓ 日本語 🙂', 'ok', 3, NULL, '"just a string"', NULL, NULL),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO items (name, mood) SELECT 'row ' || g, 'ok' FROM generate_series(1, 3000) g;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id int PRIMARY KEY, item_id int REFERENCES items (id), total numeric);
INSERT INTO billing.invoices SELECT g, g, g * 1.25 FROM generate_series(1, 500) g;
CREATE FUNCTION item_label(i items) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN coalesce(i.name, '?') || ';' || coalesce(i.mood::text, '?');
END
$$;
CREATE FUNCTION add_numbers(a int, b int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT a + b;
END;
CREATE VIEW happy_items AS SELECT id, name FROM items WHERE mood = 'happy';
CREATE INDEX items_name ON items (name);
COMMENT ON TABLE items IS 'things; with a semicolon and a ''quote''';
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (20240101120000, false);
`;

const CHECKSUMS = `
  SELECT 'items' AS tab, count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) AS sum FROM public.items x
  UNION ALL
  SELECT 'invoices', count(*)::int, md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) FROM billing.invoices x
  UNION ALL
  SELECT 'schema_migrations', count(*)::int, md5(coalesce(string_agg(x::text, '|' ORDER BY x.version), '')) FROM public.schema_migrations x`;

/** Same text output on every engine, whatever the server's defaults. */
const STABLE_OUTPUT = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 1";

describeEngine('postgres', ({ url, create }) => {
  const reader = `rehearse_test_reader_${process.pid}`;
  let setup: pg.Client;
  let sourceEngine: Engine;
  let dir: string;
  let dumpPath: string;
  let expected: unknown[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rehearse-dump-'));
    dumpPath = join(dir, 'dump.sql');
    // A role that exists while the dump is taken and not when it is restored: the dump's GRANT
    // must be skipped, not fail.
    setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query(`CREATE ROLE ${reader}`);
    sourceEngine = create();
    await sourceEngine.open();
    const source = await sourceEngine.createScratch('dump_source');
    const session = await sourceEngine.connect(source);
    await session.exec(`${SOURCE_SCHEMA}\nGRANT SELECT ON items TO ${reader};`);
    await session.exec(STABLE_OUTPUT);
    expected = (await session.query(CHECKSUMS)).rows;
    await session.close();
    await promisify(execFile)('pg_dump', ['--no-owner', '--file', dumpPath, '--dbname', withDatabase(parsePostgresUrl(url!), source.name)]);
    await sourceEngine.dropScratch(source);
    await setup.query(`DROP ROLE ${reader}`);
  });

  afterAll(async () => {
    await sourceEngine?.close();
    await setup?.query(`DROP ROLE IF EXISTS ${reader}`);
    await setup?.end();
    await rm(dir, { recursive: true, force: true });
  });

  test('the dump is recognised as a pg_dump', async () => {
    expect(await detectDatasetKind(dumpPath)).toBe('pg-dump');
    expect(await readFile(dumpPath, 'utf8')).toContain(`GRANT SELECT ON TABLE public.items TO ${reader};`);
  });

  for (const target of testEngines()) {
    test(`restores into ${target.kind} with the same rows, functions and tracking version`, async () => {
      await withScratch(target.create(), async (engine, db) => {
        const restoring = await engine.connect(db);
        const result = await runSqlScript(restoring, { path: dumpPath });
        // pg_dump leaves search_path = '' in the session that ran it: use a fresh one.
        await restoring.close();
        expect(result.copiedRows).toBe(3006 + 500 + 1);
        expect(result.skipped.privileges).toBeGreaterThanOrEqual(1);
        expect(result.autocommitFrom).toBeUndefined();

        const session = await engine.connect(db);
        await session.exec(STABLE_OUTPUT);
        expect((await session.query(CHECKSUMS)).rows).toEqual(expected);
        const { rows } = await session.query(
          `SELECT add_numbers(2, 3) AS sum,
                  (SELECT item_label(i) FROM items i WHERE id = 1) AS label,
                  (SELECT count(*)::int FROM happy_items) AS happy,
                  nextval('items_id_seq')::int AS next_id,
                  obj_description('items'::regclass) AS comment`,
        );
        expect(rows).toEqual([{ sum: 5, label: 'tab\there;ok', happy: 1, next_id: 3007, comment: "things; with a semicolon and a 'quote'" }]);
        expect(await readTrackingVersion(session)).toEqual({ version: '20240101120000', dirty: false });
        await session.close();
      });
    });

    test(`a dump cut inside a COPY block fails at file:line on ${target.kind}, and the scratch database keeps nothing`, async () => {
      const lines = (await readFile(dumpPath, 'utf8')).split('\n');
      const copyLine = lines.findIndex((line) => line.startsWith('COPY public.items ')) + 1;
      const truncatedPath = join(dir, `truncated-${target.kind}.sql`);
      await writeFile(truncatedPath, lines.slice(0, copyLine + 100).join('\n'));
      await withScratch(target.create(), async (engine, db) => {
        const session = await engine.connect(db);
        const error = await runSqlScript(session, { path: truncatedPath }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'DATASET_RESTORE_FAILED', location: { file: truncatedPath, line: copyLine } });
        expect((error as Error).message).toMatch(new RegExp(`^${truncatedPath}:${copyLine}:1: .*cut short: the file ends at line ${copyLine + 100}`));
        await session.close();
        expect(await userTables(await engine.connect(db))).toEqual([]);
      });
    });
  }
});

async function withScratch(engine: Engine, fn: (engine: Engine, db: ScratchDatabase) => Promise<void>): Promise<void> {
  await engine.open();
  try {
    await fn(engine, await engine.createScratch('restore'));
  } finally {
    await engine.close();
  }
}

async function userTables(session: Session): Promise<string[]> {
  const { rows } = await session.query<{ name: string }>(
    "SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE relkind = 'r' AND nspname NOT IN ('pg_catalog', 'information_schema')",
  );
  await session.close();
  return rows.map((r) => r.name);
}
