// A migration that alters a partitioned table with thousands of partitions in one transaction
// takes a lock on every partition: rehearse counts them and compares with the lock table's size.
import { afterEach, describe, expect, it } from 'vitest';
import { describeEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type Project } from './cli.ts';

const PARTITIONS = 3_500;

describeEngine('postgres', ({ kind }) => {
  describe('lock-exhaustion', () => {
    let project: Project | undefined;
    afterEach(async () => {
      await project?.dispose();
      project = undefined;
    });

    it('warns when one transaction holds more than half of the lock table', async () => {
      project = await makeProject({
        'migrations/0001_measurements.up.sql': `
CREATE TABLE measurements (sensor_id int NOT NULL, taken_on date NOT NULL, value real) PARTITION BY LIST (sensor_id);
DO $$
BEGIN
  FOR i IN 1..${PARTITIONS} LOOP
    EXECUTE format('CREATE TABLE measurements_%s PARTITION OF measurements FOR VALUES IN (%s)', i, i);
  END LOOP;
END $$;`,
        'migrations/0001_measurements.down.sql': 'DROP TABLE measurements;',
        'migrations/0002_unit.up.sql': 'ALTER TABLE measurements ADD COLUMN unit text;',
        'migrations/0002_unit.down.sql': 'ALTER TABLE measurements DROP COLUMN unit;',
        'seed.sql': `INSERT INTO measurements SELECT 1 + g % ${PARTITIONS}, date '2024-01-01' + g % 30, g FROM generate_series(1, 7000) g;`,
      });
      const r = await runCli(
        ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0001', '--json', 'report.json', ...engineArgs(kind)],
        project.dir,
      );
      const target = r.report?.targets[0];
      const capacity = target?.lockCapacity?.locks ?? 0;
      const change = target?.steps.find((s) => s.phase === 'change');
      expect(change?.peakLocks).toBeGreaterThan(PARTITIONS);
      const findings = r.report?.findings.filter((f) => f.hazard === 'lock-exhaustion') ?? [];
      // On this machine's default settings (64 × 100 = 6,400) that is past half; a server sized otherwise decides alike.
      const pastHalf = (change?.peakLocks ?? 0) > capacity / 2;
      expect(findings.filter((f) => f.phase === 'change' && f.severity === 'warning' && f.migration === '0002_unit')).toHaveLength(pastHalf ? 1 : 0);
      // Partitions count toward their partitioned table: one blocking finding, not one per partition.
      expect(r.report?.findings.filter((f) => f.hazard === 'blocking-lock').map((f) => f.table)).toEqual(['measurements']);
    });
  });
});
