// How a change step's duration grows with rows, from the scale runs: least squares on
// log(rows) → log(duration), so the slope is the exponent k of duration ≈ a · rows^k. Pure.
import type { ScalePoint, StepScaleFit } from './evidence.ts';

/**
 * Below this full-size duration a fit measures timer and round-trip noise, not growth: a 20 ms
 * step at 25 % runs 5 ms, where scheduling jitter alone is a millisecond or two.
 */
export const MIN_FIT_DURATION_MS = 200;

/**
 * A fit is trusted (for predictions and the super-linear check) from this R² on. With three
 * points, timing noise of ±10 % on a linear step still gives R² > 0.98; a fit below 0.9 means the
 * points disagree (a plan change between sizes, a cold cache) and the exponent says little.
 */
export const MIN_FIT_R2 = 0.9;

/**
 * Linear steps fit k = 0.95–1.05 on a PostgreSQL server (an UPDATE of 19 k / 78 k / 300 k rows:
 * 1.02, R² 1.00). Below 1 + this, a fitted exponent is read as linear, so predictions do not
 * move with noise.
 */
export const LINEAR_NOISE = 0.1;

export function fitScale(points: ScalePoint[]): StepScaleFit {
  const sorted = [...points].sort((a, b) => a.fraction - b.fraction);
  const none = (reason: string): StepScaleFit => ({ points: sorted, exponent: null, r2: null, reason });
  const full = sorted.find((p) => p.fraction === 1);
  if (sorted.some((p) => p.status !== 'success')) return none('the step did not succeed at every size');
  if (!full || full.durationMs < MIN_FIT_DURATION_MS) {
    return none(`under ${MIN_FIT_DURATION_MS} ms at full size: timer noise would dominate the fit`);
  }
  const usable = sorted.filter((p) => p.rows > 0 && p.durationMs > 0);
  if (new Set(usable.map((p) => p.rows)).size < 3) return none('fewer than 3 distinct row counts to fit');
  const { slope, r2 } = logLogFit(usable);
  return { points: sorted, exponent: round2(slope), r2: round2(r2) };
}

function logLogFit(points: ScalePoint[]): { slope: number; r2: number } {
  const xs = points.map((p) => Math.log(p.rows));
  const ys = points.map((p) => Math.log(p.durationMs));
  const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  // All durations equal: the line fits perfectly (flat), whatever the rows.
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, r2 };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
