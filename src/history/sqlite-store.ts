// History in a SQLite file (default `.rehearse/history.db`): WAL mode so readers never wait for
// a writer, a busy_timeout so concurrent writers (parallel CI jobs on one machine, two runs in one
// checkout) queue instead of failing, and one BEGIN IMMEDIATE transaction per run. better-sqlite3
// is optional: a caller that cannot load it skips recording (run-command says so on stderr).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadBetterSqlite3, type SqliteFileHandle } from '../engines/sqlite/better-sqlite3.ts';
import { COLUMNS, type HistoryRow, type HistoryStore, rowFromRecord, snake } from './store.ts';

const TABLE = 'rehearse_history';
const BUSY_TIMEOUT_MS = 30_000;

const TYPES: Record<keyof HistoryRow, string> = {
  runId: 'TEXT NOT NULL', recordedAt: 'TEXT NOT NULL', gitCommit: 'TEXT', engine: 'TEXT NOT NULL', serverVersion: 'TEXT NOT NULL',
  datasetPath: 'TEXT NOT NULL', datasetVersion: 'TEXT NOT NULL', datasetHash: 'TEXT NOT NULL', migration: 'TEXT NOT NULL',
  direction: 'TEXT NOT NULL', phase: 'TEXT NOT NULL', status: 'TEXT NOT NULL', durationMs: 'REAL NOT NULL', statementMs: 'REAL NOT NULL',
  rowsChanged: 'INTEGER', walBytes: 'INTEGER', maxBlockedMs: 'REAL', verdict: 'TEXT NOT NULL',
};

export const SQLITE_DDL = [
  `CREATE TABLE IF NOT EXISTS ${TABLE} (id INTEGER PRIMARY KEY, ${COLUMNS.map((c) => `${snake(c)} ${TYPES[c]}`).join(', ')})`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_lookup ON ${TABLE} (engine, migration, direction)`,
];

/** better-sqlite3's statement `run`, which the engine's declared slice leaves out. */
type Runnable = { run(...params: unknown[]): unknown };

export async function openSqliteStore(path: string, options: { create: boolean }): Promise<HistoryStore | undefined> {
  if (!options.create && !existsSync(path)) return undefined;
  const Database = await loadBetterSqlite3();
  if (options.create) mkdirSync(dirname(path), { recursive: true });
  const db = await withBusyRetry(() => new Database(path, { timeout: BUSY_TIMEOUT_MS }));
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Switching to WAL takes an exclusive lock once per file; a concurrent opener may see BUSY.
    await withBusyRetry(() => db.pragma('journal_mode = WAL'));
    if (options.create) await withBusyRetry(() => SQLITE_DDL.forEach((sql) => db.exec(sql)));
  } catch (error) {
    db.close();
    throw error;
  }
  return sqliteStore(db, path);
}

function sqliteStore(db: SqliteFileHandle, location: string): HistoryStore {
  const insert = db.prepare(`INSERT INTO ${TABLE} (${COLUMNS.map(snake).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`) as unknown as Runnable;
  return {
    location,
    async record(rows) {
      if (rows.length === 0) return;
      await withBusyRetry(() => {
        // IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so two writers
        // never both hold a read snapshot and then fail to upgrade it.
        db.exec('BEGIN IMMEDIATE');
        try {
          for (const row of rows) insert.run(...COLUMNS.map((c) => row[c]));
          db.exec('COMMIT');
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      });
    },
    async read(filter = {}) {
      const where = filter.engine !== undefined ? ' WHERE engine = ?' : '';
      const params = filter.engine !== undefined ? [filter.engine] : [];
      return (db.prepare(`SELECT * FROM ${TABLE}${where} ORDER BY id`).all(...params) as Record<string, unknown>[]).map(rowFromRecord);
    },
    async close() {
      db.close();
    },
  };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY'));
}

/** busy_timeout covers most waits; the few SQLite answers BUSY to at once are retried here. */
async function withBusyRetry<T>(work: () => T, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
    }
  }
}
