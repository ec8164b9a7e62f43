// For the command-source suites: real tools on real databases. A scratch database per suite
// (`rehearse_test_cmd_<random>` on REHEARSE_TEST_PG_URL / REHEARSE_TEST_MYSQL_URL, a temporary
// file for SQLite), a copy of a fixture project (tools write into their project: __pycache__,
// sqitch.db, logs), and one scenario every preset goes through. Whatever cannot run here (no
// sandbox, no server configured, the tool not installed) is a test saying so.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defaultPath, type Sandbox } from '../../sandbox/index.ts';
import { describeIf, REPO_ROOT, testMysqlUrl, testPgUrl, whySandboxUnavailable } from '../../sandbox/testing.ts';
import { resolveCommandSource, type CommandSourceSpec } from './config.ts';
import type { CommandConnection, CommandEngine } from './connection.ts';
import type { CommandVersion, PresetName } from './presets.ts';
import { currentVersion, listVersions, prepareCommandSandbox, runCommandStep, sideDatabases } from './run.ts';

export { describeIf, whySandboxUnavailable };

export const FIXTURES = join(REPO_ROOT, 'test/fixtures/command');

/** A step's time limit in the suites: generous for a busy machine, short of the test timeout. */
export const STEP_TIMEOUT_MS = 60_000;

/** Why `argv` does not run here with the commands' default PATH (`apt-get install <packages>`), or undefined. */
export function whyToolMissing(argv: string[], packages: string): string | undefined {
  const result = spawnSync(argv[0]!, argv.slice(1), { env: { PATH: defaultPath(), HOME: tmpdir(), LANG: 'C.UTF-8' }, encoding: 'utf8', timeout: 30_000 });
  if (result.status === 0) return undefined;
  const why = result.error?.message ?? result.stderr.trim().split('\n').pop() ?? `exit status ${result.status}`;
  return `\`${argv.join(' ')}\` does not run here (${why}): apt-get install ${packages}`;
}

/** A copy of a fixture project in a temporary directory. */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rehearse-cmd-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

export interface ScratchDatabase {
  connection: CommandConnection;
  /** `host:port` of the real server (what a sandboxed command must not reach), or undefined for SQLite. */
  serverAddress: string | undefined;
  /** The tables of the scratch database, sorted. */
  tables(): Promise<string[]>;
  /** The server's Unix socket when it has one on this machine (PostgreSQL: `<dir>/.s.PGSQL.<port>`), else undefined. */
  serverSocket(): Promise<string | undefined>;
  /** Drops it (and the databases a spec's tool made beside it). */
  drop(spec?: CommandSourceSpec): Promise<void>;
}

export interface TestEngine {
  engine: CommandEngine;
  /** Why its suites cannot run here, or undefined. */
  reason: string | undefined;
  create(): Promise<ScratchDatabase>;
}

const scratchName = () => `rehearse_test_cmd_${randomBytes(5).toString('hex')}`;

/** SQLite always (with better-sqlite3 to look inside), PostgreSQL and MySQL/MariaDB where a server is configured. */
export function commandTestEngines(): TestEngine[] {
  return [
    { engine: 'sqlite', reason: betterSqlite3Problem(), create: createSqlite },
    { engine: 'postgres', reason: testPgUrl() ? undefined : 'set REHEARSE_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)', create: createPostgres },
    { engine: 'mysql', reason: testMysqlUrl() ? undefined : 'set REHEARSE_TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test)', create: createMysql },
  ];
}

type BetterSqlite3 = new (file: string, options?: { readonly?: boolean }) => { prepare(sql: string): { all(): unknown[] }; close(): void };
let betterSqlite3: { module?: BetterSqlite3; problem?: string } | undefined;

function loadBetterSqlite3(): { module?: BetterSqlite3; problem?: string } {
  betterSqlite3 ??= (() => {
    try {
      const module = createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3;
      new module(':memory:').close();
      return { module };
    } catch (error) {
      return { problem: `better-sqlite3 does not load (${String((error as Error).message).split('\n')[0]}): npm install better-sqlite3` };
    }
  })();
  return betterSqlite3;
}

