// The write lock a session's open transaction holds. SQLite has one lock for the whole database,
// and no view of it from SQL: what is observed is that the transaction holds it (a statement
// that SQLite does not call read-only has run in it, as the session's write log shows); which
// tables it is shown on is read off those statements (the tables they write), because that is
// how a reader of the report thinks about a migration's locks. In WAL mode (the default) the
// lock blocks every other writer — of any table — and no reader; in a rollback-journal mode a
// transaction that writes takes EXCLUSIVE at commit (earlier if its changes spill out of the
// cache), which keeps readers out too, so it is reported as SQLITE_EXCLUSIVE there.
import type { Session } from '../../engines/engine.ts';
import { describeSqliteStatement, SQLITE_EXCLUSIVE_LOCK, SQLITE_WRITE_LOCK } from '../../sql/sqlite-split.ts';
import type { HeldLock } from '../observer.ts';
import { relationKey, USER_OR_AUTOINDEX } from './names.ts';
import { transactionWrites } from './write-log.ts';

/**
 * `remembered` names what the schema no longer holds: an index the transaction dropped still
 * belongs to its table.
 */
export async function heldWriteLocks(
  session: Session,
  journalMode: string,
  remembered: (key: string) => { name: string; type: string; tbl: string } | undefined = () => undefined,
): Promise<HeldLock[]> {
  const { writeLock, statements } = await transactionWrites(session);
  if (!writeLock) return [];
  const objects = await schemaObjects(session);
  const mode = journalMode === 'wal' ? SQLITE_WRITE_LOCK : SQLITE_EXCLUSIVE_LOCK;
  const locks = new Map<string, HeldLock>();
  for (const { sql } of statements) {
    for (const { relation } of describeSqliteStatement(sql).inferredLocks) {
      const key = relationKey(relation);
      const known = objects.get(key) ?? remembered(key);
      locks.set(key, {
        oid: key,
        name: known?.name ?? relation,
        kind: known?.type === 'index' ? 'index' : 'table',
        table: known?.tbl ?? relation,
        mode,
      });
    }
  }
  return [...locks.values()];
}

async function schemaObjects(session: Session): Promise<Map<string, { name: string; type: string; tbl: string }>> {
  const { rows } = await session.query<{ name: string; type: string; tbl: string }>(
    `SELECT name, type, tbl_name AS tbl FROM sqlite_schema WHERE type IN ('table', 'index', 'view') AND ${USER_OR_AUTOINDEX}`,
  );
  return new Map(rows.map((r) => [relationKey(r.name), r]));
}
