// MySQL's LOCK TABLES holds its locks until UNLOCK TABLES, across the statements between them:
// without probes, the inferred hold must span them all, not the LOCK TABLES statement alone.
import { afterEach, describe, expect, it } from 'vitest';
import { describeEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type Project } from './cli.ts';

describeEngine('mysql', ({ kind }) => {
  describe('LOCK TABLES … UNLOCK TABLES', () => {
    let project: Project | undefined;
    afterEach(async () => {
      await project?.dispose();
      project = undefined;
    });

    it('is held until UNLOCK TABLES, and blocks reads and writes for all of it', async () => {
      project = await makeProject({
        'migrations/0001_t.up.sql': 'CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);',
        'migrations/0001_t.down.sql': 'DROP TABLE t;',
        'migrations/0002_lock.up.sql': 'LOCK TABLES t WRITE;\nUPDATE t SET v = v + 1;\nSELECT SLEEP(0.6);\nUNLOCK TABLES;\nSELECT SLEEP(0.4);\n',
        'migrations/0002_lock.down.sql': 'UPDATE t SET v = v - 1;',
        'seed.sql': 'INSERT INTO t VALUES (1, 1), (2, 2);',
        'rehearse.config.yaml': 'limits:\n  blockingLockMs: 250ms\n',
      });
      const r = await runCli(
        ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0001', '--no-probes', '--json', 'report.json', ...engineArgs(kind)],
        project.dir,
      );
      const change = r.report?.targets[0]?.steps.find((s) => s.phase === 'change');
      const lock = change?.locks.find((l) => l.statementIndex === 0);
      expect(lock).toMatchObject({ table: 't', source: 'inferred', blocks: { reads: true, writes: true } });
      // From LOCK TABLES to UNLOCK TABLES (the sleep of 0.6 s inside), not through the sleep after it.
      expect(lock?.heldMs).toBeGreaterThanOrEqual(600);
      expect(lock?.heldMs).toBeLessThan((change?.durationMs ?? 0) - 350);
      const finding = r.report?.findings.find((f) => f.hazard === 'blocking-lock' && f.phase === 'change');
      expect(finding).toMatchObject({ table: 't', evidence: { basis: 'inferred' } });
      expect(finding?.advice).toMatch(/UNLOCK TABLES/);
    });
  });
});
