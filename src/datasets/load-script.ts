// Runs a dataset script — a dump or a seed script — into a scratch database, with the reader of
// the engine's SQL family: psql's rules for PostgreSQL (COPY blocks, meta-commands), the mysql
// client's for MySQL/MariaDB (DELIMITER, executable comments, DEFINER clauses), SQLite's lexer.
import { readFile } from 'node:fs/promises';
import type { Dialect, Session } from '../engines/engine.ts';
import { InputError } from '../errors.ts';
import { splitSqliteFile } from '../sql/sqlite-split.ts';
import { mysqlScriptStatements, type MysqlScriptStatement } from './mysql-script-splitter.ts';
import { runSqlScript } from './run-sql-script.ts';
import { runStatements, type ScriptStatementText } from './run-statements.ts';

export async function loadDatasetScript(dialect: Dialect, session: Session, path: string, database: string): Promise<void> {
  switch (dialect) {
    case 'postgres':
      await runSqlScript(session, { path });
      return;
    case 'mysql':
      // Autocommit, statement by statement, as the mysql client runs a dump: DDL commits
      // implicitly anyway, and mysqldump's extended INSERTs are large enough on their own.
      await runStatements(session, path, runnable(mysqlScriptStatements(path, { database })), { transaction: false });
      return;
    case 'sqlite': {
      const text = await readText(path);
      // One transaction: SQLite commits a statement at a time otherwise, with a sync each.
      await runStatements(session, path, splitSqliteFile(path, text).statements, { transaction: true });
      return;
    }
  }
}

async function* runnable(statements: AsyncIterable<MysqlScriptStatement>): AsyncGenerator<ScriptStatementText> {
  for await (const s of statements) if (s.role.kind === 'plain') yield { sql: s.sql, line: s.line, column: s.column };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError('DATASET_INVALID', `cannot read the dataset: ${(error as Error).message}`, { location: { file: path }, cause: error });
  }
}
