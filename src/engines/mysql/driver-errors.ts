// Turning what mysql2 throws into DatabaseErrors (SQLSTATE + MySQL's error number) and into
// messages a user can act on, with the password scrubbed out.

import { DatabaseError } from '../engine.ts';
import { scrubPassword, type ServerUrl } from '../url.ts';

/**
 * A server error from MySQL/MariaDB. The SQLSTATE alone is too coarse there (`HY000` covers lock
 * table full, lock wait timeout and many more), so the server's error number is kept too:
 * 1205 lock wait timeout, 1206 lock table full, 1213 deadlock, 1062 duplicate key, …
 */
export class MysqlDatabaseError extends DatabaseError {
  constructor(
    message: string,
    sqlstate: string | undefined,
    /** MySQL's error number (`ER_*` code in `code`). */
    readonly errno: number,
    readonly code: string,
  ) {
    // The detail carries the number too, so it reaches reports that only keep sqlstate and detail.
    // mysql2 names errors after MySQL's list; MariaDB numbers its own from 1900 (4025 is its
    // ER_CONSTRAINT_FAILED, MySQL's ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE): the name is left out there.
    super(message, sqlstate, { detail: errno >= 1900 ? `MySQL error ${errno}` : `MySQL error ${errno} (${code})`, errno });
    this.name = 'MysqlDatabaseError';
  }
}

/** MySQL/MariaDB error numbers rehearse looks at (same numbers on both servers). */
export const ERRNO = {
  lockWaitTimeout: 1205,
  lockTableFull: 1206,
  deadlock: 1213,
  duplicateKey: 1062,
  queryInterrupted: 1317,
  unknownDatabase: 1049,
  accessDenied: 1045,
  /** KILL of a connection id that no longer exists. */
  noSuchThread: 1094,
} as const;

interface Mysql2Error {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
  fatal?: unknown;
}

/**
 * A server error becomes a MysqlDatabaseError; anything else (network, protocol) stays as it is.
 * mysql2 also attaches the statement text (`sql`), which may quote data values: it is dropped.
 */
export function toMysqlError(error: unknown): Error {
  if (error instanceof DatabaseError) return error;
  if (!(error instanceof Error)) return new Error(String(error));
  const e = error as Error & Mysql2Error;
  // Server errors have a positive errno and a SQLSTATE; socket errors have a negative errno.
  if (typeof e.errno === 'number' && e.errno > 0 && typeof e.sqlState === 'string') {
    const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : e.message;
    return new MysqlDatabaseError(message, e.sqlState, e.errno, typeof e.code === 'string' ? e.code : 'UNKNOWN');
  }
  delete (e as { sql?: unknown }).sql;
  return e;
}

/** The driver's reason in one line: `connect ECONNREFUSED 127.0.0.1:1`, `Access denied for user … (SQLSTATE 28000, errno 1045)`. */
export function driverReason(error: unknown, url: ServerUrl): string {
  return scrubPassword(describe(error), url);
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map(describe))].join('; ');
  }
  const normalised = toMysqlError(error);
  if (normalised instanceof MysqlDatabaseError) return `${normalised.message} (SQLSTATE ${normalised.sqlstate}, errno ${normalised.errno})`;
  const code = (error as { code?: unknown }).code;
  const message = normalised.message || (typeof code === 'string' ? code : 'unknown error');
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** A copy of a driver error whose message cannot carry the password; keeps code, errno and sqlstate. */
export function scrubbedCause(error: unknown, url: ServerUrl): Error {
  const cause = new Error(driverReason(error, url));
  const { code, errno, sqlState } = error as Mysql2Error;
  Object.assign(cause, {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof errno === 'number' ? { errno } : {}),
    ...(typeof sqlState === 'string' ? { sqlState } : {}),
  });
  return cause;
}
