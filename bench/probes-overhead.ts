// What traffic probes cost the steps they measure: rehearse's `change` phase with probes (the
// default on a server) against the same run with `--no-probes`, side by side, A/B interleaved.
//
//   npx tsx bench/probes-overhead.ts [--rows 1000000] [--repeat 3] [--url postgres://…]
//
// Per repetition the two runs alternate (ABBA, so drift cancels). Each is the real CLI on the
// bench fixtures (bench/fixtures, the same as change-vs-psql.ts). From each JSON report: every
// change step's durationMs (BEGIN → COMMIT), its WAL bytes and row counts, and, with probes, what
// they measured (steps[].blocked). The overhead is median(Σ change steps with probes) /
// median(Σ without) − 1; target ≤ 15 %. Also checked: the steps' rows inserted, updated and
// deleted are identical either way (the probes' rolled-back writes must not leak into them).
// Rows *read* may differ for real: CREATE INDEX and constraint validation scan every tuple version,
// dead ones included (the probes' rolled-back rows among them), and a probe reading a page lets
// PostgreSQL prune dead versions there first.
//
// Most of these steps lock the probes out, and a waiting probe costs nothing. The worst case is a
// step that blocks nothing: then every probe runs at full rate. So the bench also runs the
// probes for a few seconds against the fixture's tables with nothing in their way (rehearse's own
// ProbeRunner, loaded from source) and reports the CPU they take (their backends' /proc/<pid>/stat
// and rehearse's process). Speed is
// measured, never asserted:
// exit 0 when it ran, 1 when it could not. Results go to bench/results/probes-<timestamp>.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engines/create-engine.ts';
import type { Report } from '../src/report/report.ts';
import type { StepEvidence } from '../src/rehearsal/evidence.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const MIGRATIONS_DIR = join(BENCH_DIR, 'fixtures', 'migrations');
const SEED = join(BENCH_DIR, 'fixtures', 'seed.sql');
const DATASET_VERSION = '0002';
const DEFAULT_ROWS = 1_000_000;
const TARGET_OVERHEAD = 0.15;

type Mode = 'probes' | 'bare';

interface RunResult {
  mode: Mode;
  wallMs: number;
  report: string;
  changeMs: number;
  steps: { migration: string; durationMs: number; walBytes?: number; rows: StepEvidence['rows']; blocked?: StepEvidence['blocked'] }[];
}

