// SQLite errors as rehearse's DatabaseError. SQLite reports extended result codes
// (https://sqlite.org/rescode.html), not SQLSTATEs; the code is kept in `sqliteCode`, and where a
// SQLSTATE means the same thing it is filled in too, so that checks and reports that reason in
// SQLSTATE classes (23 integrity constraint violation, 57014 cancelled, …) treat SQLite alike.
import { DatabaseError } from '../engine.ts';
import type { SerializedError } from './protocol.ts';

const SQLSTATE_OF: Record<string, string> = {
  SQLITE_CONSTRAINT_NOTNULL: '23502',
  SQLITE_CONSTRAINT_FOREIGNKEY: '23503',
  SQLITE_CONSTRAINT_UNIQUE: '23505',
  SQLITE_CONSTRAINT_PRIMARYKEY: '23505',
  SQLITE_CONSTRAINT_ROWID: '23505',
  SQLITE_CONSTRAINT_CHECK: '23514',
  // Any other constraint (a trigger's RAISE(ABORT), a generated column, a datatype of a STRICT table…)
  SQLITE_CONSTRAINT: '23000',
  // Another connection holds the lock and busy_timeout ran out: lock_not_available.
  SQLITE_BUSY: '55P03',
  SQLITE_LOCKED: '55P03',
  SQLITE_INTERRUPT: '57014',
  SQLITE_FULL: '53100',
  SQLITE_NOMEM: '53200',
  SQLITE_TOOBIG: '54000',
  SQLITE_READONLY: '25006',
};

/** The SQLSTATE equivalent of an extended result code: exact, else by its primary code (`SQLITE_BUSY_SNAPSHOT` → `SQLITE_BUSY`). */
export function sqlstateOf(sqliteCode: string | undefined): string | undefined {
  if (!sqliteCode) return undefined;
  if (SQLSTATE_OF[sqliteCode]) return SQLSTATE_OF[sqliteCode];
  const primary = /^SQLITE_[A-Z]+/.exec(sqliteCode)?.[0];
  return primary ? SQLSTATE_OF[primary] : undefined;
}

export class SqliteDatabaseError extends DatabaseError {
  constructor(
    message: string,
    /** SQLite's extended result code, e.g. `SQLITE_CONSTRAINT_FOREIGNKEY`; also in `details.detail`, which reports carry. */
    readonly sqliteCode: string | undefined,
    sqlstate = sqlstateOf(sqliteCode),
  ) {
    super(message, sqlstate, sqliteCode ? { detail: `SQLite result code ${sqliteCode}` } : {});
    this.name = 'DatabaseError';
  }
}

/** An error from the session process: SQLite's own errors become SqliteDatabaseError, others stay Errors. */
export function deserializeError(serialized: SerializedError): Error {
  if (serialized.code?.startsWith('SQLITE_')) return new SqliteDatabaseError(serialized.message, serialized.code);
  const error = new Error(serialized.message);
  if (serialized.name) error.name = serialized.name;
  return error;
}
