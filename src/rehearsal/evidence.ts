// What a rehearsal measured, as plain JSON-serialisable data. Checks are pure functions of this
// evidence and the limits; reporters only read it. Field names here are part of the JSON report
// contract (DESIGN §6): add fields freely, never rename or drop one without bumping schemaVersion.
import type { Direction } from '../migrations/migration.ts';
import type { TransactionMode } from '../sql/statement.ts';
import type { SchemaDifference } from '../schema/model.ts';

export type Phase = 'trunk' | 'change' | 'rollback' | 'reapply';
export type StepStatus = 'success' | 'error' | 'timeout' | 'skipped';

export interface StatementEvidence {
  /** 0-based position in the migration file. */
  index: number;
  line: number;
  column: number;
  kind: string;
  summary: string;
  status: StepStatus;
  durationMs: number;
  /** Rows the statement reported as affected or returned. */
  rowCount?: number;
  /**
   * Rows the statement read and wrote in all tables (table scans included: an index build or a
   * validation reads the whole table). Measured inside a transaction; 0 means catalog-only work,
   * whose cost does not grow with the data.
   */
  rowsProcessed?: number;
  /**
   * The statement's work grows with the rows of its table although no counter saw it (an InnoDB
   * in-place index build or rebuild): predictions scale it even when `rowsProcessed` is 0.
   */
  growsWithRows?: boolean;
}

export interface StepError {
  message: string;
  /** SQLSTATE — e.g. `23502` not_null_violation. */
  sqlstate?: string;
  /** MySQL/MariaDB's error number — e.g. 1206 lock table full (SQLSTATE HY000). */
  errno?: number;
  detail?: string;
  hint?: string;
  /** The failing statement: its index, and its line and column in the migration file. */
  statementIndex?: number;
  file?: string;
  line?: number;
  column?: number;
}

/** Which traffic a lock mode blocks on the relation it is held on (PostgreSQL's conflict table). */
export interface BlockedTraffic {
  /** Plain SELECTs (AccessShareLock) have to wait. */
  reads: boolean;
  /** INSERT/UPDATE/DELETE (RowExclusiveLock) have to wait. */
  writes: boolean;
}

export interface LockEvidence {
  /** Schema-qualified relation name. */
  relation: string;
  relationKind: 'table' | 'index' | 'sequence' | 'view' | 'materialized view' | 'other';
  /** The table the relation belongs to (itself for a table, the indexed table for an index). */
  table: string;
  mode: string;
  /** Statement during which the lock was first seen. */
  statementIndex: number;
  /** From the start of that statement until the lock was released (commit, or statement end in autocommit). */
  heldMs: number;
  /** The relation was created by this step, so no other session could be waiting for it. */
  newRelation: boolean;
  blocks: BlockedTraffic;
  /**
   * How the lock was seen: `observed` in the migration's own transaction (pg_locks after each
   * statement), `monitored` by a second session polling during an autocommit statement, or
   * `inferred` from the statement's parse tree where the engine allows neither.
   */
  source: 'observed' | 'monitored' | 'inferred';
}

export interface RewriteEvidence {
  relation: string;
  relationKind: 'table' | 'index' | 'materialized view' | 'other';
  table: string;
  /** Statement after which the new storage was seen. */
  statementIndex?: number;
  bytesBefore: number;
  bytesAfter: number;
  /** The table's bytes already count its indexes (InnoDB), so index rewrites add nothing to the copy's size. */
  bytesIncludeIndexes?: boolean;
  reason: string;
}

