// The in-process JS source's overhead (README "Measured"): rehearse's `change` phase on a Knex
// project against knex's own migrator applying the same migrations to the same data, A/B
// alternated.
//
//   npx tsx bench/js-source-vs-knex.ts [--rows 500000] [--repeat 3] [--url postgres://…]
//
// Per repetition, in alternating order:
//   knex migrate   a clone of a template database (the trunk migration, applied by knex, and the
//                  seed); `knex.migrate.latest()` applies the change's two migrations: the wall
//                  time of that call (knex's own history bookkeeping included, as in production).
//   rehearse       the real CLI, `--source knex --engine postgres` on the same fixtures
//                  (bench/fixtures-knex); from its JSON report, the sum of the change steps'
//                  durationMs: the tool's code on rehearse's session, every statement timed and
//                  its locks read, probes running beside it.
// Ratio = median(rehearse change) / median(knex migrate); target ≤ 1.15 (the probes' own cost is
// included, as in bench/probes-overhead.ts). Speed is measured, never asserted: a miss prints
// MISS and exits 0; only a failure to run exits 1.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BenchError } from './lib/bench-error.ts';
import { tail } from './lib/child-processes.ts';
import { loadavg1, machineInfo, machineLoadLine } from './lib/machine.ts';
import { parseBenchOptions } from './lib/options.ts';
import { fmtMs, log, table } from './lib/output.ts';
import { BENCH_DIR, ROOT } from './lib/paths.ts';
import { median, round } from './lib/stats.ts';

const TARGET_RATIO = 1.15;
const FIXTURES = join(BENCH_DIR, 'fixtures-knex');
const TRUNK = '20240101000000';
const HELP = `usage: npx tsx bench/js-source-vs-knex.ts [--rows N] [--repeat N] [--url URL]

  --rows N     rows in accounts; default 500000
  --repeat N   repetitions of each contender; default 3
  --url URL    PostgreSQL server (needs CREATEDB); default $REHEARSE_BENCH_URL, $REHEARSE_TEST_PG_URL
               or postgres://postgres@127.0.0.1:5432/postgres

Exit status: 0 when it ran (PASS or MISS against ${TARGET_RATIO.toFixed(2)}×), 1 when it could not run.`;

const require = createRequire(import.meta.url);
const knexFactory = require('knex') as (config: object) => { migrate: { latest(): Promise<unknown>; up(): Promise<unknown> }; destroy(): Promise<void> };

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function dbUrl(server: string, name: string): string {
  const u = new URL(server);
  u.pathname = `/${name}`;
  return u.href;
}

function knexOn(url: string, migrationsDir: string) {
  return knexFactory({ client: 'pg', connection: url, migrations: { directory: migrationsDir, loadExtensions: ['.js'] } });
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), {
    help: HELP,
    rows: 500_000,
    repeat: 3,
    url: () => process.env.REHEARSE_BENCH_URL ?? process.env.REHEARSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  const prefix = `bench_jsk_${process.pid}_`;
  const project = mkdtempSync(join(tmpdir(), 'rehearse-bench-knex-'));
  cpSync(FIXTURES, project, { recursive: true });
  const seed = readFileSync(join(FIXTURES, 'seed.sql'), 'utf8').replaceAll('ROWS', String(options.rows));
  writeFileSync(join(project, 'seed.sql'), seed);
  const trunkOnly = join(project, 'trunk-migrations');
  cpSync(join(project, 'migrations'), trunkOnly, { recursive: true });
  for (const f of ['20240102000000_backfill_display_name.js', '20240103000000_accounts_email_index.js']) rmSync(join(trunkOnly, f));

  const created: string[] = [];
  const create = async (name: string, template?: string) => {
    await admin(options.url, (c) => c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
    created.push(name);
  };
  try {
    // The template: knex applies the trunk migration, then the seed (what rehearse's dataset is).
    const template = `${prefix}template`;
    await create(template);
    const t = knexOn(dbUrl(options.url, template), trunkOnly);
    await t.migrate.latest();
    await t.destroy();
    await admin(dbUrl(options.url, template), (c) => c.query(seed));
    log(`template ${template}: ${options.rows.toLocaleString('en')} accounts`);

    const knexMs: number[] = [];
    const rehearseMs: number[] = [];
    const loads: number[] = [];
    const perStep: Record<string, number[]> = {};
    for (let i = 0; i < options.repeat; i++) {
      for (const contender of i % 2 === 0 ? ['knex', 'rehearse'] : ['rehearse', 'knex']) {
        loads.push(loadavg1());
        if (contender === 'knex') {
          const name = `${prefix}r${i}`;
          await create(name, template);
          // A scan first, as rehearse's dataset snapshot does (hint bits, cache).
          await admin(dbUrl(options.url, name), (c) => c.query('SELECT count(*) FROM accounts'));
          const k = knexOn(dbUrl(options.url, name), join(project, 'migrations'));
          const t0 = performance.now();
          await k.migrate.latest();
          knexMs.push(round(performance.now() - t0));
          await k.destroy();
          await admin(options.url, (c) => c.query(`DROP DATABASE ${name}`));
        } else {
          const report = join(project, `report-${i}.json`);
          // In the project, as a user runs it: the knexfile and migrations are found from there.
          const r = spawnSync(
            process.execPath,
            [join(ROOT, 'bin/rehearse.js'), 'run', '--source', 'knex', '--engine', 'postgres', '--url', options.url, '--dataset', 'seed.sql', '--dataset-version', TRUNK, '--no-history', '--no-scale', '--json', report],
            { cwd: project, env: { ...process.env, CI: 'true', NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
          );
          if (r.status !== 0 && r.status !== 1) throw new BenchError(`rehearse exited ${r.status}:\n${tail(r.stderr ?? '')}`);
          const steps = (JSON.parse(readFileSync(report, 'utf8')) as { targets: { steps: { phase: string; migration: string; durationMs: number; status: string }[] }[] }).targets[0]!.steps.filter((s) => s.phase === 'change');
          if (steps.some((s) => s.status !== 'success')) throw new BenchError(`a change step failed: ${JSON.stringify(steps)}`);
          for (const s of steps) (perStep[s.migration] ??= []).push(s.durationMs);
          rehearseMs.push(round(steps.reduce((a, s) => a + s.durationMs, 0)));
        }
      }
      log(`repetition ${i + 1}: knex ${fmtMs(knexMs.at(-1)!)}, rehearse ${fmtMs(rehearseMs.at(-1)!)}`);
    }
    const ratio = median(rehearseMs) / median(knexMs);
    const machine = machineInfo();
    console.log(
      table(
        ['contender', 'median', 'runs'],
        [
          ['knex migrate.latest()', fmtMs(median(knexMs)), knexMs.map(fmtMs).join(', ')],
          ['rehearse change (--source knex)', fmtMs(median(rehearseMs)), rehearseMs.map(fmtMs).join(', ')],
          ...Object.entries(perStep).map(([m, xs]) => [`  ${m}`, fmtMs(median(xs)), xs.map(fmtMs).join(', ')]),
        ],
      ),
    );
    console.log(`${machineLoadLine(loads, machine.cores)}`);
    console.log(`ratio ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO.toFixed(2)}×): ${ratio <= TARGET_RATIO ? 'PASS' : 'MISS'}`);
  } finally {
    for (const name of created.reverse()) await admin(options.url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
    rmSync(project, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof BenchError ? `bench: ${error.message}` : error);
  process.exit(1);
});
