// The step runner on real engines: how each transaction mode runs, what it observes, and how it
// leaves golang-migrate's tracking table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/helpers/engines.ts';
import type { Engine, ScratchDatabase, Session } from '../engines/engine.ts';
import { GolangMigrateTracking } from '../migrations/golang-migrate-tracking.ts';
import type { PreparedMigration } from '../migrations/migration.ts';
import { PostgresObserver } from '../observe/postgres/observer.ts';
import { splitPostgresFile } from '../sql/postgres-split.ts';
import { runStep, type StepContext } from './step-runner.ts';

async function migration(version: string, up: string): Promise<PreparedMigration> {
  const path = `migrations/${version}_m.up.sql`;
  return {
    version,
    versionNumber: BigInt(version),
    name: 'm',
    id: `${version}_m`,
    up: { path, sql: up },
    upPlan: await splitPostgresFile(path, up),
  };
}

describeEachEngine((testEngine) => {
  describe('runStep', () => {
    let engine: Engine;
    let db: ScratchDatabase;
    let session: Session;
    let ctx: StepContext;
    const tracking = new GolangMigrateTracking();

    beforeAll(async () => {
      engine = testEngine.create();
      await engine.open();
      db = await engine.createScratch('step-runner-test');
      session = await engine.connect(db);
      const observer = new PostgresObserver({ trackingTable: 'schema_migrations' });
      await observer.prepareSession(session);
      await tracking.ensure(session);
      await session.exec(`
        CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, balance int NOT NULL);
        CREATE TABLE entries (id int PRIMARY KEY, account_id int NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, amount int NOT NULL);
        INSERT INTO accounts SELECT g, 'a' || g, g FROM generate_series(1, 500) g;
        INSERT INTO entries SELECT g, 1 + g % 500, g FROM generate_series(1, 2000) g;`);
      ctx = { engine, db, session, observer, tracking, stepTimeoutMs: 60_000 };
    });
    afterAll(async () => {
      await session?.close();
      await engine?.close();
    });

    it('holds a transaction\'s locks from the statement that took them until COMMIT', async () => {
      const m = await migration('10', 'ALTER TABLE accounts ADD COLUMN note text;\nSELECT pg_sleep(0.3);\nUPDATE accounts SET note = name;');
      const { evidence } = await runStep(ctx, { migration: m, direction: 'up', phase: 'change', versionAfter: 10n });
      expect(evidence.status).toBe('success');
      expect(evidence.transaction).toBe('per-file');
      const lock = evidence.locks.find((l) => l.relation === 'accounts' && l.mode === 'AccessExclusiveLock');
      expect(lock).toMatchObject({ statementIndex: 0, source: 'observed', newRelation: false, blocks: { reads: true, writes: true } });
      expect(lock!.heldMs).toBeGreaterThanOrEqual(300);
      expect(evidence.rows.find((r) => r.table === 'accounts')).toMatchObject({ updated: 500 });
      expect(evidence.walBytes).toBeGreaterThan(0);
      expect(evidence.tablesNamed).toEqual(['accounts']);
      expect(await tracking.read(session)).toEqual({ version: 10n, dirty: false });
    });

    it('sees a rewrite as new storage, attributed to its statement', async () => {
      const m = await migration('11', 'SELECT 1;\nALTER TABLE accounts ALTER COLUMN balance TYPE bigint;');
      const { evidence } = await runStep(ctx, { migration: m, direction: 'up', phase: 'change', versionAfter: 11n });
      const table = evidence.rewrites.find((r) => r.relation === 'accounts');
      expect(table).toMatchObject({ relationKind: 'table', statementIndex: 1 });
      expect(table!.bytesBefore).toBeGreaterThan(0);
      // The primary key index is rebuilt along with the table.
      expect(evidence.rewrites.some((r) => r.relation === 'accounts_pkey')).toBe(true);
    });

    it('rolls a failing file back, reports where it failed, and leaves the tracking table dirty', async () => {
      const m = await migration('12', 'ALTER TABLE accounts ADD COLUMN extra int;\nALTER TABLE accounts\n  ADD CONSTRAINT positive CHECK (balance > 100);');
      const { evidence } = await runStep(ctx, { migration: m, direction: 'up', phase: 'change', versionAfter: 12n });
      expect(evidence).toMatchObject({ status: 'error', leftDirty: true });
      expect(evidence.error).toMatchObject({ sqlstate: '23514', statementIndex: 1, line: 2, file: 'migrations/12_m.up.sql' });
      expect(evidence.statements.map((s) => s.status)).toEqual(['success', 'error']);
      expect(await tracking.read(session)).toEqual({ version: 12n, dirty: true });
      const columns = await session.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'extra'`);
      expect(columns.rows).toHaveLength(0);
    });

    it('runs a file with its own BEGIN/COMMIT as written', async () => {
      const m = await migration('13', 'BEGIN;\nDELETE FROM accounts WHERE id <= 10;\nCOMMIT;');
      const { evidence } = await runStep(ctx, { migration: m, direction: 'up', phase: 'change', versionAfter: 13n });
      expect(evidence).toMatchObject({ status: 'success', transaction: 'file-managed' });
      // The cascade deleted entries the file never names.
      expect(evidence.rows.find((r) => r.table === 'entries')?.deleted).toBeGreaterThan(0);
      expect(evidence.tablesNamed).toEqual(['accounts']);
      expect(evidence.locks.find((l) => l.relation === 'accounts')?.source).toBe('observed');
    });

    it('runs CONCURRENTLY statements in autocommit and still reports their locks', async () => {
      // Slow enough (pg_sleep in the index expression's function) for the monitor to see it.
      await session.exec(`CREATE FUNCTION slow_id(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.0002); RETURN $1; END $$`);
      const m = await migration('14', 'CREATE INDEX CONCURRENTLY entries_amount_idx ON entries (slow_id(amount));');
      const observed = engine.capabilities.concurrentSessions ? 'monitored' : 'inferred';
      const monitorSession = engine.capabilities.concurrentSessions ? await engine.connect(db) : undefined;
      const monitor = monitorSession ? ctx.observer.lockMonitor(monitorSession) : undefined;
      const { evidence } = await runStep({ ...ctx, monitor }, { migration: m, direction: 'up', phase: 'change', versionAfter: 14n });
      await monitor?.close();
      expect(evidence).toMatchObject({ status: 'success', transaction: 'none' });
      expect(evidence.locks.find((l) => l.table === 'entries' && l.mode === 'ShareUpdateExclusiveLock')).toMatchObject({
        source: observed,
        blocks: { reads: false, writes: false },
      });
    });
  });
});
