// End to end: the real CLI on inline migration folders, on every engine under test, asserting on
// the JSON report and the exit status.
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/checks/finding.ts';
import type { Report } from '../../src/report/report.ts';
import { describeEachEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type Project } from './cli.ts';

const SHOP = {
  'migrations/0001_create_customers.up.sql': `
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  tier int NOT NULL DEFAULT 0
);`,
  'migrations/0001_create_customers.down.sql': 'DROP TABLE customers;',
  'migrations/0002_create_orders.up.sql': `
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  total_cents int NOT NULL,
  note text
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);`,
  'migrations/0002_create_orders.down.sql': 'DROP TABLE orders;',
  'seed.sql': `
INSERT INTO customers (email, tier) SELECT 'c' || g || '@example.com', g % 3 FROM generate_series(1, 2000) g;
INSERT INTO orders (customer_id, total_cents, note)
SELECT 1 + (g % 2000), (g * 37) % 10000, CASE WHEN g % 5 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 6000) g;`,
};

function change(files: Record<string, string>, config?: string): Record<string, string> {
  return { ...SHOP, ...files, ...(config ? { 'rehearse.config.yaml': config } : {}) };
}

const errors = (r: Report | undefined, hazard: string): Finding[] =>
  (r?.findings ?? []).filter((f) => f.hazard === hazard && f.severity === 'error');

