// Logs and reports never carry passwords, tokens, connection strings or dataset values
// (docs/reporters.md, "What reports never contain"). The real CLI runs with every reporter at once
// on a dataset whose rows hold secret-looking values, with a change that fails ON those values
// (the server's error quotes them), migrations whose comments and string literals hold a
// password-bearing URL, a Bearer token and a `password=` pair, a server URL with a password where
// the server accepts one, config values `${ENV}` holding a password-bearing docs URL and the URL of
// a server that is not there (that target cannot run, and its error names the URL), and a
// `--history` URL with a password (unreachable: recording fails with a note). Every canary
// contains the word "canary" (or is a JWT, `eyJhbGci…`): none may appear, even clipped, in any
// file written, on stdout or on stderr (the progress lines included).
//
// What "unless asked" means here: the migration's own SQL is the user's code, so the statement
// summaries in reports still show it, with credentials masked (`postgres://app:***@…`,
// `Bearer <redacted>`, `password=***`); data values never show, the server's error texts keep
// their identifiers and lose the values (`Key (email)=(…) is duplicated`).
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineKind } from '../../src/engines/engine.ts';
import type { StepEvidence } from '../../src/rehearsal/evidence.ts';
import { describeEngine, type TestEngine } from '../helpers/engines.ts';
import { makeProject, runCli, type CliResult, type Project } from './cli.ts';
import { concat, numbers, upTo, type Files } from './shop.ts';

/** The SQL families whose servers quote values in their errors (SQLite's engine is not part of this suite). */
type Family = 'postgres' | 'mysql';

/** Every canary holds one of these (case-insensitive): a clipped one is still found. */
const CANARY = /canary|eyJhbGci/i;

const EMAIL = 'leak-canary-7f3a@example.com';
const TOKEN = 'tok_live_CANARY9d8e7f';
const APP_DSN = 'postgres://app:S3cretCanary@db.internal/prod';
const BEARER = 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.CanarySig';
const CONNINFO = 'host=db.internal user=app password=KvCanary55';
const HISTORY_URL = 'postgres://user:S3cretCanary2@127.0.0.1:1/x';
const SERVER_PASSWORD = 'S3cretCanary3';
const DOCS_URL = 'https://ci:S3cretCanary5@docs.internal/rehearse';
/** A server of the engine's SQL family nobody listens on: that target cannot run, and says why. */
const UNREACHABLE_URL: Record<Family, string> = {
  postgres: 'postgres://app:S3cretCanary6@127.0.0.1:1/prod',
  mysql: 'mysql://app:S3cretCanary6@127.0.0.1:1/prod',
};

const ROWS = 300;

const TEXT_OF: Record<Family, (e: string) => string> = {
  postgres: (e) => `(${e})::text`,
  mysql: (e) => `CAST(${e} AS CHAR)`,
};

/** `accounts`: ids 1..300, unique emails and numeric tokens but for the one canary the dataset holds. */
function seed(dialect: Family, canary: 'email' | 'token'): string {
  const n = 'g.n';
  const email = concat(dialect, "'user'", n, "'@example.com'");
  const token = TEXT_OF[dialect](`${n} + 100000`);
  const columns =
    canary === 'email'
      ? [`CASE WHEN ${n} IN (150, 151) THEN '${EMAIL}' ELSE ${email} END`, token]
      : [email, `CASE WHEN ${n} = 150 THEN '${TOKEN}' ELSE ${token} END`];
  return `INSERT INTO accounts (id, email, api_token)\nSELECT ${n}, ${columns.join(', ')} FROM ${numbers(dialect, ROWS)} WHERE ${upTo(ROWS)} ORDER BY ${n};\n`;
}

/** The migrations: 0001 creates accounts (the datasets apply at 0001); the change is 0002 and 0003. */
function migrations(dialect: Family): Files {
  const secrets = [
    `-- the reporting job connects with ${APP_DSN}`,
    `-- and calls the API with ${BEARER}`,
    `SELECT '${APP_DSN}' AS dsn;`,
    `SELECT '${BEARER}' AS header;`,
    `SELECT '${CONNINFO}' AS conninfo;`,
    '',
  ].join('\n');
  // 0003 fails on the data: a unique index over the duplicated email, else (the email unique) a
  // cast of the token column that the one non-numeric token breaks.
  const tighten: Record<Family, [string, string]> = {
    postgres: [
      'CREATE UNIQUE INDEX accounts_email_key ON accounts (email);\nALTER TABLE accounts ALTER COLUMN api_token TYPE integer USING api_token::integer;\n',
      'ALTER TABLE accounts ALTER COLUMN api_token TYPE text;\nDROP INDEX accounts_email_key;\n',
    ],
    mysql: [
      'CREATE UNIQUE INDEX accounts_email_key ON accounts (email);\nALTER TABLE accounts MODIFY api_token int NOT NULL;\n',
      'ALTER TABLE accounts MODIFY api_token varchar(64) NOT NULL;\nDROP INDEX accounts_email_key ON accounts;\n',
    ],
  };
  const create: Record<Family, string> = {
    postgres: 'CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, api_token text NOT NULL);\n',
    mysql: 'CREATE TABLE accounts (id int NOT NULL PRIMARY KEY, email varchar(255) NOT NULL, api_token varchar(64) NOT NULL) ENGINE=InnoDB;\n',
  };
  return {
    'migrations/0001_create_accounts.up.sql': create[dialect],
    'migrations/0001_create_accounts.down.sql': 'DROP TABLE accounts;\n',
    'migrations/0002_document_access.up.sql': secrets,
    'migrations/0002_document_access.down.sql': 'SELECT 1;\n',
    'migrations/0003_tighten_accounts.up.sql': tighten[dialect][0],
    'migrations/0003_tighten_accounts.down.sql': tighten[dialect][1],
  };
}

