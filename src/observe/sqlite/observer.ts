// Watches migrations on SQLite: root pages in sqlite_schema for storage (a new root page under a
// table's name is a rewrite), the session's write log for the write lock and the rows each
// statement changed, total_changes() for rows written per statement, row counts for side effects,
// and content checksums computed in the session's process. It needs sessions of the sqlite engine
// (src/engines/sqlite/): they provide the SQL functions it reads (rehearse_write_log,
// rehearse_transaction_writes, rehearse_checksum).
import type { Session } from '../../engines/engine.ts';
import type { StateSnapshot, TableRows } from '../../rehearsal/evidence.ts';
import { describeSqliteStatement, sqliteBlockedBy } from '../../sql/sqlite-split.ts';
import type { HeldLock, LockMonitor, Observer, StepBaseline, StorageMap, TransactionCounters } from '../observer.ts';
import { tableContents } from '../table-contents.ts';
import { ordinaryTables, rowCounts, sqliteContentSql, virtualTables } from './content.ts';
import { heldWriteLocks } from './locks.ts';
import { SqliteLockMonitor } from './lock-monitor.ts';
import { quoteIdent, relationKey } from './names.ts';
import { rowChanges, type TableCount } from './row-changes.ts';
import { introspectSchema } from './schema.ts';
import { relationSizes, storageMap } from './storage.ts';
import { transactionWrites, writeLogPosition, writesSince, type WriteLogPosition } from './write-log.ts';

export interface SqliteObserverOptions {
  /** The migration tool's tracking table: excluded from row counts and content checksums. */
  trackingTable: string;
  /**
   * The tool's recorded state, for snapshots (the tool's own table layout: migrations/tracking.ts).
   * Left out: golang-migrate's one-row table is read.
   */
  trackingState?: (session: Session) => Promise<StateSnapshot['tracking'] | null>;
}

/** What beginStep keeps for endStep: SQLite has no counters to subtract, so row counts and the log position. */
interface SqliteStepBaseline extends StepBaseline {
  rowCounts: Map<string, TableCount>;
  log: WriteLogPosition;
}

export class SqliteObserver implements Observer {
  #journalMode = 'wal';
  /** Rows of the table an index build read, by write-log position (counted once per build). */
  readonly #scanned = new Map<string, number>();
  /** The last storage map read per session. */
  readonly #lastStorage = new WeakMap<Session, StorageMap>();

  constructor(private readonly options: SqliteObserverOptions) {}

  async prepareSession(session: Session): Promise<void> {
    try {
      await session.query('SELECT rehearse_write_log(0) AS log');
    } catch (error) {
      throw new Error(`the SQLite observer needs a session of rehearse's sqlite engine (it reads the SQL functions those sessions provide): ${(error as Error).message}`, {
        cause: error,
      });
    }
    const { rows } = await session.query<{ journal_mode: string }>('PRAGMA journal_mode');
    this.#journalMode = String(rows[0]?.journal_mode ?? 'wal').toLowerCase();
  }

  /**
   * Inside a transaction that has not written yet, nothing can have changed since the last map,
   * and reading sqlite_schema would open a read transaction production does not have: its first
   * write would then have to upgrade it, which SQLite refuses at once (SQLITE_BUSY) while another
   * connection holds the write lock — a traffic probe, an application writer.
   */
  async storage(session: Session, options: { sizes?: boolean } = {}): Promise<StorageMap> {
    const cached = this.#lastStorage.get(session);
    if (cached) {
      const transaction = await transactionWrites(session);
      if (transaction.inTransaction && !transaction.writeLock) return cached;
    }
    const map = await storageMap(session, { sizes: options.sizes ?? true });
    this.#lastStorage.set(session, map);
    return map;
  }

  relationSizes(session: Session, oids: string[]): Promise<Map<string, number>> {
    return relationSizes(session, oids);
  }

