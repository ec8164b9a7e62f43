// The overhead benchmark (README "Measured"): rehearse's `change` phase against the same
// migrations applied with plain `psql -1 -f` on the same data, side by side, A/B interleaved.
//
//   npx tsx bench/change-vs-psql.ts [--rows 1000000] [--repeat 5] [--url postgres://…]
//
// Per repetition, in alternating order (ABBA, so drift cancels):
//   psql -1 -f       a clone of the seeded template, every change migration applied with
//                    `psql -X -q -v ON_ERROR_STOP=1 -1 -f <up file>`, one process per file;
//                    wall time per process, summed. What production's "apply the file in one
//                    transaction" costs.
//   psql, 1 session  a clone; one psql session applies the files the way rehearse does: one
//                    session for the whole change, golang-migrate's tracking row set dirty
//                    before each file and clean after it (outside the timing, as in rehearse),
//                    each file in BEGIN … COMMIT; timed BEGIN → COMMIT with server clock marks.
//   rehearse         the real CLI on the same fixtures (`--engine postgres`); from its JSON
//                    report, the sum of the `change` steps' durationMs (which includes the
//                    per-statement instrumentation), and, apart, the whole run's wall time.
// Both baseline clones are scanned once before timing, as rehearse's dataset snapshot does (it
// sets hint bits and warms the cache). The ratio is median(rehearse change) / median(psql -1 -f);
// target ≤ 1.10. Speed is measured, never asserted: a miss prints MISS and exits 0; only a
// failure to run exits non-zero. Results go to bench/results/<timestamp>.json (git-ignored).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const FIXTURES = join(BENCH_DIR, 'fixtures');
const MIGRATIONS_DIR = join(FIXTURES, 'migrations');
const SEED = join(FIXTURES, 'seed.sql');
const DATASET_VERSION = '0002';
const TARGET_RATIO = 1.1;
const DEFAULT_ROWS = 1_000_000;
const DB_PREFIX = 'bench_cvp_';
const TRACKING = 'schema_migrations';

// ---------------------------------------------------------------------------------------------
// command line

const HELP = `usage: npx tsx bench/change-vs-psql.ts [--rows N] [--repeat N] [--url URL]

  --rows N     rows in accounts (invoices get N/5); default ${DEFAULT_ROWS}
  --repeat N   repetitions, each psql -1 -f, psql in one session and rehearse; default 5
  --url URL    PostgreSQL server (needs CREATEDB); default $REHEARSE_BENCH_URL,
               $REHEARSE_TEST_PG_URL or postgres://postgres@127.0.0.1:5432/postgres

Exit status: 0 when it ran (PASS or MISS against the ${TARGET_RATIO.toFixed(2)}× target), 1 when it could not run.`;

interface Options {
  rows: number;
  repeat: number;
  url: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string' },
      repeat: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, dflt: number, min: number) => {
    if (v === undefined) return dflt;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new BenchError(`--${name} must be an integer ≥ ${min}, got ${v}`);
    return n;
  };
  return {
    rows: int('rows', values.rows, DEFAULT_ROWS, 10),
    repeat: int('repeat', values.repeat, 5, 1),
    url:
      values.url ??
      process.env.REHEARSE_BENCH_URL ??
      process.env.REHEARSE_TEST_PG_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------
// fixtures

interface ChangeMigration {
  id: string; // 0003_backfill_display_name
  version: bigint;
  up: string; // absolute path
}

function readMigrations(): { trunk: ChangeMigration[]; change: ChangeMigration[] } {
  const all: ChangeMigration[] = [];
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) {
    const m = /^(\d+)_(.+)\.up\.sql$/.exec(f);
    if (!m) continue;
    all.push({ id: `${m[1]}_${m[2]}`, version: BigInt(m[1]!), up: join(MIGRATIONS_DIR, f) });
  }
  all.sort((a, b) => (a.version < b.version ? -1 : 1));
  const at = BigInt(DATASET_VERSION);
  return { trunk: all.filter((m) => m.version <= at), change: all.filter((m) => m.version > at) };
}

/** The seed for --rows: the fixture itself at the default size, else a copy with the count rewritten. */
function seedFor(rows: number, workDir: string): string {
  if (rows === DEFAULT_ROWS) return SEED;
  const text = readFileSync(SEED, 'utf8');
  const marked = /\b\d+ \/\* rows \*\//g;
  if (!text.match(marked)) throw new BenchError(`${SEED}: no "N /* rows */" marker to rewrite for --rows`);
  const path = join(workDir, 'seed.sql');
  writeFileSync(path, text.replace(marked, `${rows} /* rows */`));
  return path;
}

