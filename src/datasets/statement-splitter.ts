// Cuts a SQL script into statements line by line, where psql would send each one to the server:
// at a `;` outside quotes, comments, dollar quotes, parentheses and SQL-standard function bodies
// (`BEGIN ATOMIC … END`). This is psql's own lexer logic (psqlscan.l) reduced to what decides a
// statement boundary; the real parser (libpg-query) then says what each statement is. It works
// incrementally so that a 1 GB dump is never held, or parsed, whole.
//
// Assumes standard_conforming_strings = on (the default since PostgreSQL 9.1, and what pg_dump
// sets): backslashes escape only inside E'…' strings.

export interface ScriptStatement {
  /** From the statement's first token up to, not including, its `;` (comments before it excluded). */
  text: string;
  /** 1-based line and column of the first token. */
  line: number;
  column: number;
  /** The first keyword, lower-cased (`copy`, `create`, `insert`, …); empty when it is not a plain word. */
  firstWord: string;
}

type LexState =
  | { kind: 'code' }
  | { kind: 'quoted'; quote: "'" | '"'; backslashEscapes: boolean }
  | { kind: 'dollar'; tag: string }
  | { kind: 'block-comment'; depth: number };

const CODE: LexState = { kind: 'code' };

export class StatementSplitter {
  #state: LexState = CODE;
  /** Text of the statement so far; `undefined` until its first token. */
  #pieces: string[] | undefined;
  #pendingChars = 0;
  #lastLineEndsInComment = false;
  #start = { line: 0, column: 0 };
  #firstWord = '';
  #parenDepth = 0;
  /** psql's heuristic for `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END`. */
  #beginDepth = 0;
  #wordCount = 0;
  #leadingWords = '';
  #inRoutineDefinition = false;

  /** True between statements: nothing pending and not inside a quote or comment. */
  get idle(): boolean {
    return this.#pieces === undefined && this.#state.kind === 'code';
  }

  /** True when the next line starts outside any quote or comment (psql would read a `\` there as a meta-command). */
  get inCode(): boolean {
    return this.#state.kind === 'code';
  }

