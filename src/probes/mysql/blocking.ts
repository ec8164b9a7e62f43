// Who makes a connection wait on MySQL/MariaDB, from what the server shows:
//
// - row locks: InnoDB says exactly who holds the lock a transaction waits for
//   (information_schema.INNODB_LOCK_WAITS on MariaDB and MySQL 5.7, performance_schema.data_lock_waits
//   on MySQL 8), joined to INNODB_TRX for the connection ids;
// - metadata locks (what DDL takes, and what every statement takes on the tables it opens): MySQL 8
//   shows granted and pending ones in performance_schema.metadata_locks; MariaDB only granted ones,
//   and only with the metadata_lock_info plugin (information_schema.METADATA_LOCK_INFO). Without
//   either — MariaDB's default — the server shows no more than a connection's state,
//   `Waiting for table metadata lock`, and not whom it waits for. Then the blocker is inferred:
//   a probe waiting for the metadata lock of table t is blocked by the connections running a DDL
//   statement (or LOCK TABLES, …) that names t or a table a foreign key links to t (a DDL locks
//   those too: an ALTER of a child table waiting for its own lock already stops writes to the
//   parent) — holding that DDL's locks or queued ahead for them — and a DDL statement waiting for its metadata lock is blocked by the connections with an open
//   transaction (a transaction keeps the metadata locks of every table it touched until it ends).
//   The inference misses a lock kept between statements without a transaction (LOCK TABLES, a
//   named lock) and may name an open transaction that never touched the table; it is a guess
//   written down as one.
//
// Pure, apart from the SQL texts: control.ts runs them.
import type { MysqlServerFeatures } from '../../engines/mysql/server-features.ts';
import type { MysqlFlavour } from '../../engines/mysql/server-version.ts';
import { mdlModeName, mysqlBlockedBy } from '../../observe/mysql/lock-modes.ts';

/** PROCESSLIST's state of a connection waiting for a metadata lock (MySQL and MariaDB alike). */
export const METADATA_LOCK_WAIT = 'Waiting for table metadata lock';

/** A connection of the scratch database, from information_schema.PROCESSLIST (with its open transaction, if any). */
export interface Connection {
  id: number;
  command: string;
  state: string;
  /** The statement it runs now (null when idle). */
  info: string | null;
  /** How long its current statement has run, ms (MySQL shows whole seconds only). */
  timeMs: number;
  /** Its transaction is open (INNODB_TRX), in `RUNNING` or `LOCK WAIT` state. */
  transaction: 'RUNNING' | 'LOCK WAIT' | undefined;
}

/** A metadata lock on a table of the scratch database. `pending` only where the server shows waiting requests (MySQL 8). */
export interface MetadataLock {
  id: number;
  table: string;
  mode: string;
  pending: boolean;
}

/** The connections of the scratch database with their open transactions, one row each. */
export function connectionsSql(flavour: MysqlFlavour): string {
  // MariaDB has TIME_MS; MySQL only whole seconds.
  const time = flavour === 'mariadb' ? 'p.TIME_MS' : 'p.TIME * 1000';
  return `SELECT p.ID AS id, p.COMMAND AS command, COALESCE(p.STATE, '') AS state, p.INFO AS info, ${time} AS time_ms,
                 (SELECT MAX(x.trx_state) FROM information_schema.INNODB_TRX x WHERE x.trx_mysql_thread_id = p.ID) AS trx
            FROM information_schema.PROCESSLIST p WHERE p.DB = DATABASE()`;
}

/** Waiting connection → the connection whose row lock it waits for (one `?`: the waiting ids). */
export function rowLockWaitsSql(flavour: MysqlFlavour, version: number): string {
  const waits =
    flavour === 'mysql' && version >= 80000
      ? `SELECT REQUESTING_ENGINE_TRANSACTION_ID AS requesting, BLOCKING_ENGINE_TRANSACTION_ID AS blocking FROM performance_schema.data_lock_waits`
      : `SELECT requesting_trx_id AS requesting, blocking_trx_id AS blocking FROM information_schema.INNODB_LOCK_WAITS`;
  return `SELECT r.trx_mysql_thread_id AS waiting, b.trx_mysql_thread_id AS blocking
            FROM (${waits}) w
            JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting
            JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking
           WHERE r.trx_mysql_thread_id IN (?)`;
}

