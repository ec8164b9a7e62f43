// breaks-previous-code end to end, on every engine: the previous app version's queries are
// compiled before the change and after each of its steps. Renaming orders.note breaks the query
// that reads it (an error naming the step); adding a column breaks nothing. A query that already
// failed before the change is not blamed on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/engines/engine.ts';
import { describeEveryEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type CliResult, type Project } from './cli.ts';
import { migration, shopWith, type Files } from './shop.ts';

const param = (dialect: Dialect) => (dialect === 'postgres' ? '$1' : '?');

function queries(dialect: Dialect): string {
  return [
    '-- the previous release',
    `SELECT id, total_cents, note FROM orders WHERE customer_id = ${param(dialect)};`,
    `SELECT count(*) FROM customers WHERE tier = ${param(dialect)};`,
    '-- broken before the change already (a column no migration ever made)',
    'SELECT legacy_flag FROM customers;',
    '',
  ].join('\n');
}

const RENAME = migration('0003_rename_order_note', 'ALTER TABLE orders RENAME COLUMN note TO memo;', 'ALTER TABLE orders RENAME COLUMN memo TO note;');
const ADD = migration('0003_add_order_coupon', 'ALTER TABLE orders ADD COLUMN coupon varchar(20);', 'ALTER TABLE orders DROP COLUMN coupon;');

describeEveryEngine((engine) => {
  const dialect = engine.dialect;
  const rehearse = async (change: Files): Promise<{ project: Project; r: CliResult }> => {
    const project = await makeProject({ ...shopWith(dialect, change), 'queries.sql': queries(dialect) });
    const r = await runCli(
      ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0002', '--previous-queries', 'queries.sql', '--json', 'report.json', '--no-probes', ...engineArgs(engine.kind)],
      project.dir,
    );
    return { project, r };
  };

  describe('--previous-queries: a rename the previous release still reads', () => {
    let run: { project: Project; r: CliResult };
    beforeAll(async () => (run = await rehearse(RENAME)), 120_000);
    afterAll(() => run?.project.dispose());

    it('reports the broken query at the step that broke it', () => {
      const { r } = run;
      expect(r.stderr).not.toMatch(/Error:/);
      const findings = (r.report?.findings ?? []).filter((f) => f.hazard === 'breaks-previous-code');
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ severity: 'error', migration: '0003_rename_order_note', phase: 'change' });
      expect(findings[0]?.message).toContain('queries.sql:2');
      expect(findings[0]?.message).toMatch(/note/);
      const step = r.report?.targets[0]?.steps.find((s) => s.phase === 'change');
      expect(step?.previousQueries).toMatchObject({ checked: 2, broken: [{ index: 0 }] });
      expect(r.code).toBe(1);
    });

    it('does not blame the change for a query that failed before it', () => {
      const evidence = run.r.report?.targets[0]?.previousQueries;
      expect(evidence?.failingBefore.map((q) => q.index)).toEqual([2]);
      expect(evidence?.queries.map((q) => q.line)).toEqual([2, 3, 5]);
    });
  });

  describe('--previous-queries: an added column', () => {
    let run: { project: Project; r: CliResult };
    beforeAll(async () => (run = await rehearse(ADD)), 120_000);
    afterAll(() => run?.project.dispose());

    it('breaks nothing', () => {
      expect((run.r.report?.findings ?? []).filter((f) => f.hazard === 'breaks-previous-code')).toEqual([]);
      expect(run.r.report?.targets[0]?.steps.find((s) => s.phase === 'change')?.previousQueries).toEqual({ checked: 2, broken: [] });
      expect(run.r.report?.verdict).toBe('pass');
    });
  });
});
