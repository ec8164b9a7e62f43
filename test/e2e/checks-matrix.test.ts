// The hazard checks on every engine: for each check and each engine where its hazard exists, a
// migration that makes it fire and a close variant that must not, rehearsed by the real CLI on the
// shop (shop.ts: 2,000 customers, 6,000 orders referencing them ON DELETE CASCADE) written in the
// engine's SQL dialect, and asserted on the JSON report: hazard, severity, migration, phase, table
// and evidence of the firing one, no finding of that hazard for the quiet one.
//
// Findings name their migration, so pairs share a rehearsal where one cannot disturb another: a
// change that succeeds carries the pairs of five checks (limits low, from the config file), while
// a change that fails, a rollback that fails and a rollback that loses data each need a rehearsal
// of their own. That keeps every engine to a handful of CLI runs.
//
// Engine differences are stated as capabilities, and the SQL says why a case differs:
// - fails-on-data: MySQL/MariaDB fill a new NOT NULL column with the type's implicit default, and
//   SQLite refuses one without default even on an empty table, so what data breaks differs;
// - blocking-lock: where DDL is not transactional (MySQL/MariaDB) a DDL's lock ends with the
//   statement, so the PostgreSQL/SQLite firing case is MySQL's quiet one; measured where traffic
//   probes run, inferred elsewhere;
// - data-loss: the cascade behind a DELETE (PostgreSQL), behind REPLACE (MySQL/MariaDB), behind
//   DROP TABLE in a naive table rebuild with foreign keys on (SQLite);
// - lock-exhaustion fires on the PostgreSQL server only (see its rehearsal); SQLite has no lock table;
// - super-linear: every engine with scale runs but PGlite (see its rehearsal).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding, HazardId, Severity } from '../../src/checks/finding.ts';
import type { Dialect, EngineCapabilities, EngineKind } from '../../src/engines/engine.ts';
import type { Phase } from '../../src/rehearsal/evidence.ts';
import type { Report } from '../../src/report/report.ts';
import { describeEveryEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, runsTrafficProbes, type CliResult } from './cli.ts';
import { insertRows, migration, pause, shopWith, type Files, type PerDialect } from './shop.ts';

interface Fires {
  migration: string;
  phase: Phase;
  severity: Severity;
  /** The table the finding names (undefined: none); left out: not checked here (the pair's `also` does). */
  table?: string;
  /** Evidence the finding carries (a subset). */
  evidence?: Record<string, unknown>;
}

/** One check's firing and quiet migrations in a rehearsal. */
interface Pair {
  hazard: HazardId;
  fires: Fires[];
  /** Migrations that must have no finding of the hazard, in any phase. */
  quiet: string[];
  /** Further assertions on the report. */
  also?: (report: Report) => void;
}

/** One CLI run. */
interface Rehearsal {
  name: string;
  /** The migrations above the dataset's version (0003…), in the engine's dialect. */
  files: Files;
  config?: string;
  /** A project of its own instead of the shop, with its dataset version. */
  standalone?: { datasetVersion: string };
  args?: string[];
  pairs: Pair[];
}

interface Context {
  kind: EngineKind;
  dialect: Dialect;
  capabilities: EngineCapabilities;
  /** Traffic probes run (blocking measured) rather than not (blocking inferred). */
  probes: boolean;
}

const BOOLEAN: PerDialect = { postgres: 'boolean', mysql: 'boolean', sqlite: 'INTEGER' };
const DECIMAL: PerDialect = { postgres: 'numeric(12, 2)', mysql: 'decimal(12, 2)', sqlite: 'REAL' };

/** customers rebuilt the SQLite way (create, copy, drop, rename), keeping `keep` and adding `add`. */
function rebuildCustomers(keep: string[], add: string): string {
  const kept = ['id', 'email', 'tier', ...keep].join(', ');
  return `CREATE TABLE customers_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL, tier INTEGER NOT NULL DEFAULT 0${keep.map((c) => `, ${c} INTEGER`).join('')}, ${add} INTEGER NOT NULL DEFAULT 0);
INSERT INTO customers_new (${kept}) SELECT ${kept} FROM customers;
DROP TABLE customers;
ALTER TABLE customers_new RENAME TO customers;`;
}

