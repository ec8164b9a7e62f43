// bench: rehearse's dataset pipeline against PostgreSQL's own tools, side by side in one run, on a
// generated ~1 GB production-like database (customers with personal data, orders, events).
//
//   capture            `rehearse dataset capture` (no anonymization)  vs  `pg_dump | psql` into a scratch database
//   capture+anonymize  the same with a third of the columns anonymized  vs  the same baseline
//   first restore      rehearse's restore of the dataset directory     vs  `pg_restore -j 2` of a custom-format dump
//   clone              CREATE DATABASE … TEMPLATE of the restored one  vs  rehearse's first restore
//   memory             peak RSS of capture at full size and at a quarter of it (must not grow with tables)
//
//   npx tsx bench/dataset-vs-pg-dump.ts [--scale 1] [--url postgres://…] [--keep]
//
// Targets (issue 6): capture ≥ 0.8× the baseline's throughput, anonymized ≥ 0.5×, first restore no
// slower than pg_restore -j 2, clone ≥ 3× faster than the first restore.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createEngine } from '../src/engines/create-engine.ts';
import { readManifest } from '../src/datasets/dir/reader.ts';
import { restoreDatasetDir } from '../src/datasets/dir/restore.ts';
import { ROOT } from './lib/paths.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const SCALE = Number(arg('scale', '1'));
const URL_ = arg('url', process.env.REHEARSE_BENCH_URL ?? process.env.REHEARSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const KEEP = process.argv.includes('--keep');
const BIN = path.join(ROOT, 'bin', 'rehearse.js');
const PREFIX = `bench_ds_${process.pid}_`;
const work = mkdtempSync(path.join(tmpdir(), 'rehearse-bench-ds-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

const admin = new pg.Client({ connectionString: URL_ });
admin.on('error', (e) => log(`bench: admin connection: ${e.message}`));
const dbUrl = (name: string) => {
  const u = new URL(URL_);
  u.pathname = `/${name}`;
  return u.toString();
};

/** The source: 1 GB at scale 1 (customers 1.2M, orders 4M, events 3M rows), indexes included. */
function sourceSql(scale: number): string {
  const c = Math.round(1_200_000 * scale);
  const o = Math.round(4_000_000 * scale);
  const e = Math.round(3_000_000 * scale);
  return `
CREATE TABLE customers (id bigserial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, full_name varchar(200) NOT NULL, phone varchar(40), street text, city text,
  tier int NOT NULL, created_at timestamptz NOT NULL, active boolean NOT NULL, notes text);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), total_cents int NOT NULL, currency char(3) NOT NULL,
  status text NOT NULL, placed_at timestamptz NOT NULL, shipping_note text);
CREATE TABLE events (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), kind text NOT NULL, payload jsonb, at timestamptz NOT NULL);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX events_order_idx ON events (order_id);
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (3, false);
INSERT INTO customers (email, full_name, phone, street, city, tier, created_at, active, notes)
  SELECT 'user' || g || '@mail.example.org', 'Given' || g || ' Family' || (g % 997), '+41 79 ' || lpad((g % 10000000)::text, 7, '0'), g || ' Main Street', 'City' || (g % 500),
         g % 4, timestamptz '2020-01-01' + (g || ' minutes')::interval, g % 7 <> 0, CASE WHEN g % 5 = 0 THEN 'prefers mail, code ' || md5(g::text) END
  FROM generate_series(1::bigint, ${c}) g;
INSERT INTO orders (customer_id, total_cents, currency, status, placed_at, shipping_note)
  SELECT 1 + (g * 7919) % ${c}, (g * 37) % 100000, 'CHF', (ARRAY['new','paid','shipped','returned'])[1 + g % 4], timestamptz '2021-01-01' + (g || ' seconds')::interval,
         CASE WHEN g % 3 = 0 THEN 'leave at the door, ring twice ' || (g % 1000) END
  FROM generate_series(1::bigint, ${o}) g;
INSERT INTO events (order_id, kind, payload, at)
  SELECT 1 + (g * 104729) % ${o}, (ARRAY['created','paid','shipped'])[1 + g % 3], jsonb_build_object('n', g, 'source', 'web'), timestamptz '2021-01-01' + (g || ' seconds')::interval
  FROM generate_series(1::bigint, ${e}) g;
ANALYZE;`;
}

/** A third of the columns (10 of 27): everything personal in customers and the free text of orders. */
const RULES = `tables:
  customers:
    email: fake:email
    full_name: fake:name
    phone: fake:phone
    street: fake:address
    city: fake:city
    notes: fake:text
    created_at: fake:date_shift
  orders:
    shipping_note: fake:text
    placed_at: fake:date_shift
  events:
    payload: null
`;

interface Timed {
  ms: number;
  peakRssMiB?: number;
}

/** Runs a command (a shell pipeline when `shell`), timing it and, for one process, sampling its peak RSS. */
function timed(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; shell?: boolean } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, shell: opts.shell ?? false, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    let peak = 0;
    const sampler = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
      } catch {
        // The process has ended.
      }
    }, 50);
    child.on('close', (code) => {
      clearInterval(sampler);
      const ms = performance.now() - t0;
      if (code === 0) resolve({ ms, ...(peak > 0 ? { peakRssMiB: Math.round(peak) } : {}) });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

async function createDb(name: string) {
  await admin.query(`CREATE DATABASE ${name}`);
}
async function dropDb(name: string) {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function main() {
  await admin.connect();
  const src = `${PREFIX}src`;
  const created: string[] = [src];
  try {
    log(`generating the source database at scale ${SCALE}…`);
    await createDb(src);
    const g0 = performance.now();
    const s = new pg.Client({ connectionString: dbUrl(src) });
    await s.connect();
    await s.query(sourceSql(SCALE));
    const { rows: size } = await s.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes');
    await s.end();
    const sourceBytes = Number(size[0]!.bytes);
    log(`source: ${(sourceBytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - g0) / 1000).toFixed(0)} s`);
    writeFileSync(path.join(work, 'rules.yaml'), RULES);
    const env = { REHEARSE_ANONYMIZE_KEY: 'bench-key-0123456789abcdef' };

    // Baseline: pg_dump | psql into a scratch database.
    const copy = `${PREFIX}copy`;
    created.push(copy);
    await createDb(copy);
    const baseline = await timed('bash', ['-o', 'pipefail', '-c', `pg_dump --no-owner "${dbUrl(src)}" | psql -q -v ON_ERROR_STOP=1 "${dbUrl(copy)}" > /dev/null`]);
    log(`pg_dump | psql: ${fmt(baseline.ms)}`);

    const capture = await timed(process.execPath, [BIN, 'dataset', 'capture', '--from', dbUrl(src), '--out', path.join(work, 'plain'), '--allow-personal-data', '--jobs', '2']);
    log(`capture: ${fmt(capture.ms)}, peak RSS ${capture.peakRssMiB} MiB`);
    const anonymized = await timed(process.execPath, [BIN, 'dataset', 'capture', '--from', dbUrl(src), '--out', path.join(work, 'anon'), '--rules', path.join(work, 'rules.yaml'), '--jobs', '2'], { env });
    log(`capture + anonymize: ${fmt(anonymized.ms)}, peak RSS ${anonymized.peakRssMiB} MiB`);

    // Memory at a quarter of the size: the same tables with a quarter of their rows.
    const small = `${PREFIX}small`;
    created.push(small);
    await createDb(small);
    const q = new pg.Client({ connectionString: dbUrl(small) });
    await q.connect();
    await q.query(sourceSql(SCALE / 4));
    await q.end();
    const captureSmall = await timed(process.execPath, [BIN, 'dataset', 'capture', '--from', dbUrl(small), '--out', path.join(work, 'small'), '--allow-personal-data', '--jobs', '2']);
    log(`capture at 1/4 size: ${fmt(captureSmall.ms)}, peak RSS ${captureSmall.peakRssMiB} MiB`);

    // First restore: pg_restore -j 2 of a custom-format dump vs rehearse's restore of the directory.
    await timed('pg_dump', ['-Fc', '--no-owner', '-f', path.join(work, 'src.dump'), dbUrl(src)]);
    const restored = `${PREFIX}pgrestore`;
    created.push(restored);
    await createDb(restored);
    const pgRestore = await timed('pg_restore', ['-j', '2', '--no-owner', '-d', dbUrl(restored), path.join(work, 'src.dump')]);
    log(`pg_restore -j 2: ${fmt(pgRestore.ms)}`);

    const engine = createEngine({ kind: 'postgres', url: URL_ });
    await engine.open();
    let restoreMs: number;
    let cloneMs: number;
    try {
      const dir = path.join(work, 'plain');
      const manifest = await readManifest(dir);
      const golden = await engine.createScratch('bench-golden');
      const session = await engine.connect(golden);
      const r0 = performance.now();
      await restoreDatasetDir('postgres', session, dir, manifest, { connect: () => engine.connect(golden), jobs: 2 });
      restoreMs = performance.now() - r0;
      await session.close();
      log(`rehearse restore: ${fmt(restoreMs)}`);
      const c0 = performance.now();
      await engine.cloneScratch(golden, 'bench-clone');
      cloneMs = performance.now() - c0;
      log(`rehearse clone: ${fmt(cloneMs)}`);
    } finally {
      await engine.close();
    }

    const rows: [string, string, string, string][] = [
      ['capture (no anonymization)', fmt(capture.ms), `pg_dump | psql ${fmt(baseline.ms)}`, ratio(baseline.ms / capture.ms, 0.8)],
      ['capture + anonymize 10 of 27 columns', fmt(anonymized.ms), `pg_dump | psql ${fmt(baseline.ms)}`, ratio(baseline.ms / anonymized.ms, 0.5)],
      ['first restore', fmt(restoreMs), `pg_restore -j 2 ${fmt(pgRestore.ms)}`, ratio(pgRestore.ms / restoreMs, 1)],
      ['clone', fmt(cloneMs), `first restore ${fmt(restoreMs)}`, ratio(restoreMs / cloneMs, 3)],
      ['capture peak RSS, full / quarter size', `${capture.peakRssMiB} / ${captureSmall.peakRssMiB} MiB`, '', ''],
    ];
    console.log(`\ndataset pipeline vs PostgreSQL tools: source ${(sourceBytes / 2 ** 20).toFixed(0)} MiB (scale ${SCALE}), 2 jobs`);
    console.log('| step | rehearse | baseline | rehearse throughput / baseline (target) |\n|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    const results = { sourceBytes, scale: SCALE, baselineMs: baseline.ms, captureMs: capture.ms, anonymizedMs: anonymized.ms, captureSmallMs: captureSmall.ms, pgRestoreMs: pgRestore.ms, restoreMs, cloneMs, peakRss: { full: capture.peakRssMiB, anonymized: anonymized.peakRssMiB, quarter: captureSmall.peakRssMiB } };
    console.log(JSON.stringify(results));
  } finally {
    if (!KEEP) {
      for (const name of created) await dropDb(name).catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    } else log(`kept ${work} and databases ${created.join(', ')}`);
    await admin.end();
  }
}

const fmt = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const ratio = (r: number, target: number) => `${r.toFixed(2)}× (≥ ${target}×: ${r >= target ? 'PASS' : 'MISS'})`;

main().catch((error) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
});
