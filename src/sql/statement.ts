// A statement of a migration file, as the real parser of the file's dialect split it.

export interface SqlStatement {
  /** 0-based position of the statement in its file. */
  index: number;
  /** The statement's text exactly as written (comments before it excluded, no trailing semicolon). */
  sql: string;
  /** 1-based line and column of the statement's first character in the file. */
  line: number;
  column: number;
  /** Parse-tree node type, e.g. `AlterTableStmt`, `IndexStmt`, `UpdateStmt`. */
  kind: string;
  /** A short human description, e.g. `ALTER TABLE patches ADD COLUMN hash`, `CREATE INDEX CONCURRENTLY`. */
  summary: string;
  /** Tables (schema-qualified when written so, lower-cased unless quoted) the statement names. */
  tables: string[];
  /** The statement cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, …). */
  nonTransactional: boolean;
  /** BEGIN / COMMIT / ROLLBACK / SAVEPOINT written in the file itself. */
  transactionControl: boolean;
  /**
   * Relation locks the statement takes, by PostgreSQL's documented lock levels, read off the parse
   * tree. Used where the engine cannot show the locks (an autocommit statement on PGlite).
   */
  inferredLocks: InferredLock[];
  /**
   * Where the splitter knows what the statement's cost grows with and row counters may not show
   * it: `rows` for work done below the counters (an InnoDB ALTER that builds an index or rebuilds
   * the table in place), `catalog` for a change of metadata only (an INSTANT ALTER).
   */
  work?: 'rows' | 'catalog';
}

export interface InferredLock {
  /** Table (or index, for DROP INDEX / REINDEX INDEX) as named in the statement. */
  relation: string;
  /** PostgreSQL lock mode name, e.g. `AccessExclusiveLock`, `ShareLock`. */
  mode: string;
}

/** How the statements of one migration file are run, as production's migration tool would. */
export type TransactionMode =
  /** `BEGIN; <file>; COMMIT` — the default. */
  | 'per-file'
  /** statement by statement in autocommit: the file holds a statement that cannot run in a transaction, or opts out with `-- rehearse:no-transaction`. */
  | 'none'
  /** the file writes its own BEGIN/COMMIT: rehearse runs it as written. */
  | 'file-managed';

export interface ParsedSqlFile {
  path: string;
  statements: SqlStatement[];
  transactionMode: TransactionMode;
  /** Why the mode is not `per-file`, for the report. */
  transactionModeReason?: string;
}
