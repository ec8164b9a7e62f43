// Runs the traffic probes of one target: a bounded pool of sessions kept from step to step, one
// session per table and operation during a step (so a blocked read never delays the probe of a
// write), each repeating its statement at a fixed rate, and a control session that plans them and
// asks who blocks the ones that are waiting.
import { performance } from 'node:perf_hooks';
import type { Session } from '../engines/engine.ts';
import { redactDataValues } from '../redact.ts';
import type { BlockedEvidence, TableRows } from '../rehearsal/evidence.ts';
import { tally, type RowCounts } from './activity.ts';
import { LockQueueReader } from './lock-queue.ts';
import type {
  LockHolderConnection,
  ProbeConnection,
  ProbeControl,
  ProbeDialect,
  ProbeOutcome,
  ProbePlan,
  ProbeRequest,
  ProbeTarget,
  RunningProbes,
  TrafficProbes,
} from './probes.ts';
import { AttemptLog } from './stats.ts';

/** Each probe starts an attempt this often (sooner attempts would add load, later ones miss short blocks). */
export const PROBE_INTERVAL_MS = 25;
/** Connections the probes of one target may hold, the control session included. */
export const MAX_PROBE_CONNECTIONS = 16;
/** An attempt running this long is worth asking who blocks it. */
const SLOW_ATTEMPT_MS = 50;
const WATCH_EVERY_MS = 50;

export interface ProbeRunnerOptions {
  dialect: ProbeDialect;
  /** A new session on the scratch database. */
  connect(): Promise<Session>;
  maxConnections?: number;
  intervalMs?: number;
}

export class ProbeRunner implements TrafficProbes {
  #control: ProbeControl | undefined;
  /** The lock-queue reader's session, kept from step to step like the control session. */
  #holder: LockHolderConnection | undefined;
  /** Probe sessions between steps. */
  readonly #pool: ProbeConnection[] = [];
  readonly #notes = new Set<string>();
  #running: Probing | undefined;
  readonly #maxLanes: number;
  readonly #intervalMs: number;

  constructor(private readonly options: ProbeRunnerOptions) {
    this.#maxLanes = Math.max(1, (options.maxConnections ?? MAX_PROBE_CONNECTIONS) - 1);
    this.#intervalMs = options.intervalMs ?? PROBE_INTERVAL_MS;
  }

  async start(request: ProbeRequest): Promise<RunningProbes | undefined> {
    await this.#running?.stop();
    try {
      this.#control ??= await this.options.dialect.control(await this.options.connect());
      const plan = await this.#control.plan(request.tables);
      for (const note of plan.notes) this.#notes.add(note);
      // The lock-queue reader's connection comes out of the same budget.
      const lanes = Math.max(1, this.#maxLanes - (request.lockQueue ? 1 : 0));
      const targets = plan.targets.slice(0, lanes);
      const unprobed = plan.targets.slice(lanes);
      if (unprobed.length > 0) {
        this.#notes.add(
          `traffic probes have ${lanes} sessions (${this.#maxLanes + 1} connections with the control session${request.lockQueue ? ' and the lock-queue reader' : ''}), ` +
            `so ${unprobed.map((t) => `${t.operation} of ${t.table}`).join(', ')} went unprobed: blocking there was inferred from locks`,
        );
      }
      const opened = await Promise.allSettled(targets.map(() => this.#session()));
      const sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const failed = opened.find((o) => o.status === 'rejected');
      if (failed) {
        // Out of connections, say: the sessions that did open wait in the pool for the next step.
        this.#pool.push(...sessions);
        throw failed.reason;
      }
      const queue = request.lockQueue ? await this.#startLockQueue(request, plan, this.#control) : undefined;
      this.#running = new Probing(targets.map((target, i) => new Lane(target, sessions[i]!)), this.#control, request.migrationPid, this.#intervalMs, queue, (healthy, notes, controlLost) => {
        this.#pool.push(...healthy);
        for (const note of notes) this.#notes.add(note);
        if (controlLost) this.#dropControl();
      });
      return this.#running;
    } catch (error) {
      this.#notes.add(`traffic probes could not start (${reason(error)}): blocking was inferred from locks where they did not run`);
      // A broken control session is replaced at the next step.
      this.#dropControl();
      return undefined;
    }
  }

