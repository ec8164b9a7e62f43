// `rehearse queries capture`: the statements an application runs, read from a PostgreSQL
// server's pg_stat_statements, written as a file `rehearse run --previous-queries` reads.
//
// Safety (DESIGN §9): a source database is read in a read-only snapshot transaction, on a
// connection whose every transaction defaults to read-only. Nothing is created, installed or
// reset: when pg_stat_statements is missing, the error says how whoever administers the server
// can enable it.
import pg from 'pg';
import { DatabaseError, toDatabaseError } from '../engines/engine.ts';
import { driverReason, scrubbedCause } from '../engines/postgres/driver-errors.ts';
import { connectReadOnly } from '../engines/postgres/read-only-client.ts';
import { parsePostgresUrl, scrubPassword, type ServerUrl } from '../engines/url.ts';
import { EnvironmentError, UsageError } from '../errors.ts';
import { splitPostgresFile } from '../sql/postgres-split.ts';
import { CHECKABLE_KINDS } from './previous-queries.ts';

export interface CaptureOptions {
  /** postgres:// URL of the server (and database) to read from. */
  url: string;
  /** The database whose statements are wanted; default: the URL's database. */
  database?: string;
  /** Leave out statements called fewer times. */
  minCalls: number;
  /** At most this many statements, the most called first. */
  limit: number;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface CapturedQuery {
  /** The statement as pg_stat_statements normalised it (constants as `$n`). */
  sql: string;
  calls: number;
  /** Mean execution time, ms. */
  meanMs: number;
}

/** Why statements pg_stat_statements holds were not written. */
export interface LeftOut {
  /** They read pg_catalog, information_schema or other `pg_*` system relations (drivers, tools, rehearse itself). */
  system: number;
  /** Not a statement the check compiles (DDL, SET, transaction control, utility statements). */
  notCheckable: number;
  /** Name no table (`SELECT 1`, `SELECT version()`): nothing a migration changes. */
  noTable: number;
  /** Text shown as `<insufficient privilege>`: statements of other roles, without pg_read_all_stats. */
  hidden: number;
  /** Text the PostgreSQL parser does not accept as one statement. */
  unparsed: number;
  /** Beyond `--limit`. */
  overLimit: number;
}

export interface Capture {
  /** The server and database, without password or parameters: `postgres://app@db:5432/shop`. */
  source: string;
  database: string;
  capturedAt: Date;
  minCalls: number;
  limit: number;
  queries: CapturedQuery[];
  leftOut: LeftOut;
}

/** Same in every message about a missing pg_stat_statements. */
function howToEnable(database: string): string {
  return (
    `rehearse reads pg_stat_statements and never installs or changes anything. Whoever administers the server can enable it: ` +
    `set shared_preload_libraries = 'pg_stat_statements' in postgresql.conf (it needs a restart), then run ` +
    `CREATE EXTENSION pg_stat_statements; in database "${database}", and let the application run for a while so it records its statements`
  );
}

/** Reads pg_stat_statements in a read-only transaction and returns the statements worth checking. */
export async function capturePgStatStatements(opts: CaptureOptions): Promise<Capture> {
  const url = parsePostgresUrl(opts.url);
  const client = await connectReadOnly(url, { statementTimeoutMs: 60_000 });
  const capturedAt = (opts.now ?? (() => new Date()))();
  try {
    await run(client, url, 'start a read-only transaction', 'BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const connected = (await run<{ db: string }>(client, url, 'read the database name', 'SELECT pg_catalog.current_database() AS db')).rows[0]!.db;
    const database = opts.database ?? connected;
    const rows = await readStatements(client, url, connected, database, opts.minCalls);
    await run(client, url, 'end the read-only transaction', 'ROLLBACK');
    return { source: sourceOf(url, database), database, capturedAt, minCalls: opts.minCalls, limit: opts.limit, ...(await select(rows, opts.limit)) };
  } finally {
    await client.end().catch(() => {});
  }
}

interface StatementRow {
  query: string | null;
  calls: string;
  mean_ms: number | null;
}

async function readStatements(client: pg.Client, url: ServerUrl, connected: string, database: string, minCalls: number): Promise<StatementRow[]> {
  const extension = await run<{ schema: string }>(
    client,
    url,
    'look for pg_stat_statements',
    `SELECT n.nspname AS schema FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'pg_stat_statements'`,
  );
  if (extension.rows.length === 0) {
    throw new EnvironmentError('ENGINE_FAILED', `pg_stat_statements is not installed in database "${connected}" on ${url.redacted}. ${howToEnable(connected)}`);
  }
  const dbid = await run<{ oid: number }>(client, url, 'look up the database', 'SELECT oid FROM pg_catalog.pg_database WHERE datname = $1', [database]);
  if (dbid.rows.length === 0) throw new UsageError('USAGE', `database "${database}" does not exist on ${url.redacted} (--database)`);
  const view = `${quoteIdent(extension.rows[0]!.schema)}.pg_stat_statements`;
  const columns = new Set(
    (
      await run<{ name: string }>(
        client,
        url,
        'read the columns of pg_stat_statements',
        `SELECT attname AS name FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
        [view],
      )
    ).rows.map((r) => r.name),
  );
  // PostgreSQL 13 renamed mean_time to mean_exec_time; 14 added toplevel (statements run inside
  // functions, with pg_stat_statements.track = all, are not the application's).
  const mean = columns.has('mean_exec_time') ? 'mean_exec_time' : 'mean_time';
  const toplevel = columns.has('toplevel') ? 'AND s.toplevel' : '';
  try {
    const { rows } = await client.query<StatementRow>(
      `SELECT s.query, s.calls::text AS calls, s.${mean}::float8 AS mean_ms
         FROM ${view} s
        WHERE s.dbid = $1 AND s.calls >= $2 ${toplevel}
        ORDER BY s.calls DESC, s.queryid`,
      [dbid.rows[0]!.oid, minCalls],
    );
    return rows;
  } catch (error) {
    const e = toDatabaseError(error);
    // "pg_stat_statements must be loaded via shared_preload_libraries" (55000)
    if (e instanceof DatabaseError && e.sqlstate === '55000' && /shared_preload_libraries/.test(e.message)) {
      throw new EnvironmentError('ENGINE_FAILED', `pg_stat_statements is installed in database "${connected}" on ${url.redacted}, but not loaded: ${e.message}. ${howToEnable(connected)}`);
    }
    throw failed('read pg_stat_statements', error, url);
  }
}

/** The statements worth checking, the most called first; identical texts (other roles, other plans) merged. */
async function select(rows: StatementRow[], limit: number): Promise<{ queries: CapturedQuery[]; leftOut: LeftOut }> {
  const leftOut: LeftOut = { system: 0, notCheckable: 0, noTable: 0, hidden: 0, unparsed: 0, overLimit: 0 };
  const byText = new Map<string, CapturedQuery>();
  for (const row of rows) {
    if (row.query === null || row.query === '<insufficient privilege>') {
      leftOut.hidden++;
      continue;
    }
    let statements;
    try {
      statements = (await splitPostgresFile('pg_stat_statements', row.query)).statements;
    } catch {
      leftOut.unparsed++;
      continue;
    }
    const statement = statements[0];
    if (statements.length !== 1 || !statement) {
      leftOut.unparsed++;
      continue;
    }
    if (!CHECKABLE_KINDS.has(statement.kind)) {
      leftOut.notCheckable++;
      continue;
    }
    if (statement.tables.some(isSystemRelation)) {
      leftOut.system++;
      continue;
    }
    if (statement.tables.length === 0) {
      leftOut.noTable++;
      continue;
    }
    const sql = statement.sql.replace(/[ \t]+$/gm, '');
    const calls = Number(row.calls);
    const seen = byText.get(sql);
    if (seen) {
      seen.meanMs = (seen.meanMs * seen.calls + (row.mean_ms ?? 0) * calls) / (seen.calls + calls);
      seen.calls += calls;
    } else {
      byText.set(sql, { sql, calls, meanMs: row.mean_ms ?? 0 });
    }
  }
  const all = [...byText.values()].sort((a, b) => b.calls - a.calls);
  leftOut.overLimit = Math.max(0, all.length - limit);
  return { queries: all.slice(0, limit), leftOut };
}

/**
 * pg_catalog, information_schema, pg_toast and temp schemas, and `pg_*` relations in any schema:
 * the catalogs and statistics views, and extensions' views such as pg_stat_statements itself
 * (which is how rehearse's own reading of it stays out of the file).
 */
export function isSystemRelation(name: string): boolean {
  const dot = name.lastIndexOf('.');
  const schema = dot >= 0 ? name.slice(0, dot) : undefined;
  const relation = dot >= 0 ? name.slice(dot + 1) : name;
  return schema === 'information_schema' || schema?.startsWith('pg_') === true || relation.startsWith('pg_');
}

/** The file `rehearse run --previous-queries` reads: header comments, then per query its numbers and the statement. */
export function renderQueriesFile(capture: Capture): string {
  const lines = [
    "-- Queries of the previous app version, for `rehearse run --previous-queries FILE`.",
    '-- Captured by `rehearse queries capture` from pg_stat_statements (read-only).',
    `-- source: ${capture.source} (database ${capture.database})`,
    `-- captured at: ${capture.capturedAt.toISOString()}`,
    `-- queries: ${capture.queries.length} (calls >= ${capture.minCalls}, at most ${capture.limit}, the most called first)`,
  ];
  const leftOut = describeLeftOut(capture.leftOut);
  if (leftOut) lines.push(`-- left out: ${leftOut}`);
  lines.push(
    '-- pg_stat_statements replaced constants with $1, $2, …; rehearse compiles each query with PREPARE (nothing runs),',
    '-- which infers the parameters\' types. Edit freely: one statement per `;`.',
    '',
  );
  for (const q of capture.queries) {
    lines.push(`-- calls: ${q.calls}, mean: ${formatMs(q.meanMs)} ms`);
    // A statement ending in a line comment would swallow a `;` on the same line.
    const lastLine = q.sql.slice(q.sql.lastIndexOf('\n') + 1);
    lines.push(lastLine.includes('--') ? `${q.sql}\n;` : `${q.sql};`, '');
  }
  return `${lines.join('\n')}`;
}

/** `12 on system catalogs, 3 not SELECT/INSERT/UPDATE/DELETE, …`, or '' when nothing was left out. */
export function describeLeftOut(leftOut: LeftOut): string {
  const parts: string[] = [];
  if (leftOut.system) parts.push(`${leftOut.system} reading pg_catalog / information_schema`);
  if (leftOut.notCheckable) parts.push(`${leftOut.notCheckable} not SELECT/INSERT/UPDATE/DELETE/MERGE (DDL, SET, utility statements)`);
  if (leftOut.noTable) parts.push(`${leftOut.noTable} naming no table`);
  if (leftOut.hidden) parts.push(`${leftOut.hidden} hidden as <insufficient privilege> (statements of other roles: capture as a role with pg_read_all_stats)`);
  if (leftOut.unparsed) parts.push(`${leftOut.unparsed} the parser does not accept as one statement`);
  if (leftOut.overLimit) parts.push(`${leftOut.overLimit} beyond --limit`);
  return parts.join('; ');
}

function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** `postgres://user@host:port/db`: no password, no parameters (they may hold one). */
function sourceOf(url: ServerUrl, database: string): string {
  const parsed = new URL(url.href);
  const user = parsed.username ? `${parsed.username}@` : '';
  return scrubPassword(`${parsed.protocol}//${user}${parsed.host}/${encodeURIComponent(database)}`, url);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function run<R extends pg.QueryResultRow = pg.QueryResultRow>(
  client: pg.Client,
  url: ServerUrl,
  what: string,
  sql: string,
  params?: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await client.query<R>(sql, params);
  } catch (error) {
    throw failed(what, error, url);
  }
}

function failed(what: string, error: unknown, url: ServerUrl): EnvironmentError {
  return new EnvironmentError('ENGINE_FAILED', `cannot ${what} on ${url.redacted}: ${driverReason(error, url)}`, { cause: scrubbedCause(error, url) });
}
