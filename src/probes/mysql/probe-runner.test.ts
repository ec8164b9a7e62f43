// Traffic probes on a MySQL/MariaDB server, through the step runner: what they measure for the
// classic ALTERs (a table copy, an online index build, an instant column), the queue behind a DDL
// waiting for a long reader, that they never fail the migration, and that the step's row counts
// do not include them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchDatabase, Session } from '../../engines/engine.ts';
import type { MysqlServerEngine } from '../../engines/mysql/server-engine.ts';
import { createTestEngine, numbersUpTo } from '../../engines/mysql/test-server.ts';
import { GolangMigrateTrackingMysql } from '../../migrations/golang-migrate-tracking-mysql.ts';
import type { PreparedMigration } from '../../migrations/migration.ts';
import { MysqlObserver } from '../../observe/mysql/observer.ts';
import type { BlockedEvidence, ProbeOperation, StepEvidence } from '../../rehearsal/evidence.ts';
import { runStep, type StepContext } from '../../rehearsal/step-runner.ts';
import { splitMysqlFile } from '../../sql/mysql-split.ts';
import { ProbeRunner } from '../probe-runner.ts';
import { mysqlProbes } from './control.ts';

// Enough rows for a table copy to take about a second on a small machine, few enough to load fast.
const EVENTS = 300_000;

let version = 100;
function migration(sql: string): PreparedMigration {
  const v = String(version++);
  const path = `migrations/${v}_m.up.sql`;
  return { version: v, versionNumber: BigInt(v), name: 'm', id: `${v}_m`, up: { path, sql }, upPlan: splitMysqlFile(path, sql) };
}

const probe = (step: StepEvidence, table: string, operation: ProbeOperation): BlockedEvidence | undefined =>
  step.blocked?.find((b) => b.table === table && b.operation === operation);

/** The step's figures, for failure messages. */
const show = (s: StepEvidence) =>
  `${s.status} ${s.durationMs} ms: ` + (s.blocked ?? []).map((b) => `${b.table}:${b.operation} ${b.maxBlockedMs}/${b.p99Ms} ${JSON.stringify(b.errors)} ${b.blockedBy.join(',')} (${b.attempts})`).join('; ');