  /** Never throws: a reader that cannot start is a note, and the step runs without the queue. */
  async #startLockQueue(request: ProbeRequest, plan: ProbePlan, control: ProbeControl): Promise<LockQueueReader | undefined> {
    if (plan.named.length === 0) {
      this.#notes.add('lock-queue: a step named no existing table, so no reader was held open before it');
      return undefined;
    }
    try {
      this.#holder ??= await this.options.dialect.holder(await this.options.connect());
      return await LockQueueReader.start(this.#holder, control, request.migrationPid, plan.named, request.lockQueue!.holdMs);
    } catch (error) {
      this.#notes.add(`lock-queue: the reader could not hold its tables (${reason(error)}), so a step ran without the queue`);
      void this.#holder?.close().catch(() => undefined);
      this.#holder = undefined;
      return undefined;
    }
  }

  #dropControl(): void {
    void this.#control?.close().catch(() => undefined);
    this.#control = undefined;
  }

  notes(): string[] {
    return [...this.#notes];
  }

  async close(): Promise<void> {
    await this.#running?.stop().catch(() => undefined);
    const sessions = [...this.#pool.splice(0), ...(this.#control ? [this.#control] : []), ...(this.#holder ? [this.#holder] : [])];
    this.#control = this.#holder = undefined;
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  }

  async #session(): Promise<ProbeConnection> {
    return this.#pool.pop() ?? this.options.dialect.lane(await this.options.connect());
  }
}

/** One probe: a session repeating one target's statement. */
class Lane {
  readonly log = new AttemptLog();
  /** When the attempt in flight started. */
  inFlightSince: number | undefined;
  readonly blockers = new Set<number>();
  failure: unknown;
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly target: ProbeTarget,
    readonly connection: ProbeConnection,
  ) {}

  /** Attempts at a fixed rate until `stopped` settles; the first at once, the second after `offsetMs` more, to spread the probes. */
  run(stopped: Promise<void>, isStopped: () => boolean, intervalMs: number, offsetMs: number): void {
    this.done = (async () => {
      let next = performance.now() + offsetMs;
      for (let i = 0; !isStopped(); i++) {
        this.inFlightSince = performance.now();
        const attempt = await this.connection.attempt(this.target.statements[i % this.target.statements.length]!);
        this.inFlightSince = undefined;
        this.log.add(attempt);
        next = Math.max(next + intervalMs, performance.now());
        await untilOrStopped(next, stopped);
      }
    })().catch((error: unknown) => {
      this.inFlightSince = undefined;
      this.failure = error;
    });
  }
}

/** The probes of one step, from start to stop. */
class Probing implements RunningProbes {
  #stopped = false;
  readonly #stop: () => void;
  readonly #stoppedSignal: Promise<void>;
  readonly #watcher: Promise<void>;
  #outcome: Promise<ProbeOutcome> | undefined;

