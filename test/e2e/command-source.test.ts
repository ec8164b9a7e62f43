// A command source through the real CLI: a real Alembic project (test/fixtures/command/alembic,
// run by Debian's python3-alembic) rehearsed on a PostgreSQL server and on SQLite. The tool runs
// each step in the sandbox; rehearse watches the database from the outside and measures the
// process (exit status, peak memory).
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, REPO, runCli, type CliResult, type Project } from './cli.ts';

const ALEMBIC = join(REPO, 'test/fixtures/command/alembic');
const SEED = "INSERT INTO widgets (id, name) VALUES (1, 'sprocket'), (2, 'gear'), (3, 'flange');\n";
const CONFIG = 'source: command\ncommand:\n  preset: alembic\nhistory: false\n';

async function alembicProject(withFailing: boolean): Promise<Project> {
  const project = await makeProject({ 'seed.sql': SEED, 'rehearse.config.yaml': CONFIG });
  await cp(ALEMBIC, project.dir, { recursive: true });
  if (!withFailing) await rm(join(project.dir, 'migrations/versions/c3d4e5f6a7b8_backfill_from_missing_table.py'));
  return project;
}

for (const kind of ['postgres', 'sqlite'] as const) {
  describeEngine(kind, () => {
    describe('alembic', () => {
      let project: Project;
      let r: CliResult;
      beforeAll(async () => {
        project = await alembicProject(false);
        r = await runCli(['run', ...engineArgs(kind), '--dataset', 'seed.sql', '--dataset-version', 'a1b2c3d4e5f6', '--json', 'r.json'], project.dir);
      }, 180_000);
      afterAll(() => project?.dispose());

      it('rehearses the change, its rollback and reapply with the tool, sandboxed and measured', () => {
        expect(r.code, r.stderr).toBe(0);
        const target = r.report!.targets[0]!;
        const steps = target.steps.filter((s) => s.phase !== 'trunk');
        expect(steps.map((s) => [s.phase, s.migration, s.direction, s.status])).toEqual([
          ['change', 'b2c3d4e5f6a7_add_widget_price', 'up', 'success'],
          ['rollback', 'b2c3d4e5f6a7_add_widget_price', 'down', 'success'],
          ['reapply', 'b2c3d4e5f6a7_add_widget_price', 'up', 'success'],
        ]);
        const change = steps[0]!;
        expect(change.command).toMatchObject({ exitCode: 0, sandboxed: true });
        expect(change.command!.argv).toEqual(expect.arrayContaining(['upgrade', 'b2c3d4e5f6a7']));
        // A Python interpreter with SQLAlchemy loaded: tens of MB.
        expect(change.command!.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
        expect(target.notes.join('\n')).toMatch(/applied by alembic in a process of their own, with no network but the scratch database/);
        // The rows were there all along: the schema round trip is judged from the snapshots.
        expect(r.report!.findings.filter((f) => f.hazard === 'downgrade-loses-data')).toEqual([]);
      });
    });

    describe('alembic, a failing revision', () => {
      let project: Project;
      let r: CliResult;
      beforeAll(async () => {
        project = await alembicProject(true);
        r = await runCli(['run', ...engineArgs(kind), '--dataset', 'seed.sql', '--dataset-version', 'a1b2c3d4e5f6', '--json', 'r.json'], project.dir);
      }, 180_000);
      afterAll(() => project?.dispose());

      it('reports the failing step with the end of what the tool printed', () => {
        expect(r.code, r.stderr).toBe(1);
        const failed = r.report!.targets[0]!.steps.find((s) => s.status === 'error')!;
        expect(failed.migration).toBe('c3d4e5f6a7b8_backfill_from_a_table_that_does_not_exist');
        expect(failed.error!.message).toMatch(/exited with status 1/);
        expect(failed.error!.message).toMatch(/legacy_prices/);
        expect(failed.command!.stderr).toMatch(/legacy_prices/);
        expect(r.report!.findings.some((f) => f.migration === failed.migration && f.severity === 'error')).toBe(true);
      });
    });
  });
}

// Commands of one's own (no preset): psql applying SQL files. The tool's session is another
// backend: a monitor sees the locks it takes, and the probes the traffic it blocks.
describeEngine('postgres', () => {
  describe('psql as a command source', () => {
    let project: Project;
    let r: CliResult;
    beforeAll(async () => {
      project = await makeProject({
        'versions.txt': '0001\n0002\n',
        '0001.up.sql': 'CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL);\n',
        '0001.down.sql': 'DROP TABLE widgets;\n',
        '0002.up.sql': 'BEGIN;\nLOCK TABLE widgets IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(0.6);\nALTER TABLE widgets ADD COLUMN price_cents int;\nCOMMIT;\n',
        '0002.down.sql': 'ALTER TABLE widgets DROP COLUMN price_cents;\n',
        'seed.sql': "INSERT INTO widgets (id, name) VALUES (1, 'sprocket'), (2, 'gear');\n",
        'rehearse.config.yaml': [
          'source: command',
          'command:',
          '  up: psql -X -q -v ON_ERROR_STOP=1 -f {version}.up.sql',
          '  down: psql -X -q -v ON_ERROR_STOP=1 -f {version}.down.sql',
          '  list: cat versions.txt',
          'history: false',
          '',
        ].join('\n'),
      });
      r = await runCli(['run', ...engineArgs('postgres'), '--dataset', 'seed.sql', '--dataset-version', '0001', '--json', 'r.json'], project.dir);
    }, 180_000);
    afterAll(() => project?.dispose());

    it("sees the lock the tool's session held, and the reads it blocked", () => {
      expect(r.code, r.stderr).toBe(0);
      const change = r.report!.targets[0]!.steps.find((s) => s.phase === 'change')!;
      expect(change.command).toMatchObject({ exitCode: 0, sandboxed: true });
      const lock = change.locks.find((l) => l.relation === 'widgets' && l.mode === 'AccessExclusiveLock');
      expect(lock, JSON.stringify(change.locks)).toMatchObject({ source: 'monitored', blocks: { reads: true, writes: true } });
      expect(lock!.heldMs).toBeGreaterThanOrEqual(400);
      const reads = change.blocked?.find((b) => b.table === 'widgets' && b.operation === 'read');
      expect(reads?.maxBlockedMs).toBeGreaterThanOrEqual(400);
    });
  });
});
