import { describe, expect, it } from 'vitest';
import { type Attempt, AttemptLog, percentile, type ProbeFigures } from './stats.ts';

function figures(attempts: Attempt[]): ProbeFigures {
  const log = new AttemptLog();
  for (const a of attempts) log.add(a);
  return log.figures();
}
const longestBlockedWindow = (attempts: Attempt[]) => figures(attempts).maxBlockedMs;

/** Attempts back to back from `t0`, each `[durationMs, sqlstate?]`, with `gapMs` between them. */
function series(spec: [number, string?][], gapMs = 25, t0 = 1_000): Attempt[] {
  let t = t0;
  return spec.map(([ms, sqlstate]) => {
    const a: Attempt = { startMs: t, endMs: t + ms, ...(sqlstate ? { sqlstate } : {}) };
    t = a.endMs + gapMs;
    return a;
  });
}

describe('the longest blocked window', () => {
  it('is the slowest attempt when every attempt got through', () => {
    expect(longestBlockedWindow(series([[0.4], [0.5], [1_800], [0.3]]))).toBe(1_800);
  });

  it('joins attempts that gave up waiting with the one that finally got through', () => {
    // Timed out waiting for a lock three times, then the lock came free 200 ms into the fourth attempt.
    const attempts = series([[0.4], [500, '55P03'], [500, '55P03'], [500, '55P03'], [200], [0.4]], 1);
    expect(longestBlockedWindow(attempts)).toBe(500 * 3 + 200 + 3);
  });

  it('counts statement timeouts and deadlocks as waiting, other errors as ending the wait', () => {
    expect(longestBlockedWindow(series([[300, '57014'], [300, '40P01'], [100]], 0))).toBe(700);
    // An undefined column is the statement's fault, not a wait: it ends the window at its own end.
    expect(longestBlockedWindow(series([[300, '55P03'], [2, '42703'], [300, '55P03']], 0))).toBe(302);
  });

  it('keeps a window still open when the probe stopped', () => {
    expect(longestBlockedWindow(series([[1], [500, '55P03'], [500, '55P03']], 0))).toBe(1_000);
  });

  it('is 0 without attempts', () => {
    expect(longestBlockedWindow([])).toBe(0);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.99)).toBe(0);
  });

  it('lets one slow attempt in a hundred through p99 but not two', () => {
    const fast = Array.from({ length: 98 }, () => 1);
    expect(percentile([...fast, 1, 2_000], 0.99)).toBe(1);
    expect(percentile([...fast, 2_000, 2_000], 0.99)).toBe(2_000);
  });
});

describe('AttemptLog', () => {
  it('counts attempts and errors by SQLSTATE, rounded to 0.1 ms', () => {
    expect(figures(series([[0.44], [500.03, '55P03'], [120.06], [3, '42703']]))).toEqual({
      attempts: 4,
      maxBlockedMs: 645.1,
      p99Ms: 500,
      errors: { '55P03': 1, '42703': 1 },
    });
    expect(figures([])).toEqual({ attempts: 0, maxBlockedMs: 0, p99Ms: 0, errors: {} });
  });
});
