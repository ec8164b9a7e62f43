// Test support for the mysql engine and observer: which server the suites use, and a plain
// connection for setting up what a test needs outside the engine (test-only writes). Imported
// by tests only.
//
//   REHEARSE_TEST_MYSQL_URL=mysql://user:pass@host:port/db   (default: a local MariaDB, root, no password)

import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import { MysqlServerEngine } from './server-engine.ts';
import { parseMysqlUrl, serverConnectionOptions } from './mysql-url.ts';

export function testMysqlUrl(): string {
  return process.env.REHEARSE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
}

export function createTestEngine(): MysqlServerEngine {
  return new MysqlServerEngine(testMysqlUrl());
}

/** A plain connection to the test server (no default database), several statements allowed. */
export async function setupConnection(): Promise<Connection> {
  const connection = await mysql.createConnection({
    ...serverConnectionOptions(parseMysqlUrl(testMysqlUrl()), undefined),
    multipleStatements: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  connection.on('error', () => {});
  return connection;
}

/** Rows 1..n as a derived table `(SELECT … AS n)`, without MariaDB's sequence engine or recursion limits. */
export function numbersUpTo(n: number): string {
  const digits = '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
  const places = Math.max(1, Math.ceil(Math.log10(n + 1)));
  const terms = Array.from({ length: places }, (_, i) => `d${i}.d * ${10 ** i}`).join(' + ');
  const from = Array.from({ length: places }, (_, i) => `${digits} AS d${i}`).join(' CROSS JOIN ');
  return `(SELECT ${terms} + 1 AS n FROM ${from} HAVING n <= ${n})`;
}
