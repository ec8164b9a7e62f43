// What the tools' drivers would have told them about a statement, rebuilt from what a SqlRunner
// returns (rows and a row count), and the one place statements reach the runner.
import { splitFile } from '../../sql/split.ts';
import type { SqlRunner, SqlRunnerResult } from './types.ts';

/** The statement's first keyword, upper-case, past whitespace, comments and opening parentheses. */
export function leadingKeyword(sql: string): string {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c) || c === '(') {
      i++;
    } else if (sql.startsWith('--', i) || c === '#') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else {
      break;
    }
  }
  return /^[A-Za-z]+/.exec(sql.slice(i))?.[0]?.toUpperCase() ?? '';
}

/** Statements whose result is a set of rows, even an empty one. */
const READS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'VALUES', 'TABLE', 'PRAGMA', 'CHECK', 'ANALYZE']);

/** Whether the statement produced a result set (a driver's `reader`, a non-OkPacket result). */
export function returnsRows(sql: string, result: SqlRunnerResult): boolean {
  if (result.fields !== undefined) return true;
  if (result.rows.length > 0) return true;
  return READS.has(leadingKeyword(sql));
}

/** PostgreSQL's command tag as node-postgres reports it (`SELECT` for a WITH … SELECT, VALUES or TABLE). */
export function postgresCommand(sql: string, result: SqlRunnerResult): string {
  if (result.command) return result.command.toUpperCase();
  const keyword = leadingKeyword(sql);
  if (keyword === 'WITH') return mainStatementOfWith(sql);
  if (keyword === 'VALUES' || keyword === 'TABLE') return 'SELECT';
  return keyword;
}

const MAIN = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'VALUES', 'TABLE']);

/** The command tag of `WITH … <statement>`: the first statement keyword outside the CTEs' parentheses. */
function mainStatementOfWith(sql: string): string {
  let depth = 0;
  for (let i = 0; i < sql.length; ) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))![0];
      const upper = word.toUpperCase();
      if (depth === 0 && MAIN.has(upper)) return upper === 'VALUES' || upper === 'TABLE' ? 'SELECT' : upper;
      i += word.length;
    } else {
      i++;
    }
  }
  return 'SELECT';
}

/**
 * Runs `sql` through the runner, one statement per call. PostgreSQL's simple query protocol (a
 * statement without parameters) takes several statements in one string, and node-postgres sends
 * a `knex.raw()` / `pgm.sql()` / `sql\`…\`` that holds several so; they are split here with
 * PostgreSQL's own parser and sent one by one, so rehearse measures each. The last statement's
 * result is returned. Other drivers refuse several statements in one call (mysql2 without
 * `multipleStatements`, better-sqlite3), so their text is sent as is, and fails as it would.
 */
export async function runStatements(runner: SqlRunner, sql: string, params?: readonly unknown[]): Promise<{ result: SqlRunnerResult; statements: number }> {
  const pieces = params && params.length > 0 ? [sql] : await splitPostgres(runner, sql);
  let result: SqlRunnerResult = { rows: [], rowCount: null };
  for (const piece of pieces) {
    result = params && params.length > 0 ? await runner.query(piece, [...params]) : await runner.query(piece);
  }
  return { result, statements: pieces.length };
}

async function splitPostgres(runner: SqlRunner, sql: string): Promise<string[]> {
  if (runner.dialect !== 'postgres' || !mayHoldSeveral(sql)) return [sql];
  try {
    const parsed = await splitFile('<migration>', sql, { dialect: 'postgres' });
    if (parsed.statements.length <= 1) return [sql];
    return parsed.statements.map((s) => s.sql);
  } catch {
    // Not valid SQL to the parser: the server says what is wrong with it, as it would to the tool.
    return [sql];
  }
}

/** A `;` followed by more than blanks, comments and semicolons. */
function mayHoldSeveral(sql: string): boolean {
  const semicolon = sql.indexOf(';');
  if (semicolon === -1) return false;
  const rest = sql
    .slice(semicolon)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/--[^\n]*/g, '')
    .replace(/[;\s]/g, '');
  return rest.length > 0;
}
