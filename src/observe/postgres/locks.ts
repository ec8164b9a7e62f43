// The relation locks a backend holds, from pg_locks, limited to user relations of this database.
import type { HeldLock } from '../observer.ts';
import { displayName, OWNING_TABLE, RELATION_KINDS, USER_SCHEMA_FILTER } from './names.ts';

export const HELD_LOCKS_SQL = `
SELECT l.relation::int8::text AS oid, l.mode, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       tn.nspname AS table_schema, t.relname AS table_name
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.oid
LEFT JOIN pg_class t ON t.oid = ${OWNING_TABLE}
LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ${USER_SCHEMA_FILTER}`;

export interface LockRow {
  oid: string;
  mode: string;
  schema: string;
  name: string;
  kind: string;
  table_schema: string | null;
  table_name: string | null;
}

export function heldLockFromRow(r: LockRow): HeldLock {
  return {
    oid: r.oid,
    name: displayName(r.schema, r.name),
    kind: RELATION_KINDS[r.kind] ?? 'other',
    table: r.table_name ? displayName(r.table_schema ?? 'public', r.table_name) : displayName(r.schema, r.name),
    mode: r.mode,
  };
}

