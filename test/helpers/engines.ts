// Which engines the test suites run on. PGlite needs nothing and always runs; the PostgreSQL
// server suites run when REHEARSE_TEST_PG_URL names a server, the MySQL/MariaDB ones when
// REHEARSE_TEST_MYSQL_URL does, the SQLite ones when better-sqlite3 (an optional dependency with a
// native module) loads. A suite that cannot run says so plainly in a test of its own: a green run
// must not hide a suite that never executed.
//
//   REHEARSE_TEST_ENGINES=pglite,postgres,mysql,sqlite   which engines to test (default: every one
//                                                        runnable here)
//   REHEARSE_TEST_PG_URL=postgres://…                    server for the postgres engine's scratch databases
//   REHEARSE_TEST_MYSQL_URL=mysql://…                    server for the mysql engine's scratch databases
//
// Two families of suites:
// - `describeEachEngine`: every PostgreSQL-family engine (pglite, postgres). Suites written in
//   PostgreSQL SQL (datasets, step runner, pg_dump, partitions, …) use it.
// - `describeEveryEngine`: every engine rehearse has (pglite, postgres, mysql, sqlite), with the
//   SQL dialect the suite must speak on each.

import { createRequire } from 'node:module';
import { describe, test } from 'vitest';
import { createEngine } from '../../src/engines/create-engine.ts';
import { dialectOf, type Dialect, type Engine, type EngineKind } from '../../src/engines/engine.ts';

/** Every engine kind, in the order suites run them. */
const ALL_KINDS: readonly EngineKind[] = ['pglite', 'postgres', 'mysql', 'sqlite'];
/** The engines that speak PostgreSQL SQL. */
const POSTGRES_FAMILY: readonly EngineKind[] = ALL_KINDS.filter((kind) => dialectOf(kind) === 'postgres');

export interface TestEngine {
  kind: EngineKind;
  /** The SQL family the engine speaks: the suite writes its SQL in this dialect. */
  dialect: Dialect;
  /** The server URL (postgres and mysql only). */
  url: string | undefined;
  /** A new, unopened engine of this kind. */
  create(): Engine;
}

export function testPgUrl(): string | undefined {
  return process.env.REHEARSE_TEST_PG_URL || undefined;
}

export function testMysqlUrl(): string | undefined {
  return process.env.REHEARSE_TEST_MYSQL_URL || undefined;
}

function serverUrl(kind: EngineKind): string | undefined {
  if (kind === 'postgres') return testPgUrl();
  if (kind === 'mysql') return testMysqlUrl();
  return undefined;
}

/** The PostgreSQL-family engines selected for this test run and runnable here. */
export function testEngines(): TestEngine[] {
  return POSTGRES_FAMILY.filter((kind) => whyNotRunnable(kind) === undefined).map((kind) => testEngine(kind));
}

function selectedKinds(): EngineKind[] {
  const requested = process.env.REHEARSE_TEST_ENGINES;
  if (!requested) return [...ALL_KINDS];
  const kinds = requested.split(',').map((kind) => kind.trim()).filter(Boolean);
  for (const kind of kinds) {
    if (!ALL_KINDS.includes(kind as EngineKind)) {
      throw new Error(`REHEARSE_TEST_ENGINES names unknown engine "${kind}" (known: ${ALL_KINDS.join(', ')})`);
    }
  }
  return kinds as EngineKind[];
}

function testEngine(kind: EngineKind): TestEngine {
  const url = serverUrl(kind);
  return { kind, dialect: dialectOf(kind), url, create: () => createEngine({ kind, url }) };
}

/**
 * Registers `fn`'s tests for one engine inside `describe('<kind> engine')`. When the engine cannot
 * run here, registers a single test that says why instead, so the gap shows in every report.
 */
export function describeEngine(kind: EngineKind, fn: (engine: TestEngine) => void): void {
  describe(`${kind} engine`, () => {
    const reason = whyNotRunnable(kind);
    if (reason) {
      test(reason, () => {
        console.warn(`[rehearse tests] ${reason}`);
      });
      return;
    }
    fn(testEngine(kind));
  });
}

/**
 * `describeEngine` for every PostgreSQL-family engine (pglite, postgres): for suites written in
 * PostgreSQL SQL. Each engine either runs or reports that it did not.
 */
export function describeEachEngine(fn: (engine: TestEngine) => void): void {
  for (const kind of POSTGRES_FAMILY) describeEngine(kind, fn);
}

/**
 * `describeEngine` for every engine rehearse has (pglite, postgres, mysql, sqlite); the suite gets
 * the engine's `dialect` and writes its SQL in it. Each engine either runs or reports that it did not.
 */
export function describeEveryEngine(fn: (engine: TestEngine) => void): void {
  for (const kind of ALL_KINDS) describeEngine(kind, fn);
}

function whyNotRunnable(kind: EngineKind): string | undefined {
  if (kind === 'postgres' && !testPgUrl()) return 'postgres suite did not run: set REHEARSE_TEST_PG_URL';
  if (kind === 'mysql' && !testMysqlUrl()) return 'mysql suite did not run: set REHEARSE_TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test)';
  if (kind === 'sqlite') {
    const missing = betterSqlite3Problem();
    if (missing) return `sqlite suite did not run: better-sqlite3 does not load (${missing}); npm install better-sqlite3`;
  }
  if (!selectedKinds().includes(kind)) return `${kind} suite did not run: REHEARSE_TEST_ENGINES does not include ${kind}`;
  return undefined;
}

let betterSqlite3: { problem: string | undefined } | undefined;

/** Why better-sqlite3 cannot be used here (not installed, or its native module does not load), or undefined. */
function betterSqlite3Problem(): string | undefined {
  betterSqlite3 ??= { problem: loadBetterSqlite3() };
  return betterSqlite3.problem;
}

function loadBetterSqlite3(): string | undefined {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { close(): void };
    // The native module is loaded by the first database opened, not by the require.
    new Database(':memory:').close();
    return undefined;
  } catch (error) {
    return String((error as Error)?.message ?? error).split('\n')[0];
  }
}
