// The MySQL/MariaDB overhead benchmark (bench/README.md, "MySQL/MariaDB"): rehearse's `change`
// phase against the same migrations applied with the plain `mysql` client on the same data, A/B
// interleaved. The counterpart of change-vs-psql.ts.
//
//   npx tsx bench/change-vs-mysql.ts [--rows 500000] [--repeat 3] [--url mysql://…]
//
// The default is 500,000 rows, not the PostgreSQL bench's 1M: on MariaDB a whole rehearse run at
// 1M rows takes 1.5–3 minutes on 2 cores (its column-checksummed state snapshots alone are ~25 s
// each), so 3 repetitions of 3 contenders took 14.6 minutes. `--rows 1000000` runs it at 1M.
// Per repetition, in alternating order (ABC CBA, so drift cancels):
//   mysql < file      a database of the bench's own: the trunk migrations, then the seed, applied
//                     with the mysql client (autocommit, statement by statement, as rehearse builds
//                     its dataset), every table scanned once (as rehearse's dataset snapshot and row
//                     counts do), then every change migration applied with
//                     `mysql --database <db> < <up file>`, one process per file (golang-migrate's
//                     MySQL driver sends a file as one multi-statement query: one file, one call);
//                     wall time per process, summed. golang-migrate's tracking row is set dirty
//                     before each file and clean after it (TRUNCATE + INSERT), outside the timing.
//   rehearse          the real CLI on the same fixtures (`--engine mysql --no-scale`); from its JSON
//                     report, the sum of the `change` steps' durationMs (which include rehearse's
//                     per-statement instrumentation) and, apart, the whole run's wall time.
//   rehearse bare     the same with `--no-probes` (no traffic probes during the steps).
// Before each contender the bench waits (up to 30 s) for InnoDB to settle: the previous contender's
// dirty pages flushed and its undo logs purged (a 1M-row UPDATE leaves ~1M undo records).
// Ratios: median(rehearse --no-probes change) / median(mysql < file), target ≤ 1.10, and
// median(rehearse change, probes) / median(mysql < file), target ≤ 1.15. Speed is measured, never
// asserted: a miss prints MISS and exits 0; only a failure to run exits 1. Results go to
// bench/results/<timestamp>-mysql.json (git-ignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';
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
const TARGET_RATIO_PROBES = 1.15;
const DEFAULT_ROWS = 500_000;
/** The seed numbers rows from a cross join of 7 digit tables. */
const MAX_ROWS = 10_000_000;
const DEFAULT_REPEAT = 3;
const FIXTURES = fixturesIn(join(BENCH_DIR, 'fixtures-mysql'), '0002', DEFAULT_ROWS);
const DB_PREFIX = 'bench_cvm_';
const TRACKING = 'schema_migrations';
const SETTLE_MAX_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// command line

const HELP = `usage: npx tsx bench/change-vs-mysql.ts [--rows N] [--repeat N] [--url URL]

  --rows N     rows in accounts (invoices get N/5); default ${DEFAULT_ROWS}, at most ${MAX_ROWS}
  --repeat N   repetitions, each: mysql < file, rehearse --no-probes, rehearse (probes); default ${DEFAULT_REPEAT}
  --url URL    MySQL/MariaDB server (a user that may create databases); default $REHEARSE_BENCH_MYSQL_URL,
               $REHEARSE_TEST_MYSQL_URL or mysql://root@127.0.0.1:3306/test. The mysql client must be on PATH.

Per repetition, interleaved: the change's up files applied with \`mysql --database <db> < file\` (one
process per file, wall time summed) on a freshly seeded database, and rehearse's real CLI
(--engine mysql --no-scale) with and without traffic probes; from its JSON report the sum of the
change steps' durationMs.

Exit status: 0 when it ran (PASS or MISS against ${TARGET_RATIO.toFixed(2)}× without probes and ${TARGET_RATIO_PROBES.toFixed(2)}× with them),
1 when it could not run.`;

// ---------------------------------------------------------------------------------------------
// the server

function quoteIdent(s: string): string {
  return `\`${s.replace(/`/g, '``')}\``;
}

class Server extends BenchDatabases {
  admin!: Connection;
  readonly redacted: string;
  private readonly host: string;
  private readonly port: number;
  private readonly user: string;
  private readonly password: string | undefined;
  private readonly socket: string | undefined;
  /** The environment of mysql client processes (the password goes through MYSQL_PWD, never argv). */
  readonly env: NodeJS.ProcessEnv;