// ---------------------------------------------------------------------------------------------
// processes and databases

interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const children = new Set<ReturnType<typeof spawn>>();

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<ProcResult> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, cwd: ROOT, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      children.delete(child);
      reject(new BenchError(`cannot start ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      children.delete(child);
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

function tail(s: string, lines = 15): string {
  return s.trimEnd().split('\n').slice(-lines).join('\n');
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

class Server {
  readonly admin: pg.Client;
  readonly created = new Set<string>();
  /** URL without password (psql gets it through PGPASSWORD), and the env for child processes. */
  readonly env: NodeJS.ProcessEnv;
  private readonly base: URL;
  private counter = 0;

  constructor(readonly url: string) {
    this.base = new URL(url);
    const password = decodeURIComponent(this.base.password);
    this.base.password = '';
    this.env = { ...process.env, PGAPPNAME: 'rehearse-bench', ...(password ? { PGPASSWORD: password } : {}) };
    this.admin = new pg.Client({ connectionString: url, application_name: 'rehearse-bench' });
    this.admin.on('error', () => {});
  }

  get redacted(): string {
    return this.base.toString();
  }

  urlOf(db: string): string {
    const u = new URL(this.base.toString());
    u.pathname = `/${encodeURIComponent(db)}`;
    return u.toString();
  }

  client(db: string): pg.Client {
    const u = new URL(this.url);
    u.pathname = `/${encodeURIComponent(db)}`;
    const c = new pg.Client({ connectionString: u.toString(), application_name: 'rehearse-bench' });
    c.on('error', () => {});
    return c;
  }

  name(purpose: string): string {
    return `${DB_PREFIX}${process.pid}_${++this.counter}_${purpose}`;
  }

  async create(name: string, template: string, options = ''): Promise<number> {
    const t0 = performance.now();
    // The same statement rehearse's engine uses (server default strategy: WAL_LOG on 15).
    await this.admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}${options}`);
    this.created.add(name);
    return performance.now() - t0;
  }

  async drop(name: string): Promise<void> {
    await this.admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    this.created.delete(name);
  }

  /** Databases of earlier bench runs whose process is gone (a crash, a kill -9). */
  async dropLeftovers(): Promise<string[]> {
    const { rows } = await this.admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `${DB_PREFIX}%`,
    ]);
    const dropped: string[] = [];
    for (const { datname } of rows) {
      const pid = Number(/^bench_cvp_(\d+)_/.exec(datname)?.[1]);
      if (!pid || pid === process.pid || isAlive(pid)) continue;
      await this.drop(datname).catch(() => undefined);
      dropped.push(datname);
    }
    return dropped;
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created]) await this.drop(name).catch(() => undefined);
  }

  /**
   * Starts every contender from the same I/O state: the previous one (rehearse writes ~2 GB of
   * WAL per run) otherwise leaves a checkpoint and gigabytes of dirty pages to whoever runs next.
   */
  async settle(): Promise<number> {
    const t0 = performance.now();
    await this.admin.query('CHECKPOINT');
    return performance.now() - t0;
  }

  /** Client backends of other applications: people running tests on the same server add noise. */
  async otherBackends(): Promise<number> {
    const { rows } = await this.admin.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity
       WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
         AND coalesce(application_name, '') NOT IN ('rehearse', 'rehearse-bench', 'psql')`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const PSQL_BASE = ['-X', '-q', '-v', 'ON_ERROR_STOP=1'];

async function psqlFile(server: Server, db: string, file: string, single = true): Promise<number> {
  const r = await run('psql', [...PSQL_BASE, ...(single ? ['-1'] : []), '-d', server.urlOf(db), '-f', file], server.env);
  if (r.code !== 0) throw new BenchError(`psql -f ${file} on ${db} failed (exit ${r.code ?? r.signal}):\n${tail(r.stderr)}`);
  return r.ms;
}

async function setTracking(c: pg.Client, version: bigint, dirty: boolean): Promise<void> {
  // golang-migrate's PostgreSQL driver (and rehearse's GolangMigrateTracking): TRUNCATE + INSERT.
  await c.query('BEGIN');
  await c.query(`TRUNCATE ${TRACKING}`);
  await c.query(`INSERT INTO ${TRACKING} (version, dirty) VALUES ($1, $2)`, [String(version), dirty]);
  await c.query('COMMIT');
}

/**
 * The seeded template, built as rehearse builds its dataset: the trunk migrations applied one
 * transaction per file on an empty database (tracking table kept as golang-migrate does), then the
 * seed script in one transaction.
 */
async function buildTemplate(server: Server, trunk: ChangeMigration[], seed: string): Promise<{ name: string; ms: number }> {
  const t0 = performance.now();
  const name = server.name('seeded');
  await server.create(name, 'template0', ` ENCODING 'UTF8'`);
  const c = server.client(name);
  await c.connect();
  try {
    await c.query(`CREATE TABLE IF NOT EXISTS ${TRACKING} (version bigint not null primary key, dirty boolean not null)`);
    for (const m of trunk) {
      await setTracking(c, m.version, true);
      await psqlFile(server, name, m.up);
      await setTracking(c, m.version, false);
    }
  } finally {
    await c.end().catch(() => undefined);
  }
  await psqlFile(server, name, seed);
  return { name, ms: performance.now() - t0 };
}

/** What rehearse's dataset snapshot does to a fresh clone before `change`: one full scan per table. */
async function warm(server: Server, db: string): Promise<Record<string, number>> {
  const c = server.client(db);
  await c.connect();
  try {
    const { rows: tables } = await c.query<{ t: string }>(
      `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS t FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { t } of tables) {
      const { rows } = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ONLY ${t}`);
      counts[t] = Number(rows[0]?.n ?? 0);
    }
    return counts;
  } finally {
    await c.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// the three contenders

interface PsqlFileRun {
  totalMs: number;
  cloneMs: number;
  perMigration: Record<string, number>;
}

async function runPsqlPerFile(server: Server, template: string, change: ChangeMigration[]): Promise<PsqlFileRun> {
  const db = server.name('psqlfile');
  const cloneMs = await server.create(db, template);
  try {
    await warm(server, db);
    const perMigration: Record<string, number> = {};
    let totalMs = 0;
    for (const m of change) {
      const ms = await psqlFile(server, db, m.up);
      perMigration[m.id] = round(ms);
      totalMs += ms;
    }
    return { totalMs: round(totalMs), cloneMs: round(cloneMs), perMigration };
  } finally {
    await server.drop(db);
  }
}

interface SessionStep {
  /** BEGIN → COMMIT done, the window rehearse's step durationMs covers. */
  ms: number;
  /** BEGIN → last statement done (COMMIT excluded). */
  beforeCommitMs: number;
  commitMs: number;
  /** golang-migrate's tracking updates (dirty before, clean after): outside the timing. */
  trackingMs: number;
}

interface PsqlSessionRun {
  totalMs: number;
  processMs: number;
  perMigration: Record<string, SessionStep>;
}

async function runPsqlSession(server: Server, template: string, change: ChangeMigration[]): Promise<PsqlSessionRun> {
  const db = server.name('psqlsession');
  await server.create(db, template);
  try {
    await warm(server, db);
    // Server clock marks (one tiny SELECT each) around every phase: exact, and immune to psql's
    // output buffering. Each mark costs one round trip (~0.1 ms), inside the window only once.
    const mark = (label: string) => `SELECT '@@ ${label} ' || (extract(epoch FROM clock_timestamp()) * 1000)::numeric(20,3);`;
    const script: string[] = [];
    for (const m of change) {
      const track = (dirty: boolean) =>
        `BEGIN; TRUNCATE ${TRACKING}; INSERT INTO ${TRACKING} (version, dirty) VALUES (${m.version}, ${dirty}); COMMIT;`;
      script.push(
        mark(`${m.id} t0`),
        track(true),
        mark(`${m.id} begin`),
        'BEGIN;',
        `\\i ${psqlQuote(m.up)}`,
        mark(`${m.id} precommit`),
        'COMMIT;',
        mark(`${m.id} end`),
        track(false),
        mark(`${m.id} t1`),
      );
    }
    const r = await run('psql', [...PSQL_BASE, '-A', '-t', '-d', server.urlOf(db)], server.env, script.join('\n') + '\n');
    if (r.code !== 0) throw new BenchError(`psql session on ${db} failed (exit ${r.code ?? r.signal}):\n${tail(r.stderr)}`);
    const marks = new Map<string, number>();
    for (const line of r.stdout.split('\n')) {
      const m = /^@@ (\S+) (\S+) ([\d.]+)$/.exec(line.trim());
      if (m) marks.set(`${m[1]} ${m[2]}`, Number(m[3]));
    }
    const perMigration: Record<string, SessionStep> = {};
    let totalMs = 0;
    for (const m of change) {
      const at = (k: string) => {
        const v = marks.get(`${m.id} ${k}`);
        if (v === undefined) throw new BenchError(`psql session: mark "${m.id} ${k}" missing from its output:\n${tail(r.stdout)}`);
        return v;
      };
      const step: SessionStep = {
        ms: round(at('end') - at('begin')),
        beforeCommitMs: round(at('precommit') - at('begin')),
        commitMs: round(at('end') - at('precommit')),
        trackingMs: round(at('begin') - at('t0') + (at('t1') - at('end'))),
      };
      perMigration[m.id] = step;
      totalMs += step.ms;
    }
    return { totalMs: round(totalMs), processMs: round(r.ms), perMigration };
  } finally {
    await server.drop(db);
  }
}

function psqlQuote(path: string): string {
  return `'${path.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

interface RehearseStep {
  stepMs: number;
  statementsMs: number;
  statements: number;
  status: string;
}

interface RehearseRun {
  changeMs: number;
  changeStatementsMs: number;
  perMigration: Record<string, RehearseStep>;
  wallMs: number;
  targetDurationMs: number;
  buildMs: number;
  cloneMs: number;
  exitCode: number;
  verdict: string;
  report: string;
}

async function runRehearse(server: Server, seed: string, change: ChangeMigration[], reportPath: string): Promise<RehearseRun> {
  const args = [
    join(ROOT, 'bin', 'rehearse.js'),
    'run',
    '--migrations',
    MIGRATIONS_DIR,
    '--engine',
    'postgres',
    '--url',
    server.url,
    '--dataset',
    seed,
    '--dataset-version',
    DATASET_VERSION,
    '--json',
    reportPath,
  ];
  const r = await run(process.execPath, args, { ...process.env, CI: '1' });
  // 0 pass, 1 fail (findings: this change has hazards on purpose); anything else: it did not run.
  if (r.code !== 0 && r.code !== 1) {
    throw new BenchError(`rehearse exited ${r.code ?? r.signal}:\n${tail(r.stderr)}\n${tail(r.stdout)}`);
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
    verdict: string;
    targets: {
      durationMs: number;
      dataset: { buildMs?: number; cloneMs?: number };
      steps: { migration: string; phase: string; status: string; durationMs: number; statements: { durationMs: number }[] }[];
    }[];
  };
  const target = report.targets[0];
  if (!target) throw new BenchError(`${reportPath}: no target in the report`);
  const perMigration: Record<string, RehearseStep> = {};
  let changeMs = 0;
  let changeStatementsMs = 0;
  for (const s of target.steps.filter((x) => x.phase === 'change')) {
    if (s.status !== 'success') throw new BenchError(`rehearse: change step ${s.migration} ended ${s.status} (see ${reportPath})`);
    const statementsMs = s.statements.reduce((a, x) => a + x.durationMs, 0);
    perMigration[s.migration] = { stepMs: s.durationMs, statementsMs: round(statementsMs), statements: s.statements.length, status: s.status };
    changeMs += s.durationMs;
    changeStatementsMs += statementsMs;
  }
  const missing = change.filter((m) => !perMigration[m.id]).map((m) => m.id);
  if (missing.length) throw new BenchError(`rehearse: no change step for ${missing.join(', ')} in ${reportPath}`);
  return {
    changeMs: round(changeMs),
    changeStatementsMs: round(changeStatementsMs),
    perMigration,
    wallMs: round(r.ms),
    targetDurationMs: target.durationMs,
    buildMs: target.dataset.buildMs ?? NaN,
    cloneMs: target.dataset.cloneMs ?? NaN,
    exitCode: r.code ?? -1,
    verdict: report.verdict,
    report: reportPath,
  };
}

// ---------------------------------------------------------------------------------------------
// the instrumentation itself, timed query by query (rehearse's own observer, on a fresh clone)

interface Probe {
  heldLocksMs: number;
  storageMs: number;
  beginMs: number;
  /** Counters + WAL position before a step, and their deltas after: outside durationMs. */
  beginStepMs: number;
  endStepMs: number;
  relations: number;
  locks: number;
}

async function probeInstrumentation(server: Server, template: string): Promise<Probe | { skipped: string }> {
  let PgSession: typeof import('../src/engines/postgres/pg-session.ts').PgSession;
  let PostgresObserver: typeof import('../src/observe/postgres/observer.ts').PostgresObserver;
  try {
    ({ PgSession } = await import('../src/engines/postgres/pg-session.ts'));
    ({ PostgresObserver } = await import('../src/observe/postgres/observer.ts'));
  } catch (e) {
    return { skipped: `rehearse's observer could not be loaded: ${(e as Error).message}` };
  }
  const db = server.name('probe');
  await server.create(db, template);
  try {
    const u = new URL(server.url);
    u.pathname = `/${encodeURIComponent(db)}`;
    const session = await PgSession.open(u.toString(), () => undefined);
    try {
      const observer = new PostgresObserver({ trackingTable: TRACKING });
      await observer.prepareSession(session);
      const t0 = performance.now();
      await session.query('BEGIN');
      const beginMs = performance.now() - t0;
      // A statement that takes the locks a migration holds (ACCESS EXCLUSIVE on accounts).
      await session.query('ALTER TABLE accounts ADD COLUMN bench_probe integer');
      const times = async (fn: () => Promise<unknown>) => {
        const ms: number[] = [];
        for (let i = 0; i < 25; i++) {
          const s = performance.now();
          await fn();
          ms.push(performance.now() - s);
        }
        return median(ms.slice(5)); // the first few warm the catalog caches
      };
      const heldLocksMs = await times(() => observer.heldLocks(session));
      const storageMs = await times(() => observer.storage(session));
      const relations = (await observer.storage(session)).size;
      const locks = (await observer.heldLocks(session)).length;
      await session.query('ROLLBACK');
      // Outside the step's timed window (not in durationMs): the baseline before, the deltas after.
      const baseline = await observer.beginStep(session);
      const beginStepMs = await times(() => observer.beginStep(session));
      const endStepMs = await times(() => observer.endStep(session, baseline));
      return {
        heldLocksMs: round(heldLocksMs, 2),
        storageMs: round(storageMs, 2),
        beginMs: round(beginMs, 2),
        beginStepMs: round(beginStepMs, 2),
        endStepMs: round(endStepMs, 2),
        relations,
        locks,
      };
    } finally {
      await session.close();
    }
  } finally {
    await server.drop(db);
  }
}

/** psql's fixed cost per file: process start + connection + an empty transaction. */
async function psqlStartup(server: Server, db: string, n = 7): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await run('psql', [...PSQL_BASE, '-1', '-d', server.urlOf(db), '-c', 'SELECT 1'], server.env);
    if (r.code !== 0) throw new BenchError(`psql -c 'SELECT 1' failed:\n${tail(r.stderr)}`);
    ms.push(r.ms);
  }
  return round(median(ms));
}

