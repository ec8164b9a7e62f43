// Splits a SQLite migration file into statements with a lexer that follows SQLite's tokenizer
// (quotes '…', "…", `…`, […], comments, blob literals), keeps CREATE TRIGGER … BEGIN … END bodies
// whole (their statements end in semicolons; CASE … END nests inside them), and says for each
// statement what it is, which tables it names, which it writes, and whether it can do its job
// inside a transaction — and from that, how golang-migrate's sqlite3 driver runs the whole file.
//
// Statements are not prepared against a database here: each depends on the ones before it.
import { InputError } from '../errors.ts';
import type { InferredLock, ParsedSqlFile, SqlStatement, TransactionMode } from './statement.ts';

// ---------------------------------------------------------------------------------------------
// Locks

/**
 * SQLite has no table locks: a write transaction holds the database's one write lock (RESERVED
 * from its first write until commit). In WAL mode readers go on reading the last committed state;
 * every other writer waits (busy_timeout) or fails with SQLITE_BUSY. Evidence attributes the lock
 * to the tables the statements write, the way a reader of the report thinks about it.
 */
export const SQLITE_WRITE_LOCK = 'SQLITE_RESERVED';
/**
 * Rollback-journal modes (journal_mode DELETE/TRUNCATE/PERSIST): a writer whose changes spill
 * out of the page cache, and every writer at commit, takes EXCLUSIVE, which shuts readers out too.
 */
export const SQLITE_EXCLUSIVE_LOCK = 'SQLITE_EXCLUSIVE';

export function sqliteBlockedBy(mode: string): { reads: boolean; writes: boolean } {
  if (mode === SQLITE_WRITE_LOCK) return { reads: false, writes: true };
  if (mode === SQLITE_EXCLUSIVE_LOCK) return { reads: true, writes: true };
  return { reads: false, writes: false };
}

// ---------------------------------------------------------------------------------------------
// Splitting

export interface SqliteSplitOptions {
  /**
   * golang-migrate's `x-no-tx-wrap=true`: the driver runs each file without wrapping it in a
   * transaction (statements autocommit unless the file writes its own BEGIN/COMMIT).
   */
  noTxWrap?: boolean;
}

export function splitSqliteFile(path: string, sql: string, opts: SqliteSplitOptions = {}): ParsedSqlFile {
  const positions = new TextPositions(sql);
  let pieces: StatementTokens[];
  try {
    pieces = statementsOf(tokenize(sql, 'strict'));
  } catch (error) {
    if (!(error instanceof SqliteLexError)) throw error;
    throw new InputError('SQL_SYNTAX', error.message, { cause: error, location: { file: path, ...positions.at(error.offset) } });
  }
  const statements = pieces.map((tokens, index): SqlStatement => {
    const start = tokens[0]!.start;
    const text = sql.slice(start, tokens.at(-1)!.end);
    return { index, sql: text, ...positions.at(start), ...describe(tokens) };
  });
  return { path, statements, ...transactionModeOf(sql, statements, opts) };
}

/** What a statement is, for statements that are already known to be whole (e.g. logged by a session). Never throws. */
export function describeSqliteStatement(sql: string): Omit<SqlStatement, 'index' | 'sql' | 'line' | 'column'> {
  const tokens = tokenize(sql, 'tolerant').filter((t) => t.text !== ';');
  return describe(tokens);
}

/** What every statement of a script is, read leniently (never throws): for refusing statements before they run. */
export function describeSqliteScript(sql: string): Omit<SqlStatement, 'index' | 'sql' | 'line' | 'column'>[] {
  return statementsOf(tokenize(sql, 'tolerant'), 'tolerant').map(describe);
}

/** SQLite's tokens of `sql`, comments and whitespace left out, read leniently (never throws). */
export function tokenizeSqlite(sql: string): SqliteToken[] {
  return tokenize(sql, 'tolerant');
}