function options() {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, repeat: { type: 'string' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log('usage: npx tsx bench/probes-overhead.ts [--rows N] [--repeat N] [--url URL]');
    process.exit(0);
  }
  return {
    rows: values.rows ? Number(values.rows.replace(/_/g, '')) : DEFAULT_ROWS,
    repeat: values.repeat ? Number(values.repeat) : 3,
    url: values.url ?? process.env.REHEARSE_BENCH_URL ?? process.env.REHEARSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

/** The seed at --rows: the fixture itself at the default size, else a copy with the marked counts rewritten. */
function seedFor(rows: number, workDir: string): string {
  if (rows === DEFAULT_ROWS) return SEED;
  const path = join(workDir, 'seed.sql');
  writeFileSync(path, readFileSync(SEED, 'utf8').replace(/\b\d+ \/\* rows \*\//g, `${rows} /* rows */`));
  return path;
}

function runCli(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'rehearse.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stderr, ms: performance.now() - t0 }));
  });
}

async function rehearse(mode: Mode, url: string, seed: string, reportPath: string): Promise<RunResult> {
  const args = ['run', '--migrations', MIGRATIONS_DIR, '--engine', 'postgres', '--url', url, '--dataset', seed, '--dataset-version', DATASET_VERSION];
  const r = await runCli([...args, '--no-scale', ...(mode === 'bare' ? ['--no-probes'] : []), '--json', reportPath]);
  // 0 pass, 1 fail (the fixture change has hazards on purpose); anything else: it did not run.
  if (r.code !== 0 && r.code !== 1) throw new Error(`rehearse (${mode}) exited ${r.code}:\n${r.stderr.slice(-2000)}`);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
  const change = (report.targets[0]?.steps ?? []).filter((s) => s.phase === 'change');
  for (const s of change) if (s.status !== 'success') throw new Error(`${mode}: change step ${s.migration} ended ${s.status} (see ${reportPath})`);
  return {
    mode,
    wallMs: Math.round(r.ms),
    report: reportPath,
    changeMs: round(change.reduce((a, s) => a + s.durationMs, 0)),
    steps: change.map((s) => ({ migration: s.migration, durationMs: s.durationMs, walBytes: s.walBytes, rows: s.rows, blocked: s.blocked })),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The longest window among the probes of a table's operations that ran (NaN when none did). */
function worstOf(blocked: Record<string, number>, table: string, ...ops: string[]): number {
  const figures = ops.map((op) => blocked[`${table}.${op}`]).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return figures.length > 0 ? Math.max(...figures) : NaN;
}

const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en-US')} ms` : '—');
const pct = (r: number) => `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)} %`;

/**
 * CPU the probes take when nothing blocks them: their server backends (from /proc/<pid>/stat, so
 * the server must run on this machine, Linux) and rehearse's own process.
 */
async function unblockedProbeCost(url: string, seed: string): Promise<{ lanes: number; attemptsPerSecond: number; serverCores: number; nodeCores: number } | { skipped: string }> {
  const { ProbeRunner } = await import('../src/probes/probe-runner.ts');
  const { postgresProbes } = await import('../src/probes/postgres/control.ts');
  const { runSqlScript } = await import('../src/datasets/run-sql-script.ts');
  const engine = createEngine({ kind: 'postgres', url });
  await engine.open();
  try {
    const db = await engine.createScratch('bench-probe-cost');
    const session = await engine.connect(db);
    for (const f of ['0001_accounts.up.sql', '0002_invoices.up.sql']) await session.exec(readFileSync(join(MIGRATIONS_DIR, f), 'utf8'));
    await runSqlScript(session, { path: seed });
    // The foreign key makes accounts an FK-check target too: all four operations run.
    await session.exec(readFileSync(join(MIGRATIONS_DIR, '0008_invoices_account_fk.up.sql'), 'utf8'));
    const probes = new ProbeRunner({ dialect: postgresProbes(['schema_migrations']), connect: () => engine.connect(db) });
    /** utime + stime of the probe backends, in seconds; undefined where /proc does not show them. */
    const backendSeconds = async (): Promise<number | undefined> => {
      const { rows } = await session.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'rehearse-probe' AND datname = current_database()`,
      );
      let ticks = 0;
      for (const { pid } of rows) {
        try {
          const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          ticks += Number(fields[11]) + Number(fields[12]);
        } catch {
          return undefined;
        }
      }
      return ticks / 100;
    };
    const sample = async () => {
      const running = await probes.start({ tables: ['accounts', 'invoices'], migrationPid: session.backendPid });
      const s0 = await backendSeconds();
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 5_000));
      const secs = (performance.now() - t0) / 1_000;
      const s1 = await backendSeconds();
      const u = process.cpuUsage(u0);
      const outcome = await running!.stop();
      return {
        lanes: outcome.blocked.length,
        attemptsPerSecond: round(outcome.blocked.reduce((n, x) => n + x.attempts, 0) / secs),
        serverCores: s0 === undefined || s1 === undefined ? NaN : round((s1 - s0) / secs, 2),
        nodeCores: round((u.user + u.system) / 1e6 / secs, 2),
      };
    };
    await sample(); // warm-up: sessions opened, code compiled
    const samples = [await sample(), await sample(), await sample()];
    await probes.close();
    await session.close();
    if (samples.some((x) => Number.isNaN(x.serverCores))) return { skipped: 'the server backends are not visible in /proc (a remote server?)' };
    return { ...samples[0]!, serverCores: median(samples.map((x) => x.serverCores)), nodeCores: median(samples.map((x) => x.nodeCores)) };
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const opts = options();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(BENCH_DIR, 'results');
  const reportsDir = join(resultsDir, `probes-${stamp}-reports`);
  mkdirSync(reportsDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'rehearse-bench-probes-'));
  const seed = seedFor(opts.rows, workDir);
  const runs: RunResult[] = [];
  try {
    for (let rep = 1; rep <= opts.repeat; rep++) {
      const order: Mode[] = rep % 2 ? ['probes', 'bare'] : ['bare', 'probes'];
      for (const mode of order) {
        process.stderr.write(`[bench] repetition ${rep}/${opts.repeat}: ${mode} (load ${loadavg()[0]!.toFixed(1)})\n`);
        runs.push(await rehearse(mode, opts.url, seed, join(reportsDir, `${mode}-${rep}.json`)));
      }
    }
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }

  const of = (mode: Mode) => runs.filter((r) => r.mode === mode);
  const migrations = of('probes')[0]!.steps.map((s) => s.migration);
  const stepMs = (mode: Mode, m: string) => of(mode).map((r) => r.steps.find((s) => s.migration === m)!.durationMs);
  const walOf = (mode: Mode, m: string) => of(mode).map((r) => r.steps.find((s) => s.migration === m)!.walBytes ?? NaN);
  const perMigration = migrations.map((m) => {
    const withMs = median(stepMs('probes', m));
    const bareMs = median(stepMs('bare', m));
    const blocked = of('probes').map((r) => r.steps.find((s) => s.migration === m)!.blocked ?? []);
    const worst = (table: string, op: string) => median(blocked.map((b) => b.find((x) => x.table === table && x.operation === op)?.maxBlockedMs ?? NaN));
    return {
      migration: m,
      withMs: round(withMs),
      bareMs: round(bareMs),
      overhead: round(withMs / bareMs - 1, 3),
      probeWalBytes: Math.round(median(walOf('probes', m)) - median(walOf('bare', m))),
      blocked: Object.fromEntries(
        ['accounts', 'invoices'].flatMap((t) => ['read', 'insert', 'update', 'fk-share'].map((op) => [`${t}.${op}`, round(worst(t, op))])),
      ),
    };
  });
  const withTotal = median(of('probes').map((r) => r.changeMs));
  const bareTotal = median(of('bare').map((r) => r.changeMs));
  const overhead = withTotal / bareTotal - 1;
  const perRep = of('probes').map((r, i) => round(r.changeMs / of('bare')[i]!.changeMs - 1, 3));
  // Load from other processes only ever slows a run down: the fastest runs are the least disturbed.
  const minOverhead = Math.min(...of('probes').map((r) => r.changeMs)) / Math.min(...of('bare').map((r) => r.changeMs)) - 1;
  // The probes' writes are rolled back and tallied: the steps' own writes must be the same either way.
  const written = (rows: StepEvidence['rows']) => JSON.stringify(rows.map(({ table, inserted, updated, deleted }) => ({ table, inserted, updated, deleted })));
  const bareStep = (m: string) => of('bare')[0]!.steps.find((b) => b.migration === m)!;
  const rowsDiffer = runs.flatMap((r) => r.steps.filter((s) => written(s.rows) !== written(bareStep(s.migration).rows)).map((s) => `${r.mode}: ${s.migration}`));
  const readDelta = of('probes').flatMap((r) =>
    r.steps.flatMap((s) =>
      s.rows.flatMap((row) => {
        const bare = bareStep(s.migration).rows.find((b) => b.table === row.table)?.read ?? 0;
        return row.read !== bare ? [`${s.migration} ${row.table} ${row.read - bare > 0 ? '+' : ''}${row.read - bare}`] : [];
      }),
    ),
  );

  console.log(`\nTraffic probes: change steps with probes vs --no-probes, ${opts.rows.toLocaleString('en-US')} accounts, ${opts.repeat} repetition(s), ${cpus().length} cores\n`);
  console.log(
    table(
      ['migration', 'with probes', '--no-probes', 'overhead', 'WAL Δ (server-wide)', 'accounts R/W blocked (measured)', 'invoices R/W blocked'],
      perMigration.map((p) => [
        p.migration,
        ms(p.withMs),
        ms(p.bareMs),
        pct(p.overhead),
        `${Math.round(p.probeWalBytes / 1024)} KiB`,
        `${ms(worstOf(p.blocked, 'accounts', 'read', 'fk-share'))} / ${ms(worstOf(p.blocked, 'accounts', 'insert', 'update'))}`,
        `${ms(worstOf(p.blocked, 'invoices', 'read', 'fk-share'))} / ${ms(worstOf(p.blocked, 'invoices', 'insert', 'update'))}`,
      ]),
    ),
  );
  console.log(
    `\nchange phase, median of sums: ${ms(withTotal)} with probes, ${ms(bareTotal)} without: overhead ${pct(overhead)} ` +
      `(${overhead <= TARGET_OVERHEAD ? 'PASS' : 'MISS'} against ${pct(TARGET_OVERHEAD)}); per repetition ${perRep.map(pct).join(', ')}; ` +
      `fastest with / fastest without: ${pct(minOverhead)}`,
  );
  console.log(rowsDiffer.length === 0 ? 'rows inserted/updated/deleted: identical with and without probes' : `rows written DIFFER: ${rowsDiffer.join(', ')}`);
  if (readDelta.length > 0) console.log(`rows read, with probes − without (tuple versions scanned, see the header): ${readDelta.join(', ')}`);

  process.stderr.write('[bench] probes with nothing blocking them: CPU for 3 × 5 s\n');
  const cost = await unblockedProbeCost(opts.url, seed).finally(() => rmSync(workDir, { recursive: true, force: true }));
  console.log(
    'skipped' in cost
      ? `unblocked probe cost: skipped (${cost.skipped})`
      : `unblocked probe cost: ${cost.lanes} probes, ${cost.attemptsPerSecond} attempts/s: ${cost.serverCores} cores in their server backends + ${cost.nodeCores} in rehearse's process, on ${cpus().length} cores`,
  );

  const out = join(resultsDir, `probes-${stamp}.json`);
  writeFileSync(out, JSON.stringify({ startedAt: stamp, options: opts, cores: cpus().length, loadavg: loadavg(), withTotal, bareTotal, overhead, minOverhead, perRep, cost, perMigration, rowsDiffer, readDelta, runs }, null, 2));
  console.log(`\nraw numbers: ${out}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
