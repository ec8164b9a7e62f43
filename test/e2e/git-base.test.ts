// `--base REV` end to end, on every engine: a small git repository whose base commit is what
// production runs (the shop, plus 0005 that production has not applied yet) and whose head edits
// the applied 0002, adds 0004 below the base's 0005 and adds 0006. The trunk must come from the
// base (0005, and 0002 as production ran it: 0006 adds the column the edit slipped into 0002, so it
// only succeeds on production's schema), the change is 0004 and 0006, and the edit and the
// out-of-order version are reported.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/engines/engine.ts';
import { describeEveryEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type CliResult, type Project } from './cli.ts';
import { migration, shop, type Files } from './shop.ts';

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=rehearse', '-c', 'user.email=rehearse@localhost', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });

const dropIndex = (dialect: Dialect, index: string, table: string) => (dialect === 'mysql' ? `DROP INDEX ${index} ON ${table};` : `DROP INDEX ${index};`);

function baseFiles(dialect: Dialect): Files {
  return {
    ...shop(dialect),
    ...migration('0005_index_customer_tier', 'CREATE INDEX customers_tier_idx ON customers (tier);', dropIndex(dialect, 'customers_tier_idx', 'customers')),
  };
}

/** The head's edits on top of the base. */
function headFiles(base: Files): Files {
  const orders = base['migrations/0002_create_orders.up.sql']!;
  return {
    // The applied 0002, edited in place to add the column (instead of a new migration).
    'migrations/0002_create_orders.up.sql': orders.replace('total_cents', 'coupon varchar(20),\n  total_cents'),
    ...migration('0004_create_coupons', 'CREATE TABLE coupons (code varchar(20) PRIMARY KEY);', 'DROP TABLE coupons;'),
    ...migration('0006_add_order_coupon', 'ALTER TABLE orders ADD COLUMN coupon varchar(20);', 'ALTER TABLE orders DROP COLUMN coupon;'),
  };
}

async function repository(base: Files, head: Files): Promise<Project> {
  const project = await makeProject(base);
  git(project.dir, 'init', '-q');
  git(project.dir, 'add', '-A');
  git(project.dir, 'commit', '-qm', 'production');
  git(project.dir, 'tag', 'production');
  for (const [path, content] of Object.entries(head)) await writeFile(join(project.dir, path), content);
  git(project.dir, 'add', '-A');
  git(project.dir, 'commit', '-qm', 'the change');
  return project;
}

describeEveryEngine((engine) => {
  const dialect = engine.dialect;
  describe('--base: trunk and change from git', () => {
    let project: Project;
    let r: CliResult;
    beforeAll(async () => {
      const base = baseFiles(dialect);
      project = await repository(base, headFiles(base));
      r = await runCli(
        ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0002', '--base', 'production', '--json', 'report.json', '--no-probes', ...engineArgs(engine.kind)],
        project.dir,
      );
    }, 120_000);
    afterAll(() => project?.dispose());

    it("applies the base's 0005 as the trunk and what the head adds as the change, from the base's files", () => {
      expect(r.stderr).not.toMatch(/Error:/);
      const steps = r.report?.targets[0]?.steps ?? [];
      const trunk = steps.filter((s) => s.phase === 'trunk');
      expect(trunk.map((s) => [s.migration, s.status])).toEqual([['0005_index_customer_tier', 'success']]);
      expect(trunk[0]?.file).toBe('production:migrations/0005_index_customer_tier.up.sql');
      const change = steps.filter((s) => s.phase === 'change');
      // 0006 adds the column the edit slipped into 0002: it succeeds because the dataset was built with production's 0002.
      expect(change.map((s) => [s.migration, s.status])).toEqual([
        ['0004_create_coupons', 'success'],
        ['0006_add_order_coupon', 'success'],
      ]);
      expect(steps.filter((s) => s.phase === 'rollback').map((s) => [s.migration, s.status])).toEqual([
        ['0006_add_order_coupon', 'success'],
        ['0004_create_coupons', 'success'],
      ]);
      expect(steps.filter((s) => s.phase === 'reapply').map((s) => s.status)).toEqual(['success', 'success']);
      expect(r.report?.targets[0]?.history).toMatchObject({ base: 'production', trunk: ['0005_index_customer_tier'], change: ['0004_create_coupons', '0006_add_order_coupon'], baseLatest: '0005' });
    });

    it('reports the edited applied migration with its diff, and the version below the base', () => {
      const findings = r.report?.findings ?? [];
      expect(findings.map((f) => [f.hazard, f.severity, f.migration]).sort()).toEqual([
        ['history-rewritten', 'error', '0002_create_orders'],
        ['out-of-order', 'error', '0004_create_coupons'],
      ]);
      const rewritten = findings.find((f) => f.hazard === 'history-rewritten');
      expect(rewritten?.message).toMatch(/^0002_create_orders, applied in production \(at or below the dataset's version 0002\), has its up file edited by the change/);
      expect(rewritten?.evidence.diff).toContain('+  coupon varchar(20),');
      expect(findings.find((f) => f.hazard === 'out-of-order')?.message).toMatch(/^0004_create_coupons sorts below 0005_index_customer_tier, the newest migration on production/);
      expect(r.code).toBe(1);
    });
  });

  describe('--base with a change that only adds migrations', () => {
    let project: Project;
    let r: CliResult;
    beforeAll(async () => {
      const base = shop(dialect);
      project = await repository(base, migration('0003_add_order_coupon', 'ALTER TABLE orders ADD COLUMN coupon varchar(20);', 'ALTER TABLE orders DROP COLUMN coupon;'));
      r = await runCli(
        ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0002', '--base', 'production', '--json', 'report.json', '--no-probes', ...engineArgs(engine.kind)],
        project.dir,
      );
    }, 120_000);
    afterAll(() => project?.dispose());

    it('rehearses it as the change with an empty trunk, and finds nothing about the history', () => {
      expect(r.report?.verdict).toBe('pass');
      const steps = r.report?.targets[0]?.steps ?? [];
      expect(steps.filter((s) => s.phase === 'trunk')).toEqual([]);
      expect(steps.filter((s) => s.phase === 'change').map((s) => s.migration)).toEqual(['0003_add_order_coupon']);
      expect(r.report?.targets[0]?.history).toMatchObject({ rewritten: [], outOfOrder: [], trunk: [] });
      expect(r.code).toBe(0);
    });
  });
});
