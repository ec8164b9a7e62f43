// A production dump made by pg_dump 15 (plain SQL, golang-migrate's schema_migrations inside) as
// the dataset: restored once, its version read from the tracking table, rehearsed on every engine.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, REPO, runCli, type Project } from './cli.ts';

const FIXTURE = join(REPO, 'test', 'fixtures', 'dump-shop');
const MIGRATIONS = ['0001_create_customers', '0002_create_orders', '0003_orders_total_positive'];

async function projectWithDump(transformDump: (dump: string) => string = (d) => d): Promise<Project> {
  const project = await makeProject({});
  await mkdir(join(project.dir, 'migrations'));
  for (const m of MIGRATIONS) {
    for (const dir of ['up', 'down']) {
      const name = `migrations/${m}.${dir}.sql`;
      await copyFile(join(FIXTURE, name), join(project.dir, name));
    }
  }
  await writeFile(join(project.dir, 'dump.sql'), transformDump(await readFile(join(FIXTURE, 'dump.sql'), 'utf8')));
  return project;
}

describeEachEngine(({ kind }) => {
  describe('a pg_dump dataset', () => {
    let project: Project | undefined;
    afterEach(async () => {
      await project?.dispose();
      project = undefined;
    });

    it('restores the dump, reads its version and finds the legacy rows the CHECK fails on', async () => {
      project = await projectWithDump();
      const r = await runCli(['run', '--migrations', 'migrations', '--dataset', 'dump.sql', '--json', 'report.json', ...engineArgs(kind)], project.dir);
      expect(r.code).toBe(1);
      const target = r.report?.targets[0];
      expect(target?.dataset).toMatchObject({ kind: 'pg-dump', version: '0002', tableRows: { customers: 3000, orders: 9000 } });
      expect(target?.steps[0]).toMatchObject({ migration: '0003_orders_total_positive', status: 'error', passesOnEmptyDatabase: true });
      expect(target?.steps[0]?.error?.sqlstate).toBe('23514');
      expect(r.report?.findings.map((f) => `${f.hazard}:${f.severity}`)).toContain('fails-on-data:error');
      // The restored dump has exactly the schema the migrations build at 0002 (a reference database migrated empty).
      expect(target?.schemaDrift).toMatchObject({ version: '0002', differences: [] });
    });

    it('reports a hotfix index production has and the migrations do not (schema-drift)', async () => {
      project = await projectWithDump((dump) => `${dump}\nCREATE INDEX orders_total_hotfix_idx ON public.orders USING btree (total_cents);\n`);
      const r = await runCli(['run', '--migrations', 'migrations', '--dataset', 'dump.sql', '--json', 'report.json', ...engineArgs(kind)], project.dir);
      const drift = r.report?.findings.filter((f) => f.hazard === 'schema-drift') ?? [];
      expect(drift).toMatchObject([{ severity: 'error', table: 'orders', migration: '0003_orders_total_positive' }]);
      expect(drift[0]?.message).toMatch(/^orders differs from what the migrations build at version 0002: index orders_total_hotfix_idx is in the dataset only/);
    });

    it('refuses a dump cut off inside a COPY block, naming the file and line', async () => {
      project = await projectWithDump((dump) => {
        const lines = dump.split('\n');
        const copyAt = lines.findIndex((l) => l.startsWith('COPY public.orders'));
        return lines.slice(0, copyAt + 100).join('\n') + '\n';
      });
      const r = await runCli(['run', '--migrations', 'migrations', '--dataset', 'dump.sql', '--json', 'report.json', ...engineArgs(kind)], project.dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/dump\.sql:\d+/);
      expect(r.report?.verdict).toBe('error');
    });
  });
});
