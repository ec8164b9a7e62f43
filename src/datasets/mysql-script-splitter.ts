// Cuts a mysqldump file or a MySQL/MariaDB seed script into statements where the `mysql` client
// would (the same lexer as migration files: sql/mysql-lexer.ts), streaming, so a multi-GB dump
// passes through in the memory of its largest statement. Each statement comes with what a restore
// into a scratch database must do with it: run it, skip it, or refuse the whole script — in the
// spirit of statement-role.ts for pg_dump scripts.
//
// What mysqldump writes and how it is taken:
// - `/*!40101 SET … */;` headers, LOCK TABLES … WRITE / UNLOCK TABLES, extended INSERTs: run.
// - `DELIMITER ;;` around triggers and routines: followed, never sent.
// - `DEFINER=user@host` (also inside `/*!50017 … */` and `/*!50013 … */`): removed from what is
//   run, since naming another definer needs SUPER / SET_USER_ID, which a CI user seldom has.
// - `SET @@GLOBAL.GTID_PURGED`, `SET @@SESSION.SQL_LOG_BIN`: skipped (server-wide replication
//   state; the scratch server keeps its own).
// - CREATE DATABASE, USE of another database (dumps made with --databases / --all-databases),
//   SET GLOBAL, users, replication, server files: refused, with the file and line.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../errors.ts';
import { isName, MysqlLexer, MysqlSyntaxError, mysqlTokens, type LexedStatement, type MysqlLexerOptions, type QuotingOptions, type Token } from '../sql/mysql-lexer.ts';
import { analyzeMysqlStatement, setAssignments, userSpecificationEnd } from '../sql/mysql-summary.ts';

export type MysqlStatementRole =
  /** Runs (as `sql`). */
  | { kind: 'plain' }
  /** Not run: it only concerns the server the dump came from. */
  | { kind: 'skipped'; reason: string }
  /** Reaches beyond the scratch database or cannot run faithfully: the script is refused. */
  | { kind: 'refused'; reason: string };

export interface MysqlScriptStatement {
  /** The statement as written, from its first code character up to its delimiter. */
  text: string;
  /** What to send to the server: `text` without DEFINER clauses (the same string when it has none). */
  sql: string;
  /** 1-based line and column of the first code character. */
  line: number;
  column: number;
  /** The first keyword, lower-cased, looking into executable comments (`/*!40101 SET` is `set`). */
  firstWord: string;
  role: MysqlStatementRole;
}

export interface MysqlScriptOptions extends MysqlLexerOptions {
  /** Names the script in errors when it is given as lines (a path names itself). */
  file?: string;
  /** The scratch database: `USE` of it and names qualified with it are allowed. */
  database?: string;
}

/**
 * The statements of a script read from `source`: a file path (read in 1 MiB chunks) or the
 * script's lines (without their newlines). Throws InputError (DATASET_INVALID, with file:line)
 * at a refused statement or text the client could not send.
 */
export async function* mysqlScriptStatements(source: string | AsyncIterable<string>, options: MysqlScriptOptions = {}): AsyncGenerator<MysqlScriptStatement> {
  const file = typeof source === 'string' ? source : (options.file ?? 'script');
  const lexer = new MysqlLexer(options);
  const classify = (lexed: LexedStatement[]): MysqlScriptStatement[] =>
    lexed.map((statement) => {
      const classified = { ...statement, ...classifyMysqlStatement(statement.text, statement.quoting, options) };
      if (classified.role.kind === 'refused') {
        throw new InputError('DATASET_INVALID', `${classified.role.reason}: rehearse does not run this statement`, {
          location: { file, line: statement.line, column: statement.column },
        });
      }
      return { text: classified.text, sql: classified.sql, line: classified.line, column: classified.column, firstWord: classified.firstWord, role: classified.role };
    });
  try {
    for await (const chunk of typeof source === 'string' ? chunksOfFile(source) : withNewlines(source)) {
      yield* classify(lexer.write(chunk));
    }
    yield* classify(lexer.end());
  } catch (error) {
    if (!(error instanceof MysqlSyntaxError)) throw error;
    throw new InputError('DATASET_INVALID', error.message, { cause: error, location: { file, line: error.line, column: error.column } });
  }
}

