// Watches migrations on PostgreSQL and PGlite through the catalogs both share: pg_class for
// storage (relfilenode changes are rewrites), pg_locks for the locks the migration holds,
// pg_stat_user_tables for rows read and written, the WAL position for bytes written.
import type { Session } from '../../engines/engine.ts';
import type { StateSnapshot, TableRows } from '../../rehearsal/evidence.ts';
import type { HeldLock, LockCapacity, TransactionCounters, LockMonitor, Observer, StepBaseline, StorageMap } from '../observer.ts';
import { tableContents } from '../table-contents.ts';
import { postgresContentSql } from './content.ts';
import { postgresBlockedBy } from './lock-modes.ts';
import { PostgresLockMonitor } from './lock-monitor.ts';
import { HELD_LOCKS_SQL, heldLockFromRow, type LockRow } from './locks.ts';
import { displayName, OWNING_TABLE, RELATION_KINDS, USER_SCHEMA_FILTER } from './names.ts';
import { introspectSchema } from './schema.ts';

export interface PostgresObserverOptions {
  /** The migration tool's tracking table: excluded from row counters and content checksums. */
  trackingTable: string;
  /**
   * The tool's recorded state, for snapshots (the tool's own table layout: migrations/tracking.ts).
   * Left out: golang-migrate's one-row table is read.
   */
  trackingState?: (session: Session) => Promise<StateSnapshot['tracking'] | null>;
}

const storageSql = (sizes: boolean) => `
SELECT c.oid::int8::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       c.relfilenode::int8::text AS storage, ${sizes ? 'pg_relation_size(c.oid)::int8' : 'NULL'} AS bytes,
       tn.nspname AS table_schema, t.relname AS table_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.oid
LEFT JOIN pg_class t ON t.oid = ${OWNING_TABLE}
LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE c.relkind IN ('r', 'p', 'i', 'I', 'm', 'S') AND ${USER_SCHEMA_FILTER}`;

// Counters are per relation; a partition's count toward the root of its partition tree.
const COUNTERS_SQL = `
SELECT s.relid::int8::text AS oid, rn.nspname AS schema, r.relname AS name,
       coalesce(s.seq_tup_read, 0)::int8 AS seq_read, coalesce(s.idx_tup_fetch, 0)::int8 AS idx_fetch,
       s.n_tup_ins::int8 AS ins, s.n_tup_upd::int8 AS upd, s.n_tup_del::int8 AS del
FROM pg_stat_user_tables s
JOIN pg_class r ON r.oid = coalesce(pg_partition_root(s.relid), s.relid)
JOIN pg_namespace rn ON rn.oid = r.relnamespace`



export class PostgresObserver implements Observer {
  constructor(private readonly options: PostgresObserverOptions) {}

  async prepareSession(session: Session): Promise<void> {
    // Read statistics as they are now, not as cached at the first access in a transaction.
    await session.query(`SET stats_fetch_consistency = none`);
  }

  async storage(session: Session, options: { sizes?: boolean } = {}): Promise<StorageMap> {
    const { rows } = await session.query<{
      oid: string;
      schema: string;
      name: string;
      kind: string;
      storage: string;
      bytes: string | number | null;
      table_schema: string | null;
      table_name: string | null;
    }>(storageSql(options.sizes ?? true));
    const map: StorageMap = new Map();
    for (const r of rows) {
      const name = displayName(r.schema, r.name);
      map.set(r.oid, {
        oid: r.oid,
        name,
        kind: (RELATION_KINDS[r.kind] ?? 'other') as never,
        table: r.table_name ? displayName(r.table_schema ?? 'public', r.table_name) : name,
        storageId: r.storage,
        ...(r.bytes !== null ? { bytes: Number(r.bytes) } : {}),
      });
    }
    return map;
  }

  async relationSizes(session: Session, oids: string[]): Promise<Map<string, number>> {
    if (oids.length === 0) return new Map();
    const { rows } = await session.query<{ oid: string; bytes: string }>(
      `SELECT o::int8::text AS oid, pg_relation_size(o)::int8::text AS bytes FROM unnest($1::oid[]) AS o`,
      [oids],
    );
    return new Map(rows.map((r) => [r.oid, Number(r.bytes)]));
  }

  async heldLocks(session: Session): Promise<HeldLock[]> {
    const { rows } = await session.query<LockRow>(HELD_LOCKS_SQL, [session.backendPid]);
    return rows.map(heldLockFromRow);
  }

  async transactionCounters(session: Session): Promise<TransactionCounters> {
    // Pending counts since the last flush: the step's baseline flushed them, and nothing is
    // flushed while a transaction is open.
    const { rows } = await session.query<{ rows: string | null; locks: number }>(
      `SELECT (SELECT sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) + n_tup_ins + n_tup_upd + n_tup_del)
                 FROM pg_stat_xact_user_tables)::int8::text AS rows,
              (SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT fastpath)::int AS locks`,
      [session.backendPid],
    );
    return { rowsProcessed: Number(rows[0]?.rows ?? 0), sharedLocks: rows[0]?.locks ?? 0 };
  }