/** A definition as SQLite stores it, with comments dropped and whitespace between tokens made one space: for comparing schemas. */
export function normalizeSqliteSql(sql: string): string {
  let text = '';
  for (const t of tokenize(sql, 'tolerant')) {
    const tight = t.text === '(' || t.text === ')' || t.text === ',' || t.text === '.' || t.text === ';';
    const afterTight = text.endsWith('(') || text.endsWith('.');
    text += text === '' || (tight && t.text !== '(') || afterTight ? t.text : ` ${t.text}`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Transaction mode

const NO_TRANSACTION_DIRECTIVE = /^\s*--\s*rehearse\s*:\s*no-transaction\s*$/i;

/**
 * golang-migrate's sqlite3 driver (database/sqlite3/sqlite3.go, `Run`) executes each file inside
 * one transaction it opens itself (`executeQuery`: BeginTx, Exec, Commit), unless the URL says
 * `x-no-tx-wrap=true` (`executeQueryNoTx`). So the default is `per-file`, even for a statement that
 * cannot do its job in a transaction: production runs it that way, and the rehearsal must too
 * (VACUUM fails, PRAGMA foreign_keys = OFF silently does nothing — the classic cause of rows lost
 * to ON DELETE CASCADE in a table rebuild).
 */
function transactionModeOf(sql: string, statements: SqlStatement[], opts: SqliteSplitOptions): { transactionMode: TransactionMode; transactionModeReason?: string } {
  const firstLine = sql.split('\n').find((line) => line.trim() !== '');
  if (firstLine !== undefined && NO_TRANSACTION_DIRECTIVE.test(firstLine)) {
    return { transactionMode: 'none', transactionModeReason: 'the file opts out with -- rehearse:no-transaction' };
  }
  if (statements.some((s) => s.transactionControl)) {
    const wrapped = opts.noTxWrap
      ? ''
      : " (golang-migrate's sqlite3 driver runs such a file only with x-no-tx-wrap=true: inside the transaction it opens, BEGIN fails)";
    return { transactionMode: 'file-managed', transactionModeReason: `the file has its own BEGIN/COMMIT${wrapped}` };
  }
  if (opts.noTxWrap) {
    return { transactionMode: 'none', transactionModeReason: "x-no-tx-wrap=true: golang-migrate's sqlite3 driver runs the file without a transaction" };
  }
  const blocker = statements.find((s) => s.nonTransactional);
  if (blocker) {
    return {
      transactionMode: 'per-file',
      transactionModeReason:
        `statement ${blocker.index + 1} (${blocker.summary}) cannot take effect inside the transaction golang-migrate's sqlite3 driver ` +
        'wraps the file in, and runs that way here as in production; if production uses x-no-tx-wrap=true, start the file with -- rehearse:no-transaction',
    };
  }
  return { transactionMode: 'per-file' };
}

// ---------------------------------------------------------------------------------------------
// Lexer

export interface SqliteToken {
  type: 'word' | 'identifier' | 'string' | 'blob' | 'number' | 'parameter' | 'punct';
  text: string;
  /** Words: upper case; quoted identifiers: the name with quotes undone; others: the text. */
  upper: string;
  /** Words and identifiers: the name as SQLite stores it (quotes undone). */
  name: string;
  start: number;
  end: number;
}

class SqliteLexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const CLOSING: Record<string, string> = { "'": "'", '"': '"', '`': '`', '[': ']' };

/** SQLite's tokens, comments and whitespace left out. `tolerant` ends an unterminated token at the end of the text. */
function tokenize(sql: string, mode: 'strict' | 'tolerant'): SqliteToken[] {
  const tokens: SqliteToken[] = [];
  const push = (type: SqliteToken['type'], start: number, end: number, name = '') => {
    const text = sql.slice(start, end);
    tokens.push({ type, text, upper: type === 'word' ? text.toUpperCase() : text, name, start, end });
  };
  const unterminated = (what: string, at: number): number => {
    if (mode === 'tolerant') return sql.length;
    throw new SqliteLexError(what, at);
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (c === '/' && next === '*') {
      // SQLite itself reads an unterminated comment as a comment to the end of the file, silently
      // skipping every statement after it: that is never what a migration means.
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? unterminated('unterminated /* comment (SQLite would silently ignore the rest of the file)', i) : close + 2;
    } else if (c in CLOSING) {
      const close = CLOSING[c]!;
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(close, j);
        if (k < 0) {
          j = unterminated(c === "'" ? 'unterminated string literal' : `unterminated quoted identifier ${c}…${close}`, i);
          break;
        }
        // '' inside '…' (and "" inside "…", `` inside `…`) is one escaped quote; […] has no escape.
        if (c !== '[' && sql[k + 1] === close) j = k + 2;
        else {
          j = k + 1;
          break;
        }
      }
      const body = sql.slice(i + 1, Math.max(i + 1, j - 1));
      if (c === "'") push('string', i, j);
      else push('identifier', i, j, c === '[' ? body : body.replaceAll(close + close, close));
      i = j;
    } else if ((c === 'x' || c === 'X') && next === "'") {
      const close = sql.indexOf("'", i + 2);
      const j = close < 0 ? unterminated('unterminated blob literal', i) : close + 1;
      push('blob', i, j);
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      let j = i + 1;
      while (j < sql.length && /[0-9A-Za-z_.]/.test(sql[j]!)) {
        // 1e+5 / 1e-5
        if (/[eE]/.test(sql[j]!) && /[+-]/.test(sql[j + 1] ?? '') && !/^0[xX]/.test(sql.slice(i, j))) j += 2;
        else j++;
      }
      push('number', i, j);
      i = j;
    } else if (c === '?' || ((c === ':' || c === '@' || c === '$') && next !== undefined && WORD_START.test(next))) {
      let j = i + 1;
      while (j < sql.length && (/[0-9]/.test(sql[j]!) || WORD_PART.test(sql[j]!))) j++;
      push('parameter', i, j);
      i = j;
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < sql.length && WORD_PART.test(sql[j]!)) j++;
      push('word', i, j, sql.slice(i, j));
      i = j;
    } else {
      const two = sql.slice(i, i + 2);
      const len = ['||', '<=', '>=', '<>', '!=', '==', '<<', '>>', '->'].includes(two) ? (sql.slice(i, i + 3) === '->>' ? 3 : 2) : 1;
      push('punct', i, i + len);
      i += len;
    }
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Statements

type StatementTokens = SqliteToken[];

/**
 * Cuts the token stream at semicolons, except inside a CREATE TRIGGER body: from the BEGIN that
 * ends the trigger's header to the END that closes it, where CASE … END pairs nest. END is a
 * keyword SQLite also accepts as a column name, so outside a CASE it closes the body only when a
 * semicolon (or the end of the file) follows.
 */
function statementsOf(tokens: SqliteToken[], mode: 'strict' | 'tolerant' = 'strict'): StatementTokens[] {
  const statements: StatementTokens[] = [];
  let current: SqliteToken[] = [];
  let trigger: 'no' | 'header' | 'body' = 'no';
  let caseDepth = 0;
  let parens = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.text === ';' && trigger !== 'header' && trigger !== 'body') {
      if (current.length > 0) statements.push(current);
      current = [];
      trigger = 'no';
      parens = 0;
      continue;
    }
    current.push(token);
    if (current.length <= 4 && trigger === 'no' && isCreateTrigger(current)) trigger = 'header';
    if (token.text === '(') parens++;
    if (token.text === ')') parens--;
    if (token.type !== 'word' || tokens[i - 1]?.text === '.') continue;
    if (trigger === 'header' && token.upper === 'BEGIN' && parens === 0) {
      trigger = 'body';
      caseDepth = 0;
    } else if (trigger === 'body' && token.upper === 'CASE') {
      caseDepth++;
    } else if (trigger === 'body' && token.upper === 'END') {
      if (caseDepth > 0) caseDepth--;
      else if (tokens[i + 1] === undefined || tokens[i + 1]!.text === ';') trigger = 'no';
    }
  }
  if ((trigger === 'header' || trigger === 'body') && mode === 'strict') {
    throw new SqliteLexError('CREATE TRIGGER without the END that closes its BEGIN … END body', current[0]!.start);
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

function isCreateTrigger(tokens: SqliteToken[]): boolean {
  const words = tokens.map((t) => t.upper);
  if (words[0] !== 'CREATE') return false;
  const at = words[1] === 'TEMP' || words[1] === 'TEMPORARY' ? 2 : 1;
  return words[at] === 'TRIGGER';
}

// ---------------------------------------------------------------------------------------------
// What a statement is

type Description = Omit<SqlStatement, 'index' | 'sql' | 'line' | 'column'>;

interface Shape {
  kind: string;
  summary: string;
  /** Every table the statement names, first mention first. */
  tables: string[];
  /** The tables it writes: where the write lock is attributed. */
  writes: string[];
  nonTransactional?: boolean;
}

function describe(tokens: SqliteToken[]): Description {
  const shape = tokens.length === 0 ? { kind: 'OtherStmt', summary: '', tables: [], writes: [] } : shapeOf(tokens);
  const locks: InferredLock[] = unique(shape.writes).map((relation) => ({ relation, mode: SQLITE_WRITE_LOCK }));
  return {
    kind: shape.kind,
    summary: clip(shape.summary, SUMMARY_MAX),
    tables: unique(shape.tables),
    nonTransactional: shape.nonTransactional ?? false,
    transactionControl: shape.kind === 'TransactionStmt',
    inferredLocks: locks,
  };
}

const SUMMARY_MAX = 100;
const FALLBACK_LENGTH = 60;

function shapeOf(tokens: SqliteToken[]): Shape {
  switch (tokens[0]!.upper) {
    case 'CREATE':
      return createShape(tokens);
    case 'DROP':
      return dropShape(tokens);
    case 'ALTER':
      return alterShape(tokens);
    case 'WITH':
    case 'SELECT':
    case 'VALUES':
    case 'INSERT':
    case 'REPLACE':
    case 'UPDATE':
    case 'DELETE':
      return queryShape(tokens);
    case 'BEGIN':
    case 'COMMIT':
    case 'END':
    case 'ROLLBACK':
    case 'SAVEPOINT':
    case 'RELEASE':
      return { kind: 'TransactionStmt', summary: transactionWords(tokens), tables: [], writes: [] };
    case 'PRAGMA':
      return pragmaShape(tokens);
    case 'VACUUM':
      // VACUUM (and VACUUM INTO) fails inside a transaction: "cannot VACUUM from within a transaction".
      return { kind: 'VacuumStmt', summary: tokens.some((t) => t.upper === 'INTO') ? 'VACUUM INTO …' : 'VACUUM', tables: [], writes: [], nonTransactional: true };
    case 'ANALYZE':
    case 'REINDEX': {
      const target = nameAt(tokens, 1);
      const kind = tokens[0]!.upper === 'ANALYZE' ? 'VacuumStmt' : 'ReindexStmt';
      const tables = target ? [target.name] : [];
      return { kind, summary: words(tokens[0]!.upper, target?.name), tables, writes: kind === 'ReindexStmt' ? tables : [] };
    }
    case 'EXPLAIN': {
      const inner = tokens.findIndex((t, i) => i > 0 && t.upper !== 'QUERY' && t.upper !== 'PLAN');
      const shape = inner > 0 ? shapeOf(tokens.slice(inner)) : undefined;
      return { kind: 'ExplainStmt', summary: `EXPLAIN ${shape?.summary ?? ''}`.trim(), tables: shape?.tables ?? [], writes: [] };
    }
    case 'ATTACH':
    case 'DETACH':
      // "cannot ATTACH database within transaction"
      return { kind: 'OtherStmt', summary: `${tokens[0]!.upper} DATABASE`, tables: [], writes: [], nonTransactional: true };
    default:
      return { kind: 'OtherStmt', summary: masked(tokens), tables: [], writes: [] };
  }
}

function createShape(tokens: SqliteToken[]): Shape {
  let i = 1;
  const flags: string[] = [];
  while (['TEMP', 'TEMPORARY', 'UNIQUE', 'VIRTUAL'].includes(tokens[i]?.upper ?? '')) flags.push(tokens[i++]!.upper);
  const object = tokens[i]?.upper ?? '';
  i = skipWords(tokens, i + 1, ['IF', 'NOT', 'EXISTS']);
  const target = nameAt(tokens, i);
  const name = target?.name ?? '';
  const rest = target?.next ?? i;
  const unique = flags.includes('UNIQUE') ? 'UNIQUE' : undefined;
  switch (object) {
    case 'TABLE': {
      if (flags.includes('VIRTUAL')) {
        const module = tokens[rest]?.upper === 'USING' ? nameAt(tokens, rest + 1)?.name : undefined;
        return { kind: 'CreateStmt', summary: words('CREATE VIRTUAL TABLE', name, module && `USING ${module}`), tables: [name], writes: [name] };
      }
      if (tokens[rest]?.upper === 'AS') {
        return { kind: 'CreateTableAsStmt', summary: `CREATE TABLE ${name} AS`, tables: [name, ...tablesRead(tokens, rest)], writes: [name] };
      }
      return { kind: 'CreateStmt', summary: `CREATE TABLE ${name}`, tables: [name, ...referencedTables(tokens)], writes: [name] };
    }
    case 'INDEX': {
      const table = tokens[rest]?.upper === 'ON' ? (nameAt(tokens, rest + 1)?.name ?? '') : '';
      // Building the index writes the database; the lock is the table's, as PostgreSQL's ShareLock on it.
      return { kind: 'IndexStmt', summary: words('CREATE', unique, 'INDEX', name, 'ON', table), tables: [table], writes: [table] };
    }
    case 'VIEW':
      return { kind: 'ViewStmt', summary: `CREATE VIEW ${name}`, tables: [name, ...tablesRead(tokens, rest)], writes: [name] };
    case 'TRIGGER': {
      const on = tokens.findIndex((t, k) => k >= rest && t.upper === 'ON');
      const table = on > 0 ? (nameAt(tokens, on + 1)?.name ?? '') : '';
      return { kind: 'CreateTrigStmt', summary: `CREATE TRIGGER ${name} ON ${table}`, tables: [table], writes: [table] };
    }
    default:
      return { kind: 'OtherStmt', summary: masked(tokens), tables: [], writes: [] };
  }
}

function dropShape(tokens: SqliteToken[]): Shape {
  const object = tokens[1]?.upper ?? '';
  const target = nameAt(tokens, skipWords(tokens, 2, ['IF', 'EXISTS']));
  const name = target?.name ?? '';
  const relation = ['TABLE', 'INDEX', 'VIEW'].includes(object);
  return { kind: 'DropStmt', summary: words('DROP', object, name), tables: relation ? [name] : [], writes: relation ? [name] : [] };
}

function alterShape(tokens: SqliteToken[]): Shape {
  const target = tokens[1]?.upper === 'TABLE' ? nameAt(tokens, 2) : undefined;
  if (!target) return { kind: 'OtherStmt', summary: masked(tokens), tables: [], writes: [] };
  const table = target.name;
  const action = tokens[target.next]?.upper;
  const head = `ALTER TABLE ${table}`;
  if (action === 'RENAME') {
    if (tokens[target.next + 1]?.upper === 'TO') {
      const newName = nameAt(tokens, target.next + 2)?.name ?? '';
      // The new name is named too: later steps see the table under it.
      return { kind: 'RenameStmt', summary: `${head} RENAME TO ${newName}`, tables: [table, newName], writes: [table] };
    }
    const from = nameAt(tokens, skipWords(tokens, target.next + 1, ['COLUMN']));
    const to = from && tokens[from.next]?.upper === 'TO' ? nameAt(tokens, from.next + 1) : undefined;
    return { kind: 'RenameStmt', summary: `${head} RENAME COLUMN ${from?.name ?? ''} TO ${to?.name ?? ''}`, tables: [table], writes: [table] };
  }
  if (action === 'ADD' || action === 'DROP') {
    const column = nameAt(tokens, skipWords(tokens, target.next + 1, ['COLUMN']));
    return {
      kind: 'AlterTableStmt',
      summary: `${head} ${action} COLUMN ${column?.name ?? ''}`,
      tables: [table, ...referencedTables(tokens)],
      writes: [table],
    };
  }
  return { kind: 'AlterTableStmt', summary: head, tables: [table], writes: [table] };
}

const QUERY_VERBS = new Set(['SELECT', 'VALUES', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE']);
const KIND_OF_VERB: Record<string, string> = {
  SELECT: 'SelectStmt',
  VALUES: 'SelectStmt',
  INSERT: 'InsertStmt',
  REPLACE: 'InsertStmt',
  UPDATE: 'UpdateStmt',
  DELETE: 'DeleteStmt',
};

/** SELECT / INSERT / UPDATE / DELETE, with or without a WITH clause (whose CTE names are not tables). */
function queryShape(tokens: SqliteToken[]): Shape {
  const { verbAt, cteNames } = mainVerb(tokens);
  const verb = tokens[verbAt]?.upper ?? 'SELECT';
  let target: { name: string; next: number } | undefined;
  let summary = verb;
  if (verb === 'INSERT' || verb === 'REPLACE') {
    const into = tokens.findIndex((t, k) => k > verbAt && t.upper === 'INTO');
    target = into > 0 ? nameAt(tokens, into + 1) : undefined;
    summary = `${tokens.slice(verbAt, into > 0 ? into : verbAt + 1).map((t) => t.upper).join(' ')} INTO ${target?.name ?? ''}`;
  } else if (verb === 'UPDATE') {
    const at = tokens[verbAt + 1]?.upper === 'OR' ? verbAt + 3 : verbAt + 1;
    target = nameAt(tokens, at);
    summary = `UPDATE ${target?.name ?? ''}`;
  } else if (verb === 'DELETE') {
    target = tokens[verbAt + 1]?.upper === 'FROM' ? nameAt(tokens, verbAt + 2) : undefined;
    summary = `DELETE FROM ${target?.name ?? ''}`;
  }
  const read = tablesRead(tokens, 0).filter((t) => !cteNames.has(t));
  if (verb === 'SELECT' || verb === 'VALUES') summary = read.length > 0 ? `SELECT … FROM ${unique(read).join(', ')}` : verb;
  const written = target && !cteNames.has(target.name) ? [target.name] : [];
  return { kind: KIND_OF_VERB[verb] ?? 'SelectStmt', summary, tables: [...written, ...read], writes: written };
}

function mainVerb(tokens: SqliteToken[]): { verbAt: number; cteNames: Set<string> } {
  const cteNames = new Set<string>();
  if (tokens[0]?.upper !== 'WITH') return { verbAt: 0, cteNames };
  let depth = 0;
  let expectName = true;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && t.text === ',') expectName = true;
    else if (depth === 0 && t.upper === 'RECURSIVE') continue;
    else if (depth === 0 && QUERY_VERBS.has(t.upper)) return { verbAt: i, cteNames };
    else if (depth === 0 && expectName && (t.type === 'word' || t.type === 'identifier')) {
      cteNames.add(nameOf(t));
      expectName = false;
    }
  }
  return { verbAt: tokens.length, cteNames };
}

function pragmaShape(tokens: SqliteToken[]): Shape {
  const target = nameAt(tokens, 1, { keepSchema: true });
  const name = (target?.name ?? '').replace(/^main\./, '').toLowerCase();
  const next = target ? tokens[target.next] : undefined;
  const setting = next?.text === '=' || next?.text === '(';
  const valueToken = setting ? tokens[target!.next + 1] : undefined;
  // Pragma values are settings, not data; a string (e.g. an encryption key) is still left out.
  const value = valueToken && (valueToken.type === 'word' || valueToken.type === 'number' || valueToken.type === 'identifier') ? valueToken.text : '?';
  const summary = !setting ? `PRAGMA ${name}` : next!.text === '=' ? `PRAGMA ${name} = ${value.toUpperCase()}` : `PRAGMA ${name}(${value})`;
  // Inside a transaction, foreign_keys is a no-op (pragma.html#pragma_foreign_keys) and
  // journal_mode either keeps the old mode or fails ("cannot change out of wal mode from within a transaction").
  const nonTransactional = setting && (name === 'foreign_keys' || name === 'journal_mode');
  return { kind: 'PragmaStmt', summary, tables: [], writes: [], nonTransactional };
}

// ---------------------------------------------------------------------------------------------
// Names

/** `name` or `schema.name` at `i`: unquoted names lower-cased (SQLite compares them case-insensitively), `main.` dropped. */
function nameAt(tokens: SqliteToken[], i: number, opts: { keepSchema?: boolean } = {}): { name: string; next: number } | undefined {
  const first = tokens[i];
  if (!isName(first)) return undefined;
  if (tokens[i + 1]?.text === '.' && isName(tokens[i + 2])) {
    const schema = nameOf(first!);
    const name = nameOf(tokens[i + 2]!);
    return { name: schema.toLowerCase() === 'main' && !opts.keepSchema ? name : `${schema}.${name}`, next: i + 3 };
  }
  return { name: nameOf(first!), next: i + 1 };
}

function isName(token: SqliteToken | undefined): boolean {
  return token !== undefined && (token.type === 'word' || token.type === 'identifier');
}

function nameOf(token: SqliteToken): string {
  return token.type === 'word' ? token.name.toLowerCase() : token.name;
}

/** Words that end a table reference in a FROM list (an alias is any other name). */
const CLAUSE_WORDS = new Set(
  'WHERE JOIN ON USING GROUP ORDER LIMIT LEFT RIGHT INNER CROSS NATURAL FULL OUTER UNION EXCEPT INTERSECT WINDOW HAVING RETURNING SET INDEXED NOT VALUES SELECT DO'.split(' '),
);

/** Tables read through FROM and JOIN, subqueries included; table-valued functions and subqueries themselves left out. */
function tablesRead(tokens: SqliteToken[], from: number): string[] {
  const names: string[] = [];
  for (let i = from; i < tokens.length; i++) {
    const word = tokens[i]!.upper;
    if (tokens[i]!.type !== 'word') continue;
    if (word === 'JOIN') {
      const ref = tableRef(tokens, i + 1);
      if (ref.name) names.push(ref.name);
    } else if (word === 'FROM' && !isDistinctFrom(tokens, i)) {
      let at = i + 1;
      for (;;) {
        const ref = tableRef(tokens, at);
        if (ref.name) names.push(ref.name);
        if (tokens[ref.next]?.text !== ',') break;
        at = ref.next + 1;
      }
    }
  }
  return names;
}

/** `a IS [NOT] DISTINCT FROM b` is a comparison, not a FROM clause. */
function isDistinctFrom(tokens: SqliteToken[], i: number): boolean {
  return tokens[i - 1]?.upper === 'DISTINCT' && (tokens[i - 2]?.upper === 'IS' || tokens[i - 2]?.upper === 'NOT');
}

/** One table reference: its name (none for a subquery or table-valued function), and where it ends (after its alias). */
function tableRef(tokens: SqliteToken[], i: number): { name?: string; next: number } {
  let next: number;
  let name: string | undefined;
  if (tokens[i]?.text === '(') {
    next = afterParens(tokens, i);
  } else {
    const ref = nameAt(tokens, i);
    if (!ref) return { next: i };
    next = ref.next;
    if (tokens[next]?.text === '(') next = afterParens(tokens, next);
    else name = ref.name;
  }
  if (tokens[next]?.upper === 'AS') next += 2;
  else if (isName(tokens[next]) && !CLAUSE_WORDS.has(tokens[next]!.upper)) next += 1;
  return { name, next };
}

function afterParens(tokens: SqliteToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) return i + 1;
  }
  return tokens.length;
}

