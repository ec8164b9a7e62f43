// A migration as rehearse sees it, whatever tool wrote it.
import type { ParsedSqlFile } from '../sql/statement.ts';

export type Direction = 'up' | 'down';

export interface MigrationFile {
  /** Path relative to the current directory, for messages. */
  path: string;
  /** File content. */
  sql: string;
}

export interface Migration {
  /** Version as written in the file name (kept as a string: `0005` stays `0005`). */
  version: string;
  /** Numeric version, for ordering and the tracking table (golang-migrate stores a bigint). */
  versionNumber: bigint;
  /** Name part of the file name, e.g. `add_patch_hash`. */
  name: string;
  /** `<version>_<name>`, how reports name the migration. */
  id: string;
  up: MigrationFile;
  /** Absent when the tool keeps no down migrations. */
  down?: MigrationFile;
}

/** A migration file split into statements by the dialect's parser. */
export interface PreparedMigration extends Migration {
  upPlan: ParsedSqlFile;
  downPlan?: ParsedSqlFile;
}
