// Storage ids of InnoDB tables and indexes. InnoDB gives a table a new id whenever it rebuilds
// it (ALTER TABLE … FORCE, ALGORITHM=COPY, a column type change, OPTIMIZE TABLE), and every
// index of a rebuilt table a new index id; ALGORITHM=INSTANT (ADD COLUMN with a default, …) keeps
// both. An id that changed is a rewrite, as PostgreSQL's relfilenode.
//
// Relations are keyed by name (there is no id that survives a rebuild): `table`, and
// `table.index` for secondary indexes. The clustered index (PRIMARY, or InnoDB's hidden
// GEN_CLUST_INDEX) is the table's rows themselves, so it is reported as the table.
//
// Sizes: InnoDB's statistics (information_schema.TABLES, mysql.innodb_index_stats) are updated in
// the background and lag behind a bulk load by seconds, so a table just filled can still say 0
// rows and one page. A table's size is therefore the size of its own tablespace file (.ibd, with
// innodb_file_per_table, the default), which is always current, and InnoDB's DATA_LENGTH +
// INDEX_LENGTH estimate only for tables in the shared system tablespace. Whether a table holds
// any row at all is asked of the table itself (an empty table's rewrite copies nothing, yet its
// file has a few pages), at step start only, where the migration holds no transaction. An index's
// size is InnoDB's page-count estimate, at least one page when its table has rows.
import type { Session } from '../../engines/engine.ts';
import type { MysqlServerFeatures } from '../../engines/mysql/server-features.ts';
import type { StorageMap } from '../observer.ts';
import { decodeInnodbName, indexDisplayName, isInternalTable, MARKER_TABLE, quoteIdent } from './names.ts';

/** Indexes being built online carry this prefix (0xFF) until they are complete. */
const TEMP_INDEX_PREFIX = '\u00ff';
/** INNODB_SYS_INDEXES.TYPE bit of the clustered index. */
const DICT_CLUSTERED = 1;

interface Catalog {
  map: StorageMap;
  /** Bytes of each table's own tablespace file; absent for tables in the system tablespace. */
  fileBytes: Map<string, number>;
}

export async function innodbStorage(session: Session, features: MysqlServerFeatures, options: { sizes: boolean }): Promise<StorageMap> {
  const catalog = await readCatalog(session, features);
  if (options.sizes) {
    const withRows = await tablesWithRows(session, [...new Set([...catalog.map.values()].map((r) => r.table))]);
    const sizes = await estimateBytes(session, catalog, [...catalog.map.keys()], (table) => withRows.has(table));
    for (const [key, bytes] of sizes) catalog.map.get(key)!.bytes = bytes;
  }
  return catalog.map;
}

/**
 * Bytes of the given relations (storage-map keys) in the middle of a step: no user table is read
 * (that would take a metadata lock inside the migration's transaction), so emptiness is InnoDB's
 * row estimate, which a rebuild has just refreshed.
 */
export async function relationBytes(session: Session, features: MysqlServerFeatures, keys: string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const catalog = await readCatalog(session, features);
  const wanted = keys.filter((k) => catalog.map.has(k));
  const tables = [...new Set(wanted.map((k) => catalog.map.get(k)!.table))];
  const stats = await tableStats(session, tables);
  return estimateBytes(session, catalog, wanted, (table) => Number(stats.get(table)?.rows ?? 0) > 0);
}