describe('traffic probes on MySQL/MariaDB', () => {
  let engine: MysqlServerEngine;
  let db: ScratchDatabase;
  let session: Session;
  let probes: ProbeRunner;
  let ctx: StepContext;
  let observer: MysqlObserver;
  const tracking = new GolangMigrateTrackingMysql();

  beforeAll(async () => {
    engine = createTestEngine();
    await engine.open();
    db = await engine.createScratch('probes-test');
    session = await engine.connect(db);
    observer = new MysqlObserver({ trackingTable: 'schema_migrations' });
    await observer.prepareSession(session);
    await tracking.ensure(session);
    await session.exec(`
      CREATE TABLE accounts (id int PRIMARY KEY AUTO_INCREMENT, email varchar(100) UNIQUE, name varchar(100) NOT NULL);
      CREATE TABLE events (id bigint PRIMARY KEY AUTO_INCREMENT, account_id int NOT NULL, kind int NOT NULL, payload varchar(64) NOT NULL,
        CONSTRAINT events_account FOREIGN KEY (account_id) REFERENCES accounts (id));
      INSERT INTO accounts (email, name) SELECT CONCAT('a', n, '@example.com'), CONCAT('account ', n) FROM ${numbersUpTo(2000)} AS x;
      INSERT INTO events (account_id, kind, payload) SELECT 1 + n % 2000, n % 7, MD5(n) FROM ${numbersUpTo(EVENTS)} AS x;`);
    probes = new ProbeRunner({ dialect: mysqlProbes(['schema_migrations']), connect: () => engine.connect(db) });
    ctx = { engine, db, session, observer, probes, monitor: observer.lockMonitor(await engine.connect(db)), tracking, stepTimeoutMs: 60_000 };
  }, 60_000);
  afterAll(async () => {
    await probes?.close();
    await ctx?.monitor?.close();
    await engine?.close();
  });

  const step = async (sql: string, options: { probes?: boolean; lockQueueMs?: number } = {}) =>
    (
      await runStep(options.probes === false ? { ...ctx, probes: undefined } : ctx, {
        migration: migration(sql),
        direction: 'up',
        phase: 'change',
        versionAfter: BigInt(version),
        ...(options.lockQueueMs ? { lockQueueMs: options.lockQueueMs } : {}),
      })
    ).evidence;

  it('a table copy (ALGORITHM=COPY) blocks writes for most of the step, reads hardly at all', async () => {
    const s = await step('ALTER TABLE events MODIFY payload varchar(100) NOT NULL, ALGORITHM=COPY;');
    expect(s.status, show(s)).toBe('success');
    expect(s.durationMs).toBeGreaterThan(300);
    for (const op of ['insert', 'update'] as const) {
      const p = probe(s, 'events', op)!;
      expect(p.maxBlockedMs, `${op} of events: ${show(s)}`).toBeGreaterThan(s.durationMs * 0.6);
      // Inferred from the running ALTER that names the table: MariaDB shows no metadata-lock owner.
      expect(p.blockedBy, show(s)).toEqual(['migration']);
      // Attempts that gave up on max_statement_time are joined into the window.
      expect(Object.keys(p.errors).every((code) => code === '1969' || code === '3024' || code === '1205')).toBe(true);
    }
    // MariaDB copies under SHARED_NO_WRITE, which lets reads through; only the swap at the end is
    // exclusive. (The bound leaves room for a busy machine: the writes wait for nearly the whole step.)
    const short = Math.max(250, s.durationMs * 0.25);
    expect(probe(s, 'events', 'read')!.maxBlockedMs, show(s)).toBeLessThan(short);
    expect(probe(s, 'events', 'read')!.attempts).toBeGreaterThan(s.durationMs / 50);
    // The parent, probed as the FK neighbour, is not blocked.
    for (const op of ['read', 'fk-share', 'insert', 'update'] as const) expect(probe(s, 'accounts', op)!.maxBlockedMs, show(s)).toBeLessThan(short);
  });

  it('an online index build (ALGORITHM=INPLACE, LOCK=NONE) blocks neither reads nor writes beyond a short window', async () => {
    const s = await step('ALTER TABLE events ADD INDEX events_payload (payload, kind), ALGORITHM=INPLACE, LOCK=NONE;');
    expect(s.status, show(s)).toBe('success');
    // Long enough that a build blocking writes would show as a window of most of the step (about
    // 0.3 s idle, several times that under load); an online build blocks only briefly at its ends.
    expect(s.durationMs).toBeGreaterThan(200);
    for (const op of ['read', 'insert', 'update'] as const) {
      expect(probe(s, 'events', op)!.maxBlockedMs, `${op} of events: ${show(s)}`).toBeLessThan(Math.max(150, s.durationMs * 0.5));
    }
  });

  it('an instant ADD COLUMN blocks for milliseconds only', async () => {
    const s = await step(`ALTER TABLE events ADD COLUMN source varchar(10) NOT NULL DEFAULT 'web', ALGORITHM=INSTANT;`);
    expect(s.status, show(s)).toBe('success');
    expect(s.blocked?.map((b) => `${b.table}:${b.operation}`).sort()).toEqual(
      ['accounts:fk-share', 'accounts:insert', 'accounts:read', 'accounts:update', 'events:insert', 'events:read', 'events:update'],
    );
    for (const b of s.blocked ?? []) expect(b.maxBlockedMs, `${b.operation} of ${b.table}: ${show(s)}`).toBeLessThan(200);
  });

  it('the lock queue: an instant ADD COLUMN waiting for a long reader holds up every read behind it', async () => {
    const s = await step(`ALTER TABLE events ADD COLUMN region varchar(10) NULL;`, { lockQueueMs: 1_500 });
    expect(s.status, show(s)).toBe('success');
    expect(s.lockQueue, `${JSON.stringify(s.lockQueue)} ${show(s)}`).toMatchObject({ tables: ['events'], holdMs: 1_500, statementIndex: 0, lockTimeoutRetries: 0 });
    // The migration waited for the reader's transaction (an open transaction keeps its metadata locks).
    expect(s.lockQueue!.migrationWaitedMs).toBeGreaterThan(1_200);
    expect(s.lockQueue!.migrationWaitedMs).toBeLessThan(2_000);
    for (const op of ['read', 'insert', 'update'] as const) {
      const p = probe(s, 'events', op)!;
      // Queued behind the waiting ALTER, not behind the reader: its shared lock lets them all through.
      expect(p.maxBlockedMs, `${op} of events: ${show(s)}`).toBeGreaterThan(1_200);
      expect(p.blockedBy, show(s)).toEqual(['migration']);
    }
    if ((await observer.features(session)).version.flavour === 'mariadb') {
      // MariaDB's ALTER of a child table locks its parent against writes before it waits for its own lock.
      expect(probe(s, 'accounts', 'update')!.maxBlockedMs, show(s)).toBeGreaterThan(1_200);
      expect(probe(s, 'accounts', 'update')!.blockedBy, show(s)).toEqual(['migration']);
    }
    expect(probe(s, 'accounts', 'read')!.maxBlockedMs, show(s)).toBeLessThan(200);
  });

  it('never fails the migration: an insert probe waiting on a parent row the migration holds gives way at once', async () => {
    // The insert probe copies the row with the lowest id (whose parent is account 2) under the
    // lowest key of the range: it writes its row, then its foreign-key check waits for account 2,
    // which the migration holds. The migration then scans events from the lowest key and needs the
    // probe's row: a deadlock InnoDB resolved against the migration when the probe waited.
    const s = await step(
      `START TRANSACTION;\nUPDATE accounts SET name = CONCAT(name, '.') WHERE id = 2;\nDO SLEEP(0.5);\nUPDATE events SET kind = kind + 1 WHERE id < 100;\nCOMMIT;`,
    );
    expect(s.status, show(s)).toBe('success');
    // The probe met the parent's lock and gave up at once (error 1205), attempt after attempt.
    expect(probe(s, 'events', 'insert')!.errors['1205'], show(s)).toBeGreaterThan(0);
  });

  it("leaves the step's row counts as they are without probes", async () => {
    const sql = `INSERT INTO accounts (email, name) VALUES ('z@example.com', 'z');\nDELETE FROM events WHERE id > ${EVENTS - 10};\nDO SLEEP(0.2);`;
    const withProbes = await step(sql);
    await session.exec(`DELETE FROM accounts WHERE email = 'z@example.com'; INSERT INTO events (id, account_id, kind, payload) SELECT n + ${EVENTS - 10}, 1, 1, 'x' FROM ${numbersUpTo(10)} AS x`);
    const without = await step(sql, { probes: false });
    expect(withProbes.blocked?.length).toBeGreaterThan(0);
    expect(without.blocked).toBeUndefined();
    expect(withProbes.rows).toEqual(without.rows);
    expect(withProbes.rows).toEqual([
      { table: 'accounts', read: 0, inserted: 1, updated: 0, deleted: 0 },
      { table: 'events', read: 0, inserted: 0, updated: 0, deleted: 10 },
    ]);
  });

  it('tallies what the probes read and wrote, for servers whose per-table counters count them', async () => {
    const counting = new ProbeRunner({ dialect: mysqlProbes(['schema_migrations'], { countActivity: true }), connect: () => engine.connect(db) });
    try {
      const running = (await counting.start({ tables: ['accounts'], migrationPid: session.backendPid, lockQueue: { holdMs: 100 } }))!;
      await new Promise((r) => setTimeout(r, 400));
      const outcome = await running.stop();
      const succeeded = (table: string, ops: ProbeOperation[]) =>
        outcome.blocked
          .filter((b) => b.table === table && ops.includes(b.operation))
          .reduce((n, b) => n + b.attempts - Object.values(b.errors).reduce((e, c) => e + c, 0), 0);
      const all: ProbeOperation[] = ['read', 'insert', 'update', 'fk-share'];
      expect(succeeded('accounts', all)).toBeGreaterThan(20);
      // Two sample rows each, one row per successful attempt, and the reader's row of the named table.
      expect(outcome.activity.find((a) => a.table === 'accounts')).toEqual({
        table: 'accounts', read: 2 + succeeded('accounts', all) + 1, inserted: succeeded('accounts', ['insert']), updated: 0, deleted: 0,
      });
      expect(outcome.activity.find((a) => a.table === 'events')).toEqual({
        table: 'events', read: 2 + succeeded('events', all), inserted: succeeded('events', ['insert']), updated: 0, deleted: 0,
      });
    } finally {
      await counting.close();
    }
  });
});
