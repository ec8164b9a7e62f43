// The probes' control session on MySQL/MariaDB: plans them from information_schema before the
// step, asks who blocks a slow probe while the step runs (blocking.ts: exact for row locks, and for
// metadata locks where the server shows them; inferred otherwise), and names tables afterwards.
import type { Session } from '../../engines/engine.ts';
import type { ProbeControl, ProbeDialect, ProbePlan } from '../probes.ts';
import {
  connectionsSql,
  ddlBlockers,
  METADATA_LOCK_WAIT,
  metadataLockBlockers,
  metadataLocksSql,
  rowLockWaitsSql,
  type Connection,
  type MetadataLock,
} from './blocking.ts';
import { planProbes } from './plan.ts';
import {
  CONTROL_LOCK_WAIT_TIMEOUT_S,
  CONTROL_STATEMENT_TIMEOUT_MS,
  MysqlAccountedSession,
  MysqlLockHolder,
  MysqlProbeContext,
  MysqlProbeSession,
  type ProbeServer,
} from './probe-session.ts';

interface ConnectionRow {
  id: number | string;
  command: string | null;
  state: string;
  info: string | null;
  time_ms: number | string | null;
  trx: string | null;
}

export class MysqlProbeControl extends MysqlAccountedSession implements ProbeControl {
  #notes: string[] = [];

  private constructor(
    session: Session,
    context: MysqlProbeContext,
    server: ProbeServer,
    private readonly exclude: ReadonlySet<string>,
  ) {
    super(session, context, server);
  }