function betterSqlite3Problem(): string | undefined {
  return loadBetterSqlite3().problem;
}

async function createSqlite(): Promise<ScratchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'rehearse-cmd-sqlite-'));
  const file = join(dir, 'scratch.db');
  return {
    connection: { engine: 'sqlite', url: file, database: 'scratch', file },
    serverAddress: undefined,
    serverSocket: async () => undefined,
    async tables() {
      const Database = loadBetterSqlite3().module!;
      const db = new Database(file);
      try {
        return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
      } finally {
        db.close();
      }
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createPostgres(): Promise<ScratchDatabase> {
  const server = new URL(testPgUrl()!);
  const name = scratchName();
  const admin = new pg.Client({ connectionString: server.href });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  const host = server.hostname;
  const port = Number(server.port || 5432);
  return {
    connection: {
      engine: 'postgres',
      url: url.href,
      host,
      port,
      user: decodeURIComponent(server.username) || undefined,
      password: decodeURIComponent(server.password) || undefined,
      database: name,
    },
    serverAddress: `${host}:${port}`,
    async serverSocket() {
      const client = new pg.Client({ connectionString: server.href });
      await client.connect();
      try {
        const { dirs, socketPort } = (
          await client.query<{ dirs: string; socketPort: string }>(`SELECT current_setting('unix_socket_directories') AS dirs, current_setting('port') AS "socketPort"`)
        ).rows[0]!;
        return dirs.split(',').map((d) => join(d.trim(), `.s.PGSQL.${socketPort}`)).find((path) => existsSync(path));
      } finally {
        await client.end();
      }
    },
    async tables() {
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
        return rows.map((row) => row.name);
      } finally {
        await client.end();
      }
    },
    async drop() {
      const client = new pg.Client({ connectionString: server.href });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

async function createMysql(): Promise<ScratchDatabase> {
  const server = new URL(testMysqlUrl()!);
  const name = scratchName();
  const admin = await mysql.createConnection(server.href);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  const host = server.hostname;
  const port = Number(server.port || 3306);
  const connection: CommandConnection = {
    engine: 'mysql',
    url: url.href,
    host,
    port,
    user: decodeURIComponent(server.username) || undefined,
    password: decodeURIComponent(server.password) || undefined,
    database: name,
  };
  return {
    connection,
    serverAddress: `${host}:${port}`,
    async serverSocket() {
      const client = await mysql.createConnection(server.href);
      try {
        const [rows] = await client.query('SELECT @@socket AS path');
        const path = (rows as { path: string | null }[])[0]?.path;
        return path && existsSync(path) ? path : undefined;
      } finally {
        await client.end();
      }
    },
    async tables() {
      const client = await mysql.createConnection(url.href);
      try {
        const [rows] = await client.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1', [name]);
        return (rows as { name: string }[]).map((row) => row.name);
      } finally {
        await client.end();
      }
    },
    async drop(spec) {
      const client = await mysql.createConnection(server.href);
      try {
        for (const db of [name, ...(spec ? sideDatabases(spec, connection) : [])]) await client.query(`DROP DATABASE IF EXISTS \`${db}\``);
      } finally {
        await client.end();
      }
    },
  };
}

/** A TCP listener on 127.0.0.1 that accepts and closes: what a sandboxed command must not reach. */
export async function listener(): Promise<{ address: string; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function resolved(input: unknown, configDir: string): CommandSourceSpec {
  const result = resolveCommandSource(input, configDir);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.spec;
}

export interface Scenario {
  preset: PresetName;
  /** The fixture project under test/fixtures/command/. */
  fixture: string;
  /** Why the tool cannot run here, or undefined. */
  toolReason: string | undefined;
  /** What the list gives (each with `previous`); the last one fails. */
  versions: CommandVersion[];
  /** The table the first version creates. */
  table: string;
  /** The argument vector of applying the first version (after the program), in the scratch database `database`. */
  firstUp: string[] | ((database: string, engine: CommandEngine) => string[]);
  /** Whether the second version tries REHEARSE_TEST_PROBE and prints `probe <address>: …`. */
  probes: boolean;
  /** More configuration over `{ preset }`. */
  config?: Record<string, unknown>;
  engines?: CommandEngine[];
}

/**
 * For each engine: in the sandbox, list the versions, ask the current one, apply each (the last
 * fails, with its error on stderr), undo each back to nothing (its table gone); every step measured. The second
 * version tries to reach the real server (or a listener, for SQLite), which the sandbox refuses.
 */
export function describeScenario(scenario: Scenario): void {
  for (const engine of commandTestEngines()) {
    if (scenario.engines && !scenario.engines.includes(engine.engine)) continue;
    const reason = whySandboxUnavailable() ?? scenario.toolReason ?? engine.reason;
    describeIf(`the ${scenario.preset} preset on ${engine.engine}, sandboxed`, reason, () => {
      let db: ScratchDatabase;
      let dir: string;
      let sandbox: Sandbox;
      let spec: CommandSourceSpec;
      let probe: { address: string; close(): Promise<void> } | undefined;

      beforeAll(async () => {
        dir = copyFixture(scenario.fixture);
        db = await engine.create();
        if (!db.serverAddress) probe = await listener();
        const target = db.serverAddress ?? probe!.address;
        spec = resolved({ preset: scenario.preset, ...scenario.config, env: { REHEARSE_TEST_PROBE: target, ...(scenario.config?.env as object) } }, dir);
        sandbox = await prepareCommandSandbox(db.connection, { sandbox: true });
      });

      afterAll(async () => {
        await sandbox?.dispose();
        await db?.drop(spec);
        await probe?.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      });

      test('lists, applies and undoes each step; a failing step is its exit status and stderr', async () => {
        const options = { timeoutMs: STEP_TIMEOUT_MS };
        const { connection } = db;
        const versions = await listVersions(spec, connection, sandbox, options);
        expect(versions).toEqual(scenario.versions);
        // A new database has no current version. Each tool's way of saying so is checked on its real
        // output in presets.test.ts; here once per preset (on SQLite), to keep the suite short.
        if (engine.engine === 'sqlite') expect(await currentVersion(spec, connection, sandbox, options)).toBeNull();
        const [first, second, failing] = versions as [CommandVersion, CommandVersion, CommandVersion];

        const up1 = await runCommandStep(spec, { ...first, direction: 'up' }, connection, sandbox, options);
        expect(up1.exitCode, up1.stderr).toBe(0);
        const firstUp = typeof scenario.firstUp === 'function' ? scenario.firstUp(connection.database, engine.engine) : scenario.firstUp;
        expect(up1.command.slice(1)).toEqual(firstUp);
        expect(up1).toMatchObject({ signal: null, timedOut: false });
        expect(up1.durationMs).toBeGreaterThan(0);
        expect(up1.peakRssBytes).toBeGreaterThan(1024 * 1024);
        expect(await db.tables()).toContain(scenario.table);

        const up2 = await runCommandStep(spec, { ...second, direction: 'up' }, connection, sandbox, options);
        expect(up2.exitCode, up2.stderr).toBe(0);
        if (scenario.probes) {
          const target = db.serverAddress ?? probe!.address;
          const line = up2.stdout.split('\n').find((l) => l.includes(`probe ${target}:`));
          expect(line, up2.stdout).toBeDefined();
          expect(line).not.toMatch(/: connected$/);
          expect(line).toMatch(/refused|ECONNREFUSED/i);
        }

        const failed = await runCommandStep(spec, { ...failing, direction: 'up' }, connection, sandbox, options);
        expect(failed.exitCode).not.toBe(0);
        expect(failed.exitCode).not.toBeNull();
        expect(failed.stderr).toMatch(/legacy_prices/);
        expect(failed.peakRssBytes).toBeGreaterThan(0);
        expect(await currentVersion(spec, connection, sandbox, options)).toBe(second.version);

        for (const version of [second, first]) {
          const down = await runCommandStep(spec, { ...version, direction: 'down' }, connection, sandbox, options);
          expect(down.exitCode, `${down.command.join(' ')}\n${down.stderr}`).toBe(0);
        }
        expect(await db.tables()).not.toContain(scenario.table);
      });
    });
  }
}
