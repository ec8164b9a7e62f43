// `rehearse dataset inspect DIR`: what a dataset directory holds, read from its manifest — where it
// was captured and when, the migration version, per table the rows in the dataset against
// production's rows and bytes, the data file's size, the subset rule and foreign keys, and what
// anonymization did — and, with `verify`, whether every data file still holds what the manifest
// says. Plain data (`DatasetInspection`, the `--json` output) and its rendering as text.
import { resolve } from 'node:path';
import type { AnonymizationSummary, DatasetManifest } from './manifest.ts';
import { checkDataset, readManifest, type DatasetProblem } from './reader.ts';

export interface TableInspection {
  name: string;
  /** Rows in the dataset. */
  rows: number;
  productionRows: number;
  productionBytes: number;
  /** rows / productionRows (null when production had none). */
  ratio: number | null;
  /** Bytes of the compressed data file. */
  fileBytes: number;
  file: string;
  columns: number;
  subset?: string;
  /** Foreign keys of this table. */
  foreignKeys: number;
  /** Foreign keys of other tables (or this one) that reference it. */
  referencedBy: number;
}

export interface DatasetInspection {
  dir: string;
  format: { name: string; version: number };
  rehearseVersion: string;
  capturedAt: string;
  source: DatasetManifest['source'];
  migration: DatasetManifest['migration'];
  totals: { tables: number; rows: number; productionRows: number; productionBytes: number; fileBytes: number };
  tables: TableInspection[];
  subset: Record<string, string> | null;
  /** null: nothing was anonymized. */
  anonymization: AnonymizationSummary | null;
  /** Present when asked to verify. */
  verification?: { ok: boolean; ms: number; rows: number; bytes: number; problems: DatasetProblem[] };
}

/** Reads the manifest (InputError when it is missing or invalid) and, with `verify`, every data file. */
export async function inspectDataset(dir: string, opts: { verify?: boolean } = {}): Promise<DatasetInspection> {
  const manifest = await readManifest(dir);
  const inspection = describeManifest(resolve(dir), manifest);
  if (opts.verify) {
    const check = await checkDataset(dir, manifest);
    inspection.verification = { ok: check.problems.length === 0, ms: check.ms, rows: check.rows, bytes: check.bytes, problems: check.problems };
  }
  return inspection;
}

export function describeManifest(dir: string, manifest: DatasetManifest): DatasetInspection {
  const tables = manifest.tables.map(
    (t): TableInspection => ({
      name: t.name,
      rows: t.rows,
      productionRows: t.production.rows,
      productionBytes: t.production.bytes,
      ratio: t.production.rows > 0 ? t.rows / t.production.rows : null,
      fileBytes: t.fileBytes,
      file: t.file,
      columns: t.columns.length,
      ...(t.subset !== undefined ? { subset: t.subset } : {}),
      foreignKeys: manifest.foreignKeys.filter((fk) => fk.table === t.name).length,
      referencedBy: manifest.foreignKeys.filter((fk) => fk.references === t.name).length,
    }),
  );
  const sum = (f: (t: TableInspection) => number) => tables.reduce((n, t) => n + f(t), 0);
  return {
    dir,
    format: { name: manifest.format, version: manifest.formatVersion },
    rehearseVersion: manifest.rehearseVersion,
    capturedAt: manifest.capturedAt,
    source: manifest.source,
    migration: manifest.migration,
    totals: { tables: tables.length, rows: sum((t) => t.rows), productionRows: sum((t) => t.productionRows), productionBytes: sum((t) => t.productionBytes), fileBytes: sum((t) => t.fileBytes) },
    tables,
    subset: manifest.subset ?? null,
    anonymization: manifest.anonymization ?? null,
  };
}

