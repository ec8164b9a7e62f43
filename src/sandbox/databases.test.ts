// The real servers through the sandbox: a sandboxed Node script using the repo's own `pg` and
// `mysql2` packages runs SELECT 1 through the endpoint, over TCP and, where the server has a
// socket on this machine, over its Unix socket. Needs REHEARSE_TEST_PG_URL / REHEARSE_TEST_MYSQL_URL.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { expect, test } from 'vitest';
import { runSandboxed, type DatabaseAddress } from './index.ts';
import { describeIf, REPO_ROOT, testMysqlUrl, testPgUrl, whySandboxUnavailable } from './testing.ts';

/** Connects with the settings in $DB (JSON) and prints the result of SELECT 1. */
const PG_SELECT = `
  const pg = require('pg');
  const client = new pg.Client(JSON.parse(process.env.DB));
  client.connect().then(() => client.query('SELECT 1 AS one')).then((r) => console.log(JSON.stringify(r.rows))).finally(() => client.end());`;
const MYSQL_SELECT = `
  const mysql = require('mysql2/promise');
  mysql.createConnection(JSON.parse(process.env.DB)).then(async (c) => { const [rows] = await c.query('SELECT 1 AS one'); console.log(JSON.stringify(rows)); await c.end(); });`;

async function selectOne(script: string, database: DatabaseAddress, settings: (endpoint: DatabaseAddress) => object): Promise<unknown> {
  const result = await runSandboxed({
    command: 'node',
    args: ['-e', script],
    cwd: REPO_ROOT,
    env: (endpoint) => ({ DB: JSON.stringify(settings(endpoint)) }),
    database,
    sandbox: true,
    timeoutMs: 60_000,
  });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout);
}

function tcp(url: URL, defaultPort: number): { host: string; port: number } {
  return { host: url.hostname, port: Number(url.port || defaultPort) };
}

const sandboxReason = whySandboxUnavailable();
const pgUrl = testPgUrl();
const mysqlUrl = testMysqlUrl();

describeIf('PostgreSQL through the sandbox', sandboxReason ?? (pgUrl ? undefined : 'set REHEARSE_TEST_PG_URL'), () => {
  const url = new URL(pgUrl!);
  const login = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) || undefined };

  test('over TCP', async () => {
    const rows = await selectOne(PG_SELECT, tcp(url, 5432), (e) => ({ ...login, ...e }));
    expect(rows).toEqual([{ one: 1 }]);
  });

  test('over its Unix socket, where it has one on this machine', async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    const dirs = (await client.query<{ unix_socket_directories: string }>('SHOW unix_socket_directories')).rows[0]!.unix_socket_directories;
    const port = (await client.query<{ port: string }>('SHOW port')).rows[0]!.port;
    await client.end();
    const socketPath = dirs.split(',').map((d) => join(d.trim(), `.s.PGSQL.${port}`)).find((path) => existsSync(path));
    if (!socketPath) return console.warn(`[rehearse tests] PostgreSQL socket test did not run: no socket of ${dirs} on this machine`);
    // libpq's rule: host is the socket's directory, the file name comes from the port.
    const rows = await selectOne(PG_SELECT, { socketPath }, (e) => ({ ...login, host: dirname((e as { socketPath: string }).socketPath), port: Number(port) }));
    expect(rows).toEqual([{ one: 1 }]);
  });
});

describeIf('MySQL/MariaDB through the sandbox', sandboxReason ?? (mysqlUrl ? undefined : 'set REHEARSE_TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test)'), () => {
  const url = new URL(mysqlUrl!);
  const login = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) || undefined };

  test('over TCP', async () => {
    const rows = await selectOne(MYSQL_SELECT, tcp(url, 3306), (e) => ({ ...login, ...e }));
    expect(rows).toEqual([{ one: 1 }]);
  });

  test('over its Unix socket, where it has one on this machine', async () => {
    const connection = await mysql.createConnection(mysqlUrl!);
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT @@socket AS socket');
    await connection.end();
    const socketPath = rows[0]?.socket as string | null;
    if (!socketPath || !existsSync(socketPath)) return console.warn(`[rehearse tests] MySQL socket test did not run: no socket ${socketPath} on this machine`);
    const result = await selectOne(MYSQL_SELECT, { socketPath }, (e) => ({ ...login, socketPath: (e as { socketPath: string }).socketPath }));
    expect(result).toEqual([{ one: 1 }]);
  });
});