/** orders rebuilt the SQLite way, `check` added to total_cents (orders has no children: foreign keys may stay on). */
function rebuildOrders(check: string): string {
  return `CREATE TABLE orders_new (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE, total_cents INTEGER NOT NULL${check}, note TEXT);
INSERT INTO orders_new (id, customer_id, total_cents, note) SELECT id, customer_id, total_cents, note FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);`;
}

/** A change whose statements only the shop's data breaks. */
function failingChange({ dialect }: Context): Rehearsal {
  const by: PerDialect<{ quiet: [string, string, string]; fires: [string, string, string]; sqlstate: string }> = {
    postgres: {
      quiet: ['0003_orders_currency', "ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';", 'ALTER TABLE orders DROP COLUMN currency;'],
      fires: ['0004_orders_region', 'ALTER TABLE orders ADD COLUMN region text NOT NULL;', 'ALTER TABLE orders DROP COLUMN region;'],
      sqlstate: '23502',
    },
    // A CHECK the rows satisfy, and one that every fifth order (note NULL) violates.
    mysql: {
      quiet: ['0003_orders_total_nonnegative', 'ALTER TABLE orders ADD CONSTRAINT orders_total_nonnegative CHECK (total_cents >= 0);', 'ALTER TABLE orders DROP CONSTRAINT orders_total_nonnegative;'],
      fires: ['0004_orders_note_present', 'ALTER TABLE orders ADD CONSTRAINT orders_note_present CHECK (note IS NOT NULL);', 'ALTER TABLE orders DROP CONSTRAINT orders_note_present;'],
      sqlstate: '23000',
    },
    // A unique index over distinct values, and one over duplicates (three orders per customer).
    sqlite: {
      quiet: ['0003_customers_email_key', 'CREATE UNIQUE INDEX customers_email_key ON customers (email);', 'DROP INDEX customers_email_key;'],
      fires: ['0004_orders_customer_id_key', 'CREATE UNIQUE INDEX orders_customer_id_key ON orders (customer_id);', 'DROP INDEX orders_customer_id_key;'],
      sqlstate: '23505',
    },
  };
  const c = by[dialect];
  return {
    name: 'a change that fails on the data',
    files: { ...migration(...c.quiet), ...migration(...c.fires) },
    pairs: [
      {
        hazard: 'fails-on-data',
        fires: [{ migration: c.fires[0], phase: 'change', severity: 'error', table: 'orders', evidence: { sqlstate: c.sqlstate, passesOnEmptyDatabase: true } }],
        quiet: [c.quiet[0]],
      },
    ],
  };
}

/** A rollback whose first down passes and whose second cannot run with data present. */
function failingRollback({ dialect }: Context): Rehearsal {
  const by: PerDialect<Files> = {
    postgres: {
      ...migration('0003_drop_orders_note', 'ALTER TABLE orders DROP COLUMN note;', 'ALTER TABLE orders ADD COLUMN note text NOT NULL;'),
      ...migration('0004_drop_customers_tier', 'ALTER TABLE customers DROP COLUMN tier;', 'ALTER TABLE customers ADD COLUMN tier int NOT NULL DEFAULT 0;'),
    },
    // A re-added NOT NULL column gets the implicit default here: a down that narrows a column the
    // up's data outgrew fails (1264 out of range, strict mode), one whose data still fits passes.
    mysql: {
      ...migration(
        '0003_drop_orders_note',
        'ALTER TABLE orders MODIFY total_cents bigint NOT NULL;\nUPDATE orders SET total_cents = total_cents * 1000000;\nALTER TABLE orders DROP COLUMN note;',
        'ALTER TABLE orders MODIFY total_cents int NOT NULL;\nALTER TABLE orders ADD COLUMN note text;',
      ),
      ...migration('0004_drop_customers_tier', 'ALTER TABLE customers MODIFY tier bigint NOT NULL;', 'ALTER TABLE customers MODIFY tier int NOT NULL;'),
    },
    sqlite: {
      ...migration('0003_drop_orders_note', 'ALTER TABLE orders DROP COLUMN note;', 'ALTER TABLE orders ADD COLUMN note TEXT NOT NULL;'),
      ...migration('0004_drop_customers_tier', 'ALTER TABLE customers DROP COLUMN tier;', 'ALTER TABLE customers ADD COLUMN tier INTEGER NOT NULL DEFAULT 0;'),
    },
  };
  return {
    name: 'a rollback that fails',
    files: by[dialect],
    pairs: [
      {
        hazard: 'downgrade-fails',
        fires: [{ migration: '0003_drop_orders_note', phase: 'rollback', severity: 'error', table: 'orders' }],
        quiet: ['0004_drop_customers_tier'],
        // Rollback runs 0004's down first (passes), then 0003's (fails).
        also: (r) => expect(stepStatuses(r, 'rollback')).toEqual(['0004_drop_customers_tier:success', '0003_drop_orders_note:error']),
      },
    ],
  };
}