  constructor(
    private readonly lanes: Lane[],
    private readonly control: ProbeControl,
    private readonly migrationPid: number,
    intervalMs: number,
    private readonly queue: LockQueueReader | undefined,
    /** Hands the healthy sessions back to the pool, with what the report should note. */
    private readonly release: (healthy: ProbeConnection[], notes: string[], controlLost: boolean) => void,
  ) {
    let resolve!: () => void;
    this.#stoppedSignal = new Promise<void>((r) => (resolve = r));
    this.#stop = resolve;
    const isStopped = () => this.#stopped;
    lanes.forEach((lane, i) => lane.run(this.#stoppedSignal, isStopped, intervalMs, (intervalMs * i) / lanes.length));
    this.#watcher = this.#watch();
  }

  stop(): Promise<ProbeOutcome> {
    this.#outcome ??= this.#finish();
    return this.#outcome;
  }

  get lockQueueHolding(): boolean {
    return this.queue?.holding ?? false;
  }

  async lockQueueReleased(): Promise<void> {
    await this.queue?.released().catch(() => undefined);
  }

  /** Never throws: what went wrong becomes a note, and the step keeps what could be measured. */
  async #finish(): Promise<ProbeOutcome> {
    const notes: string[] = [];
    // The reader ends before the probes stop: attempts queued behind it must get through first.
    let lockQueue: ProbeOutcome['lockQueue'];
    try {
      lockQueue = await this.queue?.end();
    } catch (error) {
      notes.push(`lock-queue: the reader failed (${reason(error)}): the queue it caused was measured, the migration's own wait was not`);
    }
    this.#stopped = true;
    this.#stop();
    // Attempts in flight end once the step's locks are gone, and lock_timeout / statement_timeout bound them anyway.
    await Promise.all([...this.lanes.map((l) => l.done), this.#watcher]);
    const healthy: ProbeConnection[] = [];
    const activity = new Map<string, RowCounts>();
    let untallied = false;
    for (const lane of this.lanes) {
      if (lane.failure === undefined) {
        try {
          for (const [oid, counts] of await lane.connection.takeActivity()) tally(activity, oid, counts);
          healthy.push(lane.connection);
          continue;
        } catch (error) {
          lane.failure = error;
        }
      }
      // A lost session's figures stop short: they are dropped, and its table falls back to inference.
      untallied = true;
      notes.push(`the ${lane.target.operation} probe of ${lane.target.table} failed (${reason(lane.failure)}): blocking there was inferred from locks`);
      await lane.connection.close().catch(() => undefined);
    }
    let rows: TableRows[] = [];
    let controlLost = false;
    try {
      for (const [oid, counts] of await this.control.takeActivity()) tally(activity, oid, counts);
      if (this.queue) for (const [oid, counts] of await this.queue.takeActivity()) tally(activity, oid, counts);
      rows = await this.#byTable(activity);
    } catch {
      untallied = controlLost = true;
    }
    if (untallied) notes.push("a probe session failed before its reads and writes were tallied: a step's row counts may include some of them");
    this.release(healthy, notes, controlLost);
    return {
      blocked: this.lanes.filter((l) => l.failure === undefined && l.log.attempts > 0).map((l) => this.#evidence(l)),
      activity: rows,
      ...(lockQueue ? { lockQueue } : {}),
    };
  }

  #evidence(lane: Lane): BlockedEvidence {
    const others = [...lane.blockers].filter((pid) => pid !== this.migrationPid).sort((a, b) => a - b);
    return {
      table: lane.target.table,
      operation: lane.target.operation,
      ...lane.log.figures(),
      // The migration first, then other backends.
      blockedBy: lane.blockers.has(this.migrationPid) ? ['migration', ...others] : others,
    };
  }

  async #byTable(activity: Map<string, RowCounts>): Promise<TableRows[]> {
    const names = await this.control.tableNames([...activity.keys()]);
    // A relation the step dropped has no name any more, and no row in the step's counters either.
    return [...activity].flatMap(([oid, counts]) => {
      const table = names.get(oid);
      return table === undefined ? [] : [{ table, ...counts }];
    });
  }

  /** Samples who blocks the probes that are waiting, until stopped. */
  async #watch(): Promise<void> {
    while (!this.#stopped) {
      await untilOrStopped(performance.now() + WATCH_EVERY_MS, this.#stoppedSignal);
      const now = performance.now();
      const waiting = this.lanes.filter((l) => l.inFlightSince !== undefined && now - l.inFlightSince >= SLOW_ATTEMPT_MS);
      if (waiting.length === 0 || this.#stopped) continue;
      try {
        const blockers = await this.control.blockers(waiting.map((l) => l.connection.pid));
        for (const lane of waiting) for (const pid of blockers.get(lane.connection.pid) ?? []) lane.blockers.add(pid);
      } catch {
        // A missed sample loses who blocked, not how long: the next one may catch it.
      }
    }
  }
}

/** Resolves at `at` (performance.now() time) or when `stopped` settles, whichever comes first. */
function untilOrStopped(at: number, stopped: Promise<void>): Promise<void> {
  const ms = at - performance.now();
  if (ms <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), stopped]).finally(() => clearTimeout(timer));
}

function reason(error: unknown): string {
  return redactDataValues(error instanceof Error ? error.message.split('\n')[0]! : String(error));
}