  constructor(readonly url: string) {
    super(DB_PREFIX);
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new BenchError(`invalid --url: expected mysql://user:password@host:port/database`);
    }
    if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw new BenchError(`--url must be a mysql:// URL`);
    this.host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
    this.port = u.port ? Number(u.port) : 3306;
    this.user = decodeURIComponent(u.username) || 'root';
    this.password = u.password ? decodeURIComponent(u.password) : undefined;
    this.socket = u.searchParams.get('socket') ?? undefined;
    const r = new URL(url);
    if (r.password) r.password = '***';
    this.redacted = r.toString();
    this.env = { ...process.env, ...(this.password !== undefined ? { MYSQL_PWD: this.password } : {}) };
  }

  /** A connection with the options rehearse uses where they matter (utf8mb4, no IGNORE_SPACE), named rehearse-bench. */
  connect(database?: string): Promise<Connection> {
    return mysql
      .createConnection({
        ...(this.socket ? { socketPath: this.socket } : { host: this.host, port: this.port }),
        user: this.user,
        ...(this.password !== undefined ? { password: this.password } : {}),
        ...(database ? { database } : {}),
        charset: 'utf8mb4',
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
        connectTimeout: 10_000,
        flags: ['-IGNORE_SPACE', '-LOCAL_FILES'],
        connectAttributes: { program_name: 'rehearse-bench' },
      })
      .then((c) => {
        c.on('error', () => {});
        return c;
      });
  }

  async open(): Promise<void> {
    try {
      this.admin = await this.connect();
    } catch (e) {
      throw new BenchError(`cannot connect to ${this.redacted}: ${(e as Error).message}`);
    }
    await this.admin.query('SET SESSION lock_wait_timeout = 30');
  }

  /** The mysql client's connection arguments (no database, no password). */
  clientArgs(): string[] {
    return [
      '--no-auto-rehash',
      '--default-character-set=utf8mb4',
      '--connect-timeout=10',
      ...(this.socket ? ['--socket', this.socket] : ['--protocol=TCP', '--host', this.host, '--port', String(this.port)]),
      '--user',
      this.user,
    ];
  }

  /** `mysql --database <db> < file`: wall time of the process. */
  async mysqlFile(db: string, file: string): Promise<number> {
    const r = await run('mysql', [...this.clientArgs(), '--database', db], this.env, { file });
    if (r.code !== 0) throw new BenchError(`mysql --database ${db} < ${file} failed (exit ${r.code ?? r.signal}):\n${tail(r.stderr)}`);
    return r.ms;
  }

  async create(name: string): Promise<void> {
    // As rehearse's createScratch: utf8mb4 with the server's default collation for it.
    await this.admin.query(`CREATE DATABASE ${quoteIdent(name)} CHARACTER SET utf8mb4`);
    this.created.add(name);
  }

  override async drop(name: string): Promise<void> {
    // Connections left on it (a killed mysql client) would make DROP wait for their locks.
    const [rows] = await this.admin.query<RowDataPacket[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
      [name],
    );
    for (const r of rows) await this.admin.query(`KILL CONNECTION ${Number(r.id)}`).catch(() => undefined);
    await this.admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    this.created.delete(name);
  }

  protected override async listPrefixed(): Promise<string[]> {
    const [rows] = await this.admin.query<RowDataPacket[]>(`SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?`, [
      `${this.prefix.replace(/_/g, '\\_')}%`,
    ]);
    return (rows as { name: string }[]).map((r) => r.name);
  }

  async status(names: string[]): Promise<Map<string, number>> {
    const [rows] = await this.admin.query<RowDataPacket[]>(`SHOW GLOBAL STATUS WHERE Variable_name IN (?)`, [names]);
    return new Map(rows.map((r) => [String(r.Variable_name), Number(r.Value)]));
  }

  /**
   * Waits (up to SETTLE_MAX_MS) until InnoDB is quiet: the purge backlog (history list length)
   * under 10,000 undo records, and dirty pages under 10 % of the buffer pool or no longer going
   * down (InnoDB keeps up to innodb_max_dirty_pages_pct dirty and others may be writing), so the
   * previous contender's purging and flushing do not land on the next one. Changes no setting.
   */
  async settle(): Promise<Settle> {
    const t0 = performance.now();
    const names = ['Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_total', 'Innodb_history_list_length'];
    const read = async () => {
      const s = await this.status(names);
      return { dirtyPages: s.get(names[0]!) ?? 0, totalPages: s.get(names[1]!) ?? 1, historyLength: s.get(names[2]!) ?? 0 };
    };
    const first = await read();
    const seen = [first];
    const quiet = () => {
      const now = seen.at(-1)!;
      const fourAgo = seen.at(-5);
      const flushed = now.dirtyPages < 0.1 * now.totalPages || (fourAgo !== undefined && now.dirtyPages >= fourAgo.dirtyPages);
      return now.historyLength < 10_000 && flushed;
    };
    while (!quiet() && performance.now() - t0 < SETTLE_MAX_MS) {
      await new Promise((r) => setTimeout(r, 500));
      seen.push(await read());
    }
    const last = seen.at(-1)!;
    return {
      waitedMs: round(performance.now() - t0),
      quiet: quiet(),
      before: { dirtyPages: first.dirtyPages, historyLength: first.historyLength },
      after: { dirtyPages: last.dirtyPages, historyLength: last.historyLength },
    };
  }

  /** Statements running on the server for others (tests on the same server add noise). */
  async othersActive(): Promise<number> {
    const [rows] = await this.admin.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
        WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump') AND USER <> 'system user'`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}

interface Settle {
  waitedMs: number;
  quiet: boolean;
  before: { dirtyPages: number; historyLength: number };
  after: { dirtyPages: number; historyLength: number };
}

async function setTracking(c: Connection, version: bigint, dirty: boolean): Promise<void> {
  // golang-migrate's MySQL driver (and rehearse's GolangMigrateTrackingMysql): TRUNCATE + INSERT.
  await c.query('START TRANSACTION');
  await c.query(`TRUNCATE ${quoteIdent(TRACKING)}`);
  await c.query(`INSERT INTO ${quoteIdent(TRACKING)} (version, dirty) VALUES (?, ?)`, [String(version), dirty]);
  await c.query('COMMIT');
}

/** Full scans of every table, as rehearse's dataset snapshot and its per-step row counts do before `change`. */
async function warm(c: Connection): Promise<Record<string, number>> {
  const [tables] = await c.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> ? ORDER BY 1`,
    [TRACKING],
  );
  const counts: Record<string, number> = {};
  for (const { t } of tables as { t: string }[]) {
    const [rows] = await c.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteIdent(t)}`);
    counts[t] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// the contenders

interface BaselineRun {
  totalMs: number;
  perMigration: Record<string, number>;
  /** Building its database: trunk migrations + seed (not timed against anything). */
  buildMs: number;
  seedMs: number;
  warmMs: number;
  /** golang-migrate's tracking updates, dirty before + clean after each file: outside the timing. */
  trackingMs: number[];
  tableRows: Record<string, number>;
}

/** Applies trunk + seed to a new database of the bench's; returns its connection, open. */
async function buildBaseline(server: Server, trunk: Migration[], seed: string): Promise<{ db: string; c: Connection; buildMs: number; seedMs: number }> {
  const t0 = performance.now();
  const db = server.name('baseline');
  await server.create(db);
  const c = await server.connect(db);
  // golang-migrate's ensureVersionTable.
  await c.query(`CREATE TABLE ${quoteIdent(TRACKING)} (version bigint not null primary key, dirty boolean not null)`);
  for (const m of trunk) {
    await setTracking(c, m.version, true);
    await server.mysqlFile(db, m.up);
    await setTracking(c, m.version, false);
  }
  const s0 = performance.now();
  await server.mysqlFile(db, seed);
  const seedMs = performance.now() - s0;
  return { db, c, buildMs: performance.now() - t0, seedMs };
}

async function runBaseline(
  server: Server,
  trunk: Migration[],
  change: Migration[],
  seed: string,
  keep?: (db: string) => Promise<void>,
): Promise<BaselineRun> {
  const { db, c, buildMs, seedMs } = await buildBaseline(server, trunk, seed);
  try {
    const w0 = performance.now();
    const tableRows = await warm(c);
    const warmMs = performance.now() - w0;
    const perMigration: Record<string, number> = {};
    const trackingMs: number[] = [];
    let totalMs = 0;
    for (const m of change) {
      const t0 = performance.now();
      await setTracking(c, m.version, true);
      const t1 = performance.now();
      const ms = await server.mysqlFile(db, m.up);
      const t2 = performance.now();
      await setTracking(c, m.version, false);
      trackingMs.push(round(t1 - t0 + (performance.now() - t2), 2));
      perMigration[m.id] = round(ms);
      totalMs += ms;
    }
    if (keep) await keep(db);
    return { totalMs: round(totalMs), perMigration, buildMs: round(buildMs), seedMs: round(seedMs), warmMs: round(warmMs), trackingMs, tableRows };
  } finally {
    await c.end().catch(() => undefined);
    await server.drop(db);
  }
}

interface RehearseRun extends RehearseChange<{ /** Longest blocked window the probes measured on any table (probes only). */ maxBlockedMs?: number }> {
  probes: boolean;
  /** Every step of every phase (change, rollback, reapply): durationMs summed, and how many. */
  allStepsMs: number;
  stepCount: number;
  /** rehearse's progress lines with a duration (build dataset, snapshot dataset, …), from stderr. */
  progress: string[];
}

async function runRehearse(server: Server, seed: string, change: Migration[], probes: boolean, reportPath: string): Promise<RehearseRun> {
  const { run: r, target, stderr } = await runRehearseChange({
    engine: 'mysql',
    url: server.url,
    fixtures: FIXTURES,
    seed,
    reportPath,
    change,
    args: ['--no-scale', ...(probes ? [] : ['--no-probes'])],
    keepStderr: true,
    stepExtra: (s) => (s.blocked ? { maxBlockedMs: round(Math.max(0, ...s.blocked.map((b) => b.maxBlockedMs))) } : {}),
  });
  return {
    probes,
    ...r,
    allStepsMs: round(target.steps.reduce((a, s) => a + s.durationMs, 0)),
    stepCount: target.steps.length,
    progress: stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^(connect|build dataset|snapshot|clone|phase)\b/.test(l)),
  };
}