async function readCatalog(session: Session, features: MysqlServerFeatures): Promise<Catalog> {
  const { tables, indexes, tablespaces } = features.innodbCatalog;
  // The database name is ASCII (rehearse_…), so its encoded form is itself.
  const { rows } = await session.query<{
    table_id: string | number;
    table_name: string;
    file_bytes: string | number | null;
    index_id: string | number | null;
    index_name: string | null;
    index_type: number | null;
  }>(
    `SELECT t.TABLE_ID AS table_id, t.NAME AS table_name, s.FILE_SIZE AS file_bytes,
            i.INDEX_ID AS index_id, i.NAME AS index_name, i.TYPE AS index_type
       FROM information_schema.${tables} t
       LEFT JOIN information_schema.${tablespaces} s ON s.SPACE = t.SPACE AND t.SPACE <> 0
       LEFT JOIN information_schema.${indexes} i ON i.TABLE_ID = t.TABLE_ID
      WHERE t.NAME LIKE CONCAT(REPLACE(DATABASE(), '_', '\\_'), '/%')`,
  );
  const map: StorageMap = new Map();
  const fileBytes = new Map<string, number>();
  for (const r of rows) {
    const decoded = decodeInnodbName(r.table_name);
    if (!decoded || isInternalTable(decoded.table) || decoded.table === MARKER_TABLE) continue;
    const table = decoded.table;
    // An InnoDB table's size is its tablespace file, which holds its indexes too.
    if (!map.has(table)) map.set(table, { oid: table, name: table, kind: 'table', table, storageId: String(r.table_id), sizeIncludesIndexes: true });
    if (r.file_bytes !== null) fileBytes.set(table, Number(r.file_bytes));
    if (r.index_id === null || r.index_name === null || r.index_name.startsWith(TEMP_INDEX_PREFIX)) continue;
    if ((Number(r.index_type) & DICT_CLUSTERED) !== 0) continue;
    const name = indexDisplayName(table, r.index_name);
    map.set(name, { oid: name, name, kind: 'index', table, storageId: String(r.index_id) });
  }
  return { map, fileBytes };
}

async function estimateBytes(session: Session, catalog: Catalog, keys: string[], hasRows: (table: string) => boolean): Promise<Map<string, number>> {
  const relations = keys.map((k) => catalog.map.get(k)!);
  const tables = [...new Set(relations.map((r) => r.table))];
  const stats = relations.some((r) => r.kind === 'table' && !catalog.fileBytes.has(r.table)) ? await tableStats(session, tables) : new Map<string, TableStats>();
  const indexBytes = relations.some((r) => r.kind === 'index') ? await indexSizes(session, tables) : { byName: new Map<string, number>(), pageSize: 0 };
  const sizes = new Map<string, number>();
  for (const rel of relations) {
    if (!hasRows(rel.table)) sizes.set(rel.oid, 0);
    else if (rel.kind === 'table') sizes.set(rel.oid, catalog.fileBytes.get(rel.table) ?? Number(stats.get(rel.table)?.data ?? 0) + Number(stats.get(rel.table)?.indexes ?? 0));
    else sizes.set(rel.oid, Math.max(indexBytes.pageSize, indexBytes.byName.get(rel.name) ?? 0));
  }
  return sizes;
}

/** The tables that hold at least one row, asked of each table (one statement for all). */
async function tablesWithRows(session: Session, tables: string[]): Promise<Set<string>> {
  if (tables.length === 0) return new Set();
  const probes = tables.map((t) => `SELECT ? AS name FROM DUAL WHERE EXISTS (SELECT 1 FROM ${quoteIdent(t)})`);
  const { rows } = await session.query<{ name: string }>(probes.join(' UNION ALL '), tables);
  return new Set(rows.map((r) => r.name));
}

interface TableStats {
  rows: string | number | null;
  data: string | number | null;
  indexes: string | number | null;
}

async function tableStats(session: Session, tables: string[]): Promise<Map<string, TableStats>> {
  if (tables.length === 0) return new Map();
  const { rows } = await session.query<TableStats & { name: string }>(
    `SELECT TABLE_NAME AS name, TABLE_ROWS AS \`rows\`, DATA_LENGTH AS data, INDEX_LENGTH AS indexes
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)`,
    [tables],
  );
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * Bytes per secondary index from InnoDB's persistent statistics (`size` is in pages). Reading
 * mysql.* needs a privilege a CI user may lack: then only the one-page minimum is known.
 */
async function indexSizes(session: Session, tables: string[]): Promise<{ byName: Map<string, number>; pageSize: number }> {
  const { rows: page } = await session.query<{ size: string | number }>('SELECT @@innodb_page_size AS size');
  const pageSize = Number(page[0]?.size ?? 16384);
  try {
    const { rows } = await session.query<{ table_name: string; index_name: string; pages: string | number }>(
      `SELECT table_name, index_name, stat_value AS pages FROM mysql.innodb_index_stats
        WHERE database_name = DATABASE() AND stat_name = 'size' AND table_name IN (?)`,
      [tables],
    );
    return { byName: new Map(rows.map((r) => [indexDisplayName(r.table_name, r.index_name), Number(r.pages) * pageSize])), pageSize };
  } catch {
    return { byName: new Map(), pageSize };
  }
}
