// `rehearse queries capture`: write the previous app version's queries file for
// `rehearse run --previous-queries` from a PostgreSQL server's pg_stat_statements.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { capturePgStatStatements, describeLeftOut, renderQueriesFile } from '../compat/capture-postgres.ts';
import { redactUrl } from '../engines/url.ts';
import { InputError, UsageError } from '../errors.ts';
import { splitPostgresFile } from '../sql/postgres-split.ts';

export const CAPTURE_EXAMPLES = `  # the 500 most called statements of production's "shop" database (read-only; needs pg_stat_statements)
  npx rehearse queries capture --from postgres://readonly@db.internal:5432/shop --out previous-queries.sql --limit 500

  # then check them against every step of the change
  npx rehearse run --engine postgres --url postgres://postgres@127.0.0.1:5432/postgres \\
    --dataset prod-anonymized.sql --previous-queries previous-queries.sql

  # statements called at least 100 times in database "billing", connecting through the server's "postgres" database
  npx rehearse queries capture --from postgres://readonly@db.internal:5432/postgres --database billing \\
    --min-calls 100 --out billing-queries.sql
`;

export const CAPTURE_NOTES = `What it reads: pg_stat_statements of the URL's database (or --database), in a read-only
transaction; it never writes, installs or resets anything. The extension must be enabled by
whoever administers the server: shared_preload_libraries = 'pg_stat_statements' (restart), then
CREATE EXTENSION pg_stat_statements in the database the URL names. Statements of other roles are
hidden unless the role capturing has pg_read_all_stats.

What it writes: SELECT, INSERT, UPDATE, DELETE and MERGE statements (WITH … included) that name a
table, most called first, each after a comment with its calls and mean time; statements on
pg_catalog / information_schema, DDL, SET and other utility statements are left out.

MySQL/MariaDB have no pg_stat_statements: write the file yourself from the application's query log
(general or slow query log) or its code, one statement per \`;\`, parameters as \`?\`.`;

export interface CaptureFlags {
  from: string;
  out: string;
  minCalls?: string;
  limit?: string;
  database?: string;
}

/** Default of --limit: enough for most applications' distinct statements, quick to check after every step. */
export const DEFAULT_LIMIT = 1000;

export async function queriesCaptureCommand(flags: CaptureFlags): Promise<number> {
  const url = checkSource(flags.from);
  const minCalls = positiveInteger('--min-calls', flags.minCalls, 1);
  const limit = positiveInteger('--limit', flags.limit, DEFAULT_LIMIT);
  if (flags.database !== undefined && flags.database.trim() === '') throw new UsageError('USAGE', '--database needs a database name');
  const out = resolve(flags.out);

  const capture = await capturePgStatStatements({ url, minCalls, limit, ...(flags.database ? { database: flags.database } : {}) });
  const text = renderQueriesFile(capture);
  // What is written must read back as exactly the statements captured.
  const reread = await splitPostgresFile(flags.out, text);
  if (reread.statements.length !== capture.queries.length) {
    throw new Error(`the queries file rendered ${reread.statements.length} statements for ${capture.queries.length} captured`);
  }
  try {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
  } catch (error) {
    throw new InputError('USAGE', `cannot write the queries file: ${(error as Error).message}`, { location: { file: flags.out }, cause: error });
  }
  const leftOut = describeLeftOut(capture.leftOut);
  process.stderr.write(
    `rehearse: ${capture.queries.length} ${capture.queries.length === 1 ? 'query' : 'queries'} of database ${capture.database} written to ${flags.out}` +
      `${leftOut ? ` (left out: ${leftOut})` : ''}\n`,
  );
  if (capture.queries.length === 0) {
    process.stderr.write(`rehearse: pg_stat_statements holds no statement to check for ${capture.database} yet: let the application run, then capture again\n`);
  }
  return 0;
}

/** Only PostgreSQL has pg_stat_statements; anything else is a usage error saying what to do instead. */
function checkSource(from: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(from.trim())?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return from.trim();
  if (scheme === 'mysql' || scheme === 'mariadb') {
    throw new UsageError(
      'USAGE',
      `--from ${redactUrl(from)}: capture reads PostgreSQL's pg_stat_statements, and MySQL/MariaDB have no equivalent it reads. ` +
        'Write the queries file from the application\'s query log (general or slow query log) or its code instead: one statement per `;`, ' +
        'parameters as `?`, and pass it to rehearse run --previous-queries',
    );
  }
  throw new UsageError('USAGE', `--from ${redactUrl(from)}: expected a PostgreSQL server URL, postgres://user@host:port/database`);
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError('USAGE', `${flag} expects a whole number of at least 1, got "${value}"`);
  return n;
}
