// End to end: the real CLI on inline migration folders, on every engine under test, asserting on
// the JSON report and the exit status. Each scenario is written in the SQL of the engine's dialect
// (the shop of shop.ts: customers, and orders referencing them ON DELETE CASCADE). Where engines
// differ, the expectation is stated by capability: traffic probes measure blocking where they
// run; where DDL is not transactional (MySQL/MariaDB) a failed file leaves its earlier statements
// applied and a DDL statement's lock ends with the statement.
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/checks/finding.ts';
import type { StateSnapshot } from '../../src/rehearsal/evidence.ts';
import type { Report } from '../../src/report/report.ts';
import { describeEveryEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, runsTrafficProbes, type Project } from './cli.ts';
import { hang, migration, pause, shopWith, type Files, type PerDialect } from './shop.ts';

const errors = (r: Report | undefined, hazard: string): Finding[] =>
  (r?.findings ?? []).filter((f) => f.hazard === hazard && f.severity === 'error');

const snapshot = (r: Report | undefined, label: string): StateSnapshot | undefined => r?.targets[0]?.snapshots.find((s) => s.label === label);

/** The lock a plain `ALTER TABLE … ADD COLUMN` holds on its table, in each dialect's terms. */
const ADD_COLUMN_LOCK: PerDialect = {
  postgres: 'AccessExclusiveLock',
  // Instant ADD COLUMN: online DDL, reads and writes go on.
  mysql: 'MDL_SHARED_UPGRADABLE',
  // SQLite's database write lock, attributed to the table written.
  sqlite: 'SQLITE_RESERVED',
};

