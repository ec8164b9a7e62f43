// Cuts MySQL/MariaDB SQL text into statements where the `mysql`/`mariadb` command-line client
// would send each one to the server (client/mysql.cc, add_line and read_and_execute): at the
// current delimiter outside quotes and comments. It follows the client's rules, not a grammar:
//
// - '…', "…" and `…` quote; a doubled quote is a quote; in '…' and "…" a backslash escapes the
//   next character unless sql_mode has NO_BACKSLASH_ESCAPES (under ANSI_QUOTES "…" is an
//   identifier, in which a backslash is an ordinary character, as in `…`).
// - `# …` and `-- …` (two dashes followed by a space or control character, or the end of the
//   line) run to the end of the line: `5--1` is arithmetic. Between statements the MariaDB client
//   also takes `--x` for a comment, and so does this lexer.
// - `/* … */` is a comment (never nested); `/*! … */`, `/*!50100 … */` and MariaDB's `/*M! … */`
//   are executable comments: their content is code, kept in the statement text. One whose version
//   is above the server's is skipped by the server, so it is a comment here too. The client cuts at
//   a delimiter even inside an executable comment, which leaves the server a statement it cannot
//   parse; this lexer reports that instead.
// - `DELIMITER xyz` (any case), as the first word of a line while no statement is pending,
//   changes the delimiter for what follows (`CREATE TRIGGER … BEGIN … END$$`).
// - the client also reads the server's sql_mode flags after every statement: a completed
//   `SET sql_mode = '…'` switches backslash escapes and ANSI quotes here too (mysqldump sets the
//   sql_mode a routine was created under right before the routine).
//
// It is fed chunks of any size (a multi-GB mysqldump streams through in flat memory: only the
// pending statement is held) or a whole string (`splitMysqlText`).

export interface MysqlLexerOptions {
  /** sql_mode NO_BACKSLASH_ESCAPES: a backslash in a string is an ordinary character. */
  noBackslashEscapes?: boolean;
  /** sql_mode ANSI_QUOTES: "…" quotes an identifier (no backslash escapes in it). */
  ansiQuotes?: boolean;
  /**
   * The server's version as executable comments write it (MariaDB 10.11.6 = 101106, MySQL 8.0.36 =
   * 80036). A versioned executable comment above it is a plain comment. Without it only the
   * versions no server has (999999 and above: MariaDB's `/*M!999999\- enable the sandbox mode *\/`
   * dump header) are skipped.
   */
  serverVersion?: number;
  /** A pending statement longer than this (characters) is an error: a quote left open, most likely. Default 256 Mi. */
  maxStatementLength?: number;
}

export interface LexedStatement {
  /** From the statement's first code character up to, not including, its delimiter; trailing blanks removed. */
  text: string;
  /** 1-based line and column (in characters) of the first code character. */
  line: number;
  column: number;
  /** The delimiter that ended it; `''` when the input ended first (the client sends that statement too). */
  delimiter: string;
  /** The quoting rules the statement was read under (a `SET sql_mode` before it may have changed them): tokenize it with these. */
  quoting: QuotingOptions;
}

/** Text the client would not send as written, or the server could not parse; with where it is. */
export class MysqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'MysqlSyntaxError';
  }
}

interface Position {
  line: number;
  column: number;
}

type State = 'code' | 'quote' | 'comment';

const DEFAULT_MAX_STATEMENT_LENGTH = 256 * 1024 * 1024;
const NEVER_VERSION = 999999;

export class MysqlLexer {
  #noBackslashEscapes: boolean;
  #ansiQuotes: boolean;
  /** The quoting rules as one object, shared by the statements read under them. */
  #quoting: QuotingOptions;
  readonly #serverVersion: number;
  readonly #maxStatementLength: number;
  readonly #sqlMode: SqlModeTracker;

