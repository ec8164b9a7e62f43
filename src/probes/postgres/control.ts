// The probes' control session on PostgreSQL: plans them from the catalog before the step, asks
// who blocks a slow probe while the step runs, and names tables afterwards.
import type { Session } from '../../engines/engine.ts';
import { displayName } from '../../observe/postgres/names.ts';
import type { ProbeControl, ProbeDialect, ProbePlan } from '../probes.ts';
import { planProbes } from './plan.ts';
import { AccountedSession, CONTROL_STATEMENT_TIMEOUT_MS, PostgresLockHolder, PostgresProbeSession } from './probe-session.ts';

export class PostgresProbeControl extends AccountedSession implements ProbeControl {
  private constructor(
    session: Session,
    private readonly exclude: ReadonlySet<string>,
  ) {
    super(session);
  }

  static async open(session: Session, exclude: ReadonlySet<string>): Promise<PostgresProbeControl> {
    const control = new PostgresProbeControl(session, exclude);
    await control.prepare(CONTROL_STATEMENT_TIMEOUT_MS);
    return control;
  }

  /** In a transaction rolled back at once: the sample reads are tallied, and no lock outlives the plan. */
  plan(tables: string[]): Promise<ProbePlan> {
    return this.rolledBack(() => planProbes(this.session, tables, this.exclude));
  }

  /**
   * pg_blocking_pids: the backends holding, or queued ahead for, a lock the pid waits for. It
   * briefly locks the whole lock manager, so the runner asks only about probes already waiting.
   */
  async blockers(pids: number[]): Promise<Map<number, number[]>> {
    if (pids.length === 0) return new Map();
    const { rows } = await this.session.query<{ pid: number; blockers: number[] }>(
      `SELECT pid, pg_blocking_pids(pid) AS blockers FROM unnest($1::int[]) AS pid`,
      [pids],
    );
    return new Map(rows.map((r) => [r.pid, r.blockers]));
  }

  /**
   * pg_stat_activity's query_start of a waiting backend: its statement has waited since then (a
   * statement that has to wait for a lock waits before it does any work).
   */
  async lockWait(pid: number): Promise<{ blockers: number[]; waitedMs: number } | undefined> {
    const { rows } = await this.session.query<{ blockers: number[]; waited_ms: number }>(
      `SELECT pg_blocking_pids(pid) AS blockers, (extract(epoch FROM clock_timestamp() - query_start) * 1000)::float8 AS waited_ms
       FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`,
      [pid],
    );
    const row = rows[0];
    return row ? { blockers: row.blockers, waitedMs: row.waited_ms } : undefined;
  }

  /** As the observer names tables: a partition's counters belong to the root of its tree. */
  async tableNames(oids: string[]): Promise<Map<string, string>> {
    if (oids.length === 0) return new Map();
    const { rows } = await this.session.query<{ oid: string; schema: string; name: string }>(
      `SELECT o::int8::text AS oid, n.nspname AS schema, c.relname AS name
       FROM unnest($1::oid[]) AS o
       JOIN pg_class c ON c.oid = coalesce(pg_partition_root(o), o)
       JOIN pg_namespace n ON n.oid = c.relnamespace`,
      [oids],
    );
    return new Map(rows.map((r) => [r.oid, displayName(r.schema, r.name)]));
  }
}

/** Probes on PostgreSQL (and servers speaking its catalog), never probing `exclude`d tables. */
export function postgresProbes(exclude: Iterable<string>): ProbeDialect {
  const excluded = new Set(exclude);
  return {
    lane: (session) => PostgresProbeSession.open(session),
    control: (session) => PostgresProbeControl.open(session, excluded),
    holder: (session) => PostgresLockHolder.open(session),
  };
}
