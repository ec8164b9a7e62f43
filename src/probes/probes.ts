// Traffic probes (DESIGN §4, measured blocking): while a step runs, probe sessions keep doing what
// the application does to the tables the step touches — a point read, an insert, an update, the
// key-share read of a foreign-key check — every few tens of milliseconds, and time every attempt.
// How long they could not get through is the blocking the application would see, measured rather
// than inferred from lock modes. Only engines with concurrent sessions can run them.
//
// The step runner sees this contract only; probe-runner.ts runs the sessions, and the engine's
// own SQL (catalog reads, the attempt itself, who blocks whom) lives in postgres/.
import type { Session } from '../engines/engine.ts';
import type { BlockedEvidence, ProbeOperation, TableRows } from '../rehearsal/evidence.ts';
import type { RowCounts } from './activity.ts';
import type { Attempt } from './stats.ts';

export interface ProbeRequest {
  /** Tables the step's SQL names; those that exist now are probed, with the tables linked to them by foreign keys. */
  tables: string[];
  /** The migration's backend: a probe it blocked was blocked by "the migration". */
  migrationPid: number;
  /** The lock-queue rehearsal: hold a reading transaction on the named tables open this long from the start of the step. */
  lockQueue?: { holdMs: number };
}

/** What the lock-queue reader saw (see LockQueueEvidence). */
export interface LockQueueOutcome {
  tables: string[];
  holdMs: number;
  migrationWaitedMs: number | null;
  /** When the reader ended (performance.now()), to find the statement that was waiting. */
  releasedAt: number;
}

export interface ProbeOutcome {
  /** Per table and operation; a table or operation that could not be probed has no entry. */
  blocked: BlockedEvidence[];
  /** What the probes themselves added to the per-table row counters, to take out of the step's rows. */
  activity: TableRows[];
  /** Present when the lock-queue reader held its tables during the step. */
  lockQueue?: LockQueueOutcome;
}

export interface RunningProbes {
  /** Whether the lock-queue reader is still holding its tables. */
  readonly lockQueueHolding: boolean;
  /** Settles once the lock-queue reader has ended (at once when there is none). */
  lockQueueReleased(): Promise<void>;
  /** Stops the probes, lets attempts in flight finish, and returns what was measured. Never throws: failures become notes. */
  stop(): Promise<ProbeOutcome>;
}

export interface TrafficProbes {
  /** Starts probing; undefined when the probes could not start (the reason goes to `notes()`). */
  start(request: ProbeRequest): Promise<RunningProbes | undefined>;
  /** What the report should say about how the probes ran: tables they could not fully exercise, and why. */
  notes(): string[];
  /** Closes the probe sessions. */
  close(): Promise<void>;
}

/** What one probe session repeats: one operation on one table. */
export interface ProbeTarget {
  /** Display name (as evidence names tables). */
  table: string;
  operation: ProbeOperation;
  /** The statement, one per sample row, used in turn. */
  statements: string[];
}

export interface ProbePlan {
  /** In priority order: the tables the step names first, then their foreign-key neighbours. */
  targets: ProbeTarget[];
  /** The tables the step names that exist now (display and quoted qualified name): what the lock-queue reader reads. */
  named: { table: string; qualified: string }[];
  notes: string[];
}

/** A probe-side connection: whatever it reads or writes is tallied, to be kept out of the step's rows. */
export interface AccountedConnection {
  readonly pid: number;
  /** What this connection added to each relation's row counters since the last call, by relation oid. */
  takeActivity(): Promise<Map<string, RowCounts>>;
  close(): Promise<void>;
}

/** One probe session, as the engine's dialect drives it. */
export interface ProbeConnection extends AccountedConnection {
  /** Runs `sql` once, the way the probe's operation runs (a write is rolled back); never rejects for an SQL error. */
  attempt(sql: string): Promise<Attempt>;
}

/** The lock-queue reader: a session that keeps a transaction open on tables, as a long report query would. */
export interface LockHolderConnection extends AccountedConnection {
  /** Opens a transaction that reads each table (taking the lock any read takes) and leaves it open for at most `holdMs`. */
  hold(qualifiedTables: string[], holdMs: number): Promise<void>;
  /** Ends the transaction, releasing its locks. */
  release(): Promise<void>;
}

/** The connection that plans the probes and watches them. */
export interface ProbeControl extends AccountedConnection {
  /** Chooses tables and builds statements from the catalog; sample rows are read here, before the step. */
  plan(tables: string[]): Promise<ProbePlan>;
  /** For each waiting pid, the pids that hold or queue ahead for the lock it waits for. */
  blockers(pids: number[]): Promise<Map<number, number[]>>;
  /** The display names relations have now (a step may rename them), by oid; a partition counts as its root. */
  tableNames(oids: string[]): Promise<Map<string, string>>;
  /** Whether `pid` is waiting for a lock right now: who it waits for, and how long its statement has been running. */
  lockWait(pid: number): Promise<{ blockers: number[]; waitedMs: number } | undefined>;
}

/** How an engine family probes. */
export interface ProbeDialect {
  lane(session: Session): Promise<ProbeConnection>;
  control(session: Session): Promise<ProbeControl>;
  holder(session: Session): Promise<LockHolderConnection>;
}
