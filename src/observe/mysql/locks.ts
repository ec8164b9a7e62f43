// The table metadata locks (MDL) a connection holds, limited to the scratch database. MariaDB
// shows them in information_schema.METADATA_LOCK_INFO (the metadata_lock_info plugin, granted
// locks only); MySQL 8 in performance_schema.metadata_locks (keyed by its own thread ids).
import type { MysqlServerFeatures } from '../../engines/mysql/server-features.ts';
import type { HeldLock } from '../observer.ts';
import { mdlModeName } from './lock-modes.ts';
import { isInternalTable, MARKER_TABLE } from './names.ts';

export interface LockRow {
  name: string;
  mode: string;
  is_view: number | string | null;
}

const VIEW_FLAG = `EXISTS (SELECT 1 FROM information_schema.VIEWS v WHERE v.TABLE_SCHEMA = DATABASE() AND v.TABLE_NAME = m.name)`;

/** A query with one `?`, the connection id, returning LockRows; undefined where locks cannot be read. */
export function heldLocksSql(source: MysqlServerFeatures['metadataLocks']): string | undefined {
  switch (source) {
    case 'metadata-lock-info':
      return `
        SELECT m.name, m.mode, ${VIEW_FLAG} AS is_view FROM (
          SELECT TABLE_NAME AS name, LOCK_MODE AS mode FROM information_schema.METADATA_LOCK_INFO
           WHERE THREAD_ID = ? AND LOCK_TYPE = 'Table metadata lock' AND TABLE_SCHEMA = DATABASE()) m`;
    case 'performance-schema':
      return `
        SELECT m.name, m.mode, ${VIEW_FLAG} AS is_view FROM (
          SELECT l.OBJECT_NAME AS name, l.LOCK_TYPE AS mode
            FROM performance_schema.metadata_locks l
            JOIN performance_schema.threads t ON t.THREAD_ID = l.OWNER_THREAD_ID
           WHERE t.PROCESSLIST_ID = ? AND l.OBJECT_TYPE = 'TABLE' AND l.OBJECT_SCHEMA = DATABASE() AND l.LOCK_STATUS = 'GRANTED') m`;
    case undefined:
      return undefined;
  }
}

/** Locks of user tables and views, one per table and mode; ALTER's temporary copies left out. */
export function heldLocksFromRows(rows: LockRow[]): HeldLock[] {
  const locks = new Map<string, HeldLock>();
  for (const r of rows) {
    if (isInternalTable(r.name) || r.name === MARKER_TABLE) continue;
    const mode = mdlModeName(r.mode);
    locks.set(`${r.name}:${mode}`, { oid: r.name, name: r.name, kind: Number(r.is_view) ? 'view' : 'table', table: r.name, mode });
  }
  return [...locks.values()];
}