/** Notes moved to a table of their own; the down brings the column back empty, or copies the notes back. */
function splitNotes({ dialect }: Context, restores: boolean): Rehearsal {
  const up = `
CREATE TABLE order_notes (order_id ${dialect === 'sqlite' ? 'INTEGER' : 'bigint'} PRIMARY KEY REFERENCES orders (id), body text NOT NULL);
INSERT INTO order_notes (order_id, body) SELECT id, note FROM orders WHERE note IS NOT NULL;
ALTER TABLE orders DROP COLUMN note;`;
  const down = restores
    ? 'ALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = (SELECT body FROM order_notes WHERE order_notes.order_id = orders.id);\nDROP TABLE order_notes;'
    : 'ALTER TABLE orders ADD COLUMN note text;\nDROP TABLE order_notes;';
  // The finding names the migration only when one migration was rolled back: one rehearsal each.
  return {
    name: restores ? 'a rollback that restores the data' : 'a rollback that loses data',
    files: migration('0003_split_notes', up, down),
    pairs: [
      restores
        ? { hazard: 'downgrade-loses-data', fires: [], quiet: ['0003_split_notes'] }
        : {
            hazard: 'downgrade-loses-data',
            fires: [{ migration: '0003_split_notes', phase: 'rollback', severity: 'error', table: 'order_notes', evidence: { rowsAfterChange: 4800, rowsAfterReapply: 0 } }],
            quiet: [],
          },
    ],
  };
}

/**
 * A change that succeeds, with the pairs of table-rewrite (0003/0004), blocking-lock (0005/0006),
 * slow-step (0007/0008), write-volume (0009/0010) and data-loss (0011/0012, last: SQLite's cascade
 * empties orders). Each adds columns of its own, so the pairs do not meet.
 */
