// Scale runs end to end: a correlated-subquery backfill (quadratic: each row counts the rows
// below it, without an index) is flagged super-linear from the fit over 25 %, 50 % and 100 %,
// while a plain per-row backfill of a child table (linear) is fitted close to 1 and not flagged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './cli.ts';
import { describeEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type Project } from './cli.ts';

const FILES = {
  'migrations/0001_items.up.sql': `
CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, rank int);
CREATE TABLE events (id bigint PRIMARY KEY, item_id int NOT NULL REFERENCES items (id), amount int NOT NULL, score int);`,
  'migrations/0001_items.down.sql': 'DROP TABLE events; DROP TABLE items;',
  'migrations/0002_rank_items.up.sql': 'UPDATE items SET rank = (SELECT count(*) FROM items i2 WHERE i2.v < items.v);',
  'migrations/0002_rank_items.down.sql': 'UPDATE items SET rank = NULL;',
  'migrations/0003_score_events.up.sql': 'UPDATE events SET score = amount * 2;',
  'migrations/0003_score_events.down.sql': 'UPDATE events SET score = NULL;',
  'seed.sql': `
INSERT INTO items SELECT g, (g * 7919) % 6007 FROM generate_series(1, 6000) g;
INSERT INTO events SELECT g, 1 + g % 6000, g % 1000 FROM generate_series(1, 150000) g;`,
};

describeEngine('postgres', (engine) => {
  describe('scale runs', () => {
    let project: Project;
    let r: CliResult;
    beforeAll(async () => {
      project = await makeProject(FILES);
      // Production ×20 the dataset: scale runs start on their own (from ×10).
      r = await runCli(
        ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0001', '--production-rows', 'items=120k,events=3M', '--json', 'report.json', ...engineArgs(engine.kind)],
        project.dir,
      );
    }, 120_000);
    afterAll(() => project?.dispose());

    it('reduces the dataset to 25 % and 50 %, FK-consistently, and says how long that took', () => {
      expect(r.stderr).not.toMatch(/Error:/);
      const runs = r.report?.targets[0]?.scaleRuns;
      expect(runs).toMatchObject({ trigger: 'automatic', fractions: [0.25, 0.5] });
      for (const run of runs?.runs ?? []) {
        expect(run.reduceMs).toBeGreaterThan(0);
        expect(run.failedSteps).toEqual([]);
        // events rows whose item was dropped went with it: a child keeps about fraction².
        expect(run.tableRows.events ?? 0).toBeLessThan(150_000 * run.fraction * 0.75);
      }
      expect(r.report?.targets[0]?.notes.join('\n')).toMatch(/scale runs \(automatic: production is ×20/);
    });

    it('flags the correlated-subquery backfill super-linear, with the curve, and predicts with its exponent', () => {
      const steps = r.report?.targets[0]?.steps ?? [];
      const rank = steps.find((s) => s.phase === 'change' && s.migration === '0002_rank_items');
      // About 2 on a quiet machine; 1.5 seen under load (a slow 25 % point): the check's bar is 1.3.
      expect(rank?.scale?.exponent).toBeGreaterThanOrEqual(1.3);
      expect(rank?.scale?.r2).toBeGreaterThan(0.9);
      expect(rank?.scale?.points.map((p) => p.fraction)).toEqual([0.25, 0.5, 1]);
      expect(rank?.predicted).toMatchObject({ exponentSource: 'scale-runs', exponent: rank?.scale?.exponent });
      expect(rank?.predicted?.durationMs).toBeGreaterThan(3 * (rank?.predicted?.linearDurationMs ?? Infinity));
      const findings = (r.report?.findings ?? []).filter((f) => f.hazard === 'super-linear');
      expect(findings.map((f) => f.migration)).toEqual(['0002_rank_items']);
      expect(findings[0]?.message).toMatch(/^0002_rank_items grows as rows\^\d\.\d+ \(R² (0\.9\d|1\.00)\) over 3 sizes: .* rows .* where linear extrapolation would say .*: over the 1 min step limit/);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/0002_rank_items\s+up\s+success\s+\S+ \S+ → .* k=\d/);
    });

    it('does not flag the linear backfill and predicts it linearly', () => {
      const score = r.report?.targets[0]?.steps.find((s) => s.phase === 'change' && s.migration === '0003_score_events');
      // 0.98–1.02 on an idle machine; under CI load the 25 % point (a ~20 ms statement) can be
      // slowed by scheduling alone, and fits as low as 0.6 were seen. What must hold whatever the
      // load: it is never read as super-linear, and the prediction never goes below linear.
      expect(score?.scale?.exponent).toBeGreaterThan(0);
      expect(score?.scale?.exponent).toBeLessThan(1.3);
      expect(score?.predicted?.exponent).toBeGreaterThanOrEqual(1);
      expect(score?.predicted?.exponent).toBeLessThan(1.3);
      expect((r.report?.findings ?? []).filter((f) => f.migration === '0003_score_events' && f.hazard === 'super-linear')).toEqual([]);
    });
  });
});