/** Parents named by `REFERENCES parent` (column and table foreign keys). */
function referencedTables(tokens: SqliteToken[]): string[] {
  const names: string[] = [];
  tokens.forEach((t, i) => {
    if (t.upper === 'REFERENCES') {
      const ref = nameAt(tokens, i + 1);
      if (ref) names.push(ref.name);
    }
  });
  return names;
}

function skipWords(tokens: SqliteToken[], i: number, skippable: string[]): number {
  while (tokens[i]?.type === 'word' && skippable.includes(tokens[i]!.upper)) i++;
  return i;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

function unique(names: string[]): string[] {
  return [...new Set(names)].filter((n) => n !== '');
}

function words(...parts: (string | false | undefined | null)[]): string {
  return parts.filter(Boolean).join(' ');
}

const TRANSACTION_KEYWORDS = new Set('BEGIN DEFERRED IMMEDIATE EXCLUSIVE TRANSACTION COMMIT END ROLLBACK TO SAVEPOINT RELEASE'.split(' '));

/** BEGIN / COMMIT / SAVEPOINT … with keywords in upper case and savepoint names as written. */
function transactionWords(tokens: SqliteToken[]): string {
  return tokens.map((t) => (TRANSACTION_KEYWORDS.has(t.upper) ? t.upper : t.text)).join(' ');
}

/** The statement's text with every literal replaced by `?`: reports never carry data values. */
function masked(tokens: SqliteToken[]): string {
  const text = tokens.map((t) => (t.type === 'string' || t.type === 'number' || t.type === 'blob' ? '?' : t.text)).join(' ');
  return clip(text, FALLBACK_LENGTH);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** 1-based line and column of UTF-16 offsets; columns count code points, as the PostgreSQL splitter's do. */
class TextPositions {
  private readonly lineStarts = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  at(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    const lineStart = this.lineStarts[low]!;
    return { line: low + 1, column: [...this.text.slice(lineStart, offset)].length + 1 };
  }
}
