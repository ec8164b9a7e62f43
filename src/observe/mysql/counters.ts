// Rows read and written, from whatever the server keeps:
//
// - the migration session's own status counters, always available. On MariaDB: Rows_read (rows
//   read from tables, temporary ones excluded) and Handler_write / Handler_update /
//   Handler_delete (MariaDB counts temporary tables apart, in Handler_tmp_*): so the observer's
//   own information_schema queries, materialised as temporary tables, do not count. On MySQL,
//   which has neither Rows_read nor Handler_tmp_*, the Handler_read_* sum stands in for rows read
//   and internal temporary tables are included (an over-count). They are the session's alone, so
//   the traffic probes never count in them, but they cannot be split by table;
// - per-table counters where the server keeps them: performance_schema's
//   table_io_waits_summary_by_table (fetch/insert/update/delete per table), or MariaDB's
//   information_schema.TABLE_STATISTICS (userstat=1: rows read and rows changed per table, with no
//   split into inserts, updates and deletes — the session's own split is applied to them). Both
//   count every session's work, as PostgreSQL's pg_stat_user_tables does.
//
// InnoDB's in-place ALTERs (index builds, ALGORITHM=INPLACE rebuilds) read and write inside the
// storage engine, below the handler interface: none of these counters see those rows.
import type { Session } from '../../engines/engine.ts';
import type { MysqlServerFeatures } from '../../engines/mysql/server-features.ts';
import type { MysqlFlavour } from '../../engines/mysql/server-version.ts';
import type { TableRows } from '../../rehearsal/evidence.ts';
import { isInternalTable, MARKER_TABLE } from './names.ts';

export type RowCounts = Omit<TableRows, 'table'>;

/** Where rows that cannot be attributed to a table are reported: the step as a whole. */
export const ALL_TABLES = '*';

const MARIADB_SESSION_COUNTERS = { read: ['Rows_read'], inserted: ['Handler_write'], updated: ['Handler_update'], deleted: ['Handler_delete'] };
const MYSQL_SESSION_COUNTERS = {
  read: ['Handler_read_first', 'Handler_read_key', 'Handler_read_last', 'Handler_read_next', 'Handler_read_prev', 'Handler_read_rnd', 'Handler_read_rnd_next'],
  inserted: ['Handler_write'],
  updated: ['Handler_update'],
  deleted: ['Handler_delete'],
};

function sessionCounterNames(flavour: MysqlFlavour) {
  return flavour === 'mariadb' ? MARIADB_SESSION_COUNTERS : MYSQL_SESSION_COUNTERS;
}

/** The session's own cumulative counters since it connected. */
export async function sessionCounts(session: Session, flavour: MysqlFlavour): Promise<RowCounts> {
  const names = sessionCounterNames(flavour);
  const all = Object.values(names).flat();
  const { rows } = await session.query<{ Variable_name: string; Value: string }>(
    `SHOW SESSION STATUS WHERE Variable_name IN (${all.map((n) => `'${n}'`).join(', ')})`,
  );
  const value = new Map(rows.map((r) => [r.Variable_name.toLowerCase(), Number(r.Value)]));
  const sum = (list: string[]) => list.reduce((n, name) => n + (value.get(name.toLowerCase()) ?? 0), 0);
  return { read: sum(names.read), inserted: sum(names.inserted), updated: sum(names.updated), deleted: sum(names.deleted) };
}

/** One expression for the session's rows read + written, for a single-round-trip query. */
export function sessionProcessedSql(flavour: MysqlFlavour): string {
  const names = Object.values(sessionCounterNames(flavour)).flat().map((n) => `'${n.toUpperCase()}'`);
  const table = flavour === 'mariadb' ? 'information_schema.SESSION_STATUS' : 'performance_schema.session_status';
  return `(SELECT SUM(VARIABLE_VALUE) FROM ${table} WHERE UPPER(VARIABLE_NAME) IN (${names.join(', ')}))`;
}

/** Cumulative per-table counters (every session), keyed by table; undefined where the server keeps none. */
export async function tableCounts(session: Session, source: MysqlServerFeatures['tableCounters']): Promise<Map<string, RowCounts & { changed?: number }> | undefined> {
  if (!source) return undefined;
  const map = new Map<string, RowCounts & { changed?: number }>();
  if (source === 'performance-schema') {
    const { rows } = await session.query<{ name: string; f: string; i: string; u: string; d: string }>(
      `SELECT OBJECT_NAME AS name, COUNT_FETCH AS f, COUNT_INSERT AS i, COUNT_UPDATE AS u, COUNT_DELETE AS d
         FROM performance_schema.table_io_waits_summary_by_table WHERE OBJECT_TYPE = 'TABLE' AND OBJECT_SCHEMA = DATABASE()`,
    );
    for (const r of rows) map.set(r.name, { read: Number(r.f), inserted: Number(r.i), updated: Number(r.u), deleted: Number(r.d) });
  } else {
    const { rows } = await session.query<{ name: string; r: string; c: string }>(
      `SELECT TABLE_NAME AS name, ROWS_READ AS r, ROWS_CHANGED AS c FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = DATABASE()`,
    );
    for (const r of rows) map.set(r.name, { read: Number(r.r), inserted: 0, updated: 0, deleted: 0, changed: Number(r.c) });
  }
  for (const name of map.keys()) if (isInternalTable(name) || name === MARKER_TABLE) map.delete(name);
  return map;
}

export function difference(now: RowCounts, before: RowCounts | undefined): RowCounts {
  return {
    read: now.read - (before?.read ?? 0),
    inserted: now.inserted - (before?.inserted ?? 0),
    updated: now.updated - (before?.updated ?? 0),
    deleted: now.deleted - (before?.deleted ?? 0),
  };
}

/**
 * TABLE_STATISTICS counts changed rows without saying how: they are split in the proportions
 * of the migration session's own inserts, updates and deletes (exact when the step does one
 * kind of change, the usual case); with no writes of its own, changes count as updates.
 */
export function splitChanged(changed: number, session: RowCounts): Pick<RowCounts, 'inserted' | 'updated' | 'deleted'> {
  const total = session.inserted + session.updated + session.deleted;
  if (changed <= 0) return { inserted: 0, updated: 0, deleted: 0 };
  if (total === 0) return { inserted: 0, updated: changed, deleted: 0 };
  const inserted = Math.round((changed * session.inserted) / total);
  const deleted = Math.round((changed * session.deleted) / total);
  return { inserted, deleted, updated: Math.max(0, changed - inserted - deleted) };
}
