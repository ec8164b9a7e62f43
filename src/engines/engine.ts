// The engine contract, in the style of Kysely's dialects: a small interface per engine, the
// differences between engines expressed as documented capability flags that callers test,
// never as `if (engine.kind === 'pglite')` scattered through the code.

/** What an engine variant can do. Every flag is documented because callers branch on it. */
export interface EngineCapabilities {
  /**
   * More than one session can be open on a scratch database at once. Lock monitors (and the
   * traffic probes, src/probes/) need more sessions. PGlite has exactly one connection.
   */
  concurrentSessions: boolean;
  /**
   * A running statement can be cancelled from another connection (PostgreSQL's
   * `pg_cancel_backend`), leaving the scratch database usable. Without it, a hung step is
   * stopped by destroying the scratch instance, and the rehearsal of that target ends there.
   */
  cancelStatement: boolean;
  /** DDL runs inside transactions, so a failed migration file leaves nothing applied. */
  transactionalDdl: boolean;
  /** The engine exposes a write-ahead-log position, so WAL bytes per step can be measured. */
  walPosition: boolean;
  /** The engine keeps per-table row counters (`pg_stat_*`), so rows read/written per table are measured. */
  tableCounters: boolean;
}

export type Row = Record<string, unknown>;

export interface QueryResult<R = Row> {
  rows: R[];
  /** Rows affected by INSERT/UPDATE/DELETE/COPY (and rows returned by SELECT), when the driver reports it. */
  rowCount: number | null;
}

/** A database error, normalised across drivers. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly sqlstate: string | undefined,
    /** `errno`: MySQL/MariaDB's error number, where SQLSTATE is too coarse (1205, 1206 and many more are all HY000). */
    readonly details: { detail?: string; hint?: string; position?: number; where?: string; errno?: number } = {},
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

/** Converts whatever a driver threw into a DatabaseError (keeps non-database errors as they are). */
export function toDatabaseError(error: unknown): DatabaseError | Error {
  if (error instanceof DatabaseError) return error;
  if (error instanceof Error) {
    const e = error as Error & { code?: unknown; detail?: unknown; hint?: unknown; position?: unknown; where?: unknown };
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      return new DatabaseError(e.message, e.code, {
        detail: typeof e.detail === 'string' ? e.detail : undefined,
        hint: typeof e.hint === 'string' ? e.hint : undefined,
        position: e.position !== undefined && e.position !== null && e.position !== '' ? Number(e.position) : undefined,
        where: typeof e.where === 'string' ? e.where : undefined,
      });
    }
    return error;
  }
  return new Error(String(error));
}

/** One connection to one scratch database. */
export interface Session {
  /** Backend process id of this session (what `pg_backend_pid()` returns). */
  readonly backendPid: number;
  /** Runs one statement; `params` use the engine's placeholders (`$1` on PostgreSQL). */
  query<R = Row>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of one or more statements in one round trip; results are discarded. */
  exec(sql: string): Promise<void>;
  /**
   * Compiles one statement without running it: the server parses it, resolves its tables,
   * columns and functions, and works out its types (PostgreSQL: `PREPARE` + `DEALLOCATE`, untyped
   * `$n` parameters inferred from context; MySQL/MariaDB: a server-side prepared statement, `?`
   * parameters; SQLite: `sqlite3_prepare`). Nothing runs, so nothing is read or written. A
   * statement that does not compile throws what `query()` would throw for it: a DatabaseError
   * with the SQLSTATE (and on MySQL/MariaDB the errno in `details.errno`, on SQLite the result
   * code in `details.detail`). Call it outside a transaction block: like any failed statement,
   * a failed compile aborts an open PostgreSQL transaction.
   */
  prepare(sql: string): Promise<void>;
  /**
   * Runs `COPY … FROM STDIN` feeding it `data` (text in COPY format); returns rows copied.
   * PostgreSQL family only: restoring a pg_dump needs it, other engines have no COPY.
   */
  copyFrom?(copySql: string, data: AsyncIterable<string | Buffer> | string): Promise<number>;
  close(): Promise<void>;
}

/**
 * How another process (a migration tool run as a command) reaches a scratch database. Holds the
 * password: only for that process's environment, never printed.
 */
