// `rehearse queries capture` end to end, against a real PostgreSQL that loads pg_stat_statements:
// a private server (the shared one does not preload it and must not be reconfigured).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { capturePgStatStatements } from '../../src/compat/capture-postgres.ts';
import { readPreviousQueries } from '../../src/compat/previous-queries.ts';
import { privatePostgresProblem, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { makeProject, runCli, type Project } from './cli.ts';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>, applicationName = 'shop-app'): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const problem = privatePostgresProblem({ extension: 'pg_stat_statements' });

describe('rehearse queries capture', () => {
  if (problem) {
    test(`queries capture suite did not run: ${problem}`, () => {
      console.warn(`[rehearse tests] queries capture suite did not run: ${problem}`);
    });
    return;
  }

  let server: PrivatePostgres;
  let project: Project;

  beforeAll(async () => {
    server = await startPrivatePostgres({
      settings: {
        shared_preload_libraries: "'pg_stat_statements'",
        // Every statement, with the application that sent it: how the test sees what capture ran.
        log_statement: "'all'",
        log_line_prefix: "'[%a] '",
      },
    });
    project = await makeProject({});
    await withClient(server.url, async (c) => {
      await c.query('CREATE DATABASE shop');
      await c.query('CREATE DATABASE noext');
      await c.query('CREATE EXTENSION pg_stat_statements');
      await c.query('CREATE TABLE postgres_only (id int)');
      await c.query('CREATE ROLE watcher LOGIN');
    });
    await withClient(server.urlFor('shop'), async (c) => {
      await c.query('CREATE EXTENSION pg_stat_statements');
      await c.query('CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, note text)');
      await c.query('CREATE TABLE ledger_entries (id serial PRIMARY KEY, account_id int NOT NULL, amount_cents int NOT NULL)');
      await c.query('SELECT pg_stat_statements_reset()');
    });
    // The application's traffic: the most called statement first in the file.
    await withClient(server.urlFor('shop'), async (c) => {
      for (let i = 1; i <= 5; i++) await c.query(`INSERT INTO accounts (id, name) VALUES (${i}, 'customer ${i}')`);
      for (let i = 1; i <= 7; i++) await c.query('SELECT name, note FROM accounts WHERE id = $1', [i]);
      for (let i = 1; i <= 3; i++) await c.query('INSERT INTO ledger_entries (account_id, amount_cents) VALUES ($1, $2)', [i, 100 * i]);
      await c.query('UPDATE accounts SET note = $1 WHERE id = $2', ['vip', 1]);
      await c.query(`WITH totals AS (SELECT account_id, sum(amount_cents) AS total FROM ledger_entries GROUP BY account_id)
                     SELECT a.name, t.total FROM accounts a JOIN totals t ON t.account_id = a.id`);
      // Left out: catalogs, no table, utility statements.
      await c.query("SELECT relname FROM pg_class WHERE relname = 'accounts'");
      await c.query('SELECT count(*) FROM information_schema.tables');
      await c.query('SELECT 1');
      await c.query("SET search_path = public");
      await c.query('CREATE TEMP TABLE scratch (id int)');
    });
    // Another database's statements are not the shop's.
    await withClient(server.url, (c) => c.query('SELECT id FROM postgres_only'));
  });

  afterAll(async () => {
    await project?.dispose();
    await server?.stop();
  });

  test('writes the most called statements as a --previous-queries file, read-only', async () => {
    const logBefore = (await server.log()).length;
    const result = await runCli(['queries', 'capture', '--from', server.urlFor('shop'), '--out', 'queries/previous.sql'], project.dir);
    expect(result.stderr).toMatch(/rehearse: 5 queries of database shop written to queries\/previous\.sql \(left out: \d+ reading pg_catalog \/ information_schema; \d+ not SELECT\/INSERT\/UPDATE\/DELETE\/MERGE \(DDL, SET, utility statements\); \d+ naming no table\)\n$/);
    expect(result.code).toBe(0);

    const text = await readFile(join(project.dir, 'queries', 'previous.sql'), 'utf8');
    const lines = text.split('\n');
    expect(lines[2]).toBe(`-- source: postgres://postgres@127.0.0.1:${server.port}/shop (database shop)`);
    expect(lines[3]).toMatch(/^-- captured at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lines[4]).toBe('-- queries: 5 (calls >= 1, at most 1000, the most called first)');

    // Per query: its numbers, then the statement pg_stat_statements normalised ($n for constants).
    const body = text.slice(text.indexOf('-- calls:'));
    const entries = body.split('\n\n').filter(Boolean).map((e) => e.split('\n'));
    expect(entries.map((e) => e[0]!.replace(/mean: [\d.]+ ms/, 'mean: X ms'))).toEqual([
      '-- calls: 7, mean: X ms',
      '-- calls: 5, mean: X ms',
      '-- calls: 3, mean: X ms',
      '-- calls: 1, mean: X ms',
      '-- calls: 1, mean: X ms',
    ]);
    expect(entries[0]!.slice(1).join('\n')).toBe('SELECT name, note FROM accounts WHERE id = $1;');
    expect(entries[1]!.slice(1).join('\n')).toBe('INSERT INTO accounts (id, name) VALUES ($1, $2);');
    expect(entries[2]!.slice(1).join('\n')).toBe('INSERT INTO ledger_entries (account_id, amount_cents) VALUES ($1, $2);');
    expect(body).toContain('UPDATE accounts SET note = $1 WHERE id = $2;');
    expect(body).toMatch(/WITH totals AS \(SELECT account_id, sum\(amount_cents\) AS total FROM ledger_entries GROUP BY account_id\)\s+SELECT a\.name, t\.total FROM accounts a JOIN totals t ON t\.account_id = a\.id;/);
    expect(body).not.toMatch(/pg_class|information_schema|SELECT \$1|search_path|CREATE|postgres_only|customer/);

    // It is what --previous-queries reads.
    const queries = await readPreviousQueries(join(project.dir, 'queries', 'previous.sql'), 'postgres');
    expect(queries.map((q) => q.kind)).toEqual(['SelectStmt', 'InsertStmt', 'InsertStmt', expect.any(String), expect.any(String)]);

    // Read-only: everything the capture's connection ran, as the server logged it.
    const captureLog = (await server.log())
      .slice(logBefore)
      .split('\n')
      .filter((l) => l.startsWith('[rehearse] LOG:  '))
      .map((l) => l.replace(/^\[rehearse\] LOG:  (statement|execute [^:]*): /, '').trim());
    expect(captureLog[0]).toBe('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    expect(captureLog.at(-1)).toBe('ROLLBACK');
    expect(captureLog.length).toBeGreaterThan(3);
    for (const statement of captureLog.slice(1, -1)) expect(statement).toMatch(/^SELECT\b/);
  });

  test('--database reads another database\'s statements through the URL\'s database; --min-calls and --limit', async () => {
    const capture = await capturePgStatStatements({ url: server.url, database: 'shop', minCalls: 3, limit: 2 });
    expect(capture.database).toBe('shop');
    expect(capture.source).toBe(`postgres://postgres@127.0.0.1:${server.port}/shop`);
    expect(capture.queries.map((q) => [q.sql, q.calls])).toEqual([
      ['SELECT name, note FROM accounts WHERE id = $1', 7],
      ['INSERT INTO accounts (id, name) VALUES ($1, $2)', 5],
    ]);
    expect(capture.leftOut.overLimit).toBe(1);

    const own = await capturePgStatStatements({ url: server.url, minCalls: 1, limit: 100 });
    expect(own.queries.map((q) => q.sql)).toEqual(['SELECT id FROM postgres_only']);
  });

  test('statements of other roles are hidden without pg_read_all_stats, and counted', async () => {
    const watcher = `postgres://watcher@127.0.0.1:${server.port}/shop`;
    const hidden = await capturePgStatStatements({ url: watcher, minCalls: 1, limit: 100 });
    expect(hidden.queries).toEqual([]);
    expect(hidden.leftOut.hidden).toBeGreaterThanOrEqual(5);

    await withClient(server.url, (c) => c.query('GRANT pg_read_all_stats TO watcher'));
    const seen = await capturePgStatStatements({ url: watcher, minCalls: 1, limit: 100 });
    expect(seen.queries.map((q) => q.sql)).toContain('SELECT name, note FROM accounts WHERE id = $1');
    expect(seen.leftOut.hidden).toBe(0);
  });

  test('without the extension in the database: exit 3, saying how to enable it and that rehearse does not', async () => {
    const result = await runCli(['queries', 'capture', '--from', server.urlFor('noext'), '--out', 'noext.sql'], project.dir);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`pg_stat_statements is not installed in database "noext" on postgres://postgres@127.0.0.1:${server.port}/noext`);
    expect(result.stderr).toContain("shared_preload_libraries = 'pg_stat_statements'");
    expect(result.stderr).toContain('CREATE EXTENSION pg_stat_statements; in database "noext"');
    // Nothing was installed.
    const installed = await withClient(server.urlFor('noext'), (c) => c.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"));
    expect(installed.rows).toEqual([]);
  });

  test('a MySQL URL is a usage error (exit 2) that says what to do instead; no password shown', async () => {
    const result = await runCli(['queries', 'capture', '--from', 'mysql://root:hunter2@127.0.0.1:3306/shop', '--out', 'my.sql'], project.dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("capture reads PostgreSQL's pg_stat_statements");
    expect(result.stderr).toContain("Write the queries file from the application's query log");
    expect(result.stderr).not.toContain('hunter2');
  });
});