// ---------------------------------------------------------------------------------------------
// rehearse's instrumentation, timed call by call (its own observer, loaded from source)

interface Instrumentation {
  /** Inside a step's window, after every statement (MySQL runs a file statement by statement in autocommit). */
  storageMs: number;
  transactionCountersMs: number;
  /** Outside the window, before and after every step of every phase. */
  storageWithSizesMs: number;
  beginStepMs: number;
  endStepMs: number;
  /** The exact row count of every table (SELECT COUNT(*) each), part of beginStep and endStep without per-table counters. */
  tableRowsMs: number;
  trackingSetMs: number;
  /** The state snapshots between phases: schema + every table's rows hashed, with and without per-column checksums. */
  snapshotMs: number;
  snapshotRowHashOnlyMs: number;
  tableCounters: string | null;
  tableRows: Record<string, number>;
}

async function timeInstrumentation(server: Server, db: string): Promise<Instrumentation | { skipped: string }> {
  let MysqlSession: typeof import('../src/engines/mysql/mysql-session.ts').MysqlSession;
  let parseMysqlUrl: typeof import('../src/engines/mysql/mysql-url.ts').parseMysqlUrl;
  let MysqlObserver: typeof import('../src/observe/mysql/observer.ts').MysqlObserver;
  let GolangMigrateTrackingMysql: typeof import('../src/migrations/golang-migrate-tracking-mysql.ts').GolangMigrateTrackingMysql;
  try {
    ({ MysqlSession } = await import('../src/engines/mysql/mysql-session.ts'));
    ({ parseMysqlUrl } = await import('../src/engines/mysql/mysql-url.ts'));
    ({ MysqlObserver } = await import('../src/observe/mysql/observer.ts'));
    ({ GolangMigrateTrackingMysql } = await import('../src/migrations/golang-migrate-tracking-mysql.ts'));
  } catch (e) {
    return { skipped: `rehearse's observer could not be loaded: ${(e as Error).message}` };
  }
  const session = await MysqlSession.open(parseMysqlUrl(server.url), db, () => undefined);
  try {
    const observer = new MysqlObserver({ trackingTable: TRACKING });
    await observer.prepareSession(session);
    const features = await observer.features(session);
    const times = async (n: number, fn: () => Promise<unknown>) => {
      const ms: number[] = [];
      await fn(); // warm-up
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        await fn();
        ms.push(performance.now() - s);
      }
      return round(median(ms), 2);
    };
    const once = async (fn: () => Promise<unknown>) => {
      const s = performance.now();
      await fn();
      return round(performance.now() - s, 1);
    };
    const tracking = new GolangMigrateTrackingMysql(TRACKING);
    const baseline = await observer.beginStep(session);
    return {
      storageMs: await times(20, () => observer.storage(session, { sizes: false })),
      transactionCountersMs: await times(20, () => observer.transactionCounters(session)),
      storageWithSizesMs: await times(10, () => observer.storage(session)),
      trackingSetMs: await times(10, () => tracking.set(session, 6n, false)),
      tableRowsMs: await times(3, () => observer.tableRows(session)),
      beginStepMs: await times(3, () => observer.beginStep(session)),
      endStepMs: await times(3, () => observer.endStep(session, baseline)),
      // One each: at 1M rows the column-checksummed one takes tens of seconds.
      snapshotMs: await once(() => observer.snapshot(session, 'bench', { columnChecksums: true })),
      snapshotRowHashOnlyMs: await once(() => observer.snapshot(session, 'bench', { columnChecksums: false })),
      tableCounters: features.tableCounters ?? null,
      tableRows: await observer.tableRows(session),
    };
  } finally {
    await session.close();
  }
}

