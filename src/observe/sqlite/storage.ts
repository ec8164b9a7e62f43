// Storage of every table and index: its root page in sqlite_schema is its storage id. A table
// rebuilt the way SQLite's ALTER TABLE documentation prescribes (create a new table, copy, drop
// the old, rename) comes back under its name with a new root page: that is a rewrite. A VACUUM
// renumbers root pages too (it rewrites the whole file, so the rewrite is real). With auto_vacuum
// on, dropping a table moves the last root page into the hole, so one other table can show a new
// root page without having been rewritten; rehearse's scratch databases have auto_vacuum off
// unless the dataset turned it on.
//
// Sizes come from the dbstat virtual table, which better-sqlite3's bundled SQLite is built with
// (SQLITE_ENABLE_DBSTAT_VTAB in its deps/defines.gypi). dbstat walks the b-tree of each object,
// so a size costs reading the object's pages; where dbstat is missing, sizes are left out.
import type { Session } from '../../engines/engine.ts';
import type { RelationStorage, StorageMap } from '../observer.ts';
import { relationKey, USER_OR_AUTOINDEX } from './names.ts';

const STORAGE_SQL = `
SELECT type, name, tbl_name AS tbl, rootpage FROM sqlite_schema
WHERE type IN ('table', 'index') AND rootpage > 0 AND ${USER_OR_AUTOINDEX}`;

export async function storageMap(session: Session, options: { sizes: boolean }): Promise<StorageMap> {
  const { rows } = await session.query<{ type: string; name: string; tbl: string; rootpage: number }>(STORAGE_SQL);
  const sizes = options.sizes ? await sizesByName(session) : undefined;
  const map: StorageMap = new Map();
  for (const r of rows) {
    const relation: RelationStorage = {
      oid: relationKey(r.name),
      name: r.name,
      kind: r.type === 'index' ? 'index' : 'table',
      table: r.tbl,
      storageId: String(r.rootpage),
    };
    const bytes = sizes?.get(r.name);
    if (bytes !== undefined) relation.bytes = bytes;
    map.set(relation.oid, relation);
  }
  return map;
}

/** Sizes of the given relations (by key), from dbstat; empty where dbstat is missing. */
export async function relationSizes(session: Session, keys: string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  if (keys.length === 0) return result;
  try {
    for (const key of keys) {
      const { rows } = await session.query<{ bytes: number | null }>(
        `SELECT (SELECT sum(d.pgsize) FROM dbstat d WHERE d.name = s.name AND d.aggregate = TRUE) AS bytes
           FROM sqlite_schema s WHERE lower(s.name) = ? AND s.rootpage > 0`,
        [key],
      );
      if (rows[0]?.bytes !== undefined && rows[0].bytes !== null) result.set(key, Number(rows[0].bytes));
    }
  } catch (error) {
    if (!isMissingDbstat(error)) throw error;
  }
  return result;
}

async function sizesByName(session: Session): Promise<Map<string, number> | undefined> {
  try {
    const { rows } = await session.query<{ name: string; bytes: number }>(`SELECT name, pgsize AS bytes FROM dbstat WHERE aggregate = TRUE`);
    return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
  } catch (error) {
    if (isMissingDbstat(error)) return undefined;
    throw error;
  }
}

function isMissingDbstat(error: unknown): boolean {
  return /no such (table|module): dbstat/i.test((error as Error)?.message ?? '');
}