const ENGINE_NAMES: Record<string, string> = { postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB', sqlite: 'SQLite' };

/** The inspection as text for a terminal: a header, a table of tables, anonymization, verification. */
export function renderInspection(i: DatasetInspection): string {
  const lines: string[] = [];
  const engine = ENGINE_NAMES[i.source.engine] ?? i.source.engine;
  // `PostgreSQL 15.20`, `MariaDB 10.11.19` name themselves; a bare `8.0.36` gets the engine's name.
  const version = /^\d/.test(i.source.serverVersion) ? `${engine} ${i.source.serverVersion}` : i.source.serverVersion;
  lines.push(`Dataset ${i.dir}`);
  lines.push(
    ...aligned([
      ['  source', `${version}, database ${i.source.database}`],
      ['  captured', `${i.capturedAt} by rehearse ${i.rehearseVersion} (format ${i.format.version})`],
      ['  migration', i.migration.version === null ? 'no golang-migrate tracking table' : `${i.migration.version}${i.migration.dirty ? ' (dirty: a migration failed half-way)' : ''}`],
      [
        '  size',
        `${plural(i.totals.tables, 'table')}, ${plural(i.totals.rows, 'row')} in ${bytes(i.totals.fileBytes)} of compressed data; ` +
          `production: ${plural(i.totals.productionRows, 'row')}, ${bytes(i.totals.productionBytes)}`,
      ],
      ...(i.subset ? [['  subset', Object.entries(i.subset).map(([t, rule]) => `${t}: ${rule}`).join('; ')]] : []),
    ]),
  );
  lines.push('');
  const rows = [['table', 'rows', 'production rows', 'production size', 'ratio', 'file', 'FKs out/in', 'subset']];
  for (const t of i.tables) {
    rows.push([t.name, number(t.rows), number(t.productionRows), bytes(t.productionBytes), ratio(t.ratio), bytes(t.fileBytes), fks(t), t.subset ?? '']);
  }
  lines.push(...aligned(rows, [1, 2, 3, 4, 5]).map((l) => `  ${l}`));
  lines.push('');
  lines.push(...renderAnonymization(i.anonymization));
  if (i.verification) {
    lines.push('');
    const v = i.verification;
    if (v.ok) {
      lines.push(`Verification: OK — ${plural(i.tables.length, 'data file')}, ${plural(v.rows, 'row')}, ${bytes(v.bytes)} uncompressed, checksums and row counts match (${v.ms} ms)`);
    } else {
      lines.push(`Verification: FAILED — ${plural(v.problems.length, 'data file')} of ${i.tables.length} do not hold what the manifest says:`);
      for (const p of v.problems) lines.push(`  ${p.file} (table ${p.table}) ${p.message}`);
      lines.push('Do not use this dataset: capture it again, or restore the directory from where it was kept.');
    }
  }
  return lines.join('\n');
}

function renderAnonymization(a: AnonymizationSummary | null): string[] {
  if (!a) return ['Anonymization: none — no column was anonymized'];
  const rules = Object.entries(a.rules);
  const lines = ['Anonymization:'];
  lines.push(
    ...aligned([
      ['  key', `${a.keyFingerprint} (a fingerprint: the key itself is never written)`],
      ['  rules', rules.length === 0 ? 'none' : plural(rules.length, 'column')],
      ...rules.map(([column, rule]) => [`    ${column}`, rule]),
      ['  kept personal', a.keptPersonal.length === 0 ? 'none' : a.keptPersonal.join(', ')],
      [
        '  leak check',
        a.leakCheck.found === 0
          ? `passed: ${plural(a.leakCheck.sampled, 'personal source value')} sampled, none found in the data files`
          : `FAILED: ${plural(a.leakCheck.found, 'personal source value')} of ${number(a.leakCheck.sampled)} sampled found in the data files`,
      ],
    ]),
  );
  return lines;
}

function fks(t: TableInspection): string {
  if (t.foreignKeys === 0 && t.referencedBy === 0) return '';
  return `${t.foreignKeys}/${t.referencedBy}`;
}

/** Pads columns to their widest cell; `right` columns are aligned right. */
function aligned(rows: string[][], right: number[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function number(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function plural(n: number, noun: string): string {
  return `${number(n)} ${n === 1 ? noun : `${noun}s`}`;
}

function ratio(r: number | null): string {
  if (r === null) return '–';
  if (r >= 0.9995) return '100 %';
  const percent = r * 100;
  return `${percent >= 10 ? Math.round(percent) : percent >= 0.1 ? percent.toFixed(1) : percent.toPrecision(1)} %`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Binary units, as pg_size_pretty counts: `512 B`, `1.2 GiB`, `340 MiB`. */
function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? Math.round(value * 10) / 10 : Math.round(value)} ${UNITS[unit]}`;
}