/** The mysql client's fixed cost per file: process start + connection + one trivial statement. */
async function mysqlStartup(server: Server, db: string, workDir: string, n = 7): Promise<number> {
  const file = join(workDir, 'select1.sql');
  writeFileSync(file, 'SELECT 1;\n');
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push(await server.mysqlFile(db, file));
  return round(median(ms));
}

// ---------------------------------------------------------------------------------------------
// main

type Contender = 'baseline' | 'rehearse-bare' | 'rehearse-probes';

/** Before each contender: the 1-minute load average, others' running statements and the InnoDB settle wait. */
interface Repetition extends RepetitionOf<Contender, { loadavg1: number; othersActive: number; settle: Settle }> {
  baseline?: BaselineRun;
  rehearseBare?: RehearseRun;
  rehearseProbes?: RehearseRun;
}

async function main(): Promise<number> {
  const opts = parseBenchOptions(process.argv.slice(2), {
    help: HELP,
    rows: DEFAULT_ROWS,
    maxRows: MAX_ROWS,
    repeat: DEFAULT_REPEAT,
    url: () => process.env.REHEARSE_BENCH_MYSQL_URL ?? process.env.REHEARSE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  });
  const { clock, reportsDir, workDir, trunk, change, seed } = startBench(opts.rows, FIXTURES, '-mysql');

  const clientVersion = await requireClient('mysql', 'the mysql client');

  const server = new Server(opts.url);
  const cleanup = cleanupOnce(workDir, async () => {
    if (!server.admin) return; // not connected yet
    await server.dropAll();
    await server.admin.end().catch(() => undefined);
  });

  try {
    await server.open();
    const [[settingsRow]] = await server.admin.query<RowDataPacket[]>(
      `SELECT @@version AS version, @@innodb_buffer_pool_size AS innodb_buffer_pool_size, @@log_bin AS log_bin,
              @@performance_schema AS performance_schema, @@innodb_flush_log_at_trx_commit AS innodb_flush_log_at_trx_commit,
              @@innodb_log_file_size AS innodb_log_file_size, @@innodb_io_capacity AS innodb_io_capacity,
              @@innodb_doublewrite AS innodb_doublewrite, @@sync_binlog AS sync_binlog`,
    );
    const [userstat] = await server.admin.query<RowDataPacket[]>(`SHOW GLOBAL VARIABLES WHERE Variable_name IN ('userstat', 'innodb_sort_buffer_size')`);
    const serverSettings: Record<string, string> = Object.fromEntries(Object.entries(settingsRow ?? {}).map(([k, v]) => [k, String(v)]));
    for (const r of userstat) serverSettings[String(r.Variable_name)] = String(r.Value);
    await server.dropLeftovers();
    const machine = {
      ...machineInfo(),
      mysqlClient: clientVersion,
      server: serverSettings.version ?? 'unknown',
      serverSettings,
      loadavgAtStart: loadavg().map((x) => round(x, 2)),
    };
    const rehearse = await rehearseBuild();

    log(
      `rows ${opts.rows.toLocaleString('en-US')} (accounts) + ${invoiceRows(opts.rows).toLocaleString('en-US')} (invoices), repeat ${opts.repeat}, ` +
        `${machine.server} at ${server.redacted}, ${machine.cores} cores, load ${machine.loadavgAtStart.join(' ')}`,
    );
    log(`change: ${change.map((m) => m.id).join(', ')}`);
    log(
      `server: innodb_buffer_pool_size ${Math.round(Number(serverSettings.innodb_buffer_pool_size) / 2 ** 20)} MiB, log_bin ${serverSettings.log_bin}, ` +
        `performance_schema ${serverSettings.performance_schema}, userstat ${serverSettings.userstat ?? '—'}`,
    );

    const reps: Repetition[] = [];
    let instrumentation: Instrumentation | { skipped: string } = { skipped: 'not run' };
    let startupMs = NaN;
    mkdirSync(reportsDir, { recursive: true });
    for (let i = 0; i < opts.repeat && !interrupted(); i++) {
      const order = interleavedOrder<Contender>(i, ['baseline', 'rehearse-bare', 'rehearse-probes']);
      const rep: Repetition = { rep: i + 1, order, before: {} };
      for (const who of order) {
        if (interrupted()) break;
        const settle = await server.settle();
        rep.before[who] = { loadavg1: loadavg1(), othersActive: await server.othersActive(), settle };
        if (who === 'baseline') {
          const last = i === opts.repeat - 1;
          // After the last repetition's change, on its database: the mysql client's start-up cost
          // and rehearse's instrumentation calls, timed one by one (outside every timing above).
          rep.baseline = await runBaseline(server, trunk, change, seed, async (db) => {
            if (!last) return;
            startupMs = await mysqlStartup(server, db, workDir);
            instrumentation = await timeInstrumentation(server, db);
          });
          log(
            `rep ${i + 1}/${opts.repeat} mysql < file          ${fmtMs(rep.baseline.totalMs)}  (build ${fmtMs(rep.baseline.buildMs)}, seed ${fmtMs(rep.baseline.seedMs)}, scan ${fmtMs(rep.baseline.warmMs)}; settle ${fmtMs(settle.waitedMs)})`,
          );
        } else {
          const probes = who === 'rehearse-probes';
          const r = await runRehearse(server, seed, change, probes, join(reportsDir, `rehearse-${i + 1}-${probes ? 'probes' : 'bare'}.json`));
          if (probes) rep.rehearseProbes = r;
          else rep.rehearseBare = r;
          log(
            `rep ${i + 1}/${opts.repeat} rehearse ${probes ? '(probes)   ' : '--no-probes'}  ${fmtMs(r.changeMs)}  (whole run ${fmtMs(r.wallMs)}, verdict ${r.verdict}; settle ${fmtMs(settle.waitedMs)})`,
          );
        }
      }
      reps.push(rep);
    }
    if (interrupted()) return 130;

    // ---- summary
    const col = <T>(f: (r: Repetition) => T | undefined) => column(reps, f);
    const baseTotals = stats(col((r) => r.baseline?.totalMs));
    const bareTotals = stats(col((r) => r.rehearseBare?.changeMs));
    const probeTotals = stats(col((r) => r.rehearseProbes?.changeMs));
    const bareStmtTotals = stats(col((r) => r.rehearseBare?.changeStatementsMs));
    const probeStmtTotals = stats(col((r) => r.rehearseProbes?.changeStatementsMs));
    const bareWall = stats(col((r) => r.rehearseBare?.wallMs));
    const probeWall = stats(col((r) => r.rehearseProbes?.wallMs));
    const ratioBare = round(bareTotals.median / baseTotals.median, 3);
    const ratioProbes = round(probeTotals.median / baseTotals.median, 3);
    const ratioBareMin = round(bareTotals.min / baseTotals.min, 3);
    const ratioProbesMin = round(probeTotals.min / baseTotals.min, 3);
    const probesVsBare = round(probeTotals.median / bareTotals.median, 3);
    const paired = (f: (r: Repetition) => RehearseRun | undefined) =>
      col((r) => (f(r) && r.baseline ? round(f(r)!.changeMs / r.baseline.totalMs, 3) : undefined));
    const pairedBare = paired((r) => r.rehearseBare);
    const pairedProbes = paired((r) => r.rehearseProbes);
    const loads = reps.flatMap((r) => Object.values(r.before).map((b) => b.loadavg1));
    const others = reps.flatMap((r) => Object.values(r.before).map((b) => b.othersActive));
    const passBare = ratioBare <= TARGET_RATIO;
    const passProbes = ratioProbes <= TARGET_RATIO_PROBES;

    const perMigration = change.map((m) => {
      const b = stats(col((r) => r.baseline?.perMigration[m.id]));
      const nb = stats(col((r) => r.rehearseBare?.perMigration[m.id]?.stepMs));
      const nbs = stats(col((r) => r.rehearseBare?.perMigration[m.id]?.statementsMs));
      const nbGap = stats(
        col((r) => (r.rehearseBare ? r.rehearseBare.perMigration[m.id]!.stepMs - r.rehearseBare.perMigration[m.id]!.statementsMs : undefined)),
      );
      const p = stats(col((r) => r.rehearseProbes?.perMigration[m.id]?.stepMs));
      const pBlocked = stats(col((r) => r.rehearseProbes?.perMigration[m.id]?.maxBlockedMs));
      const statements = reps.find((r) => r.rehearseBare)?.rehearseBare?.perMigration[m.id]?.statements ?? 0;
      return { migration: m.id, statements, baseline: b, rehearseBare: nb, rehearseBareStatements: nbs, rehearseBareOutsideStatements: nbGap, rehearseProbes: p, probesMaxBlocked: pBlocked };
    });
    const totalStatements = perMigration.reduce((a, p) => a + p.statements, 0);
    const inst = instrumentation as Instrumentation | { skipped: string };
    const firstRun = col((r) => r.rehearseBare ?? r.rehearseProbes)[0];
    /** Steps of a whole rehearse run (change, rollback, reapply): each counts every table's rows before and after. */
    const stepsPerRun = firstRun?.stepCount ?? 0;
    const rowCountsPerRunMs = 'skipped' in inst ? undefined : round(stepsPerRun * 2 * inst.tableRowsMs);
    const summary = {
      ratioNoProbes: ratioBare,
      ratioProbes,
      ratioNoProbesOfMins: ratioBareMin,
      ratioProbesOfMins: ratioProbesMin,
      probesVsNoProbes: probesVsBare,
      pairedRatiosNoProbes: pairedBare,
      pairedRatiosProbes: pairedProbes,
      targets: { noProbes: TARGET_RATIO, probes: TARGET_RATIO_PROBES },
      resultNoProbes: passBare ? 'PASS' : 'MISS',
      resultProbes: passProbes ? 'PASS' : 'MISS',
      loadavg1: stats(loads),
      othersActive: stats(others),
      baseline: baseTotals,
      rehearseNoProbes: bareTotals,
      rehearseProbes: probeTotals,
      rehearseNoProbesStatements: bareStmtTotals,
      rehearseProbesStatements: probeStmtTotals,
      rehearseNoProbesWholeRun: bareWall,
      rehearseProbesWholeRun: probeWall,
      rehearseAllStepsNoProbes: stats(col((r) => r.rehearseBare?.allStepsMs)),
      rehearseBuildMs: stats(col((r) => r.rehearseBare?.buildMs)),
      baselineBuildMs: stats(col((r) => r.baseline?.buildMs)),
      baselineSeedMs: stats(col((r) => r.baseline?.seedMs)),
      /** COUNT(*) of every table on the freshly seeded database (clustered index only): what each count costs before the change. */
      baselineScanMs: stats(col((r) => r.baseline?.warmMs)),
      mysqlStartupMs: startupMs,
      trackingPerFileMs: round(median(col((r) => r.baseline?.trackingMs).flat()), 2),
      stepsPerRun,
      rowCountsPerRunMs,
      perMigration,
      instrumentation: inst,
    };

    // ---- print
    const out: string[] = [];
    out.push('');
    out.push(
      `rehearse change vs mysql < file — ${describeRows(opts.rows)}; ` +
        `${opts.repeat} repetitions (interleaved); ${machine.server}; ${machine.cores} cores (${machine.cpu}); node ${machine.node}`,
    );
    out.push('per migration: medians over the repetitions; totals: median and min of the per-repetition sums');
    out.push('');
    const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');
    const rowsOut = perMigration.map((p) => [
      p.migration,
      String(p.statements),
      fmtMs(p.baseline.median),
      fmtMs(p.rehearseBare.median),
      fmtMs(p.rehearseBareStatements.median),
      fmtMs(p.rehearseBareOutsideStatements.median),
      fmtMs(p.rehearseProbes.median),
      ratio(p.rehearseBare.median, p.baseline.median),
      ratio(p.rehearseProbes.median, p.baseline.median),
      fmtMs(p.probesMaxBlocked.median),
    ]);
    rowsOut.push([
      'total (median)',
      String(totalStatements),
      fmtMs(baseTotals.median),
      fmtMs(bareTotals.median),
      fmtMs(bareStmtTotals.median),
      fmtMs(bareTotals.median - bareStmtTotals.median),
      fmtMs(probeTotals.median),
      `${ratioBare.toFixed(2)}×`,
      `${ratioProbes.toFixed(2)}×`,
      '',
    ]);
    rowsOut.push([
      'total (min)',
      '',
      fmtMs(baseTotals.min),
      fmtMs(bareTotals.min),
      fmtMs(bareStmtTotals.min),
      '',
      fmtMs(probeTotals.min),
      `${ratioBareMin.toFixed(2)}×`,
      `${ratioProbesMin.toFixed(2)}×`,
      '',
    ]);
    out.push(
      table(
        ['migration', 'stmts', 'mysql < file', 'rehearse --no-probes', 'Σ statements', 'step − Σ stmts', 'rehearse (probes)', 'no-probes/mysql', 'probes/mysql', 'max blocked'],
        rowsOut,
      ),
    );
    out.push('');
    out.push(`  mysql < file       wall time of one \`mysql --database <db> < file\` process per file, summed (includes ~${fmtMs(startupMs)} of process start + connect per file)`);
    out.push("  rehearse …         durationMs of the change step in rehearse's JSON report: the statements, and after each its instrumentation (storage ids, session counters)");
    out.push('  Σ statements       the statements alone as rehearse (--no-probes) timed them; step − Σ stmts = instrumentation inside the step');
    out.push('  max blocked        the longest window any traffic probe was blocked during the step (rehearse with probes)');
    out.push(`  golang-migrate tracking update (TRUNCATE + INSERT, dirty before and clean after each file): median ${fmtMs(summary.trackingPerFileMs)} per file, outside every timing above`);
    if ('skipped' in inst) out.push(`  instrumentation timing skipped: ${inst.skipped}`);
    else {
      out.push(
        `  instrumentation (rehearse's MysqlObserver on the last baseline database after the change, ${Object.entries(inst.tableRows).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')} rows):`,
        `    inside each step, after every statement: storage ids ${fmtMs(inst.storageMs)}, session counters ${fmtMs(inst.transactionCountersMs)}` +
          ` (+ a second session polling the statement's state every 20 ms); × ${totalStatements} statements ≈ ${fmtMs(totalStatements * (inst.storageMs + inst.transactionCountersMs))}`,
        `    outside the window, per step: beginStep ${fmtMs(inst.beginStepMs)}, endStep ${fmtMs(inst.endStepMs)}, storage with sizes ${fmtMs(inst.storageWithSizesMs)}, tracking set ${fmtMs(inst.trackingSetMs)} (×2)`,
        `    of which exact row counts (SELECT COUNT(*) of every table; per-table counters: ${inst.tableCounters ?? 'none on this server'}): ${fmtMs(inst.tableRowsMs)} each, ` +
          `2 per step × ${stepsPerRun} steps ≈ ${fmtMs(rowCountsPerRunMs ?? NaN)} per rehearse run (whole run, not the change steps); ` +
          `on the freshly seeded tables (no secondary index to count from) ${fmtMs(summary.baselineScanMs.median)}`,
        `    state snapshots between phases (whole run, not the change steps): with per-column checksums ${fmtMs(inst.snapshotMs)} ` +
          `(after change and after reapply), row hashes only ${fmtMs(inst.snapshotRowHashOnlyMs)} (the dataset, after rollback)`,
      );
    }
    out.push('');
    out.push(
      `rehearse whole run (build dataset, 4 snapshots, change, rollback, reapply): median ${fmtMs(bareWall.median)} --no-probes, ${fmtMs(probeWall.median)} with probes — NOT part of the ratio; ` +
        `dataset build ${fmtMs(summary.rehearseBuildMs.median)}, all 3 phases' steps ${fmtMs(summary.rehearseAllStepsNoProbes.median)}`,
    );
    out.push('');
    out.push(`ratio  rehearse --no-probes change / mysql < file (medians)   ${ratioBare.toFixed(3)}×   (of mins ${ratioBareMin.toFixed(3)}×)   target ≤ ${TARGET_RATIO.toFixed(2)}×: ${passBare ? 'PASS' : 'MISS'}`);
    out.push(`ratio  rehearse (probes) change / mysql < file (medians)    ${ratioProbes.toFixed(3)}×   (of mins ${ratioProbesMin.toFixed(3)}×)   target ≤ ${TARGET_RATIO_PROBES.toFixed(2)}×: ${passProbes ? 'PASS' : 'MISS'}`);
    out.push(`ratio  per repetition, no probes / probes                   ${pairedBare.map((x) => x.toFixed(2)).join(' ')} / ${pairedProbes.map((x) => x.toFixed(2)).join(' ')}`);
    out.push(`ratio  probes / no probes (medians)                         ${probesVsBare.toFixed(3)}×`);
    out.push(
      machineLoadLine(
        loads,
        machine.cores,
        `; others' statements running on the server then: median ${others.length ? median(others) : '—'}, max ${others.length ? Math.max(...others) : '—'}`,
      ),
    );

    const result = {
      ...resultsHead('change-vs-mysql', clock, rehearse, opts, server.redacted),
      machine: { ...machine, loadavgAtEnd: loadavg().map((x) => round(x, 2)) },
      fixtures: describeFixtures(FIXTURES, change),
      summary,
      repetitions: reps,
    };
    out.push(writeResults(`${clock.stamp}-mysql.json`, result, clock));
    console.log(out.join('\n'));
    return 0;
  } finally {
    if (!interrupted()) await cleanup();
  }
}

exitWith(main());
