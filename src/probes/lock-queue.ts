// The lock-queue rehearsal (the openSUSE lock-timeout story): production always has some long
// transaction open — a report query, a background job. A DDL that needs a lock conflicting with
// reads, even one that would take a millisecond, waits for that transaction to end, and every
// read and write of the table queues behind the waiting DDL. Before the step, a reader session
// opens a transaction on the step's tables and keeps it open for the configured time; the traffic
// probes measure the queue that forms, and at the end of the hold rehearse asks whether the
// migration was the one waiting, and for how long.
import { performance } from 'node:perf_hooks';
import type { LockHolderConnection, LockQueueOutcome, ProbeControl } from './probes.ts';

export class LockQueueReader {
  readonly #timer: NodeJS.Timeout;
  readonly #released: Promise<LockQueueOutcome>;
  #resolveRelease!: () => void;
  #holding = true;
  readonly #startedAt = performance.now();

  constructor(
    private readonly holder: LockHolderConnection,
    private readonly control: ProbeControl,
    private readonly migrationPid: number,
    private readonly tables: string[],
    private readonly holdMs: number,
  ) {
    const due = new Promise<void>((resolve) => (this.#resolveRelease = resolve));
    this.#timer = setTimeout(this.#resolveRelease, holdMs);
    this.#released = due.then(() => this.#release());
    // Whoever awaits it sees a failure; an unawaited one must not crash the process.
    this.#released.catch(() => undefined);
  }

  /** Starts holding (before the step's first statement). */
  static async start(
    holder: LockHolderConnection,
    control: ProbeControl,
    migrationPid: number,
    named: { table: string; qualified: string }[],
    holdMs: number,
  ): Promise<LockQueueReader> {
    await holder.hold(
      named.map((n) => n.qualified),
      holdMs,
    );
    return new LockQueueReader(
      holder,
      control,
      migrationPid,
      named.map((n) => n.table),
      holdMs,
    );
  }

  get holding(): boolean {
    return this.#holding;
  }

  /** Settles when the hold has ended (its time is up, or `end()` was called); rejects if the reader failed. */
  released(): Promise<LockQueueOutcome> {
    return this.#released;
  }

  /** What the reader added to the row counters, to take out of the step's rows. */
  takeActivity(): ReturnType<LockHolderConnection['takeActivity']> {
    return this.holder.takeActivity();
  }

  /** Ends the hold now if its time is not up yet (the step is over): the reader must not outlive the step. */
  end(): Promise<LockQueueOutcome> {
    clearTimeout(this.#timer);
    this.#resolveRelease();
    return this.#released;
  }

  async #release(): Promise<LockQueueOutcome> {
    let migrationWaitedMs: number | null = null;
    try {
      const wait = await this.control.lockWait(this.migrationPid);
      if (wait?.blockers.includes(this.holder.pid)) migrationWaitedMs = Math.round(wait.waitedMs * 10) / 10;
    } finally {
      await this.holder.release().finally(() => (this.#holding = false));
    }
    const releasedAt = performance.now();
    // Shorter than asked when the step ended first.
    const heldMs = Math.round(Math.min(this.holdMs, releasedAt - this.#startedAt));
    return { tables: this.tables, holdMs: heldMs, migrationWaitedMs, releasedAt };
  }
}