  static async open(session: Session, context: MysqlProbeContext, exclude: ReadonlySet<string>): Promise<MysqlProbeControl> {
    const server = await MysqlAccountedSession.prepare(session, context, CONTROL_STATEMENT_TIMEOUT_MS, CONTROL_LOCK_WAIT_TIMEOUT_S);
    context.own.add(session.backendPid);
    const control = new MysqlProbeControl(session, context, server, exclude);
    if (!server.readCommitted) {
      control.#notes.push(
        'binlog_format=STATEMENT keeps the probe sessions in REPEATABLE READ, where an insert probe (INSERT … SELECT) also locks the row it copies in share mode: its waits may include that lock',
      );
    }
    return control;
  }

  /** Sample rows are read in autocommit (no lock outlives the plan), and tallied. */
  async plan(tables: string[]): Promise<ProbePlan> {
    const { plan, sampleReads, links } = await planProbes(this.session, tables, this.exclude, { flavour: this.server.flavour, versionNum: this.server.versionNum });
    this.context.linked = links;
    this.context.statements.clear();
    for (const target of plan.targets) {
      for (const sql of target.statements) this.context.statements.set(sql, { table: target.table, operation: target.operation });
    }
    for (const [table, read] of sampleReads) this.count(table, { read });
    return { ...plan, notes: [...this.#notes, ...plan.notes] };
  }

  /**
   * For each waiting connection: whose row lock it waits for (InnoDB's lock waits), and, when it
   * waits for a metadata lock, who holds or is queued ahead for that lock (blocking.ts).
   */
  async blockers(pids: number[]): Promise<Map<number, number[]>> {
    const out = new Map<number, Set<number>>();
    if (pids.length === 0) return new Map();
    // Another probe is no blocker worth naming: InnoDB's row locks let probes on the same row make
    // each other wait (an update's exclusive lock, an FK-check read's share lock) for a moment.
    const add = (waiting: number, blocking: number) => {
      if (waiting === blocking || this.context.own.has(blocking)) return;
      if (!out.has(waiting)) out.set(waiting, new Set());
      out.get(waiting)!.add(blocking);
    };
    const { rows: waits } = await this.session.query<{ waiting: number | string; blocking: number | string }>(
      rowLockWaitsSql(this.server.flavour, this.server.versionNum),
      [pids],
    );
    for (const w of waits) add(Number(w.waiting), Number(w.blocking));

    const connections = await this.#connections();
    const waitingForMdl = pids.filter((pid) => connections.find((c) => c.id === pid)?.state === METADATA_LOCK_WAIT);
    if (waitingForMdl.length > 0) {
      const locks = await this.#metadataLocks();
      for (const pid of waitingForMdl) {
        const target = this.context.attempting.get(pid);
        if (!target) continue;
        const traffic = target.operation === 'insert' || target.operation === 'update' ? 'writes' : 'reads';
        const waiter = { id: pid, table: target.table, linked: this.context.linked.get(target.table) ?? [], traffic } as const;
        for (const b of metadataLockBlockers(waiter, connections, locks, this.context.own)) add(pid, b);
      }
    }
    return new Map([...out].map(([pid, set]) => [pid, [...set].sort((a, b) => a - b)]));
  }

  /**
   * Whether `pid` waits for a lock now: for a metadata lock (PROCESSLIST state) or a row lock
   * (INNODB_TRX `LOCK WAIT`), who it waits for, and how long its statement has been running —
   * MariaDB's TIME_MS, restarted by each statement of a script; whole seconds on MySQL. A statement
   * that has to wait for a lock waits before it does any work, so that is how long it waited.
   */
  async lockWait(pid: number): Promise<{ blockers: number[]; waitedMs: number } | undefined> {
    const connections = await this.#connections();
    const waiter = connections.find((c) => c.id === pid);
    if (!waiter) return undefined;
    if (waiter.state === METADATA_LOCK_WAIT) {
      return { blockers: ddlBlockers(waiter, connections, await this.#metadataLocks()), waitedMs: waiter.timeMs };
    }
    if (waiter.transaction === 'LOCK WAIT') {
      const { rows } = await this.session.query<{ blocking: number | string }>(rowLockWaitsSql(this.server.flavour, this.server.versionNum), [[pid]]);
      return { blockers: [...new Set(rows.map((r) => Number(r.blocking)))].sort((a, b) => a - b), waitedMs: waiter.timeMs };
    }
    return undefined;
  }

  /** The ids are the table names: those that exist now (a step may drop or rename a table). */
  async tableNames(oids: string[]): Promise<Map<string, string>> {
    if (oids.length === 0) return new Map();
    const { rows } = await this.session.query<{ name: string }>(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)`,
      [oids],
    );
    return new Map(rows.map((r) => [r.name, r.name]));
  }

  async #connections(): Promise<Connection[]> {
    const { rows } = await this.session.query<ConnectionRow>(connectionsSql(this.server.flavour));
    return rows.map((r) => ({
      id: Number(r.id),
      command: r.command ?? '',
      state: r.state,
      info: r.info,
      timeMs: Number(r.time_ms ?? 0),
      transaction: r.trx === 'LOCK WAIT' ? 'LOCK WAIT' : r.trx ? 'RUNNING' : undefined,
    }));
  }

  async #metadataLocks(): Promise<MetadataLock[] | undefined> {
    const sql = metadataLocksSql(this.server.metadataLocks);
    if (!sql) return undefined;
    const { rows } = await this.session.query<{ id: number | string; name: string; mode: string; pending: number | string }>(sql);
    return rows.map((r) => ({ id: Number(r.id), table: r.name, mode: r.mode, pending: Number(r.pending) === 1 }));
  }
}

/**
 * Probes on MySQL/MariaDB, never probing `exclude`d tables. `countActivity` forces the tally on
 * (tests), which otherwise runs only where the server keeps per-table counters.
 */
export function mysqlProbes(exclude: Iterable<string>, options: { countActivity?: boolean } = {}): ProbeDialect {
  const excluded = new Set(exclude);
  const context = new MysqlProbeContext(options);
  return {
    lane: (session) => MysqlProbeSession.open(session, context),
    control: (session) => MysqlProbeControl.open(session, context, excluded),
    holder: (session) => MysqlLockHolder.open(session, context),
  };
}