/** The metadata locks on tables of the scratch database, where the server shows them. */
export function metadataLocksSql(source: MysqlServerFeatures['metadataLocks']): string | undefined {
  switch (source) {
    case 'metadata-lock-info':
      return `SELECT THREAD_ID AS id, TABLE_NAME AS name, LOCK_MODE AS mode, 0 AS pending
                FROM information_schema.METADATA_LOCK_INFO WHERE LOCK_TYPE = 'Table metadata lock' AND TABLE_SCHEMA = DATABASE()`;
    case 'performance-schema':
      return `SELECT t.PROCESSLIST_ID AS id, l.OBJECT_NAME AS name, l.LOCK_TYPE AS mode, l.LOCK_STATUS = 'PENDING' AS pending
                FROM performance_schema.metadata_locks l JOIN performance_schema.threads t ON t.THREAD_ID = l.OWNER_THREAD_ID
               WHERE l.OBJECT_TYPE = 'TABLE' AND l.OBJECT_SCHEMA = DATABASE()`;
    case undefined:
      return undefined;
  }
}

/**
 * Pending requests that a new read (SHARED_READ) or write (SHARED_WRITE) request queues behind:
 * the server grants waiting "hog" requests first (the waiting-compatibility matrix in sql/mdl.cc).
 */
const QUEUED_AHEAD: Record<'reads' | 'writes', Set<string>> = {
  reads: new Set(['MDL_EXCLUSIVE', 'MDL_SHARED_NO_READ_WRITE']),
  writes: new Set(['MDL_EXCLUSIVE', 'MDL_SHARED_NO_READ_WRITE', 'MDL_SHARED_NO_WRITE', 'MDL_SHARED_READ_ONLY']),
};

/** Statements that take metadata locks strong enough to stop reads or writes of the tables they name. */
const DDL = /^\s*(?:\/\*.*?\*\/\s*)*(ALTER|CREATE|DROP|RENAME|TRUNCATE|OPTIMIZE|REPAIR|ANALYZE|LOCK|FLUSH|IMPORT|DISCARD)\b/is;

/** Whether `sql` names `table` as an identifier (quoted or not). Case-insensitive: over-matching only names a blocker too many. */
export function namesTable(sql: string, table: string): boolean {
  if (sql.includes('`' + table.replaceAll('`', '``') + '`')) return true;
  const escaped = table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w$\`])${escaped}($|[^\\w$\`])`, 'i').test(sql);
}

/**
 * Who a probe waiting for the metadata lock of `table` waits for: connections holding a lock that
 * conflicts with its request (where locks are visible), connections whose pending request is
 * granted first (MySQL 8), and — for what no catalog shows — connections running a DDL statement
 * that names the table or a table linked to it by a foreign key (see the header).
 */
export function metadataLockBlockers(
  waiter: { id: number; table: string; linked: readonly string[]; traffic: 'reads' | 'writes' },
  connections: readonly Connection[],
  locks: readonly MetadataLock[] | undefined,
  probes: ReadonlySet<number>,
): number[] {
  const out = new Set<number>();
  for (const lock of locks ?? []) {
    if (lock.id === waiter.id || lock.table !== waiter.table) continue;
    const mode = mdlModeName(lock.mode);
    if (lock.pending ? QUEUED_AHEAD[waiter.traffic].has(mode) : mysqlBlockedBy(mode)[waiter.traffic]) out.add(lock.id);
  }
  // MariaDB's plugin shows no pending request, and without a catalog nothing at all.
  const pendingVisible = locks !== undefined && locks.some((l) => l.pending);
  if (!pendingVisible) {
    for (const c of connections) {
      if (c.id === waiter.id || probes.has(c.id) || c.info === null) continue;
      if (DDL.test(c.info) && [waiter.table, ...waiter.linked].some((t) => namesTable(c.info!, t))) out.add(c.id);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Who a DDL statement waiting for its metadata lock waits for: with a catalog, the holders of any
 * lock on the tables its statement names; without one, the connections with an open transaction
 * that are not waiting for a metadata lock themselves (a queued request holds nothing).
 */
export function ddlBlockers(waiter: Connection, connections: readonly Connection[], locks: readonly MetadataLock[] | undefined): number[] {
  const statement = waiter.info ?? '';
  const out = new Set<number>();
  if (locks !== undefined) {
    const ownPending = locks.filter((l) => l.id === waiter.id && l.pending).map((l) => l.table);
    const tables = new Set(ownPending.length > 0 ? ownPending : locks.map((l) => l.table).filter((t) => namesTable(statement, t)));
    for (const lock of locks) if (lock.id !== waiter.id && !lock.pending && tables.has(lock.table)) out.add(lock.id);
    return [...out].sort((a, b) => a - b);
  }
  for (const c of connections) {
    if (c.id === waiter.id || c.state === METADATA_LOCK_WAIT) continue;
    if (c.transaction !== undefined) out.add(c.id);
  }
  return [...out].sort((a, b) => a - b);
}
