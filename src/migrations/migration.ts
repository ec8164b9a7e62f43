// A migration as rehearse sees it, whatever tool wrote it.
import type { ConnectionInfo } from '../engines/engine.ts';
import type { ParsedSqlFile } from '../sql/statement.ts';

/**
 * How a migration the tool applies itself (a command source) runs one step on a scratch
 * database: a child process given the database's connection. As Kysely's migrations carry their
 * `up`/`down`, such a migration carries how it is applied; rehearse watches it from the outside.
 */
export type ExternalApply = (step: {
  direction: Direction;
  /** How another process reaches the scratch database (engines/engine.ts ConnectionInfo). */
  connection: ConnectionInfo;
  timeoutMs: number;
}) => Promise<ExternalStepResult>;

/** A statement runner on rehearse's session: the tool's code sends every statement through it. */
export interface InProcessRunner {
  dialect: 'postgres' | 'mysql' | 'sqlite';
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** Runs one migration's up or down through `runner`, with the tool's own transaction behaviour. */
export type InProcessApply = (runner: InProcessRunner, direction: Direction) => Promise<{ notes: string[] }>;

/** What the tool's process did for one step. */
export interface ExternalStepResult {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  peakRssBytes: number | null;
  stdout: string;
  stderr: string;
  sandboxed: boolean;
}

export type Direction = 'up' | 'down';

export interface MigrationFile {
  /** Path relative to the current directory, for messages. */
  path: string;
  /** File content. */
  sql: string;
}

export interface Migration {
  /** Version as written in the file name (kept as a string: `0005` stays `0005`). */
  version: string;
  /** Numeric version, for ordering and the tracking table (golang-migrate stores a bigint). */
  versionNumber: bigint;
  /** Name part of the file name, e.g. `add_patch_hash`. */
  name: string;
  /** `<version>_<name>`, how reports name the migration. */
  id: string;
  up: MigrationFile;
  /** Absent when the tool keeps no down migrations. */
  down?: MigrationFile;
  /**
   * Files the tool runs outside a transaction, whatever they hold, with the reason (dbmate's
   * `-- migrate:up transaction:false`). Statement by statement in autocommit, as the tool does.
   */
  noTransaction?: { up?: string; down?: string };
  /** Set for a migration the tool applies itself (command sources): its files hold no SQL rehearse runs. */
  apply?: ExternalApply;
  /** Set for a migration whose tool's code runs in-process on rehearse's session (Knex, Kysely, node-pg-migrate). */
  applyInProcess?: InProcessApply;
}

/** A migration file split into statements by the dialect's parser. */
export interface PreparedMigration extends Migration {
  upPlan: ParsedSqlFile;
  downPlan?: ParsedSqlFile;
}
