// What a MySQL/MariaDB server exposes for watching a migration. Much of it depends on server
// settings rather than the version, and MariaDB's defaults hide most of it:
//
//   binlog bytes        log_bin=ON (off by default in MariaDB; on by default in MySQL 8)
//   per-table rows      performance_schema=ON (off by default in MariaDB, needs a restart; on in
//                       MySQL 8) or userstat=1 (MariaDB/Percona, dynamic, off by default)
//   metadata locks      MariaDB: the metadata_lock_info plugin (shipped, not installed by
//                       default); MySQL 8: performance_schema.metadata_locks (on by default)
//
// rehearse never changes server settings or installs plugins: it reads what is there, measures
// what it can, and says in notes what it could not and why. Both the engine (capabilities) and
// the observer (which catalogs to read) detect features with this module.

import { parseServerVersion, type MysqlServerVersion } from './server-version.ts';

/** Runs one SELECT/SHOW and returns its rows; errors propagate. */
export type QueryRows = (sql: string) => Promise<Record<string, unknown>[]>;

export interface MysqlServerFeatures {
  version: MysqlServerVersion;
  /** The statement that reads the binlog position, when binary logging is on and readable. */
  binlogStatus: 'SHOW MASTER STATUS' | 'SHOW BINARY LOG STATUS' | undefined;
  /** Where per-table row counters come from, if anywhere. */
  tableCounters: 'performance-schema' | 'table-statistics' | undefined;
  /** Where the metadata locks of a connection can be read, if anywhere. */
  metadataLocks: 'metadata-lock-info' | 'performance-schema' | undefined;
  /** InnoDB's dictionary views: MariaDB and MySQL 5.7 `INNODB_SYS_*`, MySQL 8 `INNODB_*`. */
  innodbCatalog: { tables: string; indexes: string; tablespaces: string };
  /** The settings read, for notes and reports: log_bin, userstat, performance_schema, … */
  settings: Record<string, string>;
  /** What could not be measured on this server, and what would make it measurable. */
  notes: string[];
}

/** `SHOW BINARY LOG STATUS` replaced `SHOW MASTER STATUS` in MySQL 8.2 (removed in 8.4). */
const BINARY_LOG_STATUS_MIN_MYSQL = 80200;

export async function detectServerFeatures(query: QueryRows): Promise<MysqlServerFeatures> {
  const settings = await readSettings(query);
  const version = parseServerVersion(settings.version ?? '');
  const notes: string[] = [];
  const on = (name: string) => ['ON', '1'].includes((settings[name] ?? '').toUpperCase());

  const binlogStatus = on('log_bin') ? await readableBinlogStatus(query, version) : undefined;
  if (!on('log_bin')) {
    notes.push('binary logging is off on this server (log_bin=OFF): binlog bytes per step were not measured');
  } else if (!binlogStatus) {
    notes.push('binary logging is on, but the binlog position is not readable (needs the BINLOG MONITOR / REPLICATION CLIENT privilege): binlog bytes per step were not measured');
  }

  const psTableIo = on('performance_schema') && (await instrumentEnabled(query, 'wait/io/table/sql/handler', 'table_io_waits_summary_by_table'));
  const userstat = on('userstat') && (await readable(query, 'SELECT 1 FROM information_schema.TABLE_STATISTICS LIMIT 0'));
  const tableCounters = psTableIo ? 'performance-schema' : userstat ? 'table-statistics' : undefined;
  if (!tableCounters) {
    notes.push(
      'per-table row counters are off on this server (performance_schema=OFF, userstat=OFF; MariaDB defaults): rows read and written are the ' +
        "migration session's totals (Rows_read, Handler_write/update/delete) in steps[].sessionRows, and per table rehearse counts each table's rows " +
        'before and after every step (net change: deletes by a cascade show, updates do not; counting costs a scan of every table per step)',
    );
  }

  const metadataLocks = await metadataLockSource(query, version, on('performance_schema'));
  if (!metadataLocks) {
    notes.push(
      version.flavour === 'mariadb'
        ? "metadata locks are not visible: MariaDB shows them only through the metadata_lock_info plugin, which is not installed (INSTALL SONAME 'metadata_lock_info' installs it server-wide; rehearse does not change the server): locks were inferred from the statements"
        : "metadata locks are not visible (performance_schema is off, or its 'wait/lock/metadata/sql/mdl' instrument is disabled): locks were inferred from the statements",
    );
  }

  const innodbCatalog =
    version.flavour === 'mysql' && version.num >= 80000
      ? { tables: 'INNODB_TABLES', indexes: 'INNODB_INDEXES', tablespaces: 'INNODB_TABLESPACES' }
      : { tables: 'INNODB_SYS_TABLES', indexes: 'INNODB_SYS_INDEXES', tablespaces: 'INNODB_SYS_TABLESPACES' };
  return { version, binlogStatus, tableCounters, metadataLocks, innodbCatalog, settings, notes };
}

async function readSettings(query: QueryRows): Promise<Record<string, string>> {
  const rows = await query(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'log_bin', 'userstat', 'performance_schema', 'innodb_buffer_pool_size', 'innodb_page_size')`,
  );
  return Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
}

async function readable(query: QueryRows, sql: string): Promise<boolean> {
  try {
    await query(sql);
    return true;
  } catch {
    return false;
  }
}

async function readableBinlogStatus(query: QueryRows, version: MysqlServerVersion): Promise<MysqlServerFeatures['binlogStatus']> {
  const statement = version.flavour === 'mysql' && version.num >= BINARY_LOG_STATUS_MIN_MYSQL ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS';
  try {
    const rows = await query(statement);
    return rows[0]?.File ? statement : undefined;
  } catch {
    return undefined;
  }
}

/** A performance_schema instrument is enabled and its summary table readable. */
async function instrumentEnabled(query: QueryRows, instrument: string, table: string): Promise<boolean> {
  try {
    const rows = await query(`SELECT ENABLED AS enabled FROM performance_schema.setup_instruments WHERE NAME = '${instrument}'`);
    if (String(rows[0]?.enabled ?? '').toUpperCase() !== 'YES') return false;
    return await readable(query, `SELECT 1 FROM performance_schema.${table} LIMIT 0`);
  } catch {
    return false;
  }
}

async function metadataLockSource(query: QueryRows, version: MysqlServerVersion, performanceSchema: boolean): Promise<MysqlServerFeatures['metadataLocks']> {
  if (version.flavour === 'mariadb') {
    const rows = await query(`SELECT PLUGIN_STATUS AS status FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO'`).catch(() => []);
    if (rows[0]?.status === 'ACTIVE') return 'metadata-lock-info';
  }
  if (performanceSchema && (await instrumentEnabled(query, 'wait/lock/metadata/sql/mdl', 'metadata_locks'))) return 'performance-schema';
  return undefined;
}
