// Restores a dataset directory (docs/datasets.md) into a scratch database, the fast way: the
// schema without indexes and constraints (schema-pre.sql), the data in the engine's bulk path, then
// indexes, constraints, triggers and views over the loaded data (schema-post.sql). One file per
// SQL family does the work (restore-postgres.ts, restore-mysql.ts, restore-sqlite.ts); this one
// picks it, checks the files before anything runs, and turns a failure into one error saying
// that nothing of the restore may be used.
//
// Data files are checked while they load (SHA-256 and line count at the end of each file's
// stream, compressed size before it), so a truncated or altered file fails the restore instead of
// leaving a short table; `verifyFirst` reads them all once before touching the database instead.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dialect, Session } from '../../engines/engine.ts';
import { formatLocation, InputError, RehearseError } from '../../errors.ts';
import type { DatasetManifest } from './manifest.ts';
import type { DatasetTable } from './manifest.ts';
import { DataFileError, dataFilePath, SCHEMA_POST_FILE, SCHEMA_PRE_FILE, verifyDataset } from './reader.ts';
import { restorePostgres } from './restore-postgres.ts';
import { restoreMysql } from './restore-mysql.ts';
import { restoreSqlite } from './restore-sqlite.ts';

export { SCHEMA_POST_FILE, SCHEMA_PRE_FILE } from './reader.ts';

export interface RestoreOptions {
  /**
   * Opens another session on the same scratch database, for a parallel load where the engine has
   * concurrent sessions (PostgreSQL and MySQL/MariaDB servers). Without it everything runs on
   * `session`. The restore closes the sessions it opened.
   */
  connect?: () => Promise<Session>;
  /** Sessions loading data at once, `session` included, when `connect` is given (default 2). */
  jobs?: number;
  /** Read and check every data file before the database is touched (default: check while loading). */
  verifyFirst?: boolean;
  /** Progress lines (one per table loaded, one per phase). */
  log?: (line: string) => void;
  /** Stops between tables (the restore then throws the signal's reason). */
  signal?: AbortSignal;
}

export interface RestoreResult {
  tables: number;
  rows: number;
  ms: number;
  /** Milliseconds per phase. */
  phases: { verify?: number; schemaPre: number; data: number; schemaPost: number };
  /** Sessions that loaded data. */
  sessions: number;
  /** How the rows went in (`COPY FREEZE`, `LOAD DATA LOCAL INFILE`, `multi-row INSERT`, …). */
  method: string;
  /** What the caller should know: a slower path taken and why. */
  notes: string[];
}

/** What each dialect's restore is given: the checked manifest and the caller's options. */
export interface DialectRestore {
  session: Session;
  dir: string;
  manifest: DatasetManifest;
  opts: RestoreOptions;
  /** Sessions to load data on: `session` first, then those opened with `opts.connect` (closed by the caller). */
  loadSessions(): Promise<Session[]>;
  log(line: string): void;
  checkAborted(): void;
  /**
   * Runs `load` for every table of the manifest, largest data file first, on `sessions` at once
   * (one table per session at a time); takes no new table after a failure and throws the first
   * one. `load` returns the rows it loaded. Returns the total.
   */
  forEachTable(sessions: Session[], load: (session: Session, table: DatasetTable) => Promise<number>): Promise<number>;
}

export type DialectRestoreResult = Omit<RestoreResult, 'ms' | 'phases' | 'tables'> & { phases: Omit<RestoreResult['phases'], 'verify'> };

/**
 * Loads `dir` into the scratch database `session` is connected to. On failure it throws (an
 * InputError for a bad dataset, with the file at fault) and the database holds part of the
 * dataset: the caller must drop it, never use it. After a PostgreSQL restore the session's
 * settings are reset (RESET ALL: pg_dump's SET lines change them); on MySQL/MariaDB and SQLite the
 * settings the restore changed are set back.
 */