function succeedingChange({ dialect, capabilities, probes }: Context): Rehearsal {
  const files: Files = {};
  const pairs: Pair[] = [];
  const add = (f: Files) => Object.assign(files, f);

  // table-rewrite: a type change (or, on SQLite, a constraint added by rebuilding) copies every
  // row; ADD COLUMN with a constant default does not (PostgreSQL 11+ keeps it in the catalog,
  // MySQL/MariaDB's ALGORITHM=INSTANT changes metadata only, SQLite adds columns in place).
  add(
    {
      postgres: migration('0003_widen_total', 'ALTER TABLE orders ALTER COLUMN total_cents TYPE bigint;', 'ALTER TABLE orders ALTER COLUMN total_cents TYPE int;'),
      mysql: migration('0003_widen_total', 'ALTER TABLE orders MODIFY total_cents bigint NOT NULL;', 'ALTER TABLE orders MODIFY total_cents int NOT NULL;'),
      sqlite: migration('0003_widen_total', rebuildOrders(' CHECK (total_cents >= 0)'), rebuildOrders('')),
    }[dialect],
  );
  add(
    {
      postgres: migration('0004_orders_currency', "ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';", 'ALTER TABLE orders DROP COLUMN currency;'),
      mysql: migration('0004_orders_currency', "ALTER TABLE orders ADD COLUMN currency varchar(3) NOT NULL DEFAULT 'EUR', ALGORITHM=INSTANT;", 'ALTER TABLE orders DROP COLUMN currency;'),
      sqlite: migration('0004_orders_currency', "ALTER TABLE orders ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';", 'ALTER TABLE orders DROP COLUMN currency;'),
    }[dialect],
  );
  pairs.push({
    hazard: 'table-rewrite',
    fires: [{ migration: '0003_widen_total', phase: 'change', severity: 'error', table: 'orders' }],
    quiet: ['0004_orders_currency'],
    also: (r) => {
      expect(changeStep(r, '0003_widen_total')?.rewrites.find((w) => w.relation === 'orders')?.bytesBefore).toBeGreaterThan(0);
      expect(changeStep(r, '0004_orders_currency')?.rewrites).toEqual([]);
    },
  });

  // blocking-lock (limit 200 ms): a lock that blocks traffic held through a pause, against the
  // same work without it.
  const alterThenPause = `ALTER TABLE customers ADD COLUMN vip ${BOOLEAN[dialect]};\n${pause(dialect, 0.6)}`;
  if (capabilities.transactionalDdl) {
    // The same work in the other order: the lock is taken last and held only at the end.
    add(migration('0005_orders_coupon', `${pause(dialect, 0.6)}\nALTER TABLE orders ADD COLUMN coupon text;`, 'ALTER TABLE orders DROP COLUMN coupon;'));
    // The lock is held until the file commits, through the pause.
    add(migration('0006_customers_vip', alterThenPause, 'ALTER TABLE customers DROP COLUMN vip;'));
  } else {
    // The DDL commits at once: its lock does not last through the pause.
    add(migration('0005_orders_coupon', alterThenPause, 'ALTER TABLE customers DROP COLUMN vip;'));
    // LOCK TABLES … WRITE holds every other session off the table until UNLOCK TABLES. (Measured
    // by the probes. Without them the hold is inferred from the LOCK TABLES statement alone, not
    // until UNLOCK TABLES: a product bug, reported.)
    add(migration('0006_customers_vip', `LOCK TABLES customers WRITE;\nUPDATE customers SET tier = tier + 3;\n${pause(dialect, 0.6)}\nUNLOCK TABLES;`, 'UPDATE customers SET tier = tier - 3;'));
  }
  pairs.push({
    hazard: 'blocking-lock',
    fires: [{ migration: '0006_customers_vip', phase: 'change', severity: 'error', table: 'customers', evidence: { basis: probes ? 'measured' : 'inferred' } }],
    quiet: ['0005_orders_coupon'],
  });

  // slow-step (limit 300 ms): a second's pause (on SQLite about one: a count) against none.
  add(migration('0007_orders_gift_wrap', `ALTER TABLE orders ADD COLUMN gift_wrap ${BOOLEAN[dialect]};`, 'ALTER TABLE orders DROP COLUMN gift_wrap;'));
  add(migration('0008_customers_segment', `ALTER TABLE customers ADD COLUMN segment int;\n${pause(dialect, 1)}`, 'ALTER TABLE customers DROP COLUMN segment;'));
  pairs.push({
    hazard: 'slow-step',
    fires: [{ migration: '0008_customers_segment', phase: 'change', severity: 'error', table: undefined, evidence: { stepDurationMs: 300 } }],
    quiet: ['0007_orders_gift_wrap'],
    also: (r) => expect(Number(finding(r, 'slow-step', '0008_customers_segment')?.evidence.durationMs)).toBeGreaterThan(300),
  });

  // write-volume (limit 1,000 rows): 500 customers against every order.
  add(
    migration(
      '0009_customers_newsletter',
      `ALTER TABLE customers ADD COLUMN newsletter ${BOOLEAN[dialect]};\nUPDATE customers SET newsletter = tier = 2 WHERE id <= 500;`,
      'ALTER TABLE customers DROP COLUMN newsletter;',
    ),
  );
  add(migration('0010_orders_total_eur', `ALTER TABLE orders ADD COLUMN total_eur ${DECIMAL[dialect]};\nUPDATE orders SET total_eur = total_cents / 100.0;`, 'ALTER TABLE orders DROP COLUMN total_eur;'));
  pairs.push({
    hazard: 'write-volume',
    fires: [{ migration: '0010_orders_total_eur', phase: 'change', severity: 'error', evidence: { rowsChanged: 6000, rowsChangedLimit: 1000 } }],
    quiet: ['0009_customers_newsletter'],
    also: (r) => {
      // The table is named where rows are counted per table (MariaDB's defaults count the session's rows only).
      const perTable = !(r.targets[0]?.notes ?? []).some((n) => /per-table row counters are off/.test(n));
      expect(finding(r, 'write-volume', '0010_orders_total_eur')?.table).toBe(perTable ? 'orders' : undefined);
    },
  });

  // data-loss: rows of orders deleted by a step that does not name orders.
  const dataLoss: PerDialect<{ files: Files; deleted: number }> = {
    // Deleting the orders first, naming them, and leaving it to ON DELETE CASCADE.
    postgres: {
      files: {
        ...migration(
          '0011_purge_customers_explicitly',
          'DELETE FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE tier = 0 AND id <= 300);\nDELETE FROM customers WHERE tier = 0 AND id <= 300;',
          'SELECT 1;',
        ),
        ...migration('0012_purge_customers', 'DELETE FROM customers WHERE tier = 0 AND id > 300 AND id <= 600;', 'SELECT 1;'),
      },
      deleted: 300,
    },
    // An upsert that keeps the row, and REPLACE, which deletes it (and its orders) first.
    mysql: {
      files: {
        ...migration(
          '0011_purge_customers_explicitly',
          "INSERT INTO customers (id, email, tier) VALUES (3, 'c3@example.com', 1), (6, 'c6@example.com', 1), (9, 'c9@example.com', 1)\n  ON DUPLICATE KEY UPDATE tier = VALUES(tier);",
          'SELECT 1;',
        ),
        ...migration('0012_purge_customers', "REPLACE INTO customers (id, email, tier) VALUES (12, 'c12@example.com', 1), (15, 'c15@example.com', 1), (18, 'c18@example.com', 1);", 'SELECT 1;'),
      },
      deleted: 9,
    },
    // SQLite's 12-step rebuild (foreign keys off outside the transaction, checked before COMMIT),
    // and the naive one in golang-migrate's transaction, where the pragma is a no-op and DROP
    // TABLE deletes every customer first, and the cascade every order.
    sqlite: {
      files: {
        ...migration(
          '0011_purge_customers_explicitly',
          `PRAGMA foreign_keys = OFF;\nBEGIN;\n${rebuildCustomers(['vip', 'segment', 'newsletter'], 'loyalty')}\nPRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = ON;`,
          'ALTER TABLE customers DROP COLUMN loyalty;',
        ),
        ...migration('0012_purge_customers', `PRAGMA foreign_keys = OFF;\n${rebuildCustomers(['vip', 'segment', 'newsletter', 'loyalty'], 'region')}`, 'ALTER TABLE customers DROP COLUMN region;'),
      },
      deleted: 6000,
    },
  };
  add(dataLoss[dialect].files);
  pairs.push({
    hazard: 'data-loss',
    fires: [{ migration: '0012_purge_customers', phase: 'change', severity: 'error', table: 'orders', evidence: { deleted: dataLoss[dialect].deleted, datasetRows: 6000 } }],
    quiet: ['0011_purge_customers_explicitly'],
  });

  // None of these comes near a lock table's capacity; SQLite has no lock table at all.
  pairs.push({
    hazard: 'lock-exhaustion',
    fires: [],
    quiet: Object.keys(files)
      .filter((f) => f.endsWith('.up.sql'))
      .map((f) => f.slice('migrations/'.length, -'.up.sql'.length)),
    also: (r) => {
      if (dialect === 'sqlite') expect(r.targets[0]).not.toHaveProperty('lockCapacity');
      else expect(r.targets[0]?.lockCapacity?.locks).toBeGreaterThan(0);
    },
  });

  return {
    name: 'a change that succeeds',
    files,
    config: 'limits:\n  blockingLockMs: 200ms\n  stepDurationMs: 300ms\n  rowsChanged: 1000\n',
    pairs,
  };
}