export interface TableRows {
  table: string;
  /** Tuples read by sequential and index scans. */
  read: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/** What a probe session does to a table, the way the application would (src/probes/). */
export type ProbeOperation = 'read' | 'insert' | 'update' | 'fk-share';

/**
 * Measured blocking: how one kind of application statement fared on one table while the step ran,
 * from a probe session repeating it every few tens of milliseconds (engines with concurrent sessions).
 */
export interface BlockedEvidence {
  table: string;
  /**
   * `read`: point read by primary key; `insert` / `update`: one row, in a transaction rolled back;
   * `fk-share`: the `FOR KEY SHARE` read a foreign-key check takes on a referenced row.
   */
  operation: ProbeOperation;
  attempts: number;
  /**
   * The longest time this statement could not get through: the longest single attempt, or a run
   * of attempts that gave up waiting (lock or statement timeout, deadlock) up to the end of the
   * first one that got through.
   */
  maxBlockedMs: number;
  p99Ms: number;
  /**
   * Failed attempts by error code: the SQLSTATE on PostgreSQL and SQLite (`55P03`, `57014`, …),
   * the server's error number on MySQL/MariaDB, whose SQLSTATE is mostly `HY000` (`1205` lock wait
   * timeout, `1213` deadlock, `1969` max_statement_time, `3024` max_execution_time).
   */
  errors: Record<string, number>;
  /** Who held or queued ahead for the lock a slow attempt waited for: the migration's session, or another backend's pid. */
  blockedBy: ('migration' | number)[];
}

/**
 * The lock-queue rehearsal (`--lock-queue`): before the step, a separate session opened a
 * transaction that read every existing table the step names and kept it open for `holdMs`, as a
 * long report query or a background job would. A DDL that needs a lock conflicting with reads
 * waits behind it, and every read and write of the table then queues behind the DDL: the probes
 * measure that queue (`blocked`).
 */
export interface LockQueueEvidence {
  tables: string[];
  /** How long the reading transaction stayed open after the step started. */
  holdMs: number;
  /** How long the migration's statement had waited for the reader's lock when the reader ended; null when it was not waiting. */
  migrationWaitedMs: number | null;
  /** The statement that was waiting. */
  statementIndex?: number;
  /**
   * The step failed on its own lock_timeout (55P03) while the reader held on, and was run again
   * once the reader ended, as a migration tool retrying would (only a step in a per-file
   * transaction is retried: it left nothing applied). The evidence is that of the last run.
   */
  lockTimeoutRetries: number;
  /** When the step was retried: how long the statement that hit its lock_timeout had waited. */
  gaveUpAfterMs?: number;
}

/** A step the migration tool applied in a process of its own (a command source). */
export interface CommandEvidence {
  /** The argument vector that ran, program first. */
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  /** Peak memory of the command's process tree (null where /proc cannot be read). */
  peakRssBytes: number | null;
  /** The end of what it printed (server errors in it may quote data: shown only on failure, redacted). */
  stdout: string;
  stderr: string;
  /** Whether it ran with no network but the scratch database (false: `--no-sandbox`). */
  sandboxed: boolean;
}

export interface StepEvidence {
  /** `<version>_<name>` */
  migration: string;
  version: string;
  direction: Direction;
  phase: Phase;
  status: StepStatus;
  /** Why the step was skipped, when it was. */
  skippedBecause?: string;
  /** Path of the migration file that ran. */
  file: string;
  durationMs: number;
  transaction: TransactionMode;
  error?: StepError;
  statements: StatementEvidence[];
  locks: LockEvidence[];
  rewrites: RewriteEvidence[];
  rows: TableRows[];
  /** Measured blocking per table and operation, where traffic probes ran during the step. */
  blocked?: BlockedEvidence[];
  /** The lock-queue rehearsal of this step (`--lock-queue`): a long transaction was reading its tables when it started. */
  lockQueue?: LockQueueEvidence;
  /**
   * Rows the migration's own session read and wrote, all tables together, where the engine cannot
   * split them by table (MySQL/MariaDB without per-table counters): `rows` then holds each table's
   * net row-count change, which sees cascades and triggers but not updates.
   */
  sessionRows?: Omit<TableRows, 'table'>;
  /** WAL bytes written during the step (whole server: other databases' activity is included). */
  walBytes?: number;
  /** The most locks the step's transaction held at once in the shared lock table (observed after each statement). */
  peakLocks?: number;
  /** Tables the step's SQL names; a step that changes others has side effects (cascades, triggers). */
  tablesNamed: string[];
  /** The tracking table was left dirty by this step, as production would find it. */
  leftDirty?: boolean;
  /** The step's figures at production size, where production row counts are known. */
  predicted?: StepPrediction;
  /** A command source's step: the process that applied it (its statements are not seen one by one). */
  command?: CommandEvidence;
  /** For a failed up step: whether the same migration succeeds on an empty database at the same version. */
  passesOnEmptyDatabase?: boolean;
  /** How the step's duration grew with rows over the scale runs (change ups only, when scale runs ran). */
  scale?: StepScaleFit;
  /**
   * The previous app version's queries checked right after this step (change ups, with
   * `--previous-queries`): those that compiled before the change and no longer do.
   */
  previousQueries?: { checked: number; broken: PreviousQueryFailure[] };
}

/** A query of the previous app version that does not compile against the schema (see TargetEvidence.previousQueries). */
export interface PreviousQueryFailure {
  /** 0-based position in the queries file. */
  index: number;
  message: string;
  sqlstate?: string;
  errno?: number;
}

/** One size a change step ran at: a reduced clone (fraction < 1) or the rehearsal itself (1). */
export interface ScalePoint {
  fraction: number;
  /** Rows of the tables the step works on, at that size. */
  rows: number;
  /** Sum of the step's statement durations (the observer's bookkeeping between statements left out). */
  durationMs: number;
  status: StepStatus;
}

/**
 * duration ≈ a · rows^exponent, least squares on log(rows), log(duration). `exponent` is null
 * when the points cannot support a fit (`reason` says why: too fast to time, a failed point, …).
 */
export interface StepScaleFit {
  points: ScalePoint[];
  exponent: number | null;
  /** Coefficient of determination of the log-log fit (1 = the points lie on the curve). */
  r2: number | null;
  reason?: string;
}

/** The scale runs of a target: the change's ups again on FK-consistent fractions of the dataset. */
export interface ScaleRunsEvidence {
  /** Why they ran: asked for (`--scale`, config) or automatic (production much larger than the dataset). */
  trigger: 'requested' | 'automatic';
  fractions: number[];
  runs: {
    fraction: number;
    /** Clone, reduce (delete outside the fraction and orphans), VACUUM FULL + ANALYZE. */
    reduceMs: number;
    /** Orphan-deletion passes over every foreign key until nothing changed. */
    orphanPasses: number;
    /** Rows per table after reduction. */
    tableRows: Record<string, number>;
    /** Change steps that did not succeed at this size (the fit leaves them out). */
    failedSteps: string[];
  }[];
}

export interface StepPrediction {
  /** Where the production sizes came from. */
  basis: 'production-rows';
  /** Growth exponent: cost ∝ rows^exponent; 1 (linear) unless scale runs measured a larger one. */
  exponent: number;
  /** Where the exponent came from. */
  exponentSource?: 'assumed' | 'scale-runs';
  /** The step's production/dataset ratio: its tables' ratios weighted by the rows it processed in each. */
  factor: number;
  /** The tables of known production size the step works on. */
  tables: Record<string, { dataset: number; production: number; ratio: number }>;
  durationMs: number;
  /** What linear growth would have predicted, when a measured exponent other than 1 was used. */
  linearDurationMs?: number;
  statements: { index: number; durationMs: number }[];
  locks: { relation: string; table: string; mode: string; heldMs: number }[];
  /**
   * Measured blocking at production size: a window lasts as long as the lock behind it is held,
   * so it grows by what that lock's hold time grows (by the step's growth where no table lock
   * explains it: row locks of the step's writes). Time spent queueing behind the lock-queue
   * reader does not grow with the data.
   */
  blocked?: { table: string; operation: ProbeOperation; maxBlockedMs: number }[];
  rowsChanged: number;
  walBytes?: number;
}

export interface ColumnSchema {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  /** The column's collation where it is not the default of its type / table (text columns). */
  collation?: string;
}

export interface TableSchema {
  name: string;
  columns: ColumnSchema[];
  /** name -> definition */
  indexes: Record<string, string>;
  constraints: Record<string, string>;
  triggers: Record<string, string>;
}

export interface SchemaSnapshot {
  tables: Record<string, TableSchema>;
  /** name -> definition */
  views: Record<string, string>;
  sequences: string[];
  /** type name -> labels / definition */
  types: Record<string, string>;
  functions: Record<string, string>;
}

export interface TableContent {
  rows: number;
  /** Order-independent hash of whole rows (columns in name order). Values themselves are never kept. */
  checksum: string;
  /** Order-independent hash per column, to name what changed (empty where the snapshot did not need it). */
  columns: Record<string, string>;
}

export interface StateSnapshot {
  /** When it was taken: `dataset` (before any phase) or `after-<phase>`. */
  label: string;
  schema: SchemaSnapshot;
  tables: Record<string, TableContent>;
  /** golang-migrate tracking table content. */
  tracking: { version: string | null; dirty: boolean };
}

export interface DatasetEvidence {
  path: string;
  kind: 'seed-script' | 'pg-dump' | 'mysql-dump' | 'dataset-dir';
  /** Production's row counts at capture time, from a dataset directory's manifest. */
  productionRows?: Record<string, number>;
  version: string;
  /** Time to build the dataset once (migrate empty + seed, or restore). */
  buildMs: number;
  /** Rows per table in the dataset. */
  tableRows: Record<string, number>;
}

export interface TargetEvidence {
  /** `<engine>` or `<engine>@<host>`: how findings name the target. */
  label: string;
  engine: string;
  serverVersion: string;
  dataset: DatasetEvidence;
  steps: StepEvidence[];
  snapshots: StateSnapshot[];
  /** Production row counts the predictions used, by table. */
  productionRows?: Record<string, number>;
  /** The scale runs, when they ran (or why they did not, in `notes`). */
  scaleRuns?: ScaleRunsEvidence;
  /** Capacity of the engine's shared lock table (PostgreSQL: max_locks_per_transaction × (max_connections + max_prepared_transactions)). */
  lockCapacity?: { locks: number; derivation: string };
  /** Schema drift: the dataset's schema compared with an empty database migrated to the same version. */
  schemaDrift?: SchemaDriftEvidence;
  /** How the change relates to what production has applied (`--base`): rewritten history, out-of-order versions. */
  history?: HistoryEvidence;
  /** The previous app version's queries (`--previous-queries`): where they come from and how they did before the change. */
  previousQueries?: PreviousQueriesEvidence;
  /** Things the reader should know about how this target was measured. */
  notes: string[];
  durationMs: number;
}

export interface SchemaDriftEvidence {
  /** The version both sides are at. */
  version: string;
  /** How the reference was built: the migrations applied on an empty database up to `version`. */
  reference: string;
  /** Expected = the migrations' schema, actual = the dataset's. Empty when they agree. */
  differences: SchemaDifference[];
}

export interface HistoryEvidence {
  /** The git revision the trunk came from, as given and as resolved. */
  base: string;
  baseCommit: string;
  /** The newest migration version on the base revision. */
  baseLatest?: string;
  /** Migrations production has applied (at or below the dataset's version, or on the base) that the change altered. */
  rewritten: RewrittenMigration[];
  /** Migrations the change adds whose version sorts below one production already has. */
  outOfOrder: { migration: string; version: string; below: string; belowSource: 'base' | 'dataset'; file: string }[];
  /** Migrations applied in the trunk phase: on the base, not yet in the dataset. */
  trunk: string[];
  /** Migrations the change adds (only on the head). */
  change: string[];
}

export interface RewrittenMigration {
  /** `<version>_<name>` as production applied it. */
  migration: string;
  version: string;
  /** `edited`: same file, new text; `renamed`: the file moved to another name (and possibly version); `deleted`. */
  change: 'edited' | 'renamed' | 'deleted';
  /** Which files of the migration changed. */
  files: { direction: Direction; basePath: string; headPath?: string; change: 'edited' | 'renamed' | 'deleted'; onlyCommentsOrWhitespace?: boolean; diff?: string }[];
  /** Why production has it: at or below the dataset's version, or present on the base revision. */
  appliedBecause: 'dataset' | 'base';
}

export interface PreviousQueriesEvidence {
  file: string;
  /** Every query, as it appears in the file (shortened), with its line. */
  queries: { index: number; line: number; text: string }[];
  /** Queries that already fail on the dataset before the change: not the change's doing, so not checked after its steps. */
  failingBefore: PreviousQueryFailure[];
  /** Queries rehearse cannot compile without running (statements that are not SELECT/INSERT/UPDATE/DELETE …): not checked. */
  unchecked: { index: number; reason: string }[];
}
