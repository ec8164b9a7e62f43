// The probes' control session on SQLite, and the probes of a SQLite target. The control plans the
// probes from sqlite_schema and the table pragmas before the step; while the step runs it says who
// blocks a waiting probe, and at the end of the lock-queue hold whether the migration was waiting
// for the reader. What blocking means on SQLite is in probe-session.ts.
//
// Who blocked: SQLite cannot tell. No connection can see who holds the write lock, or who keeps
// readers out. During a step the only writer besides the probes is the migration, and a probe
// holds the write lock for microseconds, never the 50 ms after which the runner asks: a probe
// waiting that long is attributed to the migration. Except a read in WAL mode, which waits for no
// lock at all: one that slow was slowed by something else (a busy machine), and is attributed to
// nobody.
//
// Whether the migration waited for the lock-queue reader: a writer waits for readers only in a
// rollback-journal mode, at commit (or when it spills its changes out of the page cache): it
// takes PENDING, which lets no new reader in, and waits for the readers already in (the reader
// holds SHARED) to leave. So the control asks the file: a read with no busy timeout that SQLite
// turns away means a writer is waiting for the readers — the migration, waiting for the reader.
// In WAL mode a writer never waits for a reader (the reader keeps its snapshot; only checkpoints
// wait), the read always gets in, and the lock-queue evidence says the migration did not wait.
// How long it waited is not in the file either: it is when the read probes started waiting,
// since they are shut out from the moment the migration takes PENDING (within one probe interval).
import { performance } from 'node:perf_hooks';
import { DatabaseError, type Session } from '../../engines/engine.ts';
import { ProbeRunner } from '../probe-runner.ts';
import type { ProbeControl, ProbeDialect, ProbePlan, ProbeRequest, RunningProbes, TrafficProbes } from '../probes.ts';
import { planProbes } from './plan.ts';
import { SqliteConnection, SqliteLockHolder, SqliteProbeSession, WRITE_SETTLE_MS, type ProbeSessionHooks } from './probe-session.ts';

/**
 * Connections the probes of a SQLite target may hold, the control session included. Fewer than on
 * a server: every table's writes wait for the same database-wide lock, so lanes beyond a few tables
 * measure the same wait again, and every session is a process of its own (about 60 MB resident).
 */
export const SQLITE_MAX_PROBE_CONNECTIONS = 10;

/** Said once per target: what the SQLite probes' figures mean. */
export const SQLITE_PROBES_NOTE =
  "traffic probes on SQLite: one write lock serves the whole database, so every table's writes wait for any write transaction of the step " +
  `(write probes make their first attempt ${WRITE_SETTLE_MS} ms into each step); reads wait only in a rollback-journal mode, never in WAL mode; ` +
  "there is no FK-check probe (a foreign-key check is a plain read inside the writer's own transaction, which already holds that lock); " +
  'a probe that waited is attributed to the migration, as SQLite cannot tell who holds its locks';

/** What the control, the probe sessions and the lock-queue reader of one target share. */
class SqliteProbeState implements ProbeSessionHooks {
  /** The migration's session (set by SqliteTrafficProbes.start, before the runner starts). */
  migrationPid: number | undefined;
  readonly lanes = new Set<SqliteProbeSession>();
  /** The lock-queue reader, while it holds its transaction open. */
  holding: SqliteLockHolder | undefined;
  /** When write attempts of this step may start: set by the step's first write attempt. */
  #writesFrom: number | undefined;
  #stopped = signal();

  /** Before the probes of a step start. */
  stepStarting(migrationPid: number): void {
    this.migrationPid = migrationPid;
    this.#writesFrom = undefined;
    this.#stopped = signal();
  }

  /** When the probes of a step are told to stop: a write attempt still settling goes at once. */
  stepStopping(): void {
    this.#stopped.fire();
  }

  async beforeWrite(): Promise<void> {
    const now = performance.now();
    this.#writesFrom ??= now + WRITE_SETTLE_MS;
    const ms = this.#writesFrom - now;
    if (ms <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), this.#stopped.fired]).finally(() => clearTimeout(timer));
  }

  closed(lane: SqliteProbeSession): void {
    this.lanes.delete(lane);
  }
}

export class SqliteProbeControl extends SqliteConnection implements ProbeControl {
  #journalMode = 'wal';

  private constructor(
    session: Session,
    private readonly state: SqliteProbeState,
    private readonly exclude: ReadonlySet<string>,
    /** The connections' busy_timeout: how long the migration waits for a lock before SQLITE_BUSY. */
    private readonly busyTimeoutMs: number,
  ) {
    super(session);
  }

  static async open(session: Session, state: SqliteProbeState, exclude: ReadonlySet<string>): Promise<SqliteProbeControl> {
    // Every connection of the engine is opened alike: this one's busy_timeout is the migration's.
    const { rows } = await session.query<{ timeout: number }>('PRAGMA busy_timeout');
    return new SqliteProbeControl(session, state, exclude, Number(rows[0]?.timeout ?? 0));
  }

