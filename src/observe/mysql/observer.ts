// Watches migrations on MySQL/MariaDB through what the server exposes, which depends on its
// settings (engines/mysql/server-features.ts): InnoDB table and index ids for rewrites, metadata
// locks (metadata_lock_info plugin / performance_schema), row counters (per table where the
// server keeps them, the migration session's own otherwise), binlog positions for bytes written.
// What the server hides is listed by `notes()` rather than guessed.
import type { Session } from '../../engines/engine.ts';
import { detectServerFeatures, type MysqlServerFeatures } from '../../engines/mysql/server-features.ts';
import type { StateSnapshot, TableRows } from '../../rehearsal/evidence.ts';
import type { HeldLock, LockCapacity, LockMonitor, Observer, StepBaseline, StorageMap, TransactionCounters } from '../observer.ts';
import { binlogBytesSince, formatBinlogPosition, parseBinlogPosition, readBinlogPosition } from './binlog.ts';
import { tableContents } from '../table-contents.ts';
import { mysqlContentSql } from './content.ts';
import { ALL_TABLES, difference, sessionCounts, sessionProcessedSql, splitChanged, tableCounts, type RowCounts } from './counters.ts';
import { mysqlBlockedBy } from './lock-modes.ts';
import { MysqlLockMonitor } from './lock-monitor.ts';
import { heldLocksFromRows, heldLocksSql, type LockRow } from './locks.ts';
import { MARKER_TABLE, quoteIdent } from './names.ts';
import { introspectSchema } from './schema.ts';
import { innodbStorage, relationBytes } from './storage.ts';

export interface MysqlObserverOptions {
  /** The migration tool's tracking table: excluded from row counters and content checksums. */
  trackingTable: string;
  /**
   * The tool's recorded state, for snapshots (the tool's own table layout: migrations/tracking.ts).
   * Left out: golang-migrate's one-row table is read.
   */
  trackingState?: (session: Session) => Promise<StateSnapshot['tracking'] | null>;
}

/**
 * Memory of one InnoDB lock structure (lock_t and its bitmap of the rows of one page): about 120
 * bytes, measured as trx_lock_memory_bytes / trx_lock_structs on MariaDB 10.11 with 16 KiB pages.
 */
const BYTES_PER_LOCK_STRUCT = 120;

/** Exact row counts at step start, where the server has no per-table counters. */
interface MysqlStepBaseline extends StepBaseline {
  rowCounts?: Record<string, number>;
}

export class MysqlObserver implements Observer {
  #features: MysqlServerFeatures | undefined;
  #detecting: Promise<MysqlServerFeatures> | undefined;
  /** Rows processed by the session when its current step began: transactionCounters count from there. */
  readonly #processedAtStepStart = new WeakMap<Session, number>();

  /** Session status counters run whether or not a transaction is open. */
  readonly countsOutsideTransactions = true;

  constructor(private readonly options: MysqlObserverOptions) {}

  /** What the server lets rehearse see, and what it hides (empty until a session was prepared). */
  notes(): string[] {
    return this.#features?.notes ?? [];
  }

