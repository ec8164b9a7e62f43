// better-sqlite3 is an optional dependency with a native module: it is imported only when the
// sqlite engine is used, and a missing or unbuilt module becomes an EnvironmentError that says
// how to install it. Only the slice of its API the main thread uses is declared here (creating
// files and cloning them); sessions load it in their own processes.
import { EnvironmentError } from '../../errors.ts';

export interface SqliteStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows as arrays instead of objects. */
  raw(toggle?: boolean): SqliteStatement;
  /** Integers as BigInt, so 64-bit values keep every digit. */
  safeIntegers(toggle?: boolean): SqliteStatement;
}

export interface SqliteFileHandle {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** SQLite's online backup API; `progress` returns how many pages to copy in the next step. */
  backup(destination: string, options?: { progress?(info: { totalPages: number; remainingPages: number }): number }): Promise<unknown>;
  close(): void;
}

export type SqliteFileConstructor = new (filename: string, options?: { fileMustExist?: boolean; timeout?: number; readonly?: boolean }) => SqliteFileHandle;

export const INSTALL_HINT =
  'install it with `npm install better-sqlite3`: it downloads a prebuilt binary for this platform and Node version, ' +
  'or compiles one, which needs a C++ toolchain (python3, make and a C++ compiler: build-essential, Xcode command line tools, or Visual Studio Build Tools)';

type Importer = () => Promise<{ default: unknown }>;

let loading: Promise<SqliteFileConstructor> | undefined;

/** better-sqlite3's Database class, once the package and its native module are known to load (a failure is retried next time). */
export function loadBetterSqlite3(): Promise<SqliteFileConstructor> {
  loading ??= loadBetterSqlite3From(() => import('better-sqlite3')).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** The same from any importer: tests hand in one that fails the way a missing or unbuilt package does. */
export async function loadBetterSqlite3From(importer: Importer): Promise<SqliteFileConstructor> {
  let Database: SqliteFileConstructor;
  try {
    Database = (await importer()).default as SqliteFileConstructor;
  } catch (error) {
    throw new EnvironmentError('ENGINE_FAILED', `the sqlite engine needs the optional package better-sqlite3, which cannot be loaded (${firstLine(error)}); ${INSTALL_HINT}`, {
      cause: error,
    });
  }
  try {
    // The native module is loaded by the first database opened, not by the import.
    new Database(':memory:').close();
  } catch (error) {
    throw new EnvironmentError(
      'ENGINE_FAILED',
      `better-sqlite3 is installed but its native module does not load (${firstLine(error)}); reinstall it (npm rebuild better-sqlite3 after a Node upgrade), or ${INSTALL_HINT}`,
      { cause: error },
    );
  }
  return Database;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
