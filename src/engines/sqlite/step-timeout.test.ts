// A hung migration on SQLite, the way the step runner meets it: stopped at the step timeout,
// reported as `timeout`, the transaction rolled back and the tracking table left dirty — and,
// because the engine can cancel (capability cancelStatement), the same session and database go
// on to the next step.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { GolangMigrateSqliteTracking } from '../../migrations/golang-migrate-tracking-sqlite.ts';
import type { PreparedMigration } from '../../migrations/migration.ts';
import { SqliteObserver } from '../../observe/sqlite/observer.ts';
import { runStep, type StepContext } from '../../rehearsal/step-runner.ts';
import { splitSqliteFile } from '../../sql/sqlite-split.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from './testing.ts';

function migration(version: number, sql: string): PreparedMigration {
  const id = `000${version}_step`;
  const path = `migrations/${id}.up.sql`;
  return { version: `000${version}`, versionNumber: BigInt(version), name: 'step', id, up: { path, sql }, upPlan: splitSqliteFile(path, sql) };
}

describeSqlite('a hung step on sqlite', () => {
  let t: TestSqliteEngine;

  beforeAll(async () => {
    t = await openTestEngine();
  });

  afterAll(async () => {
    await t.cleanup();
  });

  test('is cancelled at the step timeout, and the session carries on', async () => {
    const db = await t.engine.createScratch('hung');
    const session = await t.engine.connect(db);
    const observer = new SqliteObserver({ trackingTable: 'schema_migrations' });
    const tracking = new GolangMigrateSqliteTracking();
    await observer.prepareSession(session);
    await session.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INT); INSERT INTO t VALUES (1, 0)');
    await tracking.ensure(session);
    await tracking.set(session, 1n, false);
    const ctx: StepContext = { engine: t.engine, db, session, observer, tracking, stepTimeoutMs: 400 };

    const hung = migration(2, [
      'UPDATE t SET n = 1;',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c WHERE x < 1e12;',
    ].join('\n'));
    const { evidence, sessionUsable } = await runStep(ctx, { migration: hung, direction: 'up', phase: 'change', versionAfter: 2n });
    expect(evidence.status).toBe('timeout');
    expect(evidence.error).toMatchObject({ sqlstate: '57014', statementIndex: 1, line: 2 });
    expect(evidence.error!.message).toMatch(/^cancelled after 400 ms/);
    expect(evidence.leftDirty).toBe(true);
    expect(sessionUsable).toBe(true);
    expect((await session.query('SELECT n FROM t')).rows).toEqual([{ n: 0 }]);
    expect(await tracking.read(session)).toEqual({ version: 2n, dirty: true });

    ctx.stepTimeoutMs = 30_000;
    await tracking.set(session, 1n, false);
    const next = await runStep(ctx, { migration: migration(3, 'UPDATE t SET n = 3;'), direction: 'up', phase: 'change', versionAfter: 3n });
    expect(next.evidence.status).toBe('success');
    expect(next.evidence.rows).toEqual([{ table: 't', read: 0, inserted: 0, updated: 1, deleted: 0 }]);
    expect((await session.query('SELECT n FROM t')).rows).toEqual([{ n: 3 }]);
    await session.close();
    await t.engine.dropScratch(db);
  });
});