export interface ConnectionInfo {
  engine: 'postgres' | 'mysql' | 'sqlite';
  /** The scratch database's URL (`postgres://…/rehearse_…`, `mysql://…/rehearse_…`, `sqlite:///path`). */
  url: string;
  host?: string;
  port?: number;
  /** A Unix socket the server listens on, when the URL names one. */
  socketPath?: string;
  user?: string;
  password?: string;
  database: string;
  /** SQLite: the database file. */
  file?: string;
}

/** A database rehearse created and will drop. The only kind of database rehearse writes to. */
export interface ScratchDatabase {
  /** Always starts with `rehearse_`. */
  readonly name: string;
  /** What it is for (`golden`, `rehearsal`, `empty-schema`, …), for logs. */
  readonly purpose: string;
}

export interface EngineInfo {
  /** Human-readable server version, e.g. `PostgreSQL 15.19`. */
  serverVersion: string;
  /** Numeric server version, e.g. 150019 (PostgreSQL's `server_version_num`). */
  serverVersionNum: number;
}

export type EngineKind = 'postgres' | 'pglite' | 'mysql' | 'sqlite';

/** The SQL family an engine speaks: picks the statement splitter and the observer. */
export type Dialect = 'postgres' | 'mysql' | 'sqlite';

/** The SQL family of an engine kind (PGlite is PostgreSQL compiled to WASM). */
export function dialectOf(kind: EngineKind): Dialect {
  return kind === 'pglite' ? 'postgres' : kind;
}

/**
 * What an engine kind is before an engine is created (config checks, `rehearse init`): whether
 * it creates scratch databases on a server, so it needs a URL; whether a process of its own (a
 * command source's tool) can reach them, which is what `Engine.connectionInfo` then provides.
 */
export interface EngineKindTraits {
  server: boolean;
  reachableByOtherProcesses: boolean;
}

export const ENGINE_KIND_TRAITS: Record<EngineKind, EngineKindTraits> = {
  // Embedded PostgreSQL in rehearse's own process: nothing else can connect to it.
  pglite: { server: false, reachableByOtherProcesses: false },
  postgres: { server: true, reachableByOtherProcesses: true },
  mysql: { server: true, reachableByOtherProcesses: true },
  // A file: any process that can read it can open it.
  sqlite: { server: false, reachableByOtherProcesses: true },
};

/** The dialect of an engine named in evidence (`target.engine`); PostgreSQL for a name it does not know. */
export function dialectOfName(engine: string): Dialect {
  const known = engine === 'pglite' || engine === 'postgres' || engine === 'mysql' || engine === 'sqlite';
  return known ? dialectOf(engine) : 'postgres';
}

export interface Engine {
  readonly kind: EngineKind;
  readonly dialect: Dialect;
  /** Some flags depend on the server's settings (MySQL: binary logging, per-table counters) and are refined by `open()`. */
  readonly capabilities: EngineCapabilities;
  /** Where scratch databases live, safe to print (no password). */
  readonly location: string;
  /**
   * Connects (or starts) the engine and removes scratch databases left by crashed runs.
   * Throws EnvironmentError (exit 3) when the server cannot be reached.
   */
  open(): Promise<EngineInfo & { removedLeftovers: string[] }>;
  createScratch(purpose: string): Promise<ScratchDatabase>;
  /** A new scratch database with the same content as `source` (template copy, data-dir clone, …). */
  cloneScratch(source: ScratchDatabase, purpose: string): Promise<ScratchDatabase>;
  connect(db: ScratchDatabase): Promise<Session>;
  /**
   * How another process connects to `db` (command migration sources). Absent where no other
   * process can: PGlite runs inside rehearse.
   */
  connectionInfo?(db: ScratchDatabase): ConnectionInfo;
  /**
   * Stops whatever `session` is running. Engines with `cancelStatement` cancel the statement;
   * others destroy the scratch database (the session and database are unusable afterwards).
   */
  interrupt(db: ScratchDatabase, session: Session): Promise<void>;
  dropScratch(db: ScratchDatabase): Promise<void>;
  /** Drops every scratch database this engine created that is still there, then disconnects. */
  close(): Promise<void>;
}

export const SCRATCH_PREFIX = 'rehearse_';