  #delimiter = ';';
  /** Text after the last newline fed: lines are lexed whole, so look-ahead never crosses a chunk. */
  #partialLine = '';
  #lineNumber = 0;
  #state: State = 'code';
  #quote = 0;
  /** Where the open quote or comment began, for the error when the input ends inside it. */
  #openedAt: Position = { line: 0, column: 0 };
  /** Inside `/*! … *\/` (code, so the state stays `code`): where it opened. */
  #executableComment: Position | undefined;
  /** Text of the pending statement; undefined between statements. */
  #pieces: string[] | undefined;
  #pendingLength = 0;
  #start: Position = { line: 0, column: 0 };
  // Column of an index in the current line, counted forward in characters (not UTF-16 units).
  #line = '';
  #columnIndex = 0;
  #column = 1;

  constructor(options: MysqlLexerOptions = {}) {
    this.#noBackslashEscapes = options.noBackslashEscapes ?? false;
    this.#ansiQuotes = options.ansiQuotes ?? false;
    this.#serverVersion = options.serverVersion ?? NEVER_VERSION - 1;
    this.#maxStatementLength = options.maxStatementLength ?? DEFAULT_MAX_STATEMENT_LENGTH;
    this.#sqlMode = new SqlModeTracker({ noBackslashEscapes: this.#noBackslashEscapes, ansiQuotes: this.#ansiQuotes });
    this.#quoting = this.#currentQuoting();
  }

  /** The delimiter in force (`;` until a DELIMITER command changes it). */
  get delimiter(): string {
    return this.#delimiter;
  }

  /** The quoting rules in force, as the last `SET sql_mode` left them: statements are tokenized with these. */
  get quoting(): QuotingOptions {
    return this.#quoting;
  }

