// SQLite's own parser judges the syntax of a migration's statements before any scratch database
// exists, so a typo is bad input (file:line, exit 2) on SQLite as on the other engines, not a
// migration that "fails on the data". Each statement is prepared on an empty in-memory database:
// preparing parses it completely, and only syntax errors count — a statement naming a table an
// earlier migration creates fails there with "no such table", which is expected and ignored.
import { loadBetterSqlite3 } from '../engines/sqlite/better-sqlite3.ts';
import { InputError } from '../errors.ts';
import type { ParsedSqlFile } from './statement.ts';

/** The errors of SQLite's parser itself, as sqlite3_prepare reports them. */
const SYNTAX = /syntax error|incomplete input|unrecognized token|near ".*":/i;

export async function checkSqliteSyntax(files: ParsedSqlFile[]): Promise<void> {
  const Database = await loadBetterSqlite3();
  const db = new Database(':memory:');
  try {
    for (const file of files) {
      for (const statement of file.statements) {
        try {
          db.prepare(statement.sql);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (!SYNTAX.test(message) || /no such (table|column|index)/i.test(message)) continue;
          throw new InputError('SQL_SYNTAX', `SQLite cannot parse this statement: ${message}`, {
            location: { file: file.path, line: statement.line, column: statement.column },
          });
        }
      }
    }
  } finally {
    db.close();
  }
}