/** A statement that only the shop's data breaks, and the SQLSTATE it fails with. */
const BREAKS_ON_DATA: PerDialect<{ sql: string; sqlstate: string }> = {
  // Every existing row would hold NULL.
  postgres: { sql: 'ALTER TABLE orders ADD COLUMN currency text NOT NULL;', sqlstate: '23502' },
  // MySQL/MariaDB fill a new NOT NULL column with the type's implicit default, so that passes
  // there; a CHECK that legacy rows (every fifth note is NULL) violate fails (MariaDB error 4025).
  mysql: { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_note_present CHECK (note IS NOT NULL);', sqlstate: '23000' },
  // SQLite refuses a NOT NULL column without default even on an empty table, and has no ADD
  // CONSTRAINT: a unique index over duplicates (three orders per customer) is what data breaks.
  sqlite: { sql: 'CREATE UNIQUE INDEX orders_customer_id_key ON orders (customer_id);', sqlstate: '23505' },
};

/** A down that cannot run once the table holds data. */
const DOWN_FAILS: PerDialect<Files> = {
  postgres: migration('0003_drop_orders_note', 'ALTER TABLE orders DROP COLUMN note;', 'ALTER TABLE orders ADD COLUMN note text NOT NULL;'),
  // A re-added NOT NULL column gets the implicit default on MySQL/MariaDB; narrowing a column the
  // up's data has outgrown fails (error 1264, out of range, in strict mode).
  mysql: migration(
    '0003_drop_orders_note',
    'ALTER TABLE orders MODIFY total_cents bigint NOT NULL;\nUPDATE orders SET total_cents = total_cents * 1000000;\nALTER TABLE orders DROP COLUMN note;',
    'ALTER TABLE orders MODIFY total_cents int NOT NULL;\nALTER TABLE orders ADD COLUMN note text;',
  ),
  sqlite: migration('0003_drop_orders_note', 'ALTER TABLE orders DROP COLUMN note;', 'ALTER TABLE orders ADD COLUMN note TEXT NOT NULL;'),
};

const ID_TYPE: PerDialect = { postgres: 'bigint', mysql: 'bigint', sqlite: 'INTEGER' };
const BOOLEAN: PerDialect = { postgres: 'boolean', mysql: 'boolean', sqlite: 'INTEGER' };

/** A step that deletes rows of orders without naming it. */
const CASCADES: PerDialect<Files> = {
  // ON DELETE CASCADE behind a DELETE of customers.
  postgres: migration('0003_purge_customers', 'DELETE FROM customers WHERE tier = 0 AND id <= 300;', 'SELECT 1;'),
  // REPLACE deletes the old row before inserting the new one: the cascade runs.
  mysql: migration(
    '0003_purge_customers',
    "REPLACE INTO customers (id, email, tier) VALUES (3, 'c3@example.com', 1), (6, 'c6@example.com', 1), (9, 'c9@example.com', 1);",
    'SELECT 1;',
  ),
  // The naive table rebuild with foreign keys on: DROP TABLE deletes every customer first, and
  // the cascade every order (PRAGMA foreign_keys = OFF is a no-op in the file's transaction).
  sqlite: migration(
    '0003_purge_customers',
    `PRAGMA foreign_keys = OFF;
CREATE TABLE customers_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL, tier INTEGER NOT NULL DEFAULT 0, vip INTEGER NOT NULL DEFAULT 0);
INSERT INTO customers_new (id, email, tier) SELECT id, email, tier FROM customers;
DROP TABLE customers;
ALTER TABLE customers_new RENAME TO customers;`,
    'ALTER TABLE customers DROP COLUMN vip;',
  ),
};

/** A change of orders' storage: every row copied. */
const REWRITES: PerDialect<Files> = {
  postgres: migration('0003_widen_total', 'ALTER TABLE orders ALTER COLUMN total_cents TYPE bigint;', 'ALTER TABLE orders ALTER COLUMN total_cents TYPE int;'),
  mysql: migration('0003_widen_total', 'ALTER TABLE orders MODIFY total_cents bigint NOT NULL;', 'ALTER TABLE orders MODIFY total_cents int NOT NULL;'),
  // SQLite cannot change a column's type in place: the table is rebuilt (orders has no children).
  sqlite: migration(
    '0003_widen_total',
    `CREATE TABLE orders_new (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE, total_cents INTEGER NOT NULL CHECK (total_cents >= 0), note TEXT);
INSERT INTO orders_new (id, customer_id, total_cents, note) SELECT id, customer_id, total_cents, note FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);`,
    'SELECT 1;',
  ),
};

/** Builds an index on orders and keeps writes of orders waiting (reads go on) for a while. */
const HOLDS_WRITES: PerDialect<Files> = {
  // SHARE, held until commit, through the pause.
  postgres: migration('0003_orders_total_idx', `CREATE INDEX orders_total_idx ON orders (total_cents);\n${pause('postgres', 0.4)}`, 'DROP INDEX orders_total_idx;'),
  // The index builds online and commits at once; LOCK TABLES … READ keeps writes waiting.
  mysql: migration(
    '0003_orders_total_idx',
    `CREATE INDEX orders_total_idx ON orders (total_cents);\nLOCK TABLES orders READ;\n${pause('mysql', 0.4)}\nUNLOCK TABLES;`,
    'DROP INDEX orders_total_idx ON orders;',
  ),
  // The database's write lock, held until commit; readers go on in WAL mode.
  sqlite: migration('0003_orders_total_idx', `CREATE INDEX orders_total_idx ON orders (total_cents);\n${pause('sqlite', 0.4)}`, 'DROP INDEX orders_total_idx;'),
};

describeEveryEngine(({ kind: engine, dialect, create }) => {
  const capabilities = create().capabilities;
  // Engines with a second session and probes for their dialect measure blocking; elsewhere it is inferred.
  const probes = runsTrafficProbes(create());
  const shop = (files: Files, config?: string) => shopWith(dialect, files, config);

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
      const r = await run(shop(migration('0003_add_orders_coupon', 'ALTER TABLE orders ADD COLUMN coupon text;', 'ALTER TABLE orders DROP COLUMN coupon;')));
      expect(r.stderr).not.toMatch(/Error:/);
      expect(r.code).toBe(0);
      expect(r.report?.verdict).toBe('pass');
      const target = r.report?.targets[0];
      const steps = target?.steps ?? [];
      expect(steps.map((s) => `${s.phase}:${s.direction}:${s.status}`)).toEqual(['change:up:success', 'rollback:down:success', 'reapply:up:success']);
      expect(target?.dataset.tableRows).toMatchObject({ customers: 2000, orders: 6000 });
      const up = steps[0]!;
      expect(up.statements[0]).toMatchObject({ kind: 'AlterTableStmt', status: 'success', line: 1 });
      // One transaction per file where DDL is transactional; golang-migrate's mysql driver runs the file as it is.
      expect(up.transaction).toBe(capabilities.transactionalDdl ? 'per-file' : 'none');
      // Locks are observed where the server shows them (MariaDB without metadata_lock_info: inferred, and said so).
      const inferred = (target?.notes ?? []).some((n) => /locks were inferred from the statements/.test(n));
      expect(up.locks.find((l) => l.relation === 'orders' && l.mode === ADD_COLUMN_LOCK[dialect])).toMatchObject({
        source: inferred ? 'inferred' : 'observed',
        newRelation: false,
      });
      expect(r.stdout).toContain('PASS');
    });

    it('fails a statement that only breaks on data (fails-on-data); where DDL is not transactional, the statements before it stay applied', async () => {
      const breaks = BREAKS_ON_DATA[dialect];
      const r = await run(shop(migration('0003_orders_rules', `ALTER TABLE orders ADD COLUMN coupon text;\n${breaks.sql}`, 'ALTER TABLE orders DROP COLUMN coupon;')));
      expect(r.code).toBe(1);
      const [f] = errors(r.report, 'fails-on-data');
      expect(f).toMatchObject({ migration: '0003_orders_rules', phase: 'change', table: 'orders' });
      expect(f?.evidence).toMatchObject({ sqlstate: breaks.sqlstate, passesOnEmptyDatabase: true, leftDirty: true });
      const step = r.report?.targets[0]?.steps[0];
      expect(step).toMatchObject({ status: 'error', passesOnEmptyDatabase: true, leftDirty: true });
      expect(step?.error).toMatchObject({ sqlstate: breaks.sqlstate, statementIndex: 1, line: 2 });
      expect(r.report?.targets[0]?.steps.filter((s) => s.status === 'skipped')).toHaveLength(2);
      // golang-migrate marks the version dirty before it runs the file, on every engine.
      const after = snapshot(r.report, 'after-change');
      expect(after?.tracking).toEqual({ version: '3', dirty: true });
      // The ADD COLUMN before the failing statement: rolled back with the file where DDL is
      // transactional, committed on its own (and still there) where it is not.
      const columns = after?.schema.tables.orders?.columns.map((c) => c.name);
      if (capabilities.transactionalDdl) {
        expect(columns).not.toContain('coupon');
        expect(f?.message).not.toMatch(/stays applied/);
      } else {
        expect(columns).toContain('coupon');
        expect(f?.message).toMatch(/the statement before it \(line 1\) ran without a transaction and stays applied/);
      }
    });

    it('reports a down migration that fails with data present (downgrade-fails)', async () => {
      const r = await run(shop(DOWN_FAILS[dialect]));
      expect(r.code).toBe(1);
      expect(errors(r.report, 'downgrade-fails')[0]).toMatchObject({ migration: '0003_drop_orders_note', phase: 'rollback', table: 'orders' });
      expect(r.report?.targets[0]?.steps.map((s) => `${s.phase}:${s.status}`)).toEqual(['change:success', 'rollback:error', 'reapply:skipped']);
    });

    it('reports data that does not come back after rollback and reapply (downgrade-loses-data)', async () => {
      const r = await run(
        shop(
          migration(
            '0003_split_notes',
            `
CREATE TABLE order_notes (order_id ${ID_TYPE[dialect]} PRIMARY KEY REFERENCES orders (id), body text NOT NULL);
INSERT INTO order_notes (order_id, body) SELECT id, note FROM orders WHERE note IS NOT NULL;
ALTER TABLE orders DROP COLUMN note;`,
            `
ALTER TABLE orders ADD COLUMN note text;
DROP TABLE order_notes;`,
          ),
        ),
      );
      expect(r.code).toBe(1);
      const [f] = errors(r.report, 'downgrade-loses-data');
      expect(f).toMatchObject({ migration: '0003_split_notes', phase: 'rollback', table: 'order_notes' });
      expect(f?.evidence).toMatchObject({ rowsAfterChange: 4800, rowsAfterReapply: 0 });
    });

    it('reports rows deleted by a cascade in a table the step does not name (data-loss)', async () => {
      const r = await run(shop(CASCADES[dialect]));
      expect(r.code).toBe(1);
      const [f] = errors(r.report, 'data-loss');
      expect(f).toMatchObject({ migration: '0003_purge_customers', phase: 'change', table: 'orders' });
      const rows = r.report?.targets[0]?.steps[0]?.rows.find((t) => t.table === 'orders');
      expect(rows?.deleted).toBeGreaterThan(0);
      expect(f?.evidence.deleted).toBe(rows?.deleted);
    });

    it('reports a table rewrite (table-rewrite)', async () => {
      const r = await run(shop(REWRITES[dialect]));
      expect(r.code).toBe(1);
      const rewrite = r.report?.targets[0]?.steps[0]?.rewrites.find((w) => w.relation === 'orders');
      expect(rewrite?.bytesBefore).toBeGreaterThan(0);
      expect(errors(r.report, 'table-rewrite')[0]).toMatchObject({ migration: '0003_widen_total', phase: 'change', table: 'orders' });
    });

    it('gates blocking (measured by probes, or inferred from lock mode × hold time), with limits from the config file (blocking-lock, slow-step, write-volume)', async () => {
      const r = await run(
        shop(
          migration(
            '0003_backfill_vip',
            `
ALTER TABLE customers ADD COLUMN vip ${BOOLEAN[dialect]};
UPDATE customers SET vip = tier = 2;
${pause(dialect, 0.6)}`,
            'ALTER TABLE customers DROP COLUMN vip;',
          ),
          'limits:\n  blockingLockMs: 200ms\n  stepDurationMs: 300ms\n  rowsChanged: 1000\n',
        ),
      );
      expect(r.code).toBe(1);
      const step = r.report?.targets[0]?.steps[0];
      const pausedMs = step?.statements[2]?.durationMs ?? 0;
      expect(pausedMs).toBeGreaterThan(300);
      const lock = errors(r.report, 'blocking-lock').find((f) => f.table === 'customers');
      if (capabilities.transactionalDdl) {
        // The ALTER's lock is held until the file commits: through the UPDATE and the pause.
        expect(lock?.migration).toBe('0003_backfill_vip');
        expect(lock?.evidence.basis).toBe(probes ? 'measured' : 'inferred');
        expect(Number(lock?.evidence.heldMs)).toBeGreaterThanOrEqual(pausedMs);
        if (probes) {
          // A probe attempt starts within one interval (25 ms) of the lock.
          expect(Number(lock?.evidence.writesBlockedMs)).toBeGreaterThanOrEqual(pausedMs - 60);
          const altered = step?.locks.find((l) => l.table === 'customers' && l.statementIndex === 0);
          if (altered?.blocks.reads) expect(Number(lock?.evidence.readsBlockedMs)).toBeGreaterThanOrEqual(pausedMs - 60);
        }
      } else {
        // The ALTER commits on its own: nothing holds a lock of customers through the pause.
        expect(lock).toBeUndefined();
      }
      expect(errors(r.report, 'slow-step')).toMatchObject([{ migration: '0003_backfill_vip', phase: 'change' }]);
      expect(errors(r.report, 'write-volume')[0]?.evidence).toMatchObject({ rowsChanged: 2000 });
    });

    it('predicts figures at production size from --production-rows and gates on them', async () => {
      // Every row gets a new value (MySQL counts only rows whose value changes) and a rerun changes nothing.
      const label: PerDialect = { postgres: "'order ' || id", mysql: "CONCAT('order ', id)", sqlite: "'order ' || id" };
      const files = shop(migration('0003_backfill_notes', `UPDATE orders SET note = ${label[dialect]};`, 'SELECT 1;'));
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

    if (dialect === 'postgres') {
      // CREATE INDEX CONCURRENTLY is PostgreSQL's.
      it('runs CONCURRENTLY migrations outside a transaction and does not flag them', async () => {
        // A measured figure includes the probe statement's own few milliseconds, so it is never 0.
        const r = await run(
          shop(
            migration(
              '0003_orders_total_idx',
              'CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total_cents);',
              'DROP INDEX CONCURRENTLY orders_total_idx;',
            ),
            `limits:\n  blockingLockMs: ${probes ? '250ms' : '0'}\n`,
          ),
        );
        expect(r.report?.findings.filter((f) => f.hazard === 'blocking-lock')).toEqual([]);
        expect(r.code).toBe(0);
        const step = r.report?.targets[0]?.steps[0];
        expect(step?.transaction).toBe('none');
        expect(step?.locks.find((l) => l.table === 'orders')?.mode).toBe('ShareUpdateExclusiveLock');
      });
    }

    it('puts measured blocking per table and operation in the report where probes can run (steps[].blocked)', async () => {
      const files = shop(HOLDS_WRITES[dialect]);
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
      const pausedMs = Math.max(...(steps[0]?.statements ?? []).map((s) => s.durationMs));
      // Writes wait for the pause (a probe attempt starts within one 25 ms interval of the lock), reads do not.
      expect(orders('insert')!.maxBlockedMs).toBeGreaterThanOrEqual(pausedMs - 60);
      expect(orders('read')!.blockedBy).toEqual([]);
      expect(orders('read')!.maxBlockedMs).toBeLessThan(orders('insert')!.maxBlockedMs);
      // Who made them wait: the migration, where the engine can tell. MariaDB without the
      // metadata_lock_info plugin shows only that a probe waits for a metadata lock, and rehearse
      // names the blocker only while it runs a DDL statement on the table (a LOCK TABLES held
      // through a later statement goes unnamed, as probes/mysql/blocking.ts documents).
      const blockerHidden = (target?.notes ?? []).some((n) => /metadata locks are not visible/.test(n));
      if (blockerHidden) for (const who of orders('insert')!.blockedBy) expect(who).toBe('migration');
      else expect(orders('insert')!.blockedBy).toEqual(['migration']);
      // customers is probed as the parent of orders' foreign key.
      expect(steps[0]?.blocked?.filter((b) => b.table === 'customers').reduce((n, b) => n + b.attempts, 0)).toBeGreaterThan(0);
      expect(target?.notes.join('\n')).toMatch(/blocking measured by traffic probes/);
      expect(r.stdout).toMatch(/orders W \d+ ms.* \(measured\)/);

      await project?.dispose();
      const bare = await run(files, ['--no-probes']);
      for (const s of bare.report?.targets[0]?.steps ?? []) expect(s).not.toHaveProperty('blocked');
      expect(bare.report?.targets[0]?.notes.join('\n')).toMatch(/traffic probes are off/);
    });

    it('cancels a hung step at the step timeout and reports it', async () => {
      const r = await run(
        shop(migration('0003_hangs', `ALTER TABLE orders ADD COLUMN x int;\n${hang(dialect)}`, 'ALTER TABLE orders DROP COLUMN x;'), 'limits:\n  stepTimeoutMs: 1500ms\n'),
      );
      expect(r.code).toBe(1);
      expect(r.ms).toBeLessThan(45_000);
      const step = r.report?.targets[0]?.steps[0];
      expect(step?.status).toBe('timeout');
      expect(step?.statements.map((s) => s.status)).toEqual(['success', 'timeout']);
      expect(errors(r.report, 'slow-step')[0]).toMatchObject({ migration: '0003_hangs', phase: 'change' });
      const after = snapshot(r.report, 'after-change');
      if (!capabilities.cancelStatement) {
        // The scratch database was destroyed to stop the statement: nothing is left to look at.
        expect(after).toBeUndefined();
        return;
      }
      // Cancelled, the file's transaction rolls back; where DDL commits on its own, the ALTER stays.
      expect(after?.schema.tables.orders?.columns.map((c) => c.name).includes('x')).toBe(!capabilities.transactionalDdl);
      expect(after?.tracking).toEqual({ version: '3', dirty: true });
    });
  });
});