async function* chunksOfFile(path: string): AsyncGenerator<string> {
  // A decoder, not per-chunk toString: a UTF-8 character may straddle two chunks.
  const decoder = new StringDecoder('utf8');
  for await (const bytes of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) yield decoder.write(bytes);
  yield decoder.end();
}

async function* withNewlines(lines: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const line of lines) yield `${line}\n`;
}

// ---------------------------------------------------------------------------------------------
// Roles

/** Tokens worth reading of a statement that may be a 10 MB INSERT: its target comes early. */
const LEADING_TOKENS = 16;

/** What a restore does with one statement, and the text it sends. */
export function classifyMysqlStatement(
  text: string,
  quoting: QuotingOptions = {},
  options: { database?: string } = {},
): { sql: string; firstWord: string; role: MysqlStatementRole } {
  const leading = mysqlTokens(text, quoting, LEADING_TOKENS);
  const firstWord = leading[0]?.type === 'word' ? leading[0].value.toLowerCase() : '';
  const plain = (sql = text) => ({ sql, firstWord, role: { kind: 'plain' } as MysqlStatementRole });
  const refuse = (reason: string) => ({ sql: text, firstWord, role: { kind: 'refused', reason } as MysqlStatementRole });
  const skip = (reason: string) => ({ sql: text, firstWord, role: { kind: 'skipped', reason } as MysqlStatementRole });

  if (firstWord === 'insert' || firstWord === 'replace') {
    const outside = outsideTables(analyzeMysqlStatement(leadingText(text, leading), quoting).tables.slice(0, 1), options.database);
    return outside ? refuse(outside) : plain();
  }
  const tokens = mysqlTokens(text, quoting);
  const w = tokens.map((t) => (t.type === 'word' ? t.upper : ''));
  const refusal = SERVER_WIDE[w[0] ?? '']?.(w);
  if (refusal) return refuse(refusal);
  switch (w[0]) {
    case 'SET':
      if (w[1] === 'PASSWORD' || (w[1] === 'DEFAULT' && w[2] === 'ROLE')) return refuse(users);
      return setRole(tokens, text, { plain, refuse, skip });
    case 'USE': {
      const database = tokens[1]?.value;
      return database !== undefined && database === options.database
        ? plain()
        : refuse('USE switches to another database, outside the scratch database (dump without --databases / --all-databases)');
    }
    case 'GRANT':
    case 'REVOKE':
      return skip('privileges are skipped, as the users they name need not exist here');
    case 'LOAD':
      if (w[1] === 'DATA' || w[1] === 'XML') return refuse('LOAD DATA reads a file outside the script (dump without --tab)');
      break;
    case 'SELECT':
      if (w.includes('OUTFILE') || w.includes('DUMPFILE')) return refuse('SELECT … INTO OUTFILE writes a file on the server');
      break;
  }
  const outside = outsideTables(analyzeMysqlStatement(text, quoting).tables, options.database);
  if (outside) return refuse(outside);
  return plain(withoutDefiner(text, tokens));
}

type RoleMakers = Record<'plain' | 'refuse' | 'skip', (text: string) => { sql: string; firstWord: string; role: MysqlStatementRole }>;

function setRole(tokens: Token[], text: string, make: RoleMakers) {
  for (const assignment of setAssignments(tokens.slice(1))) {
    if (assignment.name === 'GTID_PURGED') return make.skip('GTID_PURGED is replication state of the server the dump came from');
    if (assignment.name === 'SQL_LOG_BIN') return make.skip('SQL_LOG_BIN needs SUPER and only decides whether the restore is binary-logged');
    if (assignment.global) return make.refuse(`SET ${assignment.target} changes the whole server, not the scratch database`);
    if (CLIENT_CHARSET.has(assignment.name)) {
      const value = assignment.value[0];
      // Variables (`@saved_cs_client`) and DEFAULT restore what the script saved: fine.
      const literal = value && (value.type === 'word' || value.type === 'string') && value.upper.toUpperCase() !== 'DEFAULT';
      if (literal && !UTF8.has(value.value.toLowerCase())) {
        return make.refuse(`rehearse sends scripts as UTF-8, so ${assignment.target} ${value.value} would garble the text (dump with --default-character-set=utf8mb4)`);
      }
    }
  }
  return make.plain(text);
}

