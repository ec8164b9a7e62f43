import { describe, expect, it } from 'vitest';
import type { ScalePoint } from './evidence.ts';
import { fitScale } from './scale-fit.ts';

const point = (fraction: number, rows: number, durationMs: number): ScalePoint => ({ fraction, rows, durationMs, status: 'success' });

describe('fitScale', () => {
  it('finds exponent 2 for quadratic growth and 1 for linear growth', () => {
    const quadratic = fitScale([point(0.25, 1_000, 50), point(0.5, 2_000, 200), point(1, 4_000, 800)]);
    expect(quadratic).toMatchObject({ exponent: 2, r2: 1 });
    const linear = fitScale([point(1, 4_000, 400), point(0.25, 1_000, 100), point(0.5, 2_000, 200)]);
    expect(linear).toMatchObject({ exponent: 1, r2: 1 });
    // Points come back by fraction, the full-size one last.
    expect(linear.points.map((p) => p.fraction)).toEqual([0.25, 0.5, 1]);
  });

  it('reports a poor fit through r2', () => {
    const fit = fitScale([point(0.25, 1_000, 300), point(0.5, 2_000, 100), point(1, 4_000, 400)]);
    expect(fit.r2).toBeLessThan(0.5);
  });

  it('refuses to fit a step too fast to time, a failed point, or too few sizes', () => {
    expect(fitScale([point(0.25, 1_000, 5), point(0.5, 2_000, 10), point(1, 4_000, 150)])).toMatchObject({ exponent: null, reason: expect.stringMatching(/timer noise/) });
    expect(fitScale([{ ...point(0.25, 1_000, 5), status: 'error' }, point(0.5, 2_000, 300), point(1, 4_000, 600)]).exponent).toBeNull();
    expect(fitScale([point(0.5, 4_000, 300), point(1, 4_000, 600)]).reason).toMatch(/fewer than 3/);
  });
});