  /** The server's features, detected once through the first session that asks. */
  features(session: Session): Promise<MysqlServerFeatures> {
    this.#detecting ??= detectServerFeatures(async (sql) => (await session.query<Record<string, unknown>>(sql)).rows).then((f) => {
      this.#features = f;
      return f;
    });
    return this.#detecting;
  }

  async prepareSession(session: Session): Promise<void> {
    const features = await this.features(session);
    // MySQL 8 caches information_schema.TABLES statistics for a day by default: sizes must be current.
    if (features.version.flavour === 'mysql' && features.version.num >= 80000) {
      await session.query('SET SESSION information_schema_stats_expiry = 0');
    }
  }

  /**
   * With sizes (the step runner asks at step start, outside any transaction), each table is asked
   * whether it holds a row, so an empty table's rewrite counts as copying nothing.
   */
  async storage(session: Session, options: { sizes?: boolean } = {}): Promise<StorageMap> {
    return innodbStorage(session, await this.features(session), { sizes: options.sizes ?? true });
  }

  async relationSizes(session: Session, oids: string[]): Promise<Map<string, number>> {
    return relationBytes(session, await this.features(session), oids);
  }

  async heldLocks(session: Session): Promise<HeldLock[]> {
    const sql = heldLocksSql((await this.features(session)).metadataLocks);
    if (!sql) return [];
    const { rows } = await session.query<LockRow>(sql, [session.backendPid]);
    return heldLocksFromRows(rows);
  }

  /**
   * `rowsProcessed`: the session's rows read and written since its step began (session status
   * counters: see counters.ts). `sharedLocks`: the InnoDB lock structures its open transaction
   * holds (INNODB_TRX.trx_lock_structs; each covers the locked rows of one page). InnoDB refreshes
   * INNODB_TRX at most every 100 ms, so a reading right after a statement may lag behind it.
   */
  async transactionCounters(session: Session): Promise<TransactionCounters> {
    const { flavour } = (await this.features(session)).version;
    const { rows } = await session.query<{ processed: string | null; locks: string | number | null }>(
      `SELECT ${sessionProcessedSql(flavour)} AS processed,
              (SELECT SUM(trx_lock_structs) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()) AS locks`,
    );
    const processed = Number(rows[0]?.processed ?? 0);
    return { rowsProcessed: processed - (this.#processedAtStepStart.get(session) ?? 0), sharedLocks: Number(rows[0]?.locks ?? 0) };
  }

  /**
   * InnoDB keeps its locks in memory taken from the buffer pool, and fails a transaction with
   * error 1206 ("The total number of locks exceeds the lock table size") once lock memory leaves
   * less than a quarter of the pool to pages. The capacity is therefore an estimate in lock
   * structures, the unit `sharedLocks` counts.
   */
  async lockCapacity(session: Session): Promise<LockCapacity> {
    const { rows } = await session.query<{ pool: string | number }>('SELECT @@innodb_buffer_pool_size AS pool');
    const pool = Number(rows[0]?.pool ?? 0);
    return {
      locks: Math.floor((pool * 3) / 4 / BYTES_PER_LOCK_STRUCT),
      derivation:
        `3/4 × innodb_buffer_pool_size ${formatMiB(pool)} ÷ ~${BYTES_PER_LOCK_STRUCT} bytes per InnoDB lock structure ` +
        '(an estimate: InnoDB fails with error 1206 once lock memory leaves less than 1/4 of the buffer pool to pages)',
    };
  }

  async beginStep(session: Session): Promise<StepBaseline> {
    const features = await this.features(session);
    // Without per-table counters, exact row counts before and after are what can be split by
    // table. Counted first: the counting's own reads must not count as the step's.
    // With them too: InnoDB applies ON DELETE CASCADE / SET NULL below the handler interface, where
    // no per-table counter sees the child rows go (data-loss must).
    const rowCounts = await this.tableRows(session);
    const counters = await this.#counters(session, features);
    const session_ = counters.get(ALL_TABLES)!;
    this.#processedAtStepStart.set(session, session_.read + session_.inserted + session_.updated + session_.deleted);
    const position = features.binlogStatus ? await readBinlogPosition(session, features.binlogStatus) : undefined;
    const baseline: MysqlStepBaseline = { counters, ...(position ? { walPosition: formatBinlogPosition(position) } : {}), ...(rowCounts ? { rowCounts } : {}) };
    return baseline;
  }

  /**
   * Rows per table where the server keeps per-table counters, with deletes raised to each table's
   * net loss of rows (cascades run below the counters). Otherwise each table's net row-count
   * change (exact counts before and after: a cascade or trigger that deletes rows shows, an update
   * does not) and the session's own totals as `sessionRows`. `walBytes` is binlog bytes.
   */
  async endStep(session: Session, baseline: StepBaseline): Promise<{ rows: TableRows[]; walBytes?: number; sessionRows?: RowCounts }> {
    const features = await this.features(session);
    const start = baseline.walPosition ? parseBinlogPosition(baseline.walPosition) : undefined;
    const walBytes = start && features.binlogStatus ? await binlogBytesSince(session, features.binlogStatus, start) : undefined;
    const now = await this.#counters(session, features);
    const own = difference(now.get(ALL_TABLES)!, baseline.counters.get(ALL_TABLES));
    let rows: TableRows[];
    const before = (baseline as MysqlStepBaseline).rowCounts ?? {};
    const after = await this.tableRows(session);
    const netChanges = [...new Set([...Object.keys(before), ...Object.keys(after)])].map((table) => {
      const change = (after[table] ?? 0) - (before[table] ?? 0);
      return { table, read: 0, inserted: Math.max(0, change), updated: 0, deleted: Math.max(0, -change) };
    });
    if (!features.tableCounters) {
      rows = netChanges.filter((d) => d.inserted || d.deleted).sort((a, b) => a.table.localeCompare(b.table));
      return { rows, sessionRows: own, ...(walBytes !== undefined ? { walBytes } : {}) };
    } else {
      rows = [...now.entries()]
        .filter(([table]) => table !== ALL_TABLES)
        .map(([table, counts]) => {
          const before = baseline.counters.get(table) as (RowCounts & { changed?: number }) | undefined;
          const delta = difference(counts, before);
          const changed = (counts as { changed?: number }).changed;
          return changed === undefined ? { table, ...delta } : { table, read: delta.read, ...splitChanged(changed - (before?.changed ?? 0), own) };
        });
    }
    // A table that lost more rows than its counters deleted lost them to a cascade.
    for (const net of netChanges) {
      const counted = rows.find((r) => r.table === net.table);
      if (counted) counted.deleted = Math.max(counted.deleted, net.deleted);
      else if (net.deleted > 0 && !this.isTracking(net.table)) rows.push(net);
    }
    rows = rows.filter((d) => d.read || d.inserted || d.updated || d.deleted).sort((a, b) => a.table.localeCompare(b.table));
    return { rows, ...(walBytes !== undefined ? { walBytes } : {}) };
  }

  schema(session: Session) {
    return introspectSchema(session);
  }

  async snapshot(session: Session, label: string, options: { columnChecksums?: boolean } = {}): Promise<StateSnapshot> {
    const schema = await introspectSchema(session);
    const tables = await tableContents(session, schema, this.isTracking, { columnChecksums: options.columnChecksums ?? true }, mysqlContentSql);
    return { label, schema, tables, tracking: await this.#tracking(session) };
  }

  /** Counted before and after every step where the server keeps no per-table counters: the table list alone, no schema introspection. */
  async tableRows(session: Session): Promise<Record<string, number>> {
    const { rows: tables } = await session.query<{ name: string }>(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      if (name === MARKER_TABLE || this.isTracking(name)) continue;
      const { rows } = await session.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${quoteIdent(name)}`);
      counts[name] = Number(rows[0]?.n ?? 0);
    }
    return counts;
  }

  blockedBy(mode: string) {
    return mysqlBlockedBy(mode);
  }

  /** Needs `prepareSession` to have run (on any session): which catalog shows locks depends on the server. */
  lockMonitor(session: Session): LockMonitor {
    if (!this.#features) throw new Error('MysqlObserver.lockMonitor: call prepareSession first (the server decides where locks can be read)');
    return new MysqlLockMonitor(session, heldLocksSql(this.#features.metadataLocks));
  }

  private readonly isTracking = (table: string) => table === this.options.trackingTable;

  /** Session totals under ALL_TABLES, plus per-table counters (tracking table left out) where the server has them. */
  async #counters(session: Session, features: MysqlServerFeatures): Promise<StepBaseline['counters']> {
    const map: StepBaseline['counters'] = new Map();
    map.set(ALL_TABLES, { table: ALL_TABLES, ...(await sessionCounts(session, features.version.flavour)) });
    const perTable = await tableCounts(session, features.tableCounters);
    for (const [table, counts] of perTable ?? []) if (!this.isTracking(table)) map.set(table, { table, ...counts });
    return map;
  }

  async #tracking(session: Session): Promise<StateSnapshot['tracking']> {
    if (this.options.trackingState) return (await this.options.trackingState(session)) ?? { version: null, dirty: false };
    const exists = await session.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [
      this.options.trackingTable,
    ]);
    if (exists.rows.length === 0) return { version: null, dirty: false };
    const { rows } = await session.query<{ version: string; dirty: number | string }>(
      `SELECT CAST(version AS CHAR) AS version, dirty FROM ${quoteIdent(this.options.trackingTable)} LIMIT 1`,
    );
    return rows[0] ? { version: rows[0].version, dirty: Number(rows[0].dirty) !== 0 } : { version: null, dirty: false };
  }
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}