const CLIENT_CHARSET = new Set(['NAMES', 'CHARACTER SET', 'CHARACTER_SET_CLIENT']);
const UTF8 = new Set(['utf8', 'utf8mb3', 'utf8mb4']);

const database = 'statements on databases reach beyond the scratch database (dump without --databases / --all-databases)';
const users = 'users and roles belong to the whole server, not to the scratch database (create them on the server beforehand)';
const server = 'it changes the whole server, not the scratch database';

/** First words (and the words after them) of statements that reach beyond the scratch database. */
const SERVER_WIDE: Record<string, (w: string[]) => string | undefined> = {
  CREATE: (w) => {
    const object = w.find((x) => CREATE_OBJECTS.has(x));
    if (object === 'DATABASE' || object === 'SCHEMA') return database;
    if (object === 'USER' || object === 'ROLE') return users;
    if (object === 'SERVER' || object === 'TABLESPACE') return server;
    if (object === 'FUNCTION' && w.includes('SONAME')) return 'CREATE FUNCTION … SONAME loads a library into the server';
    return undefined;
  },
  ALTER: (w) => (w[1] === 'DATABASE' || w[1] === 'SCHEMA' ? database : ['USER', 'SERVER', 'TABLESPACE', 'INSTANCE'].includes(w[1]!) ? server : undefined),
  DROP: (w) => (w[1] === 'DATABASE' || w[1] === 'SCHEMA' ? database : ['USER', 'ROLE'].includes(w[1]!) ? users : ['SERVER', 'TABLESPACE'].includes(w[1]!) ? server : undefined),
  RENAME: (w) => (w[1] === 'USER' ? users : undefined),
  CHANGE: () => 'replication settings belong to the whole server',
  START: (w) => (w[1] === 'TRANSACTION' ? undefined : 'replication belongs to the whole server'),
  STOP: () => 'replication belongs to the whole server',
  RESET: () => server,
  PURGE: () => server,
  FLUSH: () => server,
  INSTALL: () => server,
  UNINSTALL: () => server,
  SHUTDOWN: () => server,
  RESTART: () => server,
  KILL: () => 'it ends other sessions',
  BINLOG: () => 'BINLOG replays binary-log events (mysqlbinlog output is no dump)',
  CLONE: () => server,
};

/** Object words of CREATE after its modifiers; the first one found names what is created. */
const CREATE_OBJECTS = new Set(['TABLE', 'INDEX', 'VIEW', 'TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT', 'DATABASE', 'SCHEMA', 'USER', 'ROLE', 'SEQUENCE', 'SERVER', 'TABLESPACE', 'PACKAGE']);

/** Why a table name reaches outside the scratch database, if one does. */
function outsideTables(tables: string[], scratch: string | undefined): string | undefined {
  const other = tables.find((t) => t.includes('.') && t.slice(0, t.indexOf('.')) !== scratch);
  return other === undefined ? undefined : `${other} names a table in another database`;
}

/** The text up to the last of the leading tokens (enough to read an INSERT's target). */
function leadingText(text: string, leading: Token[]): string {
  return text.slice(0, leading.at(-1)?.end ?? 0);
}

/**
 * `text` without its DEFINER = user clause, which comes before the object word of CREATE / ALTER
 * (a routine body can say DEFINER too, and stays untouched).
 */
export function withoutDefiner(text: string, tokens: Token[] = mysqlTokens(text)): string {
  if (!['CREATE', 'ALTER'].includes(tokens[0]?.upper ?? '')) return text;
  for (let i = 1; i < tokens.length && !(tokens[i]!.type === 'word' && CREATE_OBJECTS.has(tokens[i]!.upper)); i++) {
    const t = tokens[i]!;
    if (t.type !== 'word' || t.upper !== 'DEFINER' || tokens[i + 1]?.value !== '=') continue;
    const end = userSpecificationEnd(tokens, i + 2);
    const last = tokens[end - 1];
    if (!last || !(isName(tokens[i + 2]) || tokens[i + 2]?.type === 'string')) return text;
    return text.slice(0, t.start) + text.slice(last.end);
  }
  return text;
}

