// From the attempts of one probe (one table, one operation) to the figures the report keeps:
// the longest blocked window, p99 latency and errors by SQLSTATE. Pure, so it is tested apart
// from any database.

/** One attempt of a probe statement, timed on the client. */
export interface Attempt {
  startMs: number;
  endMs: number;
  /** Set when the attempt failed: its SQLSTATE, or `other` for a failure without one. */
  sqlstate?: string;
}

/**
 * Failures that mean "waited and gave up" rather than "the statement is wrong": the probe's own
 * lock_timeout (55P03 lock_not_available), statement_timeout (57014 query_canceled) and a
 * deadlock resolved against it (40P01). An application retrying would still be waiting, so a run
 * of them belongs to one blocked window together with the attempt that finally got through.
 */
export const GAVE_UP_WAITING = new Set(['55P03', '57014', '40P01']);

export interface ProbeFigures {
  attempts: number;
  maxBlockedMs: number;
  p99Ms: number;
  errors: Record<string, number>;
}

export function probeFigures(attempts: readonly Attempt[]): ProbeFigures {
  const errors: Record<string, number> = {};
  for (const a of attempts) if (a.sqlstate) errors[a.sqlstate] = (errors[a.sqlstate] ?? 0) + 1;
  return {
    attempts: attempts.length,
    maxBlockedMs: round(longestBlockedWindow(attempts)),
    p99Ms: round(percentile(attempts.map((a) => a.endMs - a.startMs), 0.99)),
    errors,
  };
}

/**
 * The longest stretch during which the statement could not get through: from the start of an
 * attempt, through every following attempt that gave up waiting, to the end of the first attempt
 * that did not (or of the last attempt, when the probe stopped while still waiting). A single
 * attempt is a window of its own duration, so a slow success counts as the wait it was.
 */
export function longestBlockedWindow(attempts: readonly Attempt[]): number {
  let longest = 0;
  let windowStart: number | undefined;
  for (const a of attempts) {
    windowStart ??= a.startMs;
    longest = Math.max(longest, a.endMs - windowStart);
    if (!a.sqlstate || !GAVE_UP_WAITING.has(a.sqlstate)) windowStart = undefined;
  }
  return longest;
}

/** Nearest-rank percentile (`q` in 0..1); 0 for no values. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
