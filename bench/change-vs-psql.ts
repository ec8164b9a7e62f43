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
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BenchError } from './lib/bench-error.ts';
import { BenchDatabases } from './lib/bench-databases.ts';
import { requireClient, run, tail } from './lib/child-processes.ts';
import { describeFixtures, describeRows, fixturesIn, invoiceRows, type Migration } from './lib/fixtures.ts';
import { interleavedOrder, type RepetitionOf } from './lib/interleave.ts';
import { cleanupOnce, exitWith, interrupted, startBench } from './lib/lifecycle.ts';
import { loadavg1, machineInfo, machineLoadLine } from './lib/machine.ts';
import { parseBenchOptions } from './lib/options.ts';
import { fmtMs, log, table } from './lib/output.ts';
import { BENCH_DIR } from './lib/paths.ts';
import { rehearseBuild, resultsHead, writeResults } from './lib/results.ts';
import { runRehearseChange, type RehearseChange } from './lib/rehearse-cli.ts';
import { column, median, round, stats } from './lib/stats.ts';

const TARGET_RATIO = 1.1;
const DEFAULT_ROWS = 1_000_000;
const FIXTURES = fixturesIn(join(BENCH_DIR, 'fixtures'), '0002', DEFAULT_ROWS);
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

// ---------------------------------------------------------------------------------------------
// databases

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

class Server extends BenchDatabases {
  readonly admin: pg.Client;
  /** URL without password (psql gets it through PGPASSWORD), and the env for child processes. */
  readonly env: NodeJS.ProcessEnv;
  private readonly base: URL;

  constructor(readonly url: string) {
    super(DB_PREFIX);
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

  async create(name: string, template: string, options = ''): Promise<number> {
    const t0 = performance.now();
    // The same statement rehearse's engine uses (server default strategy: WAL_LOG on 15).
    await this.admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}${options}`);
    this.created.add(name);
    return performance.now() - t0;
  }

  override async drop(name: string): Promise<void> {
    await this.admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    this.created.delete(name);
  }

  protected override async listPrefixed(): Promise<string[]> {
    const { rows } = await this.admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `${this.prefix}%`,
    ]);
    return rows.map((r) => r.datname);
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
async function buildTemplate(server: Server, trunk: Migration[], seed: string): Promise<{ name: string; ms: number }> {
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

async function runPsqlPerFile(server: Server, template: string, change: Migration[]): Promise<PsqlFileRun> {
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

async function runPsqlSession(server: Server, template: string, change: Migration[]): Promise<PsqlSessionRun> {
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
    const r = await run('psql', [...PSQL_BASE, '-A', '-t', '-d', server.urlOf(db)], server.env, { text: script.join('\n') + '\n' });
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

/** rehearse's change steps (each with its status), and the dataset's clone time. */
type RehearseRun = RehearseChange<{ status: string }> & { cloneMs: number };

async function runRehearse(server: Server, seed: string, change: Migration[], reportPath: string): Promise<RehearseRun> {
  const { run: r, target } = await runRehearseChange({
    engine: 'postgres',
    url: server.url,
    fixtures: FIXTURES,
    seed,
    reportPath,
    change,
    stepExtra: (s) => ({ status: s.status }),
  });
  return { ...r, cloneMs: target.dataset.cloneMs ?? NaN };
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
// main

type Contender = 'psql-file' | 'psql-session' | 'rehearse';

/** Before each contender: the CHECKPOINT before it (ms) and the machine's 1-minute load average then. */
interface Repetition extends RepetitionOf<Contender, { checkpointMs: number; loadavg1: number }> {
  otherBackends: number;
  psqlFile?: PsqlFileRun;
  psqlSession?: PsqlSessionRun;
  rehearse?: RehearseRun;
}

async function main(): Promise<number> {
  const opts = parseBenchOptions(process.argv.slice(2), {
    help: HELP,
    rows: DEFAULT_ROWS,
    repeat: 5,
    url: () => process.env.REHEARSE_BENCH_URL ?? process.env.REHEARSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  const { clock, reportsDir, workDir, trunk, change, seed } = startBench(opts.rows, FIXTURES, '');

  const psqlVersion = await requireClient('psql', 'psql');

  const server = new Server(opts.url);
  const cleanup = cleanupOnce(workDir, async () => {
    await server.dropAll();
    await server.admin.end().catch(() => undefined);
  });

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
    await server.dropLeftovers();
    const machine = {
      ...machineInfo(),
      psql: psqlVersion,
      server: `PostgreSQL ${ver[0]?.v.split(' ')[0]}`,
      serverSettings: Object.fromEntries(settings.map((s) => [s.name, s.unit ? `${s.setting} ${s.unit}` : s.setting])),
    };
    const rehearse = await rehearseBuild();

    log(`rows ${opts.rows.toLocaleString('en-US')} (accounts) + ${invoiceRows(opts.rows).toLocaleString('en-US')} (invoices), repeat ${opts.repeat}, ${machine.server} at ${server.redacted}, ${machine.cores} cores`);
    log(`change: ${change.map((m) => m.id).join(', ')}`);
    log('building the seeded template (trunk migrations + seed, as rehearse builds its dataset)…');
    const template = await buildTemplate(server, trunk, seed);
    const tableRows = await warm(server, template.name);
    log(`template ${template.name} built in ${fmtMs(template.ms)}: ${JSON.stringify(tableRows)}`);
    const startupMs = await psqlStartup(server, template.name);
    log(`psql process start + connect + empty transaction: ${fmtMs(startupMs)}`);

    const reps: Repetition[] = [];
    for (let i = 0; i < opts.repeat && !interrupted(); i++) {
      const order = interleavedOrder<Contender>(i, ['psql-file', 'psql-session', 'rehearse']);
      const rep: Repetition = { rep: i + 1, order, otherBackends: await server.otherBackends(), before: {} };
      for (const who of order) {
        rep.before[who] = { checkpointMs: round(await server.settle()), loadavg1: loadavg1() };
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
    if (interrupted()) return 130;

    log('timing rehearse\'s instrumentation queries on a fresh clone…');
    const probe = await probeInstrumentation(server, template.name);

    // ---- summary
    const col = <T>(f: (r: Repetition) => T | undefined) => column(reps, f);
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
      `rehearse change vs psql — ${describeRows(opts.rows)}; ` +
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
    out.push(machineLoadLine(loads, machine.cores));
    out.push(`target ≤ ${TARGET_RATIO.toFixed(2)}×: ${pass ? 'PASS' : 'MISS'}`);

    const result = {
      ...resultsHead('change-vs-psql', clock, rehearse, opts, server.redacted),
      machine,
      fixtures: { ...describeFixtures(FIXTURES, change), tableRows },
      summary,
      repetitions: reps,
    };
    out.push(writeResults(`${clock.stamp}.json`, result, clock));
    console.log(out.join('\n'));
    return 0;
  } finally {
    if (!interrupted()) await cleanup();
  }
}

exitWith(main());
