// From the attempts of one probe (one table, one operation) to the figures the report keeps:
// the longest blocked window, p99 latency and errors by SQLSTATE (or the engine's own error code,
// where the SQLSTATE is too coarse). Attempts are folded in as they come (a probe of a 30-minute
// step makes some 70,000), keeping one number per attempt for p99.
// Pure, so it is tested apart from any database.

/** One attempt of a probe statement, timed on the client. */
export interface Attempt {
  startMs: number;
  endMs: number;
  /** Set when the attempt failed: its SQLSTATE. */
  sqlstate?: string;
  /**
   * Set when the attempt failed on an engine whose SQLSTATE is too coarse to tell errors apart
   * (MySQL/MariaDB: `HY000` covers lock wait timeout and many more): the code failures are counted
   * under instead of the SQLSTATE, e.g. MySQL's error number `'1205'`.
   */
  code?: string;
  /** Whether the failure means "waited and gave up"; when absent, the SQLSTATE decides (GAVE_UP_WAITING). */
  gaveUpWaiting?: boolean;
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

export class AttemptLog {
  readonly #durations: number[] = [];
  readonly #errors: Record<string, number> = {};
  #longest = 0;
  /** Start of the window still open: attempts since it gave up waiting. */
  #windowStart: number | undefined;

  /**
   * A blocked window runs from the start of an attempt, through every following attempt that gave
   * up waiting, to the end of the first attempt that did not (or of the last one, when the probe
   * stopped while still waiting). A single attempt is a window of its own duration, so a slow
   * success counts as the wait it was.
   */
  add(attempt: Attempt): void {
    this.#durations.push(attempt.endMs - attempt.startMs);
    const code = attempt.code ?? attempt.sqlstate;
    if (code) this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    this.#windowStart ??= attempt.startMs;
    this.#longest = Math.max(this.#longest, attempt.endMs - this.#windowStart);
    const gaveUp = attempt.gaveUpWaiting ?? (attempt.sqlstate !== undefined && GAVE_UP_WAITING.has(attempt.sqlstate));
    if (!gaveUp) this.#windowStart = undefined;
  }

  get attempts(): number {
    return this.#durations.length;
  }

  figures(): ProbeFigures {
    return {
      attempts: this.#durations.length,
      maxBlockedMs: round(this.#longest),
      p99Ms: round(percentile(this.#durations, 0.99)),
      errors: { ...this.#errors },
    };
  }
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