describeEachEngine(({ kind: engine, create }) => {
  // Engines with a second session run traffic probes: blocking is measured there, inferred elsewhere.
  const probes = create().capabilities.concurrentSessions;

  describe('rehearse run', () => {
    let project: Project | undefined;
    afterEach(async () => {
      await project?.dispose();
      project = undefined;
    });

    const run = async (files: Record<string, string>, extra: string[] = []) => {
      project = await makeProject(files);
      return runCli(
        ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0002', '--json', 'report.json', ...engineArgs(engine), ...extra],
        project.dir,
      );
    };

    it('passes a safe change and rehearses change, rollback and reapply', async () => {
      const r = await run(
        change({
          'migrations/0003_add_orders_coupon.up.sql': 'ALTER TABLE orders ADD COLUMN coupon text;',
          'migrations/0003_add_orders_coupon.down.sql': 'ALTER TABLE orders DROP COLUMN coupon;',
        }),
      );
      expect(r.stderr).not.toMatch(/Error:/);
      expect(r.code).toBe(0);
      expect(r.report?.verdict).toBe('pass');
      const steps = r.report?.targets[0]?.steps ?? [];
      expect(steps.map((s) => `${s.phase}:${s.direction}:${s.status}`)).toEqual(['change:up:success', 'rollback:down:success', 'reapply:up:success']);
      expect(r.report?.targets[0]?.dataset.tableRows).toMatchObject({ customers: 2000, orders: 6000 });
      const up = steps[0]!;
      expect(up.statements[0]).toMatchObject({ kind: 'AlterTableStmt', status: 'success', line: 1 });
      expect(up.locks.find((l) => l.relation === 'orders' && l.mode === 'AccessExclusiveLock')).toMatchObject({ source: 'observed', newRelation: false });
      expect(r.stdout).toContain('PASS');
    });

    it('fails a NOT NULL column without default that only breaks on data (fails-on-data)', async () => {
      const r = await run(
        change({
          'migrations/0003_orders_currency.up.sql': 'ALTER TABLE orders ADD COLUMN currency text NOT NULL;',
          'migrations/0003_orders_currency.down.sql': 'ALTER TABLE orders DROP COLUMN currency;',
        }),
      );
      expect(r.code).toBe(1);
      const [f] = errors(r.report, 'fails-on-data');
      expect(f?.migration).toBe('0003_orders_currency');
      expect(f?.evidence).toMatchObject({ sqlstate: '23502' });
      const step = r.report?.targets[0]?.steps[0];
      expect(step).toMatchObject({ status: 'error', passesOnEmptyDatabase: true, leftDirty: true });
      expect(step?.error).toMatchObject({ sqlstate: '23502', line: 1 });
      expect(r.report?.targets[0]?.steps.filter((s) => s.status === 'skipped')).toHaveLength(2);
    });

    it('reports a down migration that fails with data present (downgrade-fails)', async () => {
      const r = await run(
        change({
          'migrations/0003_drop_orders_note.up.sql': 'ALTER TABLE orders DROP COLUMN note;',
          'migrations/0003_drop_orders_note.down.sql': 'ALTER TABLE orders ADD COLUMN note text NOT NULL;',
        }),
      );
      expect(r.code).toBe(1);
      expect(errors(r.report, 'downgrade-fails')[0]?.migration).toBe('0003_drop_orders_note');
    });

    it('reports data that does not come back after rollback and reapply (downgrade-loses-data)', async () => {
      const r = await run(
        change({
          'migrations/0003_split_notes.up.sql': `
CREATE TABLE order_notes (order_id bigint PRIMARY KEY REFERENCES orders (id), body text NOT NULL);
INSERT INTO order_notes SELECT id, note FROM orders WHERE note IS NOT NULL;
ALTER TABLE orders DROP COLUMN note;`,
          'migrations/0003_split_notes.down.sql': `
ALTER TABLE orders ADD COLUMN note text;
DROP TABLE order_notes;`,
        }),
      );
      expect(r.code).toBe(1);
      const [f] = errors(r.report, 'downgrade-loses-data');
      expect(f?.table).toBe('order_notes');
    });

    it('reports rows deleted by a cascade in a table the step does not name (data-loss)', async () => {
      const r = await run(
        change({
          'migrations/0003_purge_tier_zero.up.sql': 'DELETE FROM customers WHERE tier = 0 AND id <= 300;',
          'migrations/0003_purge_tier_zero.down.sql': 'SELECT 1;',
        }),
      );
      expect(r.code).toBe(1);
      const [f] = errors(r.report, 'data-loss');
      expect(f?.table).toBe('orders');
      const rows = r.report?.targets[0]?.steps[0]?.rows.find((t) => t.table === 'orders');
      expect(rows?.deleted).toBeGreaterThan(0);
    });

    it('reports a table rewrite (table-rewrite)', async () => {
      const r = await run(
        change({
          'migrations/0003_widen_total.up.sql': 'ALTER TABLE orders ALTER COLUMN total_cents TYPE bigint;',
          'migrations/0003_widen_total.down.sql': 'ALTER TABLE orders ALTER COLUMN total_cents TYPE int;',
        }),
      );
      expect(r.code).toBe(1);
      const rewrite = r.report?.targets[0]?.steps[0]?.rewrites.find((w) => w.relation === 'orders');
      expect(rewrite?.bytesBefore).toBeGreaterThan(0);
      expect(errors(r.report, 'table-rewrite')[0]?.table).toBe('orders');
    });

    it('gates blocking (measured by probes, or inferred from lock mode × hold time), with limits from the config file (blocking-lock, slow-step, write-volume)', async () => {
      const r = await run(
        change(
          {
            'migrations/0003_backfill_tier.up.sql': `
ALTER TABLE customers ADD COLUMN vip boolean;
UPDATE customers SET vip = tier = 2;
SELECT pg_sleep(0.4);`,
            'migrations/0003_backfill_tier.down.sql': 'ALTER TABLE customers DROP COLUMN vip;',
          },
          'limits:\n  blockingLockMs: 200ms\n  stepDurationMs: 300ms\n  rowsChanged: 1000\n',
        ),
      );
      expect(r.code).toBe(1);
      const [lock] = errors(r.report, 'blocking-lock');
      expect(lock?.table).toBe('customers');
      expect(lock?.evidence.basis).toBe(probes ? 'measured' : 'inferred');
      expect(Number(lock?.evidence.heldMs)).toBeGreaterThanOrEqual(400);
      if (probes) expect(Number(lock?.evidence.readsBlockedMs)).toBeGreaterThanOrEqual(400);
      expect(errors(r.report, 'slow-step')).toHaveLength(1);
      expect(errors(r.report, 'write-volume')[0]?.evidence).toMatchObject({ rowsChanged: 2000 });
    });

    it('predicts figures at production size from --production-rows and gates on them', async () => {
      const files = change({
        'migrations/0003_backfill_notes.up.sql': "UPDATE orders SET note = coalesce(note, '');",
        'migrations/0003_backfill_notes.down.sql': 'SELECT 1;',
      });
      const measured = await run(files);
      expect(measured.code).toBe(0);
      await project?.dispose();
      const r = await run(files, ['--production-rows', 'orders=600000,customers=200000']);
      expect(r.code).toBe(1);
      const step = r.report?.targets[0]?.steps[0];
      expect(step?.predicted).toMatchObject({ factor: 100, exponent: 1, rowsChanged: 600_000 });
      expect(step?.predicted?.durationMs).toBeGreaterThan(step?.durationMs ?? Infinity);
      expect(r.report?.targets[0]?.productionRows).toEqual({ orders: 600_000, customers: 200_000 });
      const [f] = errors(r.report, 'write-volume');
      expect(f?.evidence).toMatchObject({ rowsChanged: 6000, predictedRowsChanged: 600_000, basis: 'production size' });
    });

    it('runs CONCURRENTLY migrations outside a transaction and does not flag them', async () => {
      // A measured figure includes the probe statement's own few milliseconds, so it is never 0.
      const r = await run(
        change(
          {
            'migrations/0003_orders_total_idx.up.sql': 'CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total_cents);',
            'migrations/0003_orders_total_idx.down.sql': 'DROP INDEX CONCURRENTLY orders_total_idx;',
          },
          `limits:\n  blockingLockMs: ${probes ? '250ms' : '0'}\n`,
        ),
      );
      expect(r.report?.findings.filter((f) => f.hazard === 'blocking-lock')).toEqual([]);
      expect(r.code).toBe(0);
      const step = r.report?.targets[0]?.steps[0];
      expect(step?.transaction).toBe('none');
      expect(step?.locks.find((l) => l.table === 'orders')?.mode).toBe('ShareUpdateExclusiveLock');
    });

    it('puts measured blocking per table and operation in the report where probes can run (steps[].blocked)', async () => {
      const files = change({
        'migrations/0003_orders_total_idx.up.sql': 'CREATE INDEX orders_total_idx ON orders (total_cents);\nSELECT pg_sleep(0.4);',
        'migrations/0003_orders_total_idx.down.sql': 'DROP INDEX orders_total_idx;',
      });
      const r = await run(files);
      const target = r.report?.targets[0];
      const steps = target?.steps ?? [];
      expect(steps.map((s) => s.phase)).toEqual(['change', 'rollback', 'reapply']);
      if (!probes) {
        for (const s of steps) expect(s).not.toHaveProperty('blocked');
        expect(target?.notes.join('\n')).toMatch(/blocking is inferred from lock mode × hold time/);
        expect(errors(r.report, 'blocking-lock')).toEqual([]);
        return;
      }
      for (const s of steps) expect(s.blocked?.length, `${s.phase} step`).toBeGreaterThan(0);
      const orders = (op: string) => steps[0]?.blocked?.find((b) => b.table === 'orders' && b.operation === op);
      // SHARE for the index build and the pause after it: writes wait, reads do not.
      expect(orders('insert')).toMatchObject({ blockedBy: ['migration'] });
      expect(orders('insert')!.maxBlockedMs).toBeGreaterThanOrEqual(380);
      expect(orders('read')!.maxBlockedMs).toBeLessThan(200);
      // customers is probed as the parent of orders' foreign key.
      expect(steps[0]?.blocked?.find((b) => b.table === 'customers' && b.operation === 'fk-share')?.attempts).toBeGreaterThan(0);
      expect(target?.notes.join('\n')).toMatch(/blocking measured by traffic probes/);
      expect(r.stdout).toMatch(/orders W \d+ ms \(measured\)/);

      await project?.dispose();
      const bare = await run(files, ['--no-probes']);
      for (const s of bare.report?.targets[0]?.steps ?? []) expect(s).not.toHaveProperty('blocked');
      expect(bare.report?.targets[0]?.notes.join('\n')).toMatch(/traffic probes are off/);
    });

    it('cancels a hung step at the step timeout and reports it', async () => {
      const r = await run(
        change(
          {
            'migrations/0003_hangs.up.sql': 'ALTER TABLE orders ADD COLUMN x int;\nSELECT pg_sleep(60);',
            'migrations/0003_hangs.down.sql': 'ALTER TABLE orders DROP COLUMN x;',
          },
          'limits:\n  stepTimeoutMs: 1500ms\n',
        ),
      );
      expect(r.code).toBe(1);
      expect(r.ms).toBeLessThan(45_000);
      const step = r.report?.targets[0]?.steps[0];
      expect(step?.status).toBe('timeout');
      expect(step?.statements.map((s) => s.status)).toEqual(['success', 'timeout']);
      expect(errors(r.report, 'slow-step')[0]?.migration).toBe('0003_hangs');
    });
  });
});