  /**
   * PostgreSQL sizes its shared lock table for max_locks_per_transaction × (max_connections +
   * max_prepared_transactions) objects; past that, any transaction asking for one more lock fails
   * with "out of shared memory" (SQLSTATE 53200).
   */
  async lockCapacity(session: Session): Promise<LockCapacity> {
    const { rows } = await session.query<{ l: string; c: string; p: string }>(
      `SELECT current_setting('max_locks_per_transaction') AS l, current_setting('max_connections') AS c,
              current_setting('max_prepared_transactions') AS p`,
    );
    const { l, c, p } = rows[0] ?? { l: '64', c: '100', p: '0' };
    return {
      locks: Number(l) * (Number(c) + Number(p)),
      derivation: `max_locks_per_transaction ${l} × (max_connections ${c} + max_prepared_transactions ${p})`,
    };
  }

  async beginStep(session: Session): Promise<StepBaseline> {
    const counters = await this.counters(session);
    const walPosition = await this.walPosition(session);
    return { counters, walPosition };
  }

  async endStep(session: Session, baseline: StepBaseline): Promise<{ rows: TableRows[]; walBytes?: number }> {
    let walBytes: number | undefined;
    if (baseline.walPosition) {
      const { rows } = await session.query<{ bytes: string }>(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::int8::text AS bytes`,
        [baseline.walPosition],
      );
      walBytes = Number(rows[0]?.bytes ?? 0);
    }
    const after = await this.counters(session);
    const byTable = new Map<string, TableRows>();
    for (const [oid, now] of after) {
      const before = baseline.counters.get(oid);
      const sum = byTable.get(now.table) ?? { table: now.table, read: 0, inserted: 0, updated: 0, deleted: 0 };
      sum.read += now.read - (before?.read ?? 0);
      sum.inserted += now.inserted - (before?.inserted ?? 0);
      sum.updated += now.updated - (before?.updated ?? 0);
      sum.deleted += now.deleted - (before?.deleted ?? 0);
      byTable.set(now.table, sum);
    }
    const rows = [...byTable.values()].filter((d) => d.read || d.inserted || d.updated || d.deleted);
    rows.sort((a, b) => a.table.localeCompare(b.table));
    return { rows, walBytes };
  }

  schema(session: Session) {
    return introspectSchema(session);
  }

  async snapshot(session: Session, label: string, options: { columnChecksums?: boolean } = {}): Promise<StateSnapshot> {
    const schema = await introspectSchema(session);
    const tables = await tableContents(session, schema, this.isTracking, { columnChecksums: options.columnChecksums ?? true }, postgresContentSql);
    const tracking = await this.tracking(session);
    return { label, schema, tables, tracking };
  }

  async tableRows(session: Session): Promise<Record<string, number>> {
    const schema = await introspectSchema(session);
    const contents = await tableContents(session, schema, this.isTracking, { countsOnly: true, columnChecksums: false }, postgresContentSql);
    return Object.fromEntries(Object.entries(contents).map(([t, c]) => [t, c.rows]));
  }

  blockedBy(mode: string) {
    return postgresBlockedBy(mode);
  }

  lockMonitor(session: Session): LockMonitor {
    return new PostgresLockMonitor(session);
  }

  private readonly isTracking = (table: string) => table === this.options.trackingTable;

  private async walPosition(session: Session): Promise<string | undefined> {
    try {
      const { rows } = await session.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
      return rows[0]?.lsn;
    } catch {
      // A standby or a build without WAL functions: WAL bytes are simply not measured.
      return undefined;
    }
  }

  /**
   * Cumulative per-table counters. The session's own pending counts are flushed first
   * (pg_stat_force_next_flush, PostgreSQL 15+), so the figures include everything it did.
   */
  private async counters(session: Session): Promise<StepBaseline['counters']> {
    await session.query(`SELECT pg_stat_force_next_flush()`);
    const { rows } = await session.query<{
      oid: string;
      schema: string;
      name: string;
      seq_read: string | number;
      idx_fetch: string | number;
      ins: string | number;
      upd: string | number;
      del: string | number;
    }>(COUNTERS_SQL);
    const map: StepBaseline['counters'] = new Map();
    for (const r of rows) {
      const table = displayName(r.schema, r.name);
      if (this.isTracking(table)) continue;
      map.set(r.oid, {
        table,
        read: Number(r.seq_read) + Number(r.idx_fetch),
        inserted: Number(r.ins),
        updated: Number(r.upd),
        deleted: Number(r.del),
      });
    }
    return map;
  }

  private async tracking(session: Session): Promise<StateSnapshot['tracking']> {
    if (this.options.trackingState) return (await this.options.trackingState(session)) ?? { version: null, dirty: false };
    const exists = await session.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [this.options.trackingTable]);
    if (!exists.rows[0]?.t) return { version: null, dirty: false };
    const { rows } = await session.query<{ version: string; dirty: boolean }>(
      `SELECT version::text AS version, dirty FROM ${this.options.trackingTable} LIMIT 1`,
    );
    return rows[0] ? { version: rows[0].version, dirty: rows[0].dirty } : { version: null, dirty: false };
  }
}
