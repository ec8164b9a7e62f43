// The migration version a dataset is at, read from golang-migrate's tracking table
// `schema_migrations(version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`, one row.

import type { Session } from '../engines/engine.ts';

export interface TrackingVersion {
  /** The version as text (bigint does not fit a JS number safely); null when the table is empty. */
  version: string | null;
  /** golang-migrate marks a version dirty when its migration failed half-way. */
  dirty: boolean;
}

/**
 * Null when there is no golang-migrate `schema_migrations` table (one with `version` and `dirty`
 * columns) on the search_path or in `public` — `public` too because a restored pg_dump leaves
 * the session with an empty search_path.
 */
export async function readTrackingVersion(session: Session): Promise<TrackingVersion | null> {
  const { rows: tables } = await session.query<{ qualified: string }>(
    `SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS qualified
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = 'schema_migrations'
        AND c.relkind IN ('r', 'p')
        AND (n.nspname = ANY (pg_catalog.current_schemas(false)) OR n.nspname = 'public')
        AND (SELECT count(*) FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname IN ('version', 'dirty') AND NOT a.attisdropped) = 2
      ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname) NULLS LAST
      LIMIT 1`,
  );
  const table = tables[0]?.qualified;
  if (!table) return null;
  const { rows } = await session.query<{ version: string; dirty: boolean }>(
    `SELECT version::text AS version, dirty FROM ${table} ORDER BY version DESC LIMIT 1`,
  );
  const row = rows[0];
  return row ? { version: row.version, dirty: row.dirty === true } : { version: null, dirty: false };
}
