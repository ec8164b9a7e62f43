import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../checks/limits.ts';
import { exportYaml, learnLimits, MAD_SCALE, median, mergeLearned, samplesOf } from './learn.ts';
import type { HistoryRow } from './store.ts';
import { sampleRow } from './test-rows.ts';

/** n runs of one migration's up step, the i-th with fields(i). */
function runs(n: number, fields: (i: number) => Partial<HistoryRow>): HistoryRow[] {
  return Array.from({ length: n }, (_, i) => sampleRow({ runId: `r${i}`, recordedAt: `2026-01-${String(i + 1).padStart(2, '0')}T00:00:00.000Z`, ...fields(i) }));
}

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('samplesOf', () => {
  it('keeps successful steps of runs that did not error, ups from change/trunk and downs from rollback, once per run', () => {
    const rows = [
      sampleRow({ runId: 'a' }),
      sampleRow({ runId: 'a', phase: 'reapply' }),
      sampleRow({ runId: 'a', direction: 'down', phase: 'rollback' }),
      sampleRow({ runId: 'b', status: 'error' }),
      sampleRow({ runId: 'c', verdict: 'error' }),
      sampleRow({ runId: 'd', verdict: 'fail' }),
      sampleRow({ runId: 'e', status: 'timeout' }),
      sampleRow({ runId: 'f', phase: 'trunk' }),
      sampleRow({ runId: 'g', direction: 'down', phase: 'change' }),
    ];
    expect(samplesOf(rows).map((r) => `${r.runId}:${r.direction}:${r.phase}`)).toEqual(['a:up:change', 'a:down:rollback', 'd:up:change', 'f:up:trunk']);
  });
});

describe('learnLimits', () => {
  it('needs minSamples runs', () => {
    expect(learnLimits(runs(9, () => ({})))).toEqual([]);
    expect(learnLimits(runs(10, () => ({}))).map((l) => l.metric)).toEqual(['rowsChanged', 'walBytes', 'stepDurationMs']);
  });

  it('is median + 6·MAD with the MAD scaled by 1.4826, rounded up', () => {
    // rows 10,000 … 10,900: median 10,450, MAD 250 → 10,450 + 6 × 1.4826 × 250 = 12,673.9
    const [rows] = learnLimits(runs(10, (i) => ({ rowsChanged: 10_000 + i * 100 })));
    expect(rows).toMatchObject({ metric: 'rowsChanged', samples: 10, median: 10_450, mad: MAD_SCALE * 250, max: 10_900, limit: 12_674 });
    expect(rows!.method).toMatch(/^median\+6·MAD/);
    expect(rows).toMatchObject({ engine: 'pglite', migration: '0002_add', direction: 'up', from: '2026-01-01T00:00:00.000Z', to: '2026-01-10T00:00:00.000Z' });
  });

  it('never goes below the largest value a successful run showed', () => {
    // nine identical, one outlier: MAD 0, so the max sets the limit.
    const [rows] = learnLimits(runs(10, (i) => ({ rowsChanged: i === 9 ? 50_000 : 10_000 })));
    expect(rows).toMatchObject({ median: 10_000, mad: 0, limit: 50_000 });
    expect(rows!.method).toMatch(/^max observed/);
  });

  it('gives counters 20 % headroom over a constant median, and wall time 2× and at least 1 s', () => {
    const learned = learnLimits(runs(10, () => ({ rowsChanged: 10_000, walBytes: 100 * 1024 ** 2, durationMs: 5_000 })));
    expect(learned.map((l) => [l.metric, l.limit, l.method.split(' (')[0]])).toEqual([
      ['rowsChanged', 12_000, 'median×1.2'],
      ['walBytes', Math.ceil(120 * 1024 ** 2), 'median×1.2'],
      ['stepDurationMs', 10_000, 'median×2'],
    ]);
    const small = learnLimits(runs(10, () => ({ rowsChanged: 3, walBytes: 8192, durationMs: 12 })));
    expect(small.map((l) => [l.metric, l.limit, l.method.split(' (')[0]])).toEqual([
      ['rowsChanged', 1_000, 'floor'],
      ['walBytes', 16 * 1024 ** 2, 'floor'],
      ['stepDurationMs', 1_000, 'floor'],
    ]);
  });

  it('learns nothing from failed steps or errored runs, and each engine and direction apart', () => {
    const good = runs(10, () => ({ rowsChanged: 10_000 }));
    const bad = runs(30, (i) => ({ runId: `x${i}`, rowsChanged: 10_000_000, ...(i % 2 ? { status: 'error' } : { verdict: 'error' }) }));
    expect(learnLimits([...good, ...bad]).find((l) => l.metric === 'rowsChanged')!.limit).toBe(12_000);
    const other = runs(10, (i) => ({ runId: `m${i}`, engine: 'mysql', rowsChanged: 99_000 }));
    const downs = runs(10, () => ({ direction: 'down', phase: 'rollback', rowsChanged: 2_000 }));
    const learned = learnLimits([...good, ...other, ...downs]).filter((l) => l.metric === 'rowsChanged');
    expect(learned.map((l) => [l.engine, l.direction, l.limit])).toEqual([['mysql', 'up', 118_800], ['pglite', 'down', 2_400], ['pglite', 'up', 12_000]]);
    expect(learnLimits([...good, ...other], { engine: 'mysql' }).every((l) => l.engine === 'mysql')).toBe(true);
  });

  it('skips a metric a backend did not measure (no WAL on SQLite)', () => {
    expect(learnLimits(runs(10, () => ({ walBytes: null }))).map((l) => l.metric)).toEqual(['rowsChanged', 'stepDurationMs']);
  });
});

