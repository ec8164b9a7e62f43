// A benchmark's fixtures: a golang-migrate directory (trunk up to the dataset version, the change
// above it) and a seed whose row counts are marked `N /* rows */`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './bench-error.ts';

export interface Fixtures {
  migrationsDir: string;
  /** The last trunk migration: the dataset is built at it, the change is what comes after. */
  datasetVersion: string;
  seed: string;
  /** The rows the seed makes as it is (any other --rows rewrites a copy). */
  seedRows: number;
}

/** The fixtures in `dir`: dir/migrations and dir/seed.sql. */
export function fixturesIn(dir: string, datasetVersion: string, seedRows: number): Fixtures {
  return { migrationsDir: join(dir, 'migrations'), datasetVersion, seed: join(dir, 'seed.sql'), seedRows };
}

/** The fixtures as the results file records them. */
export function describeFixtures(fixtures: Fixtures, change: Migration[]) {
  return { migrations: fixtures.migrationsDir, seed: fixtures.seed, datasetVersion: fixtures.datasetVersion, change: change.map((m) => m.id) };
}

export interface Migration {
  id: string; // 0003_backfill_display_name
  version: bigint;
  up: string; // absolute path
}

export function readMigrations(migrationsDir: string, datasetVersion: string): { trunk: Migration[]; change: Migration[] } {
  const all: Migration[] = [];
  for (const f of readdirSync(migrationsDir).sort()) {
    const m = /^(\d+)_(.+)\.up\.sql$/.exec(f);
    if (!m) continue;
    all.push({ id: `${m[1]}_${m[2]}`, version: BigInt(m[1]!), up: join(migrationsDir, f) });
  }
  all.sort((a, b) => (a.version < b.version ? -1 : 1));
  const at = BigInt(datasetVersion);
  const trunk = all.filter((m) => m.version <= at);
  const change = all.filter((m) => m.version > at);
  if (change.length === 0) throw new BenchError(`${migrationsDir}: no migration above ${datasetVersion}`);
  return { trunk, change };
}

/** The seed for --rows: the fixture itself at its own size, else a copy in workDir with the marked counts rewritten. */
export function seedFor(seed: string, rows: number, fixtureRows: number, workDir: string): string {
  if (rows === fixtureRows) return seed;
  const text = readFileSync(seed, 'utf8');
  const marked = /\b\d+ \/\* rows \*\//g;
  if (!text.match(marked)) throw new BenchError(`${seed}: no "N /* rows */" marker to rewrite for --rows`);
  const path = join(workDir, 'seed.sql');
  writeFileSync(path, text.replace(marked, `${rows} /* rows */`));
  return path;
}

/** The seeds fill invoices with a fifth of the accounts' rows. */
export function invoiceRows(rows: number): number {
  return Math.floor(rows / 5);
}

/** "accounts 20,000 rows, invoices 4,000 rows", as the results' headline says it. */
export function describeRows(rows: number): string {
  return `accounts ${rows.toLocaleString('en-US')} rows, invoices ${invoiceRows(rows).toLocaleString('en-US')} rows`;
}
