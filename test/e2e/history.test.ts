// End to end: `rehearse run` records into the history store (default .rehearse/history.db), two
// runs at once lose nothing, `rehearse limits` learns and exports, `--learned-limits` gates on them.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.ts';
import { openSqliteStore } from '../../src/history/sqlite-store.ts';
import { sampleRow } from '../../src/history/test-rows.ts';
import { makeProject, runCli, type Project } from './cli.ts';

const FILES = {
  'migrations/0001_init.up.sql': 'CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL);\n',
  'migrations/0001_init.down.sql': 'DROP TABLE items;\n',
  'migrations/0002_touch.up.sql': 'UPDATE items SET n = n + 1;\n',
  'migrations/0002_touch.down.sql': 'UPDATE items SET n = n - 1;\n',
  'seed.sql': 'INSERT INTO items SELECT g, 0 FROM generate_series(1, 2000) g;\n',
};
const RUN = ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0001', '--no-progress'];

let project: Project | undefined;
afterEach(async () => {
  await project?.dispose();
  project = undefined;
});

async function historyRows(path: string) {
  const store = (await openSqliteStore(path, { create: false }))!;
  try {
    return await store.read();
  } finally {
    await store.close();
  }
}

/** Ten successful pglite runs of 0002_touch's up that changed 500 rows each: a learned limit of 1,000 rows. */
async function seedHistory(path: string) {
  const store = (await openSqliteStore(path, { create: true }))!;
  for (let i = 0; i < 10; i++) await store.record([sampleRow({ runId: `seed-${i}`, migration: '0002_touch', rowsChanged: 500, walBytes: null, durationMs: 20 + i })]);
  await store.close();
}

describe('history', () => {
  it('records every step of two runs at once into .rehearse/history.db, losing nothing', async () => {
    project = await makeProject(FILES);
    const [a, b] = await Promise.all([runCli([...RUN, '--json', 'a.json'], project.dir), runCli([...RUN, '--json', 'b.json'], project.dir)]);
    expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, expect.not.stringContaining('history not recorded')]);
    const rows = await historyRows(join(project.dir, '.rehearse', 'history.db'));
    const steps = (r: typeof a) => r.report!.targets.reduce((n, t) => n + t.steps.length, 0);
    expect(rows).toHaveLength(steps(a) + steps(b));
    expect(new Set(rows.map((r) => r.runId)).size).toBe(2);
    const up = rows.find((r) => r.migration === '0002_touch' && r.direction === 'up' && r.phase === 'change')!;
    expect(up).toMatchObject({ engine: 'pglite', status: 'success', verdict: 'pass', rowsChanged: 2000, datasetVersion: '0001', gitCommit: null });
  }, 120_000);

  it('--no-history records nothing and creates no .rehearse directory', async () => {
    project = await makeProject(FILES);
    const r = await runCli([...RUN, '--no-history'], project.dir);
    expect(r.code).toBe(0);
    expect(existsSync(join(project.dir, '.rehearse'))).toBe(false);
  }, 120_000);

  it('--learned-limits holds a migration to the limit history taught, and the report says so', async () => {
    project = await makeProject(FILES);
    await seedHistory(join(project.dir, 'h.db'));
    const r = await runCli([...RUN, '--history', 'h.db', '--learned-limits', '--json', 'r.json'], project.dir);
    expect(r.code).toBe(1);
    expect(r.report!.findings.filter((f) => f.hazard === 'write-volume' && f.severity === 'error').map((f) => f.migration)).toEqual(['0002_touch']);
    expect(r.report!.limits).toMatchObject({
      migrations: { '0002_touch': { rowsChanged: 1_000 } },
      learned: { store: join(project.dir, 'h.db'), migrations: { '0002_touch': { rowsChanged: { limit: 1_000, samples: 10, median: 500, mad: 0 } } } },
    });
    // The run itself went into the same history: 10 seeded + this run's steps.
    expect((await historyRows(join(project.dir, 'h.db'))).filter((row) => row.verdict === 'fail').length).toBeGreaterThan(0);
  }, 120_000);

  it('the config wins over a learned limit', async () => {
    project = await makeProject({ ...FILES, 'rehearse.config.yaml': 'history: h.db\nlearnedLimits: true\nlimits:\n  migrations:\n    "0002":\n      rowsChanged: 5000\n' });
    await seedHistory(join(project.dir, 'h.db'));
    const r = await runCli([...RUN, '--json', 'r.json'], project.dir);
    expect(r.code).toBe(0);
    expect(r.report!.limits).toMatchObject({ migrations: { '0002': { rowsChanged: 5_000 } }, learned: { migrations: { '0002_touch': { stepDurationMs: { limit: 1_000 } } } } });
    expect((r.report!.limits as { learned: { migrations: Record<string, object> } }).learned.migrations['0002_touch']).not.toHaveProperty('rowsChanged');
  }, 120_000);

  it('rehearse limits shows the learned limits with provenance and exports a config block', async () => {
    project = await makeProject({ 'rehearse.config.yaml': 'engine: pglite\nhistory: h.db\n' });
    await seedHistory(join(project.dir, 'h.db'));
    const shown = await runCli(['limits'], project.dir);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('10 runs');
    expect(shown.stdout).toMatch(/0002_touch \(up\)\n\s+rowsChanged\s+1000\s+10 samples, median 500, MAD 0, max 500; by floor/);
    const exported = await runCli(['limits', '--export'], project.dir);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('limits:\n  migrations:\n    "0002_touch":\n      rowsChanged: 1000\n      stepDurationMs: 1000ms\n');
    await writeFile(join(project.dir, 'learned.yaml'), exported.stdout);
    expect((await loadConfigFile(join(project.dir, 'learned.yaml'))).perMigrationLimits).toEqual({ '0002_touch': { rowsChanged: 1_000, stepDurationMs: 1_000 } });
    expect((await runCli(['limits', '--min-samples', '11'], project.dir)).stdout).toContain('no learned limits yet: each needs 11 successful runs');
  }, 60_000);

  it('rehearse limits: 2 on a usage error, 3 when there is no history', async () => {
    project = await makeProject({});
    const missing = await runCli(['limits'], project.dir);
    expect([missing.code, missing.stderr]).toEqual([3, expect.stringMatching(/no history at .*\.rehearse\/history\.db/)]);
    expect(existsSync(join(project.dir, '.rehearse'))).toBe(false);
    expect((await runCli(['limits', '--engine', 'oracle'], project.dir)).code).toBe(2);
    expect((await runCli(['limits', '--min-samples', '0'], project.dir)).code).toBe(2);
    const help = await runCli(['limits', '--help'], project.dir);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('rehearse limits --engine postgres --export')]);
  }, 60_000);
});
