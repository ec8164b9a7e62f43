// Traffic probes on SQLite files, through the step runner: one write lock for the whole database
// (writes wait for a migration's whole write transaction, reads go on in WAL mode), the step's row
// counts untouched by the probes, the probes never failing the migration, the lock-queue reader
// that a WAL-mode writer never waits for — and, in a rollback-journal mode, readers shut out at
// commit and a writer that does wait for the reader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from '../../engines/sqlite/testing.ts';
import { GolangMigrateSqliteTracking } from '../../migrations/golang-migrate-tracking-sqlite.ts';
import type { PreparedMigration } from '../../migrations/migration.ts';
import { SqliteObserver } from '../../observe/sqlite/observer.ts';
import type { BlockedEvidence, ProbeOperation, StepEvidence } from '../../rehearsal/evidence.ts';
import { runStep, type StepContext } from '../../rehearsal/step-runner.ts';
import { splitSqliteFile } from '../../sql/sqlite-split.ts';
import { SqliteTrafficProbes } from './control.ts';
import { PROBE_BUSY_TIMEOUT_MS, WRITE_SETTLE_MS } from './probe-session.ts';

// Enough rows for a CREATE INDEX to take a third of a second or more here, few enough to build fast.
// Enough rows that the index build takes well over 200 ms on an idle machine (about 180 ms at 300k).
const EVENTS = 600_000;

const SCHEMA = `
  CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT NOT NULL);
  CREATE TABLE events (id INTEGER PRIMARY KEY, account_id INT NOT NULL REFERENCES accounts (id), kind INT NOT NULL, payload TEXT NOT NULL);
  CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
  WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2000)
    INSERT INTO accounts (id, email, name) SELECT n, 'a' || n || '@example.com', 'account ' || n FROM g;
  INSERT INTO notes (body) SELECT name FROM accounts WHERE id <= 100;`;

/** SQLite's own way to change a table (https://sqlite.org/lang_altertable.html#otheralter), as golang-migrate runs it: in one transaction. */
const REBUILD_NOTES = `PRAGMA foreign_keys = off;
CREATE TABLE notes_new (id INTEGER PRIMARY KEY, body TEXT NOT NULL, pinned INT NOT NULL DEFAULT 0);
INSERT INTO notes_new (id, body) SELECT id, body FROM notes;
DROP TABLE notes;
ALTER TABLE notes_new RENAME TO notes;`;

const events = (n: number) => `
  WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${n})
    INSERT INTO events (account_id, kind, payload) SELECT 1 + n % 2000, n % 7, hex(randomblob(16)) FROM g;`;

let version = 100;
function migration(sql: string): PreparedMigration {
  const v = String(version++);
  const path = `migrations/${v}_m.up.sql`;
  return { version: v, versionNumber: BigInt(v), name: 'm', id: `${v}_m`, up: { path, sql }, upPlan: splitSqliteFile(path, sql) };
}

const probe = (step: StepEvidence, table: string, operation: ProbeOperation): BlockedEvidence | undefined =>
  step.blocked?.find((b) => b.table === table && b.operation === operation);

/** The only failures are attempts that gave up waiting; a window longer than two of them was joined from such attempts. */
function expectJoinedWindows(p: BlockedEvidence): void {
  expect(Object.keys(p.errors).filter((code) => code !== '55P03'), `${p.operation} of ${p.table}`).toEqual([]);
  if (p.maxBlockedMs > 2 * PROBE_BUSY_TIMEOUT_MS + 100) expect(p.errors['55P03'], `${p.operation} of ${p.table}`).toBeGreaterThan(0);
}

interface Target {
  t: TestSqliteEngine;
  db: ScratchDatabase;
  session: Session;
  step(sql: string, options?: { probes?: boolean | SqliteTrafficProbes; lockQueueMs?: number }): Promise<StepEvidence>;
  close(): Promise<void>;
}

async function target(journalMode: 'wal' | 'delete', rows: number): Promise<Target> {
  const t = await openTestEngine({ journalMode });
  const db = await t.engine.createScratch('probes-test');
  const session = await t.engine.connect(db);
  const observer = new SqliteObserver({ trackingTable: 'schema_migrations' });
  const tracking = new GolangMigrateSqliteTracking();
  await observer.prepareSession(session);
  await session.exec(SCHEMA + events(rows));
  await tracking.ensure(session);
  const probes = new SqliteTrafficProbes(() => t.engine.connect(db), { trackingTable: tracking.table });
  const ctx: StepContext = { engine: t.engine, db, session, observer, probes, monitor: observer.lockMonitor(await t.engine.connect(db)), tracking, stepTimeoutMs: 60_000 };
  return {
    t,
    db,
    session,
    async step(sql, options = {}) {
      const c = options.probes === false ? { ...ctx, probes: undefined } : options.probes instanceof SqliteTrafficProbes ? { ...ctx, probes: options.probes } : ctx;
      const req = { migration: migration(sql), direction: 'up' as const, phase: 'change' as const, versionAfter: BigInt(version) };
      return (await runStep(c, { ...req, ...(options.lockQueueMs ? { lockQueueMs: options.lockQueueMs } : {}) })).evidence;
    },
    async close() {
      await probes.close();
      await ctx.monitor?.close();
      await session.close();
      await t.cleanup();
    },
  };
}