/**
 * lock-exhaustion on the PostgreSQL server: max_locks_per_transaction 64 × max_connections 100 =
 * 6,400 on a default server; 1,700 partitions created in one transaction hold about 3,400 locks
 * (the table's and its type's), past half; 170 do not. MySQL/MariaDB: InnoDB's lock memory is a
 * share of the buffer pool (about 840,000 lock structures of a page each at 128 MiB), past half of
 * it takes gigabytes of locked rows. PGlite: creating the 1,700 partitions takes tens of seconds
 * in WASM (test/e2e/lock-exhaustion.test.ts has another server case).
 */
function partitions({ kind }: Context): Rehearsal | undefined {
  if (kind !== 'postgres') return undefined;
  const partitioned = (name: string, count: number) => `
CREATE TABLE ${name} (order_id bigint NOT NULL, day int NOT NULL, cents int) PARTITION BY LIST (day);
DO $$
BEGIN
  FOR i IN 1..${count} LOOP
    EXECUTE format('CREATE TABLE ${name}_%s PARTITION OF ${name} FOR VALUES IN (%s)', i, i);
  END LOOP;
END $$;`;
  return {
    name: 'thousands of partitions in one transaction',
    files: {
      ...migration('0003_daily_totals', partitioned('daily_totals', 1700), 'DROP TABLE daily_totals;'),
      ...migration('0004_weekly_totals', partitioned('weekly_totals', 170), 'DROP TABLE weekly_totals;'),
    },
    pairs: [
      {
        hazard: 'lock-exhaustion',
        fires: [{ migration: '0003_daily_totals', phase: 'change', severity: 'warning', table: undefined }],
        quiet: ['0004_weekly_totals'],
        also: (r) => {
          const capacity = r.targets[0]?.lockCapacity?.locks ?? 0;
          const peak = changeStep(r, '0003_daily_totals')?.peakLocks ?? 0;
          // Sized for a default server; on one sized otherwise this says so first.
          expect(peak, `peak locks against a lock table of ${capacity}`).toBeGreaterThan(capacity / 2);
        },
      },
    ],
  };
}