describe('mergeLearned', () => {
  const learned = learnLimits([
    ...runs(10, (i) => ({ migration: '0002_add', rowsChanged: 10_000, durationMs: 100, walBytes: null, runId: `a${i}` })),
    ...runs(10, (i) => ({ migration: '0002_add', direction: 'down', phase: 'rollback', rowsChanged: 20_000, durationMs: 100, walBytes: null, runId: `a${i}` })),
    ...runs(10, (i) => ({ migration: '0003_big', rowsChanged: 500_000, durationMs: 100, walBytes: null, runId: `a${i}` })),
  ]);

  it('fills in what the config leaves unset, the larger of up and down, and says what came from history', () => {
    const merged = mergeLearned({ '0002': { stepDurationMs: 5_000 } }, DEFAULT_LIMITS, learned);
    expect(merged.perMigrationLimits).toEqual({ '0002': { stepDurationMs: 5_000 }, '0002_add': { rowsChanged: 24_000 }, '0003_big': { stepDurationMs: 1_000 } });
    expect(merged.fromHistory['0002_add']).toEqual({ rowsChanged: expect.objectContaining({ limit: 24_000, samples: 10, median: 20_000, mad: 0 }) });
    expect(merged.fromHistory['0002_add']).not.toHaveProperty('stepDurationMs');
  });

  it('only tightens: a learned limit above the global limit in force is not used', () => {
    const merged = mergeLearned({}, DEFAULT_LIMITS, learned);
    // 0003_big learned 600,000 rows, above the default 100,000: the default stays.
    expect(merged.perMigrationLimits['0003_big']).toEqual({ stepDurationMs: 1_000 });
  });

  it('keeps the config over history for the same migration by id', () => {
    const merged = mergeLearned({ '0002_add': { rowsChanged: 7 } }, DEFAULT_LIMITS, learned);
    expect(merged.perMigrationLimits['0002_add']).toEqual({ rowsChanged: 7, stepDurationMs: 1_000 });
  });
});

describe('exportYaml', () => {
  it('prints a limits: migrations: block with the config key names, durations with a unit', () => {
    const learned = learnLimits(runs(10, () => ({ rowsChanged: 10_000, walBytes: 100 * 1024 ** 2, durationMs: 5_000 })));
    expect(exportYaml(learned)).toBe(
      ['limits:', '  migrations:', '    "0002_add":', '      rowsChanged: 12000', `      walBytes: ${Math.ceil(120 * 1024 ** 2)}`, '      stepDurationMs: 10000ms', ''].join('\n'),
    );
    expect(exportYaml([])).toMatch(/^# no learned limits yet/);
  });
});
