// Runs a dataset script's statements one by one on engines without a psql-style restore (MySQL /
// MariaDB, SQLite), stopping at the first error with the file and line of the statement at fault.
// The statements come from the dialect's own splitter, streamed where the file can be large.
import type { Session } from '../engines/engine.ts';
import { DatabaseError, toDatabaseError } from '../engines/engine.ts';
import { InputError } from '../errors.ts';
import { redactDataValues } from '../redact.ts';

export interface ScriptStatementText {
  sql: string;
  line: number;
  column: number;
}

export interface RunStatementsOptions {
  /**
   * Run everything in one transaction: faster (one commit instead of one per statement), and a
   * failed script leaves nothing behind on an engine with transactional DDL. MySQL commits DDL
   * implicitly, so there it only groups the data statements.
   */
  transaction: boolean;
}

export async function runStatements(
  session: Session,
  path: string,
  statements: Iterable<ScriptStatementText> | AsyncIterable<ScriptStatementText>,
  options: RunStatementsOptions,
): Promise<{ statements: number }> {
  let count = 0;
  if (options.transaction) await session.query('BEGIN');
  try {
    for await (const statement of statements) {
      try {
        await session.query(statement.sql);
      } catch (error) {
        const failure = toDatabaseError(error);
        if (!(failure instanceof DatabaseError)) throw failure;
        throw new InputError('DATASET_RESTORE_FAILED', `the dataset's statement failed: ${redactDataValues(failure.message)}`, {
          location: { file: path, line: statement.line, column: statement.column },
          cause: failure,
        });
      }
      count++;
    }
    if (options.transaction) await session.query('COMMIT');
  } catch (error) {
    if (options.transaction) await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { statements: count };
}