/**
 * super-linear: scale runs on 25 % and 50 % of the dataset fit each change step's growth. A
 * correlated subquery counts, for every item, the items below it (a query per row: rows²); the
 * window function ranks them in one sort (the advice's rewrite). Sized to about a second at full
 * size, so load on the machine does not blur the fit (only steps of 200 ms and more are fitted).
 * PGlite: every clone is a data-dir dump and every reduction a VACUUM FULL in WASM, seconds each.
 */
function ranking({ kind, dialect }: Context): Rehearsal | undefined {
  if (kind === 'pglite') return undefined;
  const items: PerDialect<number> = { postgres: 4000, mysql: 2000, sqlite: 6000 };
  const n = items[dialect];
  return {
    name: 'a backfill that grows with rows²',
    standalone: { datasetVersion: '0001' },
    args: ['--scale'],
    files: {
      ...migration(
        '0001_items',
        'CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);\nCREATE TABLE item_ranks (item_id int PRIMARY KEY, item_rank int NOT NULL);\nCREATE TABLE item_ranks_fast (item_id int PRIMARY KEY, item_rank int NOT NULL);',
        'DROP TABLE item_ranks_fast;\nDROP TABLE item_ranks;\nDROP TABLE items;',
      ),
      ...migration('0002_rank_items', 'INSERT INTO item_ranks (item_id, item_rank) SELECT i.id, (SELECT count(*) FROM items i2 WHERE i2.v < i.v) FROM items i;', 'DELETE FROM item_ranks;'),
      ...migration('0003_rank_items_fast', 'INSERT INTO item_ranks_fast (item_id, item_rank) SELECT id, RANK() OVER (ORDER BY v) - 1 FROM items;', 'DELETE FROM item_ranks_fast;'),
      'seed.sql': insertRows(dialect, 'items', ['id', 'v'], ['g.n', `(g.n * 7919) % ${n + 1}`], n),
    },
    pairs: [
      {
        hazard: 'super-linear',
        // No production row count: a warning (an error needs a prediction that breaks a limit).
        fires: [{ migration: '0002_rank_items', phase: 'change', severity: 'warning', table: undefined }],
        quiet: ['0003_rank_items_fast'],
        also: (r) => {
          const fit = changeStep(r, '0002_rank_items')?.scale;
          expect(fit?.points.map((p) => p.fraction)).toEqual([0.25, 0.5, 1]);
          expect(fit?.exponent).toBeGreaterThanOrEqual(1.3);
        },
      },
    ],
  };
}