  heldLocks(session: Session): Promise<HeldLock[]> {
    const last = this.#lastStorage.get(session);
    return heldWriteLocks(session, this.#journalMode, (key) => {
      const rel = last?.get(key);
      return rel && { name: rel.name, type: rel.kind, tbl: rel.table };
    });
  }

  /**
   * `rowsProcessed`: rows written since the connection opened (total_changes(): triggers and
   * foreign key actions included), plus, for every index build in the open transaction, the rows
   * of its table — an index build writes no rows but reads them all, and its cost grows with
   * them. Other reads are not counted: SQLite exposes no read counters to SQL (better-sqlite3
   * does not expose sqlite3_stmt_status either). `sharedLocks` is 0: SQLite has no lock table.
   */
  async transactionCounters(session: Session): Promise<TransactionCounters> {
    // One round trip to the session's process for both.
    const { rows } = await session.query<{ n: number; w: string }>('SELECT total_changes() AS n, rehearse_transaction_writes() AS w');
    let processed = Number(rows[0]?.n ?? 0);
    const { statements } = JSON.parse(rows[0]!.w) as Awaited<ReturnType<typeof transactionWrites>>;
    for (const { seq, sql } of statements) processed += await this.#rowsScannedBy(session, seq, sql);
    return { rowsProcessed: processed, sharedLocks: 0 };
  }

  /** SQLite has no lock table to run out of. */
  async lockCapacity(): Promise<undefined> {
    return undefined;
  }

  async beginStep(session: Session): Promise<StepBaseline> {
    const baseline: SqliteStepBaseline = { counters: new Map(), rowCounts: await this.#rowCounts(session), log: await writeLogPosition(session) };
    return baseline;
  }

  /** Rows per table (see row-changes.ts for how, and its limits); no WAL bytes (walPosition is false). */
  async endStep(session: Session, baseline: StepBaseline): Promise<{ rows: TableRows[]; walBytes?: number }> {
    const { rowCounts: before, log } = baseline as SqliteStepBaseline;
    const writes = (await writesSince(session, log)) ?? [];
    const rows = rowChanges(before, await this.#rowCounts(session), writes);
    return { rows: rows.filter((r) => !this.#isTracking(r.table)) };
  }

  schema(session: Session) {
    return introspectSchema(session);
  }

  async snapshot(session: Session, label: string, options: { columnChecksums?: boolean } = {}): Promise<StateSnapshot> {
    const schema = await introspectSchema(session);
    const virtual = await virtualTables(session);
    const skip = (table: string) => this.#isTracking(table) || virtual.has(table);
    const tables = await tableContents(session, schema, skip, { columnChecksums: options.columnChecksums ?? true }, sqliteContentSql);
    return { label, schema, tables, tracking: await this.#tracking(session) };
  }

  async tableRows(session: Session): Promise<Record<string, number>> {
    const tables = (await ordinaryTables(session)).filter((t) => !this.#isTracking(t));
    return Object.fromEntries(await rowCounts(session, tables));
  }

  blockedBy(mode: string) {
    return sqliteBlockedBy(mode);
  }

  lockMonitor(session: Session): LockMonitor {
    return new SqliteLockMonitor(session);
  }

  readonly #isTracking = (table: string) => relationKey(table) === relationKey(this.options.trackingTable);

  async #rowCounts(session: Session): Promise<Map<string, TableCount>> {
    const tables = (await ordinaryTables(session)).filter((t) => !this.#isTracking(t));
    const counts = await rowCounts(session, tables);
    return new Map([...counts].map(([table, rows]) => [relationKey(table), { table, rows }]));
  }

  async #rowsScannedBy(session: Session, seq: number, sql: string): Promise<number> {
    const statement = describeSqliteStatement(sql);
    const rebuildsColumns = statement.kind === 'AlterTableStmt' && /^ALTER TABLE \S+ DROP COLUMN/.test(statement.summary);
    if (statement.kind !== 'IndexStmt' && !rebuildsColumns) return 0;
    const table = statement.inferredLocks[0]?.relation;
    if (!table) return 0;
    const key = `${seq}:${sql}`;
    if (!this.#scanned.has(key)) {
      if (this.#scanned.size > 10_000) this.#scanned.clear();
      const { rows } = await session.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`).catch(() => ({ rows: [{ n: 0 }] }));
      this.#scanned.set(key, Number(rows[0]?.n ?? 0));
    }
    return this.#scanned.get(key)!;
  }

  async #tracking(session: Session): Promise<StateSnapshot['tracking']> {
    if (this.options.trackingState) return (await this.options.trackingState(session)) ?? { version: null, dirty: false };
    const table = this.options.trackingTable;
    const { rows: found } = await session.query(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE`, [table]);
    if (found.length === 0) return { version: null, dirty: false };
    const { rows } = await session.query<{ version: string | null; dirty: unknown }>(
      `SELECT CAST(version AS TEXT) AS version, dirty FROM ${quoteIdent(table)} LIMIT 1`,
    );
    const row = rows[0];
    return row && row.version !== null ? { version: row.version, dirty: truthy(row.dirty) } : { version: null, dirty: false };
  }
}

/** golang-migrate's sqlite3 driver stores `dirty bool` as 1/0; a dump may hold 'true'/'false'. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'string') return value === '1' || value.toLowerCase() === 'true';
  return Boolean(Number(value));
}
