// What the step runner needs to watch a migration, independent of the engine family. Each
// dialect implements it with its own catalog queries (PostgreSQL: pg_locks, pg_class, pg_stat_*).
import type { Session } from '../engines/engine.ts';
import type { BlockedTraffic, LockEvidence, SchemaSnapshot, StateSnapshot, TableRows } from '../rehearsal/evidence.ts';

/** One user relation's storage at a moment: enough to see rewrites and new relations. */
export interface RelationStorage {
  oid: string;
  /** Display name: `table`, or `schema.table` outside the public schema. */
  name: string;
  kind: LockEvidence['relationKind'];
  /** The table the relation belongs to (itself for a table). */
  table: string;
  /** Physical storage id: changes when the relation is rewritten. */
  storageId: string;
  /** Size in bytes, where the map was taken with sizes. */
  bytes?: number;
  /** A table's size already counts its indexes (InnoDB: the tablespace file holds them all). */
  sizeIncludesIndexes?: boolean;
}

export type StorageMap = Map<string, RelationStorage>;

/** A relation lock held by a session, as the engine reports it. */
export interface HeldLock {
  oid: string;
  name: string;
  kind: LockEvidence['relationKind'];
  table: string;
  mode: string;
}

export interface TransactionCounters {
  rowsProcessed: number;
  sharedLocks: number;
}

/** The size of the shared lock table and the settings it derives from. */
export interface LockCapacity {
  locks: number;
  /** e.g. `max_locks_per_transaction 64 × (max_connections 100 + max_prepared_transactions 0)` */
  derivation: string;
}

/** Counters at the start of a step, to subtract at its end. */
export interface StepBaseline {
  counters: Map<string, { table: string; read: number; inserted: number; updated: number; deleted: number }>;
  walPosition?: string;
}

/** Polls the locks another session holds while it runs one statement outside a transaction. */
export interface LockMonitor {
  watch(backendPid: number): { stop(): Promise<HeldLock[]> };
  /**
   * Polls the locks every other session on the database holds (a migration tool's own process,
   * whose pid rehearse does not know), leaving out `exclude` and the traffic probes; each lock
   * with how long it was seen held. Where the engine can (PostgreSQL).
   */
  watchOthers?(exclude: number[]): { stop(): Promise<{ lock: HeldLock; heldMs: number }[]> };
  close(): Promise<void>;
}

export interface Observer {
  /** Session settings the observer relies on (run once per session). */
  prepareSession(session: Session): Promise<void>;
  /**
   * Every user relation's storage id; with `sizes`, its size too. Sizing costs a file lookup per
   * relation, so the per-statement maps skip it and size only what changed (`relationSizes`).
   */
  storage(session: Session, options?: { sizes?: boolean }): Promise<StorageMap>;
  /** Size in bytes of the given relations. */
  relationSizes(session: Session, oids: string[]): Promise<Map<string, number>>;
  /** Relation locks this session holds right now (inside its transaction). */
  heldLocks(session: Session): Promise<HeldLock[]>;
  /**
   * Two counters of this session's open transaction, read in one round trip after every
   * statement: `rowsProcessed`, the rows it has read and written so far in all tables
   * (PostgreSQL: its pending pg_stat_xact_user_tables counts; differences between statements say
   * how much data each processed, which is what its cost grows with), and `sharedLocks`, the locks
   * it holds in the shared lock table (fast-path locks excluded).
   */
  transactionCounters(session: Session): Promise<TransactionCounters>;
  /** How many locks the engine's shared lock table can hold, or undefined where it has no such limit. */
  lockCapacity(session: Session): Promise<LockCapacity | undefined>;
  beginStep(session: Session): Promise<StepBaseline>;
  /**
   * Rows per table and WAL (binlog) bytes since `beginStep`. Where the engine cannot split rows by
   * table, `rows` holds each table's net row-count change and `sessionRows` the migration session's
   * own totals (StepEvidence.sessionRows).
   */
  endStep(session: Session, baseline: StepBaseline): Promise<{ rows: TableRows[]; walBytes?: number; sessionRows?: Omit<TableRows, 'table'> }>;
  schema(session: Session): Promise<SchemaSnapshot>;
  /**
   * Schema, row counts and whole-row checksums of every table; with `columnChecksums`, a checksum
   * per column too (one more hash per value: taken where a difference must be pinned to a column).
   */
  snapshot(session: Session, label: string, options?: { columnChecksums?: boolean }): Promise<StateSnapshot>;
  /** Rows per table (exact counts). */
  tableRows(session: Session): Promise<Record<string, number>>;
  /** Which traffic a lock mode blocks, per the engine's lock conflict table. */
  blockedBy(mode: string): BlockedTraffic;
  /** A monitor on a second session, for engines with concurrent sessions. */
  lockMonitor(session: Session): LockMonitor;
  /** What the report should say about what the server let the observer see (and what it hid). */
  notes?(): string[];
  /**
   * `transactionCounters().rowsProcessed` counts from the step's start whether or not a
   * transaction is open (MySQL's session status counters), so statements run in autocommit get a
   * per-statement figure too. PostgreSQL's pending counters only exist inside a transaction.
   */
  readonly countsOutsideTransactions?: boolean;
}