const REHEARSALS: Array<(ctx: Context) => Rehearsal | undefined> = [
  failingChange,
  failingRollback,
  (ctx) => splitNotes(ctx, false),
  (ctx) => splitNotes(ctx, true),
  succeedingChange,
  partitions,
  ranking,
];

const changeStep = (r: Report, migration: string) => r.targets[0]?.steps.find((s) => s.phase === 'change' && s.migration === migration);
const finding = (r: Report, hazard: HazardId, migration: string) => r.findings.find((f) => f.hazard === hazard && f.migration === migration);
const stepStatuses = (r: Report, phase: Phase) => (r.targets[0]?.steps ?? []).filter((s) => s.phase === phase).map((s) => `${s.migration}:${s.status}`);
const describeFinding = (f: Finding) => `${f.hazard} ${f.severity} ${f.migration ?? '-'} ${f.phase ?? '-'} ${f.table ?? '-'}: ${f.message}`;

describeEveryEngine(({ kind, dialect, create }) => {
  const engine = create();
  const ctx: Context = { kind, dialect, capabilities: engine.capabilities, probes: runsTrafficProbes(engine) };

  for (const build of REHEARSALS) {
    const rehearsal = build(ctx);
    if (!rehearsal) continue;
    describe(rehearsal.name, () => {
      let r: CliResult;
      beforeAll(async () => {
        const files = rehearsal.standalone ? { ...rehearsal.files } : shopWith(dialect, rehearsal.files);
        if (rehearsal.config) files['rehearse.config.yaml'] = rehearsal.config;
        const project = await makeProject(files);
        try {
          const datasetVersion = rehearsal.standalone?.datasetVersion ?? '0002';
          r = await runCli(
            ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', datasetVersion, '--json', 'report.json', ...engineArgs(kind), ...(rehearsal.args ?? [])],
            project.dir,
          );
        } finally {
          await project.dispose();
        }
      });

      for (const pair of rehearsal.pairs) {
        const quiet = pair.quiet.length > 3 ? `any of its ${pair.quiet.length} migrations` : pair.quiet.join(', ');
        const title = pair.fires.length > 0 ? `fires on ${pair.fires.map((f) => f.migration).join(', ')}${quiet ? `, not on ${quiet}` : ''}` : `does not fire on ${quiet}`;
        it(`${pair.hazard}: ${title}`, () => {
          // Exit 0 or 1: rehearse ran (2 and 3 are usage and environment errors).
          expect(r.code, r.stderr).toBeLessThanOrEqual(1);
          const report = r.report!;
          const findings = report.findings.filter((f) => f.hazard === pair.hazard);
          const context = `${pair.hazard} findings:\n${findings.map(describeFinding).join('\n') || '(none)'}`;
          for (const want of pair.fires) {
            const match = findings.find(
              (f) => f.migration === want.migration && f.phase === want.phase && f.severity === want.severity && (!('table' in want) || f.table === want.table),
            );
            expect(match, `${context}\nwanted: ${JSON.stringify(want)}`).toBeDefined();
            if (want.evidence) expect(match?.evidence).toMatchObject(want.evidence);
            if (want.severity === 'error') expect(r.code).toBe(1);
          }
          for (const migration of pair.quiet) {
            expect(findings.filter((f) => f.migration === migration).map(describeFinding), context).toEqual([]);
          }
          pair.also?.(report);
        });
      }
    });
  }
});
