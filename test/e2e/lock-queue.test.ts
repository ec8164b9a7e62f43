// The lock-queue rehearsal (the openSUSE lock-timeout story): a long transaction reading a table
// when the deploy starts makes even an instant DDL wait, and every read behind the DDL waits too.
// With lock_timeout and a retry, the queue is bounded by the timeout.
import { afterEach, describe, expect, it } from 'vitest';
import { describeEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type Project } from './cli.ts';

const HOLD_MS = 2_000;

const project = (up: string) =>
  makeProject({
    'migrations/0001_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);',
    'migrations/0001_orders.down.sql': 'DROP TABLE orders;',
    'migrations/0002_note.up.sql': up,
    'migrations/0002_note.down.sql': 'ALTER TABLE orders DROP COLUMN note;',
    'seed.sql': 'INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 5000) g;',
  });

describeEngine('postgres', ({ kind }) => {
  describe('--lock-queue', () => {
    let p: Project | undefined;
    afterEach(async () => {
      await p?.dispose();
      p = undefined;
    });
    const run = (dir: string) =>
      runCli(
        ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0001', '--lock-queue', `${HOLD_MS}ms`, '--json', 'report.json', ...engineArgs(kind)],
        dir,
      );

    it('shows reads queued behind an instant ADD COLUMN that waits for a long reader, and advises lock_timeout with retries', async () => {
      p = await project('ALTER TABLE orders ADD COLUMN note text;');
      const r = await run(p.dir);
      expect(r.code, r.stderr).toBe(1);
      const change = r.report?.targets[0]?.steps.find((s) => s.phase === 'change');
      expect(change?.lockQueue).toMatchObject({ tables: ['orders'], statementIndex: 0, lockTimeoutRetries: 0 });
      expect(change?.lockQueue?.migrationWaitedMs).toBeGreaterThan(HOLD_MS * 0.7);
      expect(change?.lockQueue?.migrationWaitedMs).toBeLessThan(HOLD_MS * 1.5);
      const reads = change?.blocked?.find((b) => b.table === 'orders' && b.operation === 'read');
      // The reads queued behind the waiting ALTER for about as long as the reader held on.
      expect(reads?.maxBlockedMs).toBeGreaterThan(HOLD_MS * 0.6);
      expect(reads?.blockedBy).toContain('migration');
      // Only the change is rehearsed with the reader: rollback and reapply run without it.
      for (const s of r.report?.targets[0]?.steps.filter((x) => x.phase !== 'change') ?? []) expect(s).not.toHaveProperty('lockQueue');

      const finding = r.report?.findings.find((f) => f.hazard === 'blocking-lock' && f.phase === 'change');
      expect(finding?.evidence).toMatchObject({ basis: 'measured', lockQueue: true });
      expect(finding?.message).toMatch(/waited .* for a transaction that was reading orders/);
      expect(finding?.advice).toMatch(/lock_timeout/);
      expect(finding?.advice).toMatch(/retr/);
    });

    it('with lock_timeout the queue stays short: the step gives up, is retried after the reader ends, and passes', async () => {
      p = await project("SET lock_timeout = '200ms';\nALTER TABLE orders ADD COLUMN note text;");
      const r = await run(p.dir);
      const change = r.report?.targets[0]?.steps.find((s) => s.phase === 'change');
      expect(change?.status).toBe('success');
      expect(change?.lockQueue?.lockTimeoutRetries).toBe(1);
      expect(change?.lockQueue?.gaveUpAfterMs).toBeGreaterThanOrEqual(150);
      const reads = change?.blocked?.find((b) => b.table === 'orders' && b.operation === 'read');
      expect(reads?.maxBlockedMs).toBeLessThan(900);
      expect(r.report?.findings.filter((f) => f.hazard === 'blocking-lock')).toEqual([]);
      expect(r.code, r.stderr).toBe(0);
    });
  });
});
