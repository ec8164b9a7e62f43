// One entry point for splitting a migration file, whatever its dialect: PostgreSQL's real parser
// (libpg-query), and lexers that find statement boundaries the way MySQL's client and SQLite do.
import type { Dialect } from '../engines/engine.ts';
import { splitMysqlFile } from './mysql-split.ts';
import { splitPostgresFile } from './postgres-split.ts';
import { splitSqliteFile } from './sqlite-split.ts';
import { checkSqliteSyntax } from './sqlite-syntax.ts';
import type { ParsedSqlFile } from './statement.ts';

export interface SplitFileOptions {
  dialect: Dialect;
  /** The server's version in PostgreSQL's `server_version_num` form, where it changes what is transactional. */
  serverVersionNum?: number;
}

/**
 * Whether files split for a current server must be split again for this one: PostgreSQL before 12
 * cannot run ALTER TYPE … ADD VALUE in a transaction. The other dialects' splitting does not
 * depend on the server's version.
 */
export function splitDependsOnServer(dialect: Dialect, serverVersionNum: number): boolean {
  return dialect === 'postgres' && serverVersionNum < 120000;
}

export async function splitFile(path: string, sql: string, opts: SplitFileOptions): Promise<ParsedSqlFile> {
  switch (opts.dialect) {
    case 'postgres':
      return splitPostgresFile(path, sql, opts.serverVersionNum === undefined ? {} : { serverVersionNum: opts.serverVersionNum });
    case 'mysql':
      return splitMysqlFile(path, sql);
    case 'sqlite': {
      // The lexer cuts SQLite files; SQLite's own parser judges them.
      const file = splitSqliteFile(path, sql);
      await checkSqliteSyntax([file]);
      return file;
    }
  }
}