describeSqlite('traffic probes on sqlite', () => {
  describe('in WAL mode (the default)', () => {
    let w: Target;
    beforeAll(async () => {
      w = await target('wal', EVENTS);
    });
    afterAll(async () => {
      await w?.close();
    });

    it('a CREATE INDEX blocks writes for about the build and reads not at all', async () => {
      const s = await w.step('CREATE INDEX events_payload_idx ON events (payload);');
      expect(s.status).toBe('success');
      expect(s.durationMs).toBeGreaterThan(200);
      // The write lock is the database's: the neighbour's writes wait as long as the table's own.
      for (const table of ['events', 'accounts']) {
        for (const op of ['insert', 'update'] as const) {
          const p = probe(s, table, op)!;
          expect(p.maxBlockedMs, `${op} of ${table}`).toBeGreaterThan(s.durationMs * 0.6);
          expect(p.blockedBy).toEqual(['migration']);
          expectJoinedWindows(p);
        }
        const read = probe(s, table, 'read')!;
        expect(read.maxBlockedMs, `read of ${table}`).toBeLessThan(s.durationMs * 0.3);
        // A WAL read waits for no lock: even a slow one is nobody's doing.
        expect(read.blockedBy).toEqual([]);
        expect(read.attempts).toBeGreaterThan(s.durationMs / 50);
        expect(probe(s, table, 'fk-share')).toBeUndefined();
      }
    });

    it('ADD COLUMN blocks for milliseconds only', async () => {
      const s = await w.step(`ALTER TABLE events ADD COLUMN source TEXT NOT NULL DEFAULT 'web';`);
      expect(s.status).toBe('success');
      expect(s.blocked?.map((b) => `${b.table}:${b.operation}`).sort()).toEqual([
        'accounts:insert',
        'accounts:read',
        'accounts:update',
        'events:insert',
        'events:read',
        'events:update',
      ]);
      for (const b of s.blocked ?? []) {
        expect(b.maxBlockedMs, `${b.operation} of ${b.table}`).toBeLessThan(100);
        expect(b.errors, `${b.operation} of ${b.table}`).toEqual({});
      }
    });

    it('a backfill in the transaction blocks writes until COMMIT, and leaves the step\'s rows alone', async () => {
      const backfill = ['UPDATE events SET weight = kind;', ...Array.from({ length: 5 }, () => 'UPDATE events SET weight = weight + 1;')];
      const s = await w.step(['ALTER TABLE events ADD COLUMN weight INT;', ...backfill].join('\n'));
      expect(s.status).toBe('success');
      for (const table of ['events', 'accounts']) {
        for (const op of ['insert', 'update'] as const) {
          const p = probe(s, table, op)!;
          // From their first attempt (WRITE_SETTLE_MS into the step) until COMMIT.
          expect(p.maxBlockedMs, `${op} of ${table}`).toBeGreaterThan(Math.min(s.durationMs - WRITE_SETTLE_MS - 100, s.durationMs * 0.75));
          expect(p.blockedBy).toEqual(['migration']);
          expectJoinedWindows(p);
        }
        expect(probe(s, table, 'read')!.maxBlockedMs).toBeLessThan(Math.max(100, s.durationMs * 0.2));
      }
      expect(s.rows).toEqual([{ table: 'events', read: 0, inserted: 0, updated: 6 * EVENTS, deleted: 0 }]);
    });

    it("leaves the step's row counts exactly as they are without probes", async () => {
      // Inserts, updates and deletes in autocommit, and a slow read in between that holds no write
      // lock: meanwhile the probes' inserts and updates get through (and are rolled back).
      const sql = [
        '-- rehearse:no-transaction',
        `INSERT INTO events (account_id, kind, payload) SELECT account_id, 9, payload FROM events WHERE id <= 300;`,
        `UPDATE accounts SET name = name || '.' WHERE id <= 500;`,
        `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT count(*) FROM c;`,
        `DELETE FROM events WHERE kind = 9;`,
      ].join('\n');
      const withProbes = await w.step(sql);
      const without = await w.step(sql, { probes: false });
      expect(withProbes.status).toBe('success');
      for (const table of ['accounts', 'events']) {
        for (const op of ['insert', 'update'] as const) {
          const p = probe(withProbes, table, op)!;
          expect(p.attempts - (p.errors['55P03'] ?? 0), `${op} of ${table}`).toBeGreaterThan(3);
        }
      }
      expect(without.blocked).toBeUndefined();
      expect(withProbes.rows).toEqual(without.rows);
      expect(withProbes.rows).toEqual([
        { table: 'accounts', read: 0, inserted: 0, updated: 500, deleted: 0 },
        { table: 'events', read: 0, inserted: 300, updated: 0, deleted: 300 },
      ]);
    });

    it('never makes the migration fail: the migration waits out a probe holding the write lock', async () => {
      // Probes attempting back to back: the migration keeps meeting one that holds the write lock.
      const busy = new SqliteTrafficProbes(() => w.t.engine.connect(w.db), { trackingTable: 'schema_migrations', intervalMs: 0 });
      try {
        const updates = Array.from({ length: 200 }, (_, i) => `UPDATE accounts SET name = name WHERE id = ${i + 1};`);
        const autocommit = await w.step(['-- rehearse:no-transaction', ...updates].join('\n'), { probes: busy });
        expect(autocommit.status).toBe('success');
        expect(probe(autocommit, 'accounts', 'update')!.attempts).toBeGreaterThan(20);
        const transaction = await w.step(updates.slice(0, 50).join('\n'), { probes: busy });
        expect(transaction.status).toBe('success');
      } finally {
        await busy.close();
      }
    });

    it('never makes a table rebuild fail, though SQLite will not wait when its transaction first writes after a read', async () => {
      // The observer reads the schema after the PRAGMA, inside the transaction, so CREATE TABLE
      // asks to upgrade a read transaction: SQLite fails it at once if a probe holds the write
      // lock then. Without the write probes' settling time, about 1 run in 25 did.
      for (let i = 0; i < 30; i++) {
        const s = await w.step(REBUILD_NOTES);
        expect(s.status, `run ${i}: ${s.error?.message}`).toBe('success');
        expect(probe(s, 'notes', 'insert')?.attempts).toBeGreaterThan(0);
        await w.session.exec('ALTER TABLE notes DROP COLUMN pinned');
      }
    });

    it('the lock-queue reader: a WAL writer does not wait for a long read transaction', async () => {
      const s = await w.step(`ALTER TABLE accounts ADD COLUMN tier INT;\nUPDATE accounts SET tier = 1 WHERE id <= 1000;`, { lockQueueMs: 1500 });
      expect(s.status).toBe('success');
      expect(s.lockQueue).toMatchObject({ tables: ['accounts'], migrationWaitedMs: null, lockTimeoutRetries: 0 });
      expect(s.lockQueue!.holdMs).toBeLessThan(1500);
      expect(s.durationMs).toBeLessThan(500);
      for (const b of s.blocked ?? []) expect(b.maxBlockedMs, `${b.operation} of ${b.table}`).toBeLessThan(200);
    });
  });

  describe('in a rollback-journal mode (journal_mode=delete)', () => {
    let d: Target;
    beforeAll(async () => {
      d = await target('delete', 200_000);
    });
    afterAll(async () => {
      await d?.close();
    });

    it('a writer shuts readers out while it commits', async () => {
      // An update that outgrows the page cache (16 MB) spills it into the file: EXCLUSIVE from then until COMMIT.
      const s = await d.step(`UPDATE events SET payload = payload || hex(randomblob(100));`);
      expect(s.status).toBe('success');
      const read = probe(s, 'events', 'read')!;
      expect(read.maxBlockedMs).toBeGreaterThan(s.durationMs * 0.3);
      expect(read.blockedBy).toEqual(['migration']);
      expect(probe(s, 'events', 'update')!.maxBlockedMs).toBeGreaterThan(s.durationMs * 0.6);
    });

    it('the lock-queue reader: the commit waits for it, and the reads queue behind the commit', async () => {
      const s = await d.step(`UPDATE accounts SET name = name || '!' WHERE id <= 100;`, { lockQueueMs: 1000 });
      expect(s.status).toBe('success');
      expect(s.lockQueue!.migrationWaitedMs).toBeGreaterThan(600);
      expect(s.lockQueue!.migrationWaitedMs).toBeLessThan(1100);
      expect(s.durationMs).toBeGreaterThan(600);
      const read = probe(s, 'accounts', 'read')!;
      expect(read.maxBlockedMs).toBeGreaterThan(600);
      expect(read.blockedBy).toEqual(['migration']);
    });
  });
});
