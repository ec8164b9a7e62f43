// The messages between the main thread and `session-process.mjs` (plain JavaScript, so this file
// is where their shape is written down and type-checked on the main thread's side).
import type { Row } from '../engine.ts';

/** How every connection is opened, the way applications open SQLite (see SqliteEngineOptions). */
export interface ConnectionSettings {
  busyTimeoutMs: number;
  journalMode: 'wal' | 'delete' | 'truncate' | 'persist';
  foreignKeys: boolean;
}

export interface SessionOperations {
  /**
   * Opens the scratch file (which must exist) with `settings`. `generation` counts the
   * connections this session has had: it restarts after interrupt(), and the write log says which
   * connection its entries came from.
   */
  open: { args: { path: string; settings: ConnectionSettings; generation: number }; value: { sqliteVersion: string } };
  /** One statement; `rowCount` is rows returned by a reader, `changes` of INSERT/UPDATE/DELETE, null otherwise. */
  query: { args: { sql: string; params: unknown[] }; value: { rows: Row[]; rowCount: number | null; inTransaction: boolean } };
  /** Compiles one statement (sqlite3_prepare: names resolved) without running it; nothing is returned. */
  prepare: { args: { sql: string }; value: null };
  /** A script of any number of statements; nothing is returned. */
  exec: { args: { sql: string }; value: { inTransaction: boolean } };
  /** Closes the connection (an open transaction rolls back) and ends the process. */
  close: { args: Record<string, never>; value: null };
}

export type OperationName = keyof SessionOperations;

export interface Request<O extends OperationName = OperationName> {
  id: number;
  op: O;
  args: SessionOperations[O]['args'];
}

/** What crosses back of an error: SQLite's message and extended result code (`SQLITE_CONSTRAINT_FOREIGNKEY`). */
export interface SerializedError {
  message: string;
  name?: string;
  code?: string;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };
