// Reads the write log every rehearse SQLite connection keeps (src/engines/sqlite/write-log.mjs):
// which statements this connection ran that SQLite does not call read-only, with the rows each
// changed itself. SQLite tells no SQL that much on its own.
import type { Session } from '../../engines/engine.ts';

export interface LoggedWrite {
  seq: number;
  /** The statement's text (its first 1,000 characters). */
  sql: string;
  /** Rows the statement itself changed (INSERT/UPDATE/DELETE; triggers and foreign key actions not included). */
  changes: number;
  dml: boolean;
}

export interface WriteLogPosition {
  /** Which connection of the session wrote it: a new one after every interrupt. */
  generation: number;
  next: number;
}

/** Writes since `position`, or undefined when the log no longer covers them (a reconnection, or older entries dropped). */
export async function writesSince(session: Session, position: WriteLogPosition): Promise<LoggedWrite[] | undefined> {
  const log = await readLog(session, position.next);
  if (log.generation !== position.generation || log.first > position.next) return undefined;
  return log.entries;
}

export async function writeLogPosition(session: Session): Promise<WriteLogPosition> {
  const log = await readLog(session, Number.MAX_SAFE_INTEGER);
  return { generation: log.generation, next: log.next };
}

/** The open transaction's writing statements, and whether it holds the database's write lock. */
export async function transactionWrites(session: Session): Promise<{ inTransaction: boolean; writeLock: boolean; statements: { seq: number; sql: string }[] }> {
  // A SELECT of a function reads no table: it opens no read transaction of its own.
  const { rows } = await session.query<{ w: string }>('SELECT rehearse_transaction_writes() AS w');
  return JSON.parse(rows[0]!.w) as { inTransaction: boolean; writeLock: boolean; statements: { seq: number; sql: string }[] };
}

async function readLog(session: Session, since: number): Promise<{ generation: number; next: number; first: number; entries: LoggedWrite[] }> {
  const { rows } = await session.query<{ log: string }>('SELECT rehearse_write_log(?) AS log', [since]);
  return JSON.parse(rows[0]!.log) as { generation: number; next: number; first: number; entries: LoggedWrite[] };
}
