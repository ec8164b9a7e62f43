import { describe, expect, it } from 'vitest';
import type { StepEvidence, StepScaleFit } from '../rehearsal/evidence.ts';
import { measuredExponent, predictStep } from '../rehearsal/predict.ts';
import { superLinearCheck } from './super-linear.ts';
import { context, rows, statement, step } from './test-fixtures.ts';

const dataset = { items: 4_000 };

/** A backfill of `items` measured at 1,000, 2,000 and 4,000 rows with the given durations. */
function backfill(durations: [number, number, number], r2 = 1): StepEvidence {
  const [quarter, half, full] = durations;
  const scale: StepScaleFit = {
    points: [
      { fraction: 0.25, rows: 1_000, durationMs: quarter, status: 'success' },
      { fraction: 0.5, rows: 2_000, durationMs: half, status: 'success' },
      { fraction: 1, rows: 4_000, durationMs: full, status: 'success' },
    ],
    exponent: Math.round((Math.log(full / quarter) / Math.log(4)) * 100) / 100,
    r2,
  };
  return step({
    migration: '0003_rank_items',
    durationMs: full + 5,
    statements: [statement({ kind: 'UpdateStmt', summary: 'UPDATE items SET rank = (SELECT count(*) …)', durationMs: full, rowsProcessed: 8_000 })],
    rows: [rows('items', { read: 4_000, updated: 4_000 })],
    tablesNamed: ['items'],
    scale,
  });
}

/** What run.ts does after the rehearsal: predictions at production size with the measured exponent. */
function atProduction(s: StepEvidence, production: number): StepEvidence {
  s.predicted = predictStep(s, dataset, { items: production }, measuredExponent(s));
  return s;
}

describe('super-linear', () => {
  it('is an error when the fitted curve at production size breaks a limit, showing the curve and the linear estimate', () => {
    const s = atProduction(backfill([50, 200, 800]), 40_000);
    const [f, ...rest] = superLinearCheck.run(context([s]));
    expect(rest).toEqual([]);
    expect(f?.severity).toBe('error');
    // ×10 rows at k = 2: 800 ms → 80 s (over 60 s), where linear would say 8 s.
    expect(f?.message).toBe(
      '0003_rank_items grows as rows^2 (R² 1.00) over 3 sizes: 1,000 rows 50 ms, 2,000 rows 200 ms, 4,000 rows 800 ms; ' +
        '×10 at production size (items: 40,000 rows vs 4,000 in the dataset; growth exponent 2 measured by scale runs) that is about 1 min 20 s, ' +
        'where linear extrapolation would say 8 s: over the 1 min step limit (stepDurationMs)',
    );
    expect(f?.evidence).toMatchObject({ exponent: 2, r2: 1, predictedDurationMs: 80_005, linearDurationMs: 8_005, exponentSource: 'scale-runs' });
    expect(f?.advice).toMatch(/correlated subquery .* join/);
  });

  it('names statement and idle timeouts the curve breaks', () => {
    const s = atProduction(backfill([50, 200, 800]), 20_000);
    const [f] = superLinearCheck.run(context([s], { statementTimeoutMs: 10_000, idleTimeoutMs: 15_000 }));
    expect(f?.severity).toBe('error');
    expect(f?.message).toMatch(/over production's 10 s statement_timeout \(statementTimeoutMs\) and the proxy's 15 s idle timeout \(idleTimeoutMs\)$/);
  });

  it('is a warning when no production size is known, or the curve stays within the limits', () => {
    const unknown = backfill([50, 200, 800]);
    const [w] = superLinearCheck.run(context([unknown]));
    expect(w?.severity).toBe('warning');
    expect(w?.message).toMatch(/ten times the rows would take about 100 times as long \(no production row count/);
    const small = atProduction(backfill([50, 200, 800]), 8_000);
    expect(superLinearCheck.run(context([small]))[0]).toMatchObject({ severity: 'warning', message: expect.stringMatching(/within the limits$/) });
  });

  it('says nothing for linear growth, a poor fit, or a step without a fit', () => {
    expect(superLinearCheck.run(context([atProduction(backfill([200, 400, 800]), 400_000)]))).toEqual([]);
    expect(superLinearCheck.run(context([atProduction(backfill([50, 200, 800], 0.6), 400_000)]))).toEqual([]);
    expect(superLinearCheck.run(context([step()]))).toEqual([]);
  });
});
