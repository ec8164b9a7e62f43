// schema-drift end to end, on every engine: the seed (production's data) carries two hand-made
// changes the migrations never made — a hotfix index on orders and, where the engine can alter a
// column in place, a widened customers.email (SQLite: an extra column instead). The change touches
// orders only: drift on orders is an error naming the migration, drift on customers a warning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/engines/engine.ts';
import { describeEveryEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type CliResult, type Project } from './cli.ts';
import { migration, shop, shopWith } from './shop.ts';

const HOTFIX_INDEX = 'CREATE INDEX orders_total_hotfix_idx ON orders (total_cents);';

const WIDEN_EMAIL: Record<Dialect, string> = {
  postgres: 'ALTER TABLE customers ALTER COLUMN email TYPE varchar(320);',
  mysql: 'ALTER TABLE customers MODIFY email varchar(320) NOT NULL;',
  // SQLite cannot change a column's type in place: the hand-made change is a column the migrations never added.
  sqlite: 'ALTER TABLE customers ADD COLUMN email_verified INTEGER;',
};

const CHANGE = migration('0003_add_order_coupon', 'ALTER TABLE orders ADD COLUMN coupon varchar(20);', 'ALTER TABLE orders DROP COLUMN coupon;');

describeEveryEngine((engine) => {
  const dialect = engine.dialect;
  const run = (dir: string) =>
    runCli(['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0002', '--json', 'report.json', '--no-probes', ...engineArgs(engine.kind)], dir);

  describe('schema-drift: hand-made changes in the dataset', () => {
    let project: Project;
    let r: CliResult;
    beforeAll(async () => {
      const files = shopWith(dialect, CHANGE);
      files['seed.sql'] = `${HOTFIX_INDEX}\n${WIDEN_EMAIL[dialect]}\n${files['seed.sql']}`;
      project = await makeProject(files);
      r = await run(project.dir);
    }, 120_000);
    afterAll(() => project?.dispose());

    it('is an error on the table the change touches, naming the migration, with the diff in the evidence', () => {
      expect(r.stderr).not.toMatch(/Error:/);
      const drift = (r.report?.findings ?? []).filter((f) => f.hazard === 'schema-drift');
      const orders = drift.find((f) => f.table === 'orders');
      expect(orders).toMatchObject({ severity: 'error', migration: '0003_add_order_coupon' });
      expect(orders?.message).toContain('orders_total_hotfix_idx');
      expect(JSON.stringify(orders?.evidence.schemaDifferences)).toContain('"change":"extra"');
      expect(r.code).toBe(1);
    });

    it('is a warning on a drifted table the change does not touch', () => {
      const customers = (r.report?.findings ?? []).find((f) => f.hazard === 'schema-drift' && f.table === 'customers');
      expect(customers?.severity).toBe('warning');
      expect(customers?.message).toMatch(dialect === 'sqlite' ? /email_verified/ : /email/);
      expect(r.report?.targets[0]?.schemaDrift?.differences).toHaveLength(2);
    });
  });

  describe('schema-drift: a dataset that matches its migrations', () => {
    let project: Project;
    let r: CliResult;
    beforeAll(async () => {
      project = await makeProject({ ...shop(dialect), ...CHANGE });
      r = await run(project.dir);
    }, 120_000);
    afterAll(() => project?.dispose());

    it('finds no drift', () => {
      expect(r.report?.targets[0]?.schemaDrift).toMatchObject({ version: '0002', differences: [] });
      expect((r.report?.findings ?? []).filter((f) => f.hazard === 'schema-drift')).toEqual([]);
      expect(r.report?.verdict).toBe('pass');
    });
  });
});