// ---------------------------------------------------------------------------------------------
// statistics and output

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  return { median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)) };
}

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms >= 100 ? `${Math.round(ms).toLocaleString('en-US')} ms` : `${ms.toFixed(1)} ms`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function log(msg: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function gitInfo(): Promise<{ commit?: string; dirty?: boolean }> {
  try {
    const head = await run('git', ['rev-parse', 'HEAD'], process.env);
    const status = await run('git', ['status', '--porcelain', '--untracked-files=no'], process.env);
    return { commit: head.stdout.trim() || undefined, dirty: status.stdout.trim().length > 0 };
  } catch {
    return {};
  }
}

// ---------------------------------------------------------------------------------------------
// main

type Contender = 'psql-file' | 'psql-session' | 'rehearse';

interface Repetition {
  rep: number;
  order: Contender[];
  otherBackends: number;
  /** Per contender: the CHECKPOINT before it (ms) and the machine's 1-minute load average then. */
  before: Partial<Record<Contender, { checkpointMs: number; loadavg1: number }>>;
  psqlFile?: PsqlFileRun;
  psqlSession?: PsqlSessionRun;
  rehearse?: RehearseRun;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const benchT0 = performance.now();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(BENCH_DIR, 'results');
  const reportsDir = join(resultsDir, `${stamp}-reports`);
  const workDir = mkdtempSync(join(tmpdir(), 'rehearse-bench-'));

  const { trunk, change } = readMigrations();
  if (change.length === 0) throw new BenchError(`${MIGRATIONS_DIR}: no migration above ${DATASET_VERSION}`);
  const seed = seedFor(opts.rows, workDir);

  const psqlVersion = await run('psql', ['--version'], process.env).catch(() => undefined);
  if (!psqlVersion || psqlVersion.code !== 0) throw new BenchError('psql is not on PATH: the baseline needs it');

  const server = new Server(opts.url);
  const cleanup = async () => {
    for (const c of children) c.kill('SIGTERM');
    await server.dropAll();
    await server.admin.end().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  };
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interrupted = true;
      log(`${sig}: dropping the bench databases`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    try {
      await server.admin.connect();
    } catch (e) {
      throw new BenchError(`cannot connect to ${server.redacted}: ${(e as Error).message}`);
    }
    const { rows: ver } = await server.admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const { rows: settings } = await server.admin.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN
        ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'synchronous_commit', 'fsync', 'wal_level',
         'maintenance_work_mem', 'autovacuum', 'full_page_writes', 'max_parallel_maintenance_workers')`,
    );
    const leftovers = await server.dropLeftovers();
    if (leftovers.length) log(`dropped ${leftovers.length} database(s) left by an earlier bench run: ${leftovers.join(', ')}`);
    const machine = {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      host: hostname(),
      node: process.version,
      psql: psqlVersion.stdout.trim(),
      server: `PostgreSQL ${ver[0]?.v.split(' ')[0]}`,
      serverSettings: Object.fromEntries(settings.map((s) => [s.name, s.unit ? `${s.setting} ${s.unit}` : s.setting])),
    };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const git = await gitInfo();

    log(`rows ${opts.rows.toLocaleString('en-US')} (accounts) + ${Math.floor(opts.rows / 5).toLocaleString('en-US')} (invoices), repeat ${opts.repeat}, ${machine.server} at ${server.redacted}, ${machine.cores} cores`);
    log(`change: ${change.map((m) => m.id).join(', ')}`);
    log('building the seeded template (trunk migrations + seed, as rehearse builds its dataset)…');
    const template = await buildTemplate(server, trunk, seed);
    const tableRows = await warm(server, template.name);
    log(`template ${template.name} built in ${fmtMs(template.ms)}: ${JSON.stringify(tableRows)}`);
    const startupMs = await psqlStartup(server, template.name);
    log(`psql process start + connect + empty transaction: ${fmtMs(startupMs)}`);

    const reps: Repetition[] = [];
    for (let i = 0; i < opts.repeat && !interrupted; i++) {
      const order: Contender[] = i % 2 === 0 ? ['psql-file', 'psql-session', 'rehearse'] : ['rehearse', 'psql-session', 'psql-file'];
      const rep: Repetition = { rep: i + 1, order, otherBackends: await server.otherBackends(), before: {} };
      for (const who of order) {
        rep.before[who] = { checkpointMs: round(await server.settle()), loadavg1: round(loadavg()[0] ?? NaN, 2) };
        if (who === 'psql-file') {
          rep.psqlFile = await runPsqlPerFile(server, template.name, change);
          log(`rep ${i + 1}/${opts.repeat} psql -1 -f        ${fmtMs(rep.psqlFile.totalMs)}`);
        } else if (who === 'psql-session') {
          rep.psqlSession = await runPsqlSession(server, template.name, change);
          log(`rep ${i + 1}/${opts.repeat} psql, 1 session   ${fmtMs(rep.psqlSession.totalMs)}`);
        } else {
          mkdirSync(reportsDir, { recursive: true });
          rep.rehearse = await runRehearse(server, seed, change, join(reportsDir, `rehearse-${i + 1}.json`));
          log(
            `rep ${i + 1}/${opts.repeat} rehearse change   ${fmtMs(rep.rehearse.changeMs)}  (whole run ${fmtMs(rep.rehearse.wallMs)}, verdict ${rep.rehearse.verdict})`,
          );
        }
      }
      reps.push(rep);
    }
    if (interrupted) return 130;

    log('timing rehearse\'s instrumentation queries on a fresh clone…');
    const probe = await probeInstrumentation(server, template.name);

    // ---- summary
    const col = <T>(f: (r: Repetition) => T | undefined) => reps.map(f).filter((x): x is T => x !== undefined);
    const psqlFileTotals = stats(col((r) => r.psqlFile?.totalMs));
    const sessionTotals = stats(col((r) => r.psqlSession?.totalMs));
    const rehearseTotals = stats(col((r) => r.rehearse?.changeMs));
    const rehearseStmtTotals = stats(col((r) => r.rehearse?.changeStatementsMs));
    const wall = stats(col((r) => r.rehearse?.wallMs));
    const ratio = round(rehearseTotals.median / psqlFileTotals.median, 3);
    const ratioSession = round(rehearseTotals.median / sessionTotals.median, 3);
    const ratioMin = round(rehearseTotals.min / psqlFileTotals.min, 3);
    const pairedRatios = col((r) => (r.rehearse && r.psqlFile ? round(r.rehearse.changeMs / r.psqlFile.totalMs, 3) : undefined));
    const ratioPaired = round(median(pairedRatios), 3);
    const loads = reps.flatMap((r) => Object.values(r.before).map((b) => b.loadavg1));
    const pass = ratio <= TARGET_RATIO;

    const perMigration = change.map((m) => {
      const f = stats(col((r) => r.psqlFile?.perMigration[m.id]));
      const s = stats(col((r) => r.psqlSession?.perMigration[m.id]?.ms));
      const sc = stats(col((r) => r.psqlSession?.perMigration[m.id]?.commitMs));
      const tr = stats(col((r) => r.psqlSession?.perMigration[m.id]?.trackingMs));
      const st = stats(col((r) => r.rehearse?.perMigration[m.id]?.stepMs));
      const ss = stats(col((r) => r.rehearse?.perMigration[m.id]?.statementsMs));
      const gap = stats(col((r) => (r.rehearse ? r.rehearse.perMigration[m.id]!.stepMs - r.rehearse.perMigration[m.id]!.statementsMs : undefined)));
      const statements = reps[0]?.rehearse?.perMigration[m.id]?.statements ?? 0;
      return { migration: m.id, statements, psqlFile: f, psqlSession: s, psqlSessionCommit: sc, tracking: tr, rehearseStep: st, rehearseStatements: ss, rehearseOutsideStatements: gap };
    });

    const totalStatements = perMigration.reduce((a, p) => a + p.statements, 0);
    const instrumentationEstimateMs = 'skipped' in probe ? undefined : round(totalStatements * (probe.heldLocksMs + probe.storageMs), 1);
    const summary = {
      instrumentationEstimateMs,
      ratio,
      ratioOfMins: ratioMin,
      ratioVsOneSession: ratioSession,
      pairedRatios,
      ratioPairedMedian: ratioPaired,
      loadavg1: stats(loads),
      target: TARGET_RATIO,
      result: pass ? 'PASS' : 'MISS',
      psqlFile: psqlFileTotals,
      psqlSession: sessionTotals,
      rehearseChange: rehearseTotals,
      rehearseChangeStatements: rehearseStmtTotals,
      rehearseWholeRun: wall,
      rehearseBuildMs: stats(col((r) => r.rehearse?.buildMs)),
      rehearseCloneMs: stats(col((r) => r.rehearse?.cloneMs)),
      psqlStartupMs: startupMs,
      templateBuildMs: round(template.ms),
      trackingPerFileMs: round(median(col((r) => r.psqlSession && Object.values(r.psqlSession.perMigration).map((x) => x.trackingMs)).flat())),
      perMigration,
      probe,
    };

    // ---- print
    const out: string[] = [];
    out.push('');
    out.push(
      `rehearse change vs psql — accounts ${opts.rows.toLocaleString('en-US')} rows, invoices ${Math.floor(opts.rows / 5).toLocaleString('en-US')} rows; ` +
        `${opts.repeat} repetitions (A/B interleaved); ${machine.server}; ${machine.cores} cores (${machine.cpu}); node ${machine.node}`,
    );
    out.push('per migration: medians over the repetitions; totals: median and min of the per-repetition sums');
    out.push('');
    const rowsOut = perMigration.map((p) => [
      p.migration,
      String(p.statements),
      fmtMs(p.psqlFile.median),
      fmtMs(p.psqlSession.median),
      fmtMs(p.psqlSessionCommit.median),
      fmtMs(p.rehearseStep.median),
      fmtMs(p.rehearseStatements.median),
      fmtMs(p.rehearseOutsideStatements.median),
      `${(p.rehearseStep.median / p.psqlFile.median).toFixed(2)}×`,
    ]);
    rowsOut.push([
      'total (median)',
      String(totalStatements),
      fmtMs(psqlFileTotals.median),
      fmtMs(sessionTotals.median),
      '',
      fmtMs(rehearseTotals.median),
      fmtMs(rehearseStmtTotals.median),
      fmtMs(rehearseTotals.median - rehearseStmtTotals.median),
      `${ratio.toFixed(2)}×`,
    ]);
    rowsOut.push([
      'total (min)',
      '',
      fmtMs(psqlFileTotals.min),
      fmtMs(sessionTotals.min),
      '',
      fmtMs(rehearseTotals.min),
      fmtMs(rehearseStmtTotals.min),
      '',
      `${ratioMin.toFixed(2)}×`,
    ]);
    out.push(
      table(
        ['migration', 'stmts', 'psql -1 -f', 'psql 1 session', '(its COMMIT)', 'rehearse step', 'Σ statements', 'step − Σ stmts', 'rehearse/psql'],
        rowsOut,
      ),
    );
    out.push('');
    out.push(`  psql -1 -f        wall time of one psql process per file, summed (includes ~${fmtMs(startupMs)} of process start + connect per file)`);
    out.push('  psql 1 session    BEGIN → COMMIT per file in one psql session, as rehearse runs the change (server clock)');
    out.push('  rehearse step     durationMs of the change step in rehearse\'s JSON report: BEGIN, statements, locks + storage read after each, COMMIT');
    out.push('  Σ statements      the statements alone as rehearse timed them; step − Σ stmts = instrumentation inside the step + BEGIN/COMMIT');
    out.push(`  golang-migrate tracking update (TRUNCATE + INSERT, dirty before and clean after each file): median ${fmtMs(summary.trackingPerFileMs)} per file, outside every timing above`);
    if ('skipped' in probe) out.push(`  instrumentation probe skipped: ${probe.skipped}`);
    else
      out.push(
        `  instrumentation queries (rehearse's observer, in a transaction holding ${probe.locks} lock(s), ${probe.relations} relations): ` +
          `held locks ${fmtMs(probe.heldLocksMs)}, storage map ${fmtMs(probe.storageMs)} per statement; ` +
          `× ${totalStatements} statements ≈ ${fmtMs(instrumentationEstimateMs ?? NaN)} = ${(((instrumentationEstimateMs ?? 0) / rehearseTotals.median) * 100).toFixed(2)}% of the change`,
        `  outside each step's window (not in durationMs, in the whole run): counters + WAL position before ${fmtMs(probe.beginStepMs)}, ` +
          `deltas after ${fmtMs(probe.endStepMs)}, storage map before ${fmtMs(probe.storageMs)}, tracking dirty/clean ≈ ${fmtMs(summary.trackingPerFileMs)}`,
      );
    out.push('');
    out.push(
      `rehearse whole run (build dataset, clone, 4 snapshots, change, rollback, reapply): median ${fmtMs(wall.median)} (min ${fmtMs(wall.min)}); ` +
        `dataset build ${fmtMs(summary.rehearseBuildMs.median)}, clone ${fmtMs(summary.rehearseCloneMs.median)} — NOT part of the ratio`,
    );
    out.push('');
    out.push(`ratio  rehearse change / psql -1 -f (medians)      ${ratio.toFixed(3)}×   (of mins ${ratioMin.toFixed(3)}×)`);
    out.push(`ratio  rehearse change / psql 1 session (medians)  ${ratioSession.toFixed(3)}×`);
    out.push(`ratio  per repetition (rehearse / psql -1 -f)      ${pairedRatios.map((x) => x.toFixed(2)).join(' ')}  (median ${ratioPaired.toFixed(3)}×)`);
    out.push(
      `machine load (1-min load average when each contender started, ${machine.cores} cores): median ${loads.length ? median(loads).toFixed(2) : '—'}, ` +
        `max ${loads.length ? Math.max(...loads).toFixed(2) : '—'}${median(loads) > machine.cores * 0.5 ? ' — others were busy on this machine: expect noise' : ''}`,
    );
    out.push(`target ≤ ${TARGET_RATIO.toFixed(2)}×: ${pass ? 'PASS' : 'MISS'}`);

    const resultPath = join(resultsDir, `${stamp}.json`);
    const result = {
      benchmark: 'change-vs-psql',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      benchWallMs: round(performance.now() - benchT0),
      rehearse: { version: pkg.version, ...git },
      options: { rows: opts.rows, invoiceRows: Math.floor(opts.rows / 5), repeat: opts.repeat, url: server.redacted },
      machine,
      fixtures: { migrations: MIGRATIONS_DIR, seed: SEED, datasetVersion: DATASET_VERSION, change: change.map((m) => m.id), tableRows },
      summary,
      repetitions: reps,
    };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(resultPath, JSON.stringify(result, null, 2) + '\n');
    out.push(`bench wall time ${fmtMs(performance.now() - benchT0)}; results: ${resultPath}`);
    console.log(out.join('\n'));
    return 0;
  } finally {
    if (!interrupted) await cleanup();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof BenchError) console.error(`bench: ${e.message}`);
    else console.error('bench:', e);
    process.exitCode = 1;
  },
);