  /** Feeds one line (without its newline); returns the statements it completes. */
  feed(line: string, lineNumber: number): ScriptStatement[] {
    const done: ScriptStatement[] = [];
    /** Where the part of this line that belongs to the pending statement begins. */
    let segmentStart = this.#pieces === undefined ? -1 : 0;
    let i = 0;
    let endsInLineComment = false;
    const n = line.length;
    while (i < n) {
      const state = this.#state;
      if (state.kind === 'quoted') {
        i = this.#scanQuoted(line, i, state);
        continue;
      }
      if (state.kind === 'dollar') {
        const end = line.indexOf(state.tag, i);
        if (end < 0) {
          i = n;
        } else {
          i = end + state.tag.length;
          this.#state = CODE;
        }
        continue;
      }
      if (state.kind === 'block-comment') {
        i = this.#scanBlockComment(line, i, state);
        continue;
      }

      const c = line.charCodeAt(i);
      if (c === SPACE || c === TAB || c === CR) {
        i++;
        continue;
      }
      if (c === DASH && line.charCodeAt(i + 1) === DASH) {
        endsInLineComment = true; // the rest of the line is a comment
        break;
      }
      if (c === SLASH && line.charCodeAt(i + 1) === STAR) {
        this.#state = { kind: 'block-comment', depth: 1 };
        i += 2;
        continue;
      }

      // Anything else is part of a statement.
      if (this.#pieces === undefined) {
        this.#pieces = [];
        this.#start = { line: lineNumber, column: i + 1 };
        segmentStart = i;
      }

      if (c === SEMICOLON && this.#parenDepth === 0 && this.#beginDepth === 0) {
        this.#pieces.push(line.slice(segmentStart, i));
        done.push({ text: this.#pieces.join(''), line: this.#start.line, column: this.#start.column, firstWord: this.#firstWord });
        this.#reset();
        segmentStart = -1;
        i++;
        continue;
      }
      if (c === QUOTE || c === DOUBLE_QUOTE) {
        this.#state = { kind: 'quoted', quote: c === QUOTE ? "'" : '"', backslashEscapes: false };
        i++;
        continue;
      }
      if (c === DOLLAR) {
        const tag = DOLLAR_QUOTE.exec(line.slice(i, i + 64))?.[0];
        if (tag) {
          this.#state = { kind: 'dollar', tag };
          i += tag.length;
          continue;
        }
        i++;
        continue;
      }
      if (c === OPEN_PAREN) this.#parenDepth++;
      else if (c === CLOSE_PAREN && this.#parenDepth > 0) this.#parenDepth--;
      if (isWordStart(c)) {
        let end = i + 1;
        while (end < n && isWordPart(line.charCodeAt(end))) end++;
        const word = line.slice(i, end);
        // E'…' is the one string form in which backslashes escape.
        if ((word === 'E' || word === 'e') && line.charCodeAt(end) === QUOTE) {
          this.#state = { kind: 'quoted', quote: "'", backslashEscapes: true };
          i = end + 1;
          continue;
        }
        this.#noteWord(word);
        i = end;
        continue;
      }
      i++;
    }
    if (line.trim() !== '') this.#lastLineEndsInComment = endsInLineComment;
    if (this.#pieces !== undefined) {
      const rest = line.slice(segmentStart);
      this.#pieces.push(rest, '\n');
      this.#pendingChars += rest.length + 1;
    }
    return done;
  }

  /** Characters of the statement pending (not yet ended by `;`). */
  get pendingChars(): number {
    return this.#pendingChars;
  }

  /** Where the pending statement starts, if one is pending. */
  get pendingStart(): { line: number; column: number } | undefined {
    return this.#pieces === undefined ? undefined : this.#start;
  }

  /**
   * At end of input: the last statement when it has no `;` (psql sends it too, and the server
   * then reports an unclosed quote), or null.
   */
  finish(): ScriptStatement | null {
    if (this.#pieces === undefined) return null;
    // Trailing blank lines go; the newline that ends a trailing `-- comment` stays, or a `;`
    // appended to run the statement would be swallowed by the comment.
    const text = this.#pieces.join('').replace(/\s+$/, '') + (this.#lastLineEndsInComment ? '\n' : '');
    const statement = { text, line: this.#start.line, column: this.#start.column, firstWord: this.#firstWord };
    this.#reset();
    return statement;
  }

  #scanQuoted(line: string, i: number, state: Extract<LexState, { kind: 'quoted' }>): number {
    const quote = state.quote.charCodeAt(0);
    for (let j = i; j < line.length; j++) {
      const c = line.charCodeAt(j);
      if (c === BACKSLASH && state.backslashEscapes) {
        j++;
        continue;
      }
      if (c === quote) {
        // A doubled quote is an escaped quote, not the end.
        if (line.charCodeAt(j + 1) === quote) {
          j++;
          continue;
        }
        this.#state = CODE;
        return j + 1;
      }
    }
    return line.length;
  }

  #scanBlockComment(line: string, i: number, state: Extract<LexState, { kind: 'block-comment' }>): number {
    for (let j = i; j < line.length - 1; j++) {
      const c = line.charCodeAt(j);
      const next = line.charCodeAt(j + 1);
      if (c === SLASH && next === STAR) {
        state.depth++;
        j++;
      } else if (c === STAR && next === SLASH) {
        state.depth--;
        j++;
        if (state.depth === 0) {
          this.#state = CODE;
          return j + 1;
        }
      }
    }
    return line.length;
  }

  /** Tracks the first word and psql's BEGIN … END depth inside CREATE FUNCTION/PROCEDURE. */
  #noteWord(word: string): void {
    if (this.#wordCount < 4) {
      const lower = word.toLowerCase();
      if (this.#wordCount === 0) this.#firstWord = lower;
      // psql remembers the initials of the leading CREATE / OR / REPLACE / FUNCTION / PROCEDURE words.
      this.#leadingWords += LEADING_WORDS.has(lower) ? lower[0] : '.';
      this.#inRoutineDefinition = /^c(f|p|orf|orp)/.test(this.#leadingWords);
    }
    this.#wordCount++;
    if (!this.#inRoutineDefinition || this.#parenDepth > 0) return;
    const lower = word.toLowerCase();
    if (lower === 'begin') this.#beginDepth++;
    else if (lower === 'case' && this.#beginDepth > 0) this.#beginDepth++;
    else if (lower === 'end' && this.#beginDepth > 0) this.#beginDepth--;
  }

  #reset(): void {
    this.#pieces = undefined;
    this.#pendingChars = 0;
    this.#firstWord = '';
    this.#parenDepth = 0;
    this.#beginDepth = 0;
    this.#wordCount = 0;
    this.#leadingWords = '';
    this.#inRoutineDefinition = false;
  }
}

const LEADING_WORDS = new Set(['create', 'or', 'replace', 'function', 'procedure']);

/** `$$` or `$tag$`; a `$` followed by digits is a parameter, and `a$b` is part of an identifier. */
const DOLLAR_QUOTE = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const SEMICOLON = 0x3b;
const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const DOLLAR = 0x24;
const BACKSLASH = 0x5c;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;

function isWordStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}

/** Identifier characters, `$` included: in `a$b` the `$` is no dollar quote. Digits too, so `1e5` is one word. */
function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 0x30 && c <= 0x39) || c === DOLLAR;
}