/**
 * Two targets of the engine, one dataset breaking the unique index, the other the cast, and a
 * third on a server of the same SQL family that is not there. Every URL and the docs base come
 * from the environment (`${…}`), as a committed config's would.
 */
function config(kind: EngineKind, url: string | undefined, dialect: Family): string {
  const target = (name: string, engine: string, urlVariable: string | undefined, dataset: string) =>
    [`  - name: ${name}`, `    engine: ${engine}`, ...(urlVariable ? [`    url: \${${urlVariable}}`] : []), `    dataset: { path: ${dataset}, version: '0001' }`].join('\n');
  const serverUrl = url ? 'REHEARSE_SCRUB_URL' : undefined;
  return [
    'migrations: migrations',
    'docsBaseUrl: ${REHEARSE_SCRUB_DOCS_URL}',
    'targets:',
    target('duplicates', kind, serverUrl, 'duplicates.sql'),
    target('bad-tokens', kind, serverUrl, 'bad-tokens.sql'),
    target('unreachable', dialect, 'REHEARSE_SCRUB_UNREACHABLE_URL', 'duplicates.sql'),
    '',
  ].join('\n');
}

/** The server URL with a password added where the server accepts one it does not ask for (trust auth); else as it is. */
async function serverUrl(engine: TestEngine): Promise<{ url: string | undefined; passwordAdded: boolean }> {
  if (engine.kind !== 'postgres' || !engine.url) return { url: engine.url, passwordAdded: false };
  const parsed = new URL(engine.url);
  if (parsed.password || !parsed.username) return { url: engine.url, passwordAdded: false };
  parsed.password = SERVER_PASSWORD;
  const client = new pg.Client({ connectionString: parsed.href });
  try {
    await client.connect();
    return { url: parsed.href, passwordAdded: true };
  } catch {
    return { url: engine.url, passwordAdded: false };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const REPORTERS = ['junit=out/junit.xml', 'markdown=out/comment.md', 'github=out/annotations.txt', 'gerrit=out/review.json', 'html=out/report.html', 'blob=out/blob.jsonl'];
/** Everything the run writes (sorted): each reporter's file, the JSON report, both streams, the job summary the github reporter appends to. */
const OUTPUTS = ['out/annotations.txt', 'out/blob.jsonl', 'out/comment.md', 'out/junit.xml', 'out/report.html', 'out/report.json', 'out/review.json', 'stderr', 'stdout', 'step-summary.md'];

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Each canary found in `text`, with a little context: what a failing assertion shows. */
function leaks(where: string, text: string): string[] {
  const found: string[] = [];
  const re = new RegExp(CANARY.source, 'gi');
  for (const m of text.matchAll(re)) found.push(`${where}: …${text.slice(Math.max(0, m.index - 60), m.index + 40).replace(/\n/g, '⏎')}…`);
  return found;
}

const failedStep = (r: CliResult, target: string): StepEvidence | undefined =>
  r.report?.targets.find((t) => t.label === target)?.steps.find((s) => s.migration === '0003_tighten_accounts' && s.direction === 'up' && s.status === 'error');

for (const kind of ['pglite', 'postgres', 'mysql'] as const) {
  describeEngine(kind, (engine) => {
    const dialect = engine.dialect as Family;
    let project: Project;
    let r: CliResult;
    let outputs: { name: string; text: string }[];
    let passwordAdded = false;

    beforeAll(async () => {
      const server = await serverUrl(engine);
      passwordAdded = server.passwordAdded;
      project = await makeProject({
        ...migrations(dialect),
        'duplicates.sql': seed(dialect, 'email'),
        'bad-tokens.sql': seed(dialect, 'token'),
        'rehearse.config.yaml': config(engine.kind, server.url, dialect),
      });
      const args = ['run', '--config', 'rehearse.config.yaml', '--history', HISTORY_URL, '--json', 'out/report.json', ...REPORTERS.flatMap((spec) => ['--reporter', spec])];
      r = await runCli(args, project.dir, {
        timeoutMs: 280_000,
        env: {
          REHEARSE_SCRUB_DOCS_URL: DOCS_URL,
          REHEARSE_SCRUB_UNREACHABLE_URL: UNREACHABLE_URL[dialect],
          GITHUB_STEP_SUMMARY: join(project.dir, 'step-summary.md'),
          ...(server.url ? { REHEARSE_SCRUB_URL: server.url } : {}),
        },
      });
      const summary = join(project.dir, 'step-summary.md');
      const files = [...(await filesUnder(join(project.dir, 'out'))), ...(existsSync(summary) ? [summary] : [])];
      outputs = [
        { name: 'stdout', text: r.stdout },
        { name: 'stderr', text: r.stderr },
        ...(await Promise.all(files.map(async (file) => ({ name: relative(project.dir, file), text: await readFile(file, 'utf8') })))),
      ];
    }, 300_000);
    afterAll(() => project?.dispose());

    it('fails the change on the canary values on both targets, says the third could not run, and writes every report', () => {
      // A target that could not run makes the verdict `error` (exit status 3); the others' evidence and findings stay.
      expect(r.code, r.stderr).toBe(3);
      expect(r.report?.verdict).toBe('error');
      expect(r.report?.error?.targets?.map((t) => t.target)).toEqual(['unreachable']);
      expect(r.stderr).toMatch(/unreachable could not run: .*127\.0\.0\.1:1/);
      expect(outputs.map((o) => o.name).sort()).toEqual(OUTPUTS);
      const duplicates = failedStep(r, 'duplicates');
      const badTokens = failedStep(r, 'bad-tokens');
      expect(duplicates?.error?.statementIndex).toBe(0);
      expect(badTokens?.error?.statementIndex).toBe(1);
      // The server's texts keep what makes them readable; the values became `…`.
      if (dialect === 'postgres') {
        expect(duplicates?.error?.message).toMatch(/could not create unique index "accounts_email_key"/);
        expect(duplicates?.error?.detail).toBe('Key (email)=(…) is duplicated.');
        expect(badTokens?.error?.message).toBe('invalid input syntax for type integer: "…"');
      } else {
        expect(duplicates?.error?.message).toMatch(/^Duplicate entry '…' for key 'accounts_email_key'/);
        expect(badTokens?.error?.message).toMatch(/integer value: '…'/i);
      }
      expect(r.report?.findings.filter((f) => f.hazard === 'fails-on-data').map((f) => f.target).sort()).toEqual(['bad-tokens', 'duplicates']);
    });

    it('shows the migration’s statements with their credentials masked', () => {
      const html = outputs.find((o) => o.name === 'out/report.html')!.text;
      const summaries = r.report!.targets[0]!.steps.find((s) => s.migration === '0002_document_access' && s.direction === 'up')!.statements.map((s) => s.summary);
      if (dialect === 'postgres') {
        // The parse tree has no describer for a SELECT: its text, clipped, is the summary.
        expect(summaries).toEqual([
          "SELECT 'postgres://app:***@db.internal/prod' AS dsn",
          expect.stringMatching(/^SELECT 'Authorization: Bearer <redacted>/),
          expect.stringMatching(/^SELECT 'host=db\.internal user=app password=\*\*\*'/),
        ]);
        expect(html).toContain('postgres://app:***@db.internal/prod');
      } else {
        // MySQL's summaries stop at the first literal.
        expect(summaries).toEqual(['SELECT', 'SELECT', 'SELECT']);
      }
    });

    it('names the history store and the servers with their passwords masked, and links the docs without credentials', () => {
      expect(r.stderr).toContain('history not recorded to postgres://user:***@127.0.0.1:1/x');
      // A link keeps working without the credentials: each reader's browser asks for their own.
      expect(outputs.find((o) => o.name === 'out/comment.md')!.text).toContain('](https://docs.internal/rehearse/docs/hazards/fails-on-data.md)');
      expect(outputs.find((o) => o.name === 'out/report.html')!.text).toContain('history could not be read from postgres://user:***@127.0.0.1:1/x');
      // The unreachable server's URL is named, without its password, wherever the error goes.
      expect(r.report?.error?.message).toMatch(/at (postgres|mysql):\/\/app:\*\*\*@127\.0\.0\.1:1\/prod: /);
      // The rehearsed server was reached with a password in its URL (trust auth takes and ignores it).
      if (passwordAdded) expect(r.stderr).toMatch(/connect to postgres:\/\/[^:\s]+:\*\*\*@/);
    });

    it('carries no canary in any report, log or stream', () => {
      // Not vacuously: every output was written, and the run got as far as the failing step.
      expect(outputs.map((o) => o.name).sort()).toEqual(OUTPUTS);
      expect(failedStep(r, 'duplicates')).toBeDefined();
      expect(outputs.flatMap((o) => leaks(o.name, o.text))).toEqual([]);
    });
  });
}