  async plan(tables: string[]): Promise<ProbePlan> {
    // Read again before every step: a migration may change it.
    const { rows } = await this.session.query<{ journal_mode: string }>('PRAGMA journal_mode');
    this.#journalMode = String(rows[0]?.journal_mode ?? 'wal').toLowerCase();
    const writes = this.busyTimeoutMs > 0;
    const plan = await planProbes(this.session, tables, this.exclude, { writes });
    if (plan.targets.length > 0) plan.notes.push(SQLITE_PROBES_NOTE);
    if (!writes && plan.targets.length > 0) {
      plan.notes.push(
        'no insert or update probes on SQLite with busy_timeout 0: the migration would fail with SQLITE_BUSY whenever it met a probe holding the write lock; only reads were probed',
      );
    }
    return plan;
  }

  /** The migration for every waiting probe but a WAL-mode read (see the header): SQLite cannot tell who holds its locks. */
  async blockers(pids: number[]): Promise<Map<number, number[]>> {
    const migration = this.state.migrationPid;
    const lanes = new Map([...this.state.lanes].map((l) => [l.pid, l]));
    const waitsForLocks = (pid: number) => !(this.#journalMode === 'wal' && lanes.get(pid)?.reading);
    return new Map(pids.map((pid) => [pid, migration !== undefined && waitsForLocks(pid) ? [migration] : []]));
  }

  /** No activity is tallied on SQLite (see probe-session.ts), so there is nothing to name. */
  async tableNames(): Promise<Map<string, string>> {
    return new Map();
  }

  async lockWait(pid: number): Promise<{ blockers: number[]; waitedMs: number } | undefined> {
    if (pid !== this.state.migrationPid || !(await this.#readersShutOut())) return undefined;
    const now = performance.now();
    const since = Math.min(now, ...[...this.state.lanes].map((l) => l.readWaitingSince ?? now));
    const holder = this.state.holding;
    return { blockers: holder ? [holder.pid] : [], waitedMs: now - since };
  }

  /** Whether a writer keeps new readers out right now (PENDING or EXCLUSIVE): a read with no busy timeout is turned away. */
  async #readersShutOut(): Promise<boolean> {
    await this.session.exec('PRAGMA busy_timeout = 0');
    try {
      await this.session.query('SELECT count(*) AS n FROM sqlite_schema');
      return false;
    } catch (error) {
      if (error instanceof DatabaseError && error.sqlstate === '55P03') return true;
      throw error;
    } finally {
      await this.session.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
    }
  }
}

/** Probes on SQLite, never probing `exclude`d tables; `state` is shared by the sessions of one target. */
function sqliteProbes(exclude: Iterable<string>, state: SqliteProbeState): ProbeDialect {
  const excluded = new Set(exclude);
  return {
    lane: async (session) => {
      const lane = await SqliteProbeSession.open(session, state);
      state.lanes.add(lane);
      return lane;
    },
    control: (session) => SqliteProbeControl.open(session, state, excluded),
    holder: (session) =>
      SqliteLockHolder.open(session, (holder, holding) => {
        if (holding) state.holding = holder;
        else if (state.holding === holder) state.holding = undefined;
      }),
  };
}

/**
 * The traffic probes of a SQLite target: the dialect-neutral runner, told which session is the
 * migration's before each step (ProbeControl.blockers and lockWait get only the probes' pids and
 * the migration's, and SQLite has no way to find the migration by asking the database).
 */
export class SqliteTrafficProbes implements TrafficProbes {
  readonly #state = new SqliteProbeState();
  readonly #runner: ProbeRunner;

  constructor(connect: () => Promise<Session>, options: { trackingTable: string; maxConnections?: number; intervalMs?: number }) {
    this.#runner = new ProbeRunner({
      dialect: sqliteProbes([options.trackingTable], this.#state),
      connect,
      maxConnections: options.maxConnections ?? SQLITE_MAX_PROBE_CONNECTIONS,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    });
  }

  async start(request: ProbeRequest): Promise<RunningProbes | undefined> {
    this.#state.stepStarting(request.migrationPid);
    const running = await this.#runner.start(request);
    if (!running) return undefined;
    const state = this.#state;
    return {
      get lockQueueHolding() {
        return running.lockQueueHolding;
      },
      lockQueueReleased: () => running.lockQueueReleased(),
      stop: () => {
        state.stepStopping();
        return running.stop();
      },
    };
  }

  notes(): string[] {
    return this.#runner.notes();
  }

  close(): Promise<void> {
    this.#state.stepStopping();
    return this.#runner.close();
  }
}

function signal(): { fired: Promise<void>; fire(): void } {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fired, fire };
}