  #currentQuoting(): QuotingOptions {
    return Object.freeze({ noBackslashEscapes: this.#noBackslashEscapes, ansiQuotes: this.#ansiQuotes, serverVersion: this.#serverVersion });
  }

  /** Lines completed so far (the number of the last full line fed). */
  get lineNumber(): number {
    return this.#lineNumber;
  }

  /** Where the pending statement starts, if one is pending. */
  get pendingStart(): Position | undefined {
    return this.#pieces === undefined ? undefined : { ...this.#start };
  }

  /** Feeds the next chunk of text (it may end anywhere); returns the statements it completes. */
  write(chunk: string): LexedStatement[] {
    const done: LexedStatement[] = [];
    let from = 0;
    let newline = chunk.indexOf('\n');
    if (newline >= 0 && this.#partialLine !== '') {
      this.#lexLine(this.#partialLine + chunk.slice(0, newline), true, done);
      this.#partialLine = '';
      from = newline + 1;
      newline = chunk.indexOf('\n', from);
    }
    while (newline >= 0) {
      this.#lexLine(chunk.slice(from, newline), true, done);
      from = newline + 1;
      newline = chunk.indexOf('\n', from);
    }
    this.#partialLine += chunk.slice(from);
    if (this.#partialLine.length > this.#maxStatementLength) this.#tooLong();
    return done;
  }

  /** Ends the input: returns the last statement if it has no delimiter; throws if a quote or comment is left open. */
  end(): LexedStatement[] {
    const done: LexedStatement[] = [];
    if (this.#partialLine !== '') {
      this.#lexLine(this.#partialLine, false, done);
      this.#partialLine = '';
    }
    if (this.#state === 'quote') {
      const what = this.#quote === BACKTICK || (this.#quote === DOUBLE_QUOTE && this.#ansiQuotes) ? 'quoted identifier' : 'string';
      throw new MysqlSyntaxError(`unterminated ${what}: the ${String.fromCharCode(this.#quote)} opened here is never closed`, this.#openedAt.line, this.#openedAt.column);
    }
    if (this.#state === 'comment') {
      throw new MysqlSyntaxError('unterminated comment: the /* opened here is never closed', this.#openedAt.line, this.#openedAt.column);
    }
    if (this.#pieces !== undefined) this.#finishStatement('', done);
    return done;
  }

  #lexLine(text: string, hasNewline: boolean, done: LexedStatement[]): void {
    this.#lineNumber++;
    // The client skips a UTF-8 byte order mark at the start of the input; columns still count it.
    const line = this.#lineNumber === 1 && text.charCodeAt(0) === BYTE_ORDER_MARK ? ` ${text.slice(1)}` : text;
    this.#line = line;
    this.#columnIndex = 0;
    this.#column = 1;
    if (this.#pieces === undefined && this.#state === 'code' && this.#delimiterCommand(line)) return;

    /** Where the part of this line that belongs to the pending statement begins. */
    let segmentStart = this.#pieces === undefined ? -1 : 0;
    const n = line.length;
    let i = 0;
    while (i < n) {
      if (this.#state === 'quote') {
        i = this.#scanQuote(line, i);
        continue;
      }
      if (this.#state === 'comment') {
        const end = line.indexOf('*/', i);
        if (end < 0) break;
        this.#state = 'code';
        i = end + 2;
        continue;
      }
      // The client looks for the delimiter before anything else, so `DELIMITER //` works.
      if (line.startsWith(this.#delimiter, i)) {
        if (this.#pieces !== undefined) {
          this.#pieces.push(line.slice(segmentStart, i));
          this.#finishStatement(this.#delimiter, done);
        }
        segmentStart = -1;
        i += this.#delimiter.length;
        continue;
      }
      const c = line.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (c === HASH || (c === DASH && line.charCodeAt(i + 1) === DASH && (this.#pieces === undefined || endsDoubleDash(line, i + 2)))) {
        break; // the rest of the line is a comment
      }
      if (c === SLASH && line.charCodeAt(i + 1) === STAR) {
        const executable = executableCommentAt(line, i);
        if (executable && executable.version <= this.#serverVersion && this.#executableComment === undefined) {
          if (this.#pieces === undefined) segmentStart = this.#startStatement(i);
          this.#executableComment = this.#positionOf(i);
          i += executable.length;
          continue;
        }
        // Plain comments, optimizer hints (`/*+ … *\/`, no delimiter inside), skipped versions.
        this.#state = 'comment';
        this.#openedAt = this.#positionOf(i);
        i += 2;
        continue;
      }
      if (c === STAR && line.charCodeAt(i + 1) === SLASH && this.#executableComment !== undefined) {
        this.#executableComment = undefined;
        i += 2;
        continue;
      }
      if (this.#pieces === undefined) segmentStart = this.#startStatement(i);
      if (c === QUOTE || c === DOUBLE_QUOTE || c === BACKTICK) {
        this.#state = 'quote';
        this.#quote = c;
        this.#openedAt = this.#positionOf(i);
      }
      i++;
    }
    if (this.#pieces !== undefined) {
      const rest = line.slice(segmentStart);
      this.#pieces.push(rest, hasNewline ? '\n' : '');
      this.#pendingLength += rest.length + 1;
      if (this.#pendingLength > this.#maxStatementLength) this.#tooLong();
    }
  }

  /** `DELIMITER xyz` as the first word of a line: the client's command, never sent to the server. */
  #delimiterCommand(line: string): boolean {
    const command = DELIMITER_COMMAND.exec(line);
    if (!command) return false;
    const argument = delimiterArgument(line.slice(command[0].length));
    const column = command[0].length - 'delimiter'.length + 1;
    if (argument === undefined) {
      throw new MysqlSyntaxError("DELIMITER must be followed by a 'delimiter' character or string", this.#lineNumber, column);
    }
    if (argument.includes('\\')) throw new MysqlSyntaxError('DELIMITER cannot contain a backslash character', this.#lineNumber, column);
    this.#delimiter = argument;
    return true;
  }

  #scanQuote(line: string, i: number): number {
    const quote = this.#quote;
    const escapes = quote !== BACKTICK && !this.#noBackslashEscapes && !(quote === DOUBLE_QUOTE && this.#ansiQuotes);
    for (let j = i; j < line.length; j++) {
      const c = line.charCodeAt(j);
      if (c === BACKSLASH && escapes) {
        j++; // a backslash at the end of the line escapes the newline: still inside
        continue;
      }
      if (c !== quote) continue;
      if (line.charCodeAt(j + 1) === quote) {
        j++;
        continue;
      }
      this.#state = 'code';
      return j + 1;
    }
    return line.length;
  }

  #startStatement(i: number): number {
    this.#pieces = [];
    this.#pendingLength = 0;
    this.#start = this.#positionOf(i);
    return i;
  }

  #finishStatement(delimiter: string, done: LexedStatement[]): void {
    const pieces = this.#pieces!;
    const start = this.#start;
    const opened = this.#executableComment;
    this.#pieces = undefined;
    this.#executableComment = undefined;
    if (opened) {
      throw new MysqlSyntaxError(
        `the statement ends (at its delimiter ${delimiter || 'or the end of the input'}) inside the executable comment opened at line ${opened.line}, column ${opened.column}: ` +
          'the server would reject it; set another DELIMITER around statements whose /*! … */ holds a semicolon',
        start.line,
        start.column,
      );
    }
    const text = pieces.join('').replace(TRAILING_SPACE, '');
    done.push({ text, line: start.line, column: start.column, delimiter, quoting: this.#quoting });
    this.#followSqlMode(text);
  }

  #followSqlMode(text: string): void {
    const mode = this.#sqlMode.after(text, this.#quoting);
    if (mode.noBackslashEscapes === this.#noBackslashEscapes && mode.ansiQuotes === this.#ansiQuotes) return;
    this.#noBackslashEscapes = mode.noBackslashEscapes;
    this.#ansiQuotes = mode.ansiQuotes;
    this.#quoting = this.#currentQuoting();
  }

  #positionOf(index: number): Position {
    if (index < this.#columnIndex) {
      this.#columnIndex = 0;
      this.#column = 1;
    }
    for (let j = this.#columnIndex; j < index; j++) {
      if (!isLowSurrogate(this.#line.charCodeAt(j))) this.#column++;
    }
    this.#columnIndex = index;
    return { line: this.#lineNumber, column: this.#column };
  }

  #tooLong(): never {
    const at = this.#pieces === undefined ? { line: this.#lineNumber + 1, column: 1 } : this.#start;
    throw new MysqlSyntaxError(
      `this statement runs on for over ${Math.round(this.#maxStatementLength / 1024 / 1024)} MiB: is a quote or comment left open?`,
      at.line,
      at.column,
    );
  }
}

/** All statements of a whole text. */
export function splitMysqlText(text: string, options: MysqlLexerOptions = {}): LexedStatement[] {
  const lexer = new MysqlLexer(options);
  return [...lexer.write(text), ...lexer.end()];
}

// ---------------------------------------------------------------------------------------------
// Tokens: the same quoting and comment rules, for reading what one statement says.

export interface QuotingOptions {
  noBackslashEscapes?: boolean;
  ansiQuotes?: boolean;
  serverVersion?: number;
}

export type TokenType =
  /** An unquoted keyword or name; `upper` holds it upper-cased. */
  | 'word'
  /** A `quoted` identifier (or "quoted" under ANSI_QUOTES); `value` is the name. */
  | 'ident'
  /** A string literal; `value` is its content. */
  | 'string'
  | 'number'
  /** `@name`, `@'name'`, `@@name`, `@@global.name`. */
  | 'variable'
  /** Any other single character. */
  | 'punct';

export interface Token {
  type: TokenType;
  /** The name for words and identifiers, the content for strings, the text otherwise. */
  value: string;
  /** Upper-cased `value` for words, `value` otherwise. */
  upper: string;
  /** Offsets in the statement text: `text.slice(start, end)` is the token as written. */
  start: number;
  end: number;
}

/**
 * The tokens of one statement's text, comments left out and executable-comment markers dropped
 * (their content counts). Stops after `limit` tokens: the first few words are often all a caller
 * needs of a 10 MB INSERT.
 */
export function mysqlTokens(text: string, options: QuotingOptions = {}, limit = Infinity): Token[] {
  const serverVersion = options.serverVersion ?? NEVER_VERSION - 1;
  const tokens: Token[] = [];
  let inExecutableComment = false;
  const n = text.length;
  let i = 0;
  while (i < n && tokens.length < limit) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === HASH || (c === DASH && text.charCodeAt(i + 1) === DASH && endsDoubleDash(text, i + 2))) {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? n : newline + 1;
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const executable = executableCommentAt(text, i);
      if (executable && executable.version <= serverVersion && !inExecutableComment) {
        inExecutableComment = true;
        i += executable.length;
        continue;
      }
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === STAR && text.charCodeAt(i + 1) === SLASH && inExecutableComment) {
      inExecutableComment = false;
      i += 2;
      continue;
    }
    if (c === QUOTE || c === DOUBLE_QUOTE || c === BACKTICK) {
      const quoted = readQuoted(text, i, options);
      const type = c === BACKTICK || (c === DOUBLE_QUOTE && options.ansiQuotes) ? 'ident' : 'string';
      tokens.push({ type, value: quoted.value, upper: quoted.value, start: i, end: quoted.end });
      i = quoted.end;
      continue;
    }
    if (c === AT) {
      const end = variableEnd(text, i, options);
      if (end > i + 1) {
        const value = text.slice(i, end);
        // Variable names are case-insensitive.
        tokens.push({ type: 'variable', value, upper: value.toUpperCase(), start: i, end });
        i = end;
        continue;
      }
    }
    if (isWordPart(c)) {
      let end = i + 1;
      while (end < n && isWordPart(text.charCodeAt(end))) end++;
      const value = text.slice(i, end);
      const type = NUMBER.test(value) ? 'number' : 'word';
      tokens.push({ type, value, upper: type === 'word' ? value.toUpperCase() : value, start: i, end });
      i = end;
      continue;
    }
    const value = text[i]!;
    tokens.push({ type: 'punct', value, upper: value, start: i, end: i + 1 });
    i++;
  }
  return tokens;
}

function readQuoted(text: string, start: number, options: QuotingOptions): { value: string; end: number } {
  const quote = text.charCodeAt(start);
  const escapes = quote !== BACKTICK && !options.noBackslashEscapes && !(quote === DOUBLE_QUOTE && options.ansiQuotes);
  let value = '';
  let from = start + 1;
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH && escapes) {
      value += text.slice(from, j) + unescape(text[j + 1] ?? '');
      from = j + 2;
      j++;
      continue;
    }
    if (c !== quote) continue;
    value += text.slice(from, j);
    if (text.charCodeAt(j + 1) === quote) {
      value += text[j];
      from = j + 2;
      j++;
      continue;
    }
    return { value, end: j + 1 };
  }
  return { value: value + text.slice(from), end: text.length };
}

/** MySQL's string escapes (`\%` and `\_` keep their backslash: they are LIKE wildcards). */
function unescape(c: string): string {
  switch (c) {
    case '0':
      return '\0';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'Z':
      return '\x1a';
    case '%':
    case '_':
      return `\\${c}`;
    default:
      return c;
  }
}

/** End of `@name`, `@'name'`, `@@name`, `@@scope.name` starting at `i` (`i + 1` when it is a bare `@`). */
function variableEnd(text: string, i: number, options: QuotingOptions): number {
  let j = i + 1;
  if (text.charCodeAt(j) === AT) {
    j++;
    while (j < text.length && (isWordPart(text.charCodeAt(j)) || text.charCodeAt(j) === DOT)) j++;
    return j;
  }
  const c = text.charCodeAt(j);
  if (c === QUOTE || c === DOUBLE_QUOTE || c === BACKTICK) return readQuoted(text, j, options).end;
  while (j < text.length && (isWordPart(text.charCodeAt(j)) || text.charCodeAt(j) === DOT)) j++;
  return j;
}

/** A name (word or `quoted`), possibly `db.table`, at `i`: the name as written without quotes and the index after it. */
export function qualifiedNameAt(tokens: Token[], i: number): { name: string; next: number } | undefined {
  const first = tokens[i];
  if (!isName(first)) return undefined;
  if (tokens[i + 1]?.value === '.' && tokens[i + 1]?.type === 'punct' && isName(tokens[i + 2])) {
    return { name: `${first.value}.${tokens[i + 2]!.value}`, next: i + 3 };
  }
  return { name: first.value, next: i + 1 };
}

export function isName(t: Token | undefined): t is Token {
  return t !== undefined && (t.type === 'word' || t.type === 'ident');
}

/** Keywords and names from the start, up to the first literal or punctuation: a summary without data values. */
export function leadingWords(tokens: Token[], max = 4): string {
  const words: string[] = [];
  for (const t of tokens) {
    if (!isName(t) || words.length >= max) break;
    words.push(t.type === 'word' ? t.upper : t.value);
  }
  return words.join(' ');
}

/** Index of the `)` closing the `(` at `open` (the end when unbalanced). */
export function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'punct') continue;
    if (t.value === '(') depth++;
    else if (t.value === ')' && --depth === 0) return i;
  }
  return tokens.length;
}

/** Token lists between top-level commas (commas inside parentheses stay inside). */
export function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.type === 'punct') {
      if (token.value === '(') depth++;
      else if (token.value === ')') depth = Math.max(0, depth - 1);
      else if (token.value === ',' && depth === 0) {
        parts.push([]);
        continue;
      }
    }
    parts.at(-1)!.push(token);
  }
  return parts.filter((part) => part.length > 0);
}

// ---------------------------------------------------------------------------------------------
// sql_mode

/**
 * Follows `SET sql_mode = …` as the client follows the server's status flags. Knows literal
 * modes, `DEFAULT`, and the user variables mysqldump saves the mode in (`SET @saved_sql_mode =
 * @@sql_mode` … `SET sql_mode = @saved_sql_mode`); any other expression leaves the mode as it is.
 */
class SqlModeTracker {
  readonly #initial: SqlModeQuoting;
  readonly #saved = new Map<string, SqlModeQuoting>();

  constructor(initial: SqlModeQuoting) {
    this.#initial = initial;
  }

  /** The quoting rules after `text` ran with `current` in force. */
  after(text: string, current: QuotingOptions): SqlModeQuoting {
    const mode = { noBackslashEscapes: current.noBackslashEscapes ?? false, ansiQuotes: current.ansiQuotes ?? false };
    // Cheap filter first: this runs after every statement of a dump.
    if (text.length > 4096 || !SQL_MODE_WORD.test(text)) return mode;
    const tokens = mysqlTokens(text, current);
    if (tokens[0]?.upper !== 'SET') return mode;
    for (const assignment of splitTopLevel(tokens.slice(1))) {
      const eq = assignment.findIndex((t) => t.type === 'punct' && (t.value === '=' || t.value === ':'));
      if (eq < 0) continue;
      const target = assignment.slice(0, eq).map((t) => t.upper).join('');
      const valueTokens = assignment.slice(assignment[eq + 1]?.value === '=' ? eq + 2 : eq + 1);
      const value = valueTokens.length === 1 ? valueTokens[0]! : undefined;
      if (SESSION_SQL_MODE.test(target) && value) {
        if (value.type === 'string') Object.assign(mode, quotingOfSqlMode(value.value));
        else if (value.upper === 'DEFAULT') Object.assign(mode, this.#initial);
        else if (value.type === 'variable' && this.#saved.has(value.upper)) Object.assign(mode, this.#saved.get(value.upper));
      } else if (target.startsWith('@') && !target.startsWith('@@') && value && SESSION_SQL_MODE.test(value.upper)) {
        this.#saved.set(target, { ...mode });
      }
    }
    return mode;
  }
}

/** What of sql_mode decides where statements end. */
type SqlModeQuoting = { noBackslashEscapes: boolean; ansiQuotes: boolean };

const SQL_MODE_WORD = /sql_mode/i;
/** `sql_mode`, `SESSION sql_mode`, `@@sql_mode`, `@@session.sql_mode`, `@@local.sql_mode` (upper-cased, joined). */
const SESSION_SQL_MODE = /^(?:SESSION|LOCAL|@@SESSION\.|@@LOCAL\.|@@)?SQL_MODE$/;
/** Combination modes that include ANSI_QUOTES. */
const ANSI_QUOTES_MODES = new Set(['ANSI_QUOTES', 'ANSI', 'DB2', 'MAXDB', 'MSSQL', 'ORACLE', 'POSTGRESQL']);

function quotingOfSqlMode(value: string): SqlModeQuoting {
  const modes = value.toUpperCase().split(',').map((m) => m.trim());
  return { noBackslashEscapes: modes.includes('NO_BACKSLASH_ESCAPES'), ansiQuotes: modes.some((m) => ANSI_QUOTES_MODES.has(m)) };
}

// ---------------------------------------------------------------------------------------------
// Characters

/** `DELIMITER` as the first word of a line: followed by a blank or the end (find_command). */
const DELIMITER_COMMAND = /^[ \t\r\v\f]*delimiter(?=[ \t]|$)/i;

/** The client's get_arg: a quoted argument (doubled quotes and backslashes escape) or the first blank-free word. */
function delimiterArgument(rest: string): string | undefined {
  const text = rest.replace(/^\s+/, '');
  const quote = text[0];
  if (quote === "'" || quote === '"' || quote === '`') {
    let value = '';
    for (let j = 1; j < text.length; j++) {
      const c = text[j]!;
      if ((c === '\\' && j + 1 < text.length) || (c === quote && text[j + 1] === quote)) {
        value += text[++j];
        continue;
      }
      if (c === quote) return value === '' ? undefined : value;
      value += c;
    }
    return undefined;
  }
  const word = /^\S+/.exec(text)?.[0];
  return word === undefined || word === '' ? undefined : word;
}

/** `/*!`, `/*!50100`, `/*M!`, `/*M!100100` at `i`: the marker's length and the version it requires. */
function executableCommentAt(text: string, i: number): { length: number; version: number } | undefined {
  let j = i + 2;
  if (text.charCodeAt(j) === 0x4d /* M */ && text.charCodeAt(j + 1) === BANG) j++;
  if (text.charCodeAt(j) !== BANG) return undefined;
  j++;
  const digits = /^\d{5,6}/.exec(text.slice(j, j + 6))?.[0] ?? '';
  return { length: j + digits.length - i, version: digits === '' ? 0 : Number(digits) };
}

/** After `--`: a comment when a blank or control character follows, or the line ends. */
function endsDoubleDash(text: string, i: number): boolean {
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  return c <= 0x20 || c === 0x7f;
}

const TRAILING_SPACE = /\s+$/;
const NUMBER = /^(?:\d+|0x[0-9a-f]+|\d+e\d+)$/i;

const BYTE_ORDER_MARK = 0xfeff;
const TAB = 0x09;
const NEWLINE = 0x0a;
const VERTICAL_TAB = 0x0b;
const FORM_FEED = 0x0c;
const CR = 0x0d;
const SPACE = 0x20;
const BANG = 0x21;
const DOUBLE_QUOTE = 0x22;
const HASH = 0x23;
const QUOTE = 0x27;
const STAR = 0x2a;
const DASH = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const AT = 0x40;
const BACKSLASH = 0x5c;
const BACKTICK = 0x60;

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === NEWLINE || c === CR || c === VERTICAL_TAB || c === FORM_FEED;
}

/** Characters of unquoted identifiers and numbers: MySQL allows `$` and anything beyond ASCII. */
function isWordPart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x24 || c >= 0x80;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
