// The previous app version's queries (`--previous-queries FILE`). During a rolling deploy the
// previous version keeps running against the schema the migrations leave behind: rehearse compiles
// each of its queries (Session.prepare: parse, name resolution, types — nothing runs) before the
// change and after every change step, so a query that breaks is pinned to the step that broke it,
// and one that already failed before is not blamed on the change.
import { redactSecrets } from '../redact.ts';
import { readFile } from 'node:fs/promises';
import { DatabaseError, type Dialect, type Session } from '../engines/engine.ts';
import { InputError } from '../errors.ts';
import type { PreviousQueriesEvidence, PreviousQueryFailure } from '../rehearsal/evidence.ts';
import { redactDataValues } from '../redact.ts';
import { splitFile } from '../sql/split.ts';

export interface PreviousQuery {
  /** 0-based position of the statement in the file. */
  index: number;
  /** 1-based line of the statement's first character. */
  line: number;
  /** The statement as written (leading comments and the semicolon left out). */
  sql: string;
  /** Parse-tree node type as the dialect's splitter names it (`SelectStmt`, `InsertStmt`, `VariableSetStmt`, …). */
  kind: string;
  /** A short description of the statement (`SELECT … FROM orders`, `SET search_path = x`). */
  summary: string;
}

/**
 * Statements a server compiles without running them: queries and data changes. Anything else
 * (DDL, SET, transaction control, CALL, EXPLAIN, …) is either refused by PREPARE or would only be
 * checked by running it. MERGE is PostgreSQL 15+'s (the PostgreSQL splitter's kind only).
 */
export const CHECKABLE_KINDS: ReadonlySet<string> = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** What the statements the check compiles are, in words (for messages). */
export const CHECKABLE_DESCRIPTION = 'SELECT, INSERT, UPDATE, DELETE, REPLACE, MERGE, VALUES and WITH … queries';

/** How many characters of a query the report keeps (whitespace collapsed). */
export const SHOWN_QUERY_CHARS = 200;

/**
 * Reads and splits a queries file with the dialect's splitter (the real PostgreSQL parser, the
 * MySQL client's rules, SQLite's lexer and parser), so parameters are written as the app's driver
 * sends them: `$1` on PostgreSQL, `?` on MySQL/MariaDB and SQLite. A missing, unreadable, empty or
 * unparseable file is an InputError naming the file (and the line where it does not parse), as
 * `display` (default: `path`) shows it.
 */
export async function readPreviousQueries(path: string, dialect: Dialect, display: string = path): Promise<PreviousQuery[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EISDIR'
          ? 'it is a directory, not a file'
          : (error as Error).message;
    throw new InputError('USAGE', `cannot read the previous app version's queries (--previous-queries): ${why}`, { location: { file: display }, cause: error });
  }
  if (text.trim() === '') {
    throw new InputError('USAGE', `the previous app version's queries file is empty (--previous-queries expects SQL statements separated by semicolons)`, {
      location: { file: display },
    });
  }
  // The splitter's InputError already says file:line:column and what does not parse.
  const parsed = await splitFile(display, text, { dialect });
  if (parsed.statements.length === 0) {
    // The message names the file itself ("no queries in FILE"), so no location prefix repeats it.
    throw new InputError('USAGE', `no queries in ${display}: it holds only comments (--previous-queries expects SQL statements separated by semicolons)`);
  }
  return parsed.statements.map((s) => ({ index: s.index, line: s.line, sql: s.sql, kind: s.kind, summary: s.summary }));
}

/** The query as the report shows it: whitespace collapsed, cut at SHOWN_QUERY_CHARS with `…`. */
export function shortQueryText(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  // The app's queries are code, but a credential written into one must not reach a report.
  return redactSecrets(text.length > SHOWN_QUERY_CHARS ? `${text.slice(0, SHOWN_QUERY_CHARS - 1)}…` : text);
}

export interface PreviousQueriesBaseline {
  /** Queries that do not compile on the dataset before the change: not the change's doing. */
  failingBefore: PreviousQueryFailure[];
  /** Statements that cannot be compiled without running them. */
  unchecked: { index: number; reason: string }[];
}

/**
 * Before the change: which queries are not checked after its steps — statements that cannot be
 * compiled without running (unchecked) and queries that already fail to compile on the dataset
 * (failingBefore). Call it on a session outside a transaction block, with the schema production
 * has before the deploy.
 */
export async function baselinePreviousQueries(session: Session, queries: readonly PreviousQuery[]): Promise<PreviousQueriesBaseline> {
  const failingBefore: PreviousQueryFailure[] = [];
  const unchecked: { index: number; reason: string }[] = [];
  for (const query of queries) {
    if (!CHECKABLE_KINDS.has(query.kind)) {
      unchecked.push({ index: query.index, reason: uncheckedReason(query) });
      continue;
    }
    const failure = await compile(session, query);
    if (failure) failingBefore.push(failure);
  }
  return { failingBefore, unchecked };
}

/** The indexes the checks after each step leave out: unchecked statements and queries failing before the change. */
export function skippedQueries(baseline: PreviousQueriesBaseline): Set<number> {
  return new Set([...baseline.failingBefore.map((f) => f.index), ...baseline.unchecked.map((u) => u.index)]);
}

/**
 * After a step: compiles every query not in `skip` against the schema as the step left it.
 * `checked` counts the queries compiled, `broken` those that failed, in file order. Only database
 * errors count as a broken query; anything else (a lost connection) is thrown.
 */
export async function checkPreviousQueries(
  session: Session,
  queries: readonly PreviousQuery[],
  skip: ReadonlySet<number>,
): Promise<{ checked: number; broken: PreviousQueryFailure[] }> {
  let checked = 0;
  const broken: PreviousQueryFailure[] = [];
  for (const query of queries) {
    if (skip.has(query.index) || !CHECKABLE_KINDS.has(query.kind)) continue;
    checked++;
    const failure = await compile(session, query);
    if (failure) broken.push(failure);
  }
  return { checked, broken };
}

/** The evidence of the target: the queries as shown, with the baseline. */
export function previousQueriesEvidence(file: string, queries: readonly PreviousQuery[], baseline: PreviousQueriesBaseline): PreviousQueriesEvidence {
  return {
    file,
    queries: queries.map((q) => ({ index: q.index, line: q.line, text: shortQueryText(q.sql) })),
    failingBefore: baseline.failingBefore,
    unchecked: baseline.unchecked,
  };
}

/**
 * SQLSTATEs that describe the session, not the query: the transaction is aborted (25P02) or
 * closed under it. Every query would "fail" with them, so they are thrown instead.
 */
const SESSION_STATES = new Set(['25P02', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

async function compile(session: Session, query: PreviousQuery): Promise<PreviousQueryFailure | undefined> {
  try {
    await session.prepare(query.sql);
    return undefined;
  } catch (error) {
    if (!(error instanceof DatabaseError) || (error.sqlstate !== undefined && SESSION_STATES.has(error.sqlstate))) throw error;
    return {
      index: query.index,
      message: redactDataValues(error.message),
      ...(error.sqlstate ? { sqlstate: error.sqlstate } : {}),
      ...(error.details.errno !== undefined ? { errno: error.details.errno } : {}),
    };
  }
}

function uncheckedReason(query: PreviousQuery): string {
  const what = query.summary || query.kind;
  return `${what}: not a statement rehearse can compile without running it (it checks ${CHECKABLE_DESCRIPTION})`;
}
