// Ctrl-C in the middle of a step: rehearse stops the step, drops every scratch database it
// created, and exits 130 — on every engine, the hung statement written in the engine's dialect.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineKind } from '../../src/engines/engine.ts';
import { parseMysqlUrl, serverConnectionOptions } from '../../src/engines/mysql/mysql-url.ts';
import { parseScratchName } from '../../src/engines/postgres/scratch-name.ts';
import { describeEveryEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, REPO, type Project } from './cli.ts';
import { hang, insertRows } from './shop.ts';

describeEveryEngine(({ kind, dialect, url }) => {
  describe('interrupted run', () => {
    let project: Project | undefined;
    afterEach(async () => {
      await project?.dispose();
      project = undefined;
    });

    it('drops its scratch databases on SIGINT and exits 130', async () => {
      project = await makeProject({
        'migrations/0001_items.up.sql': 'CREATE TABLE items (id int PRIMARY KEY);',
        'migrations/0001_items.down.sql': 'DROP TABLE items;',
        'migrations/0002_slow.up.sql': hang(dialect),
        'migrations/0002_slow.down.sql': 'SELECT 1;',
        'seed.sql': insertRows(dialect, 'items', ['id'], ['g.n'], 10),
      });
      const child = spawn(
        process.execPath,
        [join(REPO, 'bin', 'rehearse.js'), 'run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0001', ...engineArgs(kind)],
        { cwd: project.dir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      const started = new Promise<void>((resolve) =>
        child.stderr.on('data', (d) => {
          stderr += d;
          if (stderr.includes('phase change')) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await started;
      await new Promise((r) => setTimeout(r, 500));
      // Scratch names carry the creating process's pid: other suites running meanwhile have their own.
      const mine = (names: string[]) => names.filter((name) => parseScratchName(name)?.pid === child.pid);
      const list = scratchLister(kind, url);
      const scratch = list ? mine(await list()) : [];
      child.kill('SIGINT');
      const code = await exited;
      expect(code).toBe(130);
      expect(stderr).toMatch(/SIGINT: dropping scratch databases/);
      if (list) {
        expect(scratch.length).toBeGreaterThan(0);
        expect(mine(await list())).toEqual([]);
      }
    });
  });
});

/**
 * Where this engine's scratch databases can be listed from outside rehearse: databases on a
 * server, the run directory of scratch files in the temp directory for SQLite. PGlite's live in
 * the rehearse process (undefined: nothing to look at from here).
 */
function scratchLister(kind: EngineKind, url: string | undefined): (() => Promise<string[]>) | undefined {
  switch (kind) {
    case 'postgres':
      return () => postgresScratchDatabases(url!);
    case 'mysql':
      return () => mysqlScratchDatabases(url!);
    case 'sqlite':
      // One private directory per run, named like a scratch database.
      return async () => (await readdir(tmpdir(), { withFileTypes: true })).filter((e) => e.isDirectory() && e.name.startsWith('rehearse_')).map((e) => e.name);
    case 'pglite':
      return undefined;
  }
}

async function postgresScratchDatabases(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'rehearse\\_%'`);
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

async function mysqlScratchDatabases(url: string): Promise<string[]> {
  const connection = await mysql.createConnection(serverConnectionOptions(parseMysqlUrl(url), undefined));
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(`SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'rehearse\\_%'`);
    return rows.map((r) => String(r.name));
  } finally {
    await connection.end();
  }
}
