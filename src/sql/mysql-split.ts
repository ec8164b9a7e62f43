// Splits a MySQL/MariaDB migration file into statements where the `mysql` client would cut it
// (mysql-lexer.ts) and says, for each, what it is, which tables it names, which metadata locks it
// takes and whether it commits implicitly — and from that, how the whole file runs.
//
// Synchronous, unlike splitPostgresFile: there is no parser to load.
import { InputError } from '../errors.ts';
import { MysqlLexer, MysqlSyntaxError, mysqlTokens, type LexedStatement, type MysqlLexerOptions } from './mysql-lexer.ts';
import {
  MDL_EXCLUSIVE,
  MDL_SHARED_NO_READ_WRITE,
  MDL_SHARED_READ,
  MDL_SHARED_READ_ONLY,
  MDL_SHARED_WRITE,
  strongerMdl,
  type MdlMode,
} from './mysql-online-ddl.ts';
import { analyzeMysqlStatement, setAssignments, type MysqlStatementAnalysis } from './mysql-summary.ts';
import type { InferredLock, ParsedSqlFile, SqlStatement, TransactionMode } from './statement.ts';

export type MysqlSplitOptions = MysqlLexerOptions;

export function splitMysqlFile(path: string, sql: string, options: MysqlSplitOptions = {}): ParsedSqlFile {
  let lexed: LexedStatement[];
  try {
    const lexer = new MysqlLexer(options);
    lexed = [...lexer.write(sql), ...lexer.end()];
  } catch (error) {
    if (!(error instanceof MysqlSyntaxError)) throw error;
    throw new InputError('SQL_SYNTAX', error.message, { cause: error, location: { file: path, line: error.line, column: error.column } });
  }
  const statements = lexed.map((statement, index): SqlStatement => {
    const analysis = analyzeMysqlStatement(statement.text, statement.quoting);
    if (analysis.unknownStart !== undefined) {
      throw new InputError('SQL_SYNTAX', `not a MySQL or MariaDB statement: it starts with "${clip(analysis.unknownStart)}"`, {
        location: { file: path, line: statement.line, column: statement.column },
      });
    }
    return {
      index,
      sql: statement.text,
      line: statement.line,
      column: statement.column,
      kind: analysis.kind,
      summary: analysis.summary,
      tables: analysis.tables,
      // In MySQL a statement that commits implicitly cannot be part of a transaction.
      nonTransactional: analysis.implicitCommit,
      transactionControl: analysis.transactionControl,
      inferredLocks: locksOf(analysis),
      ...workOf(analysis),
    };
  });
  return { path, statements, ...transactionModeOf(lexed, statements) };
}

/**
 * InnoDB builds indexes and rebuilds tables below the handler interface, where no row counter
 * sees the rows: the online-DDL classification says whether an ALTER touches rows at all.
 */
function workOf(analysis: ReturnType<typeof analyzeMysqlStatement>): Pick<SqlStatement, 'work'> {
  if (analysis.kind === 'IndexStmt') return { work: 'rows' };
  if (analysis.kind !== 'AlterTableStmt' || !analysis.alter) return {};
  return { work: analysis.alter.algorithm === 'INSTANT' ? 'catalog' : 'rows' };
}

function clip(text: string): string {
  return text.length <= 30 ? text : `${text.slice(0, 29)}…`;
}

// ---------------------------------------------------------------------------------------------
// Transaction mode

/**
 * golang-migrate's MySQL driver sends the whole file as one multi-statement query, with no
 * transaction around it: every statement commits on its own (autocommit). A file that opens its
 * own transaction runs as written — but any DDL inside it commits that transaction implicitly
 * (MySQL has no transactional DDL), so only its DML is atomic.
 */
function transactionModeOf(lexed: LexedStatement[], statements: SqlStatement[]): { transactionMode: TransactionMode; transactionModeReason: string } {
  const control = statements.find((s) => s.transactionControl);
  if (control) {
    return { transactionMode: 'file-managed', transactionModeReason: `the file manages its own transaction (${control.summary}); DDL inside it commits it implicitly` };
  }
  const autocommitOff = statements.find((s, i) => s.kind === 'VariableSetStmt' && turnsAutocommitOff(lexed[i]!));
  if (autocommitOff) {
    return { transactionMode: 'file-managed', transactionModeReason: 'the file turns autocommit off and commits itself; DDL commits implicitly' };
  }
  return {
    transactionMode: 'none',
    transactionModeReason: "golang-migrate's MySQL driver sends the file as one multi-statement query without a transaction: each statement commits on its own",
  };
}

function turnsAutocommitOff(statement: LexedStatement): boolean {
  if (!/autocommit/i.test(statement.text)) return false;
  const tokens = mysqlTokens(statement.text, statement.quoting);
  return setAssignments(tokens.slice(1)).some((a) => a.name === 'AUTOCOMMIT' && ['0', 'OFF', 'FALSE'].includes(a.value[0]?.upper ?? ''));
}

// ---------------------------------------------------------------------------------------------
// Metadata locks

/** The strongest metadata lock per table, in order of first mention. Relations a statement creates take none others could wait for. */
function locksOf(analysis: MysqlStatementAnalysis): InferredLock[] {
  const modes = new Map<string, MdlMode>();
  for (const { table, use } of analysis.uses) {
    const mode = modeOf(use, analysis);
    const held = modes.get(table);
    modes.set(table, held ? strongerMdl(held, mode) : mode);
  }
  return [...modes].map(([relation, mode]) => ({ relation, mode }));
}

function modeOf(use: MysqlStatementAnalysis['uses'][number]['use'], analysis: MysqlStatementAnalysis): MdlMode {
  switch (use) {
    case 'read':
      return MDL_SHARED_READ;
    case 'write':
      return MDL_SHARED_WRITE;
    case 'alter':
      return analysis.alter?.mode ?? MDL_EXCLUSIVE;
    case 'exclusive':
      return MDL_EXCLUSIVE;
    case 'lock-read':
      return MDL_SHARED_READ_ONLY;
    case 'lock-write':
      return MDL_SHARED_NO_READ_WRITE;
  }
}
