// Ctrl-C in the middle of a step: rehearse stops the step, drops every scratch database it
// created, and exits 130.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScratchName } from '../../src/engines/postgres/scratch-name.ts';
import { describeEachEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, REPO, type Project } from './cli.ts';

describeEachEngine(({ kind, url }) => {
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
        'migrations/0002_slow.up.sql': 'SELECT pg_sleep(60);',
        'migrations/0002_slow.down.sql': 'SELECT 1;',
        'seed.sql': 'INSERT INTO items SELECT generate_series(1, 10);',
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
      const scratch = url ? mine(await scratchDatabases(url)) : [];
      child.kill('SIGINT');
      const code = await exited;
      expect(code).toBe(130);
      expect(stderr).toMatch(/SIGINT: dropping scratch databases/);
      if (url) {
        expect(scratch.length).toBeGreaterThan(0);
        expect(mine(await scratchDatabases(url))).toEqual([]);
      }
    });
  });
});

async function scratchDatabases(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'rehearse\\_%'`);
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}