export async function restoreDatasetDir(dialect: Dialect, session: Session, dir: string, manifest: DatasetManifest, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  checkEngine(dialect, dir, manifest);
  await checkFilesPresent(dir, manifest);
  let verifyMs: number | undefined;
  if (opts.verifyFirst) verifyMs = (await verifyDataset(dir, manifest)).ms;

  const opened: Session[] = [];
  const context: DialectRestore = {
    session,
    dir,
    manifest,
    opts,
    log: (line) => opts.log?.(line),
    checkAborted: () => {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('the restore was interrupted');
    },
    forEachTable: (sessions, load) => forEachTable(context, sessions, load),
    loadSessions: async () => {
      const wanted = opts.connect ? Math.max(1, Math.min(opts.jobs ?? 2, manifest.tables.length)) : 1;
      while (opened.length + 1 < wanted) opened.push(await opts.connect!());
      return [session, ...opened];
    },
  };
  try {
    const result = await RESTORERS[dialect](context);
    const phases = verifyMs === undefined ? result.phases : { verify: verifyMs, ...result.phases };
    return { ...result, phases, tables: manifest.tables.length, ms: Math.round(performance.now() - started) };
  } catch (error) {
    throw abandoned(error);
  } finally {
    await Promise.all(opened.map((s) => s.close().catch(() => {})));
  }
}

const RESTORERS: Record<Dialect, (context: DialectRestore) => Promise<DialectRestoreResult>> = {
  postgres: restorePostgres,
  mysql: restoreMysql,
  sqlite: restoreSqlite,
};

async function forEachTable(context: DialectRestore, sessions: Session[], load: (session: Session, table: DatasetTable) => Promise<number>): Promise<number> {
  const queue = [...context.manifest.tables].sort((a, b) => b.fileBytes - a.fileBytes);
  let rows = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (session: Session) => {
    while (!failure) {
      const table = queue.shift();
      if (!table) return;
      try {
        context.checkAborted();
        const started = performance.now();
        const loaded = await load(session, table);
        rows += loaded;
        context.log(`table ${table.name}: ${loaded} rows in ${Math.round(performance.now() - started)} ms`);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(sessions.map(worker));
  if (failure) throw failure.error;
  return rows;
}

/** A dataset restores on an engine of the SQL family it was captured from. */
function checkEngine(dialect: Dialect, dir: string, manifest: DatasetManifest): void {
  if (manifest.source.engine === dialect) return;
  const names: Record<Dialect, string> = { postgres: 'PostgreSQL (postgres or pglite)', mysql: 'MySQL/MariaDB (mysql)', sqlite: 'SQLite (sqlite)' };
  throw new InputError(
    'DATASET_INVALID',
    `the dataset was captured from ${names[manifest.source.engine]} and restores on that engine family only, not on ${names[dialect]}: pick --engine accordingly`,
    { location: { file: join(dir, 'manifest.json') } },
  );
}

/** Every file is there, and each data file has the compressed size the manifest says, before anything runs. */
async function checkFilesPresent(dir: string, manifest: DatasetManifest): Promise<void> {
  for (const name of [SCHEMA_PRE_FILE, SCHEMA_POST_FILE]) {
    try {
      await stat(join(dir, name));
    } catch (error) {
      throw new InputError('DATASET_INVALID', `${name} is missing: a dataset directory holds the schema in ${SCHEMA_PRE_FILE} and ${SCHEMA_POST_FILE}`, { location: { file: join(dir, name) }, cause: error });
    }
  }
  for (const table of manifest.tables) {
    let size: number;
    try {
      size = (await stat(dataFilePath(dir, table))).size;
    } catch (error) {
      throw new DataFileError(table.name, table.file, 'is missing', dataFilePath(dir, table), error);
    }
    if (size !== table.fileBytes) {
      const what = size < table.fileBytes ? 'truncated' : 'altered or replaced';
      throw new DataFileError(table.name, table.file, `is ${size} bytes, the manifest says ${table.fileBytes}: the file was ${what}`, dataFilePath(dir, table));
    }
  }
}

/** The restore's error, saying that what was loaded so far is not to be used. */
function abandoned(error: unknown): unknown {
  if (!(error instanceof RehearseError) || error.code === 'INTERRUPTED') return error;
  const consequence = '\n(the restore stopped there: nothing of it is used, and the database it was loading is dropped)';
  if (error instanceof DataFileError) return new DataFileError(error.table, error.file, `${error.problem}${consequence}`, error.location!.file, error);
  const prefix = error.location ? `${formatLocation(error.location)}: ` : '';
  const bare = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  const Class = error.constructor as new (code: RehearseError['code'], message: string, options: { cause?: unknown; location?: RehearseError['location'] }) => RehearseError;
  return new Class(error.code, `${bare}${consequence}`, { cause: error, ...(error.location ? { location: error.location } : {}) });
}
