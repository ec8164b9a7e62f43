// `rehearse dataset capture`: one consistent read-only snapshot of a production database becomes a
// dataset directory (dir/manifest.ts): the schema in two parts, every table streamed through the
// subset's filter and the anonymization rules into a compressed data file, the production sizes
// and the migration version in the manifest. Written into a temporary directory beside `out` and
// renamed at the end, so a directory with a manifest is always complete.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseMysqlUrl } from '../../engines/mysql/mysql-url.ts';
import { parsePostgresUrl, redactUrl } from '../../engines/url.ts';
import { UsageError } from '../../errors.ts';
import { REHEARSE_VERSION } from '../../version.ts';
import { createLeakCheck } from '../anonymize/leak-check.ts';
import { planAnonymization } from '../anonymize/plan.ts';
import { loadRules } from '../anonymize/rules.ts';
import { DATASET_FORMAT, DATASET_FORMAT_VERSION, MANIFEST_FILE, type DatasetManifest, type DatasetTable } from '../dir/manifest.ts';
import { openMysqlSource } from './mysql-source.ts';
import { openPostgresSource } from './postgres-source.ts';
import type { SourceSnapshot, SourceTable } from './source.ts';
import { isSqliteFile, openSqliteSource } from './sqlite-source.ts';
import { parseSubsetSpecs, planSubset } from './subset.ts';
import { captureTable, type TableContext } from './table-capture.ts';
import { captureInWorkers, type SharedCapture } from './workers.ts';

export interface CaptureOptions {
  /** postgres://…, mysql://…, or a SQLite file path. */
  from: string;
  out: string;
  rulesPath?: string;
  /** The anonymization key (REHEARSE_ANONYMIZE_KEY or --key-file). */
  key?: Buffer;
  /** Raw `--subset` specs. */
  subset: string[];
  /** Raw `--follow` specs. */
  follow?: string[];
  /** `--allow-personal-data`: capture columns that look personal without a rule. */
  allowPersonal: boolean;
  /** Replace an existing dataset directory at `out`. */
  force: boolean;
  /** Tables read at once (engines that share a snapshot between connections). */
  jobs: number;
  log: (line: string) => void;
}

/** Source values sampled per personal column for the leak check. */
const LEAK_SAMPLES_PER_COLUMN = 200;
/** The subset's hash seed when no anonymization key is given: fixed, so subsets repeat. */
const DEFAULT_SUBSET_SEED = Buffer.from('rehearse-subset-v1');

export async function captureDataset(opts: CaptureOptions): Promise<DatasetManifest> {
  const out = path.resolve(opts.out);
  await checkOut(out, opts.force);
  const subset = parseSubsetSpecs(opts.subset, opts.follow);
  const rules = opts.rulesPath ? await loadRules(opts.rulesPath) : undefined;
  const source = await openSource(opts.from);
  const work = `${out}.rehearse-partial-${process.pid}`;
  const started = performance.now();
  try {
    opts.log(`capturing ${source.info.serverVersion} database ${source.info.database}: ${source.tables.length} tables, in one read-only snapshot`);
    const plan = planAnonymization(
      rules,
      source.tables.map((t) => ({ name: t.name, columns: t.columns, primaryKey: t.primaryKey, uniqueKeys: t.uniqueKeys })),
      source.foreignKeys,
      opts.key ?? Buffer.alloc(0),
      { allowUnruledPersonal: opts.allowPersonal },
    );
    const personal = plan.personalColumns();
    if (personal.length > 0 && (!opts.key || opts.key.length === 0)) {
      throw new UsageError(
        'USAGE',
        `the rules anonymize ${personal.length} column(s), which needs a secret key: set REHEARSE_ANONYMIZE_KEY or pass --key-file FILE ` +
          '(keep it secret and the same between captures, so the same values anonymize the same way)',
      );
    }
    const selection = subset ? await planSubset(source, subset, opts.key && opts.key.length > 0 ? opts.key : DEFAULT_SUBSET_SEED, opts.log) : undefined;

    // Samples of the personal values, read before anything is written: the output must hold none.
    const samples: string[] = [];
    for (const { table, column } of personal) {
      const t = source.tables.find((x) => x.name === table)!;
      samples.push(...(await source.sample(t, column, LEAK_SAMPLES_PER_COLUMN)));
    }
    // A sample that a rule could itself produce (a fake name that is also a real one) is no leak.
    const leaks = personal.length > 0 ? createLeakCheck(samples, { ignore: (sample) => plan.producedByRules(sample) }) : undefined;

    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'data'), { recursive: true });
    const schema = await source.schema();
    await writeFile(path.join(work, 'schema-pre.sql'), schema.pre);
    await writeFile(path.join(work, 'schema-post.sql'), schema.post);
    const tracking = await source.tracking();

    const shared: SharedCapture = {
      tables: source.tables,
      foreignKeys: source.foreignKeys,
      ...(opts.rulesPath ? { rulesPath: opts.rulesPath } : {}),
      key: opts.key ?? Buffer.alloc(0),
      allowPersonal: opts.allowPersonal,
      samples,
      ...(selection ? { selection: Object.fromEntries(source.tables.flatMap((t) => { const e = selection.exportTable(t.name); return e ? [[t.name, e]] : []; })) } : {}),
    };
    const { tables, found } = await captureTables(source, opts.jobs, work, { plan, selection, leaks, log: opts.log }, shared);
    const leakCheck = { sampled: samples.length, found: found.length };
    if (leakCheck.found > 0) {
      // Values are never printed: only how many, and which columns they came from would need the values.
      throw new UsageError(
        'USAGE',
        `leak check failed: ${leakCheck.found} of ${leakCheck.sampled} sampled personal values from the source appear in the output; nothing was written to ${out}. ` +
          'A column that holds copies of personal data (free text, JSON, a denormalized column) needs a rule too',
      );
    }

    const summary = plan.summary();
    const manifest: DatasetManifest = {
      format: DATASET_FORMAT,
      formatVersion: DATASET_FORMAT_VERSION,
      rehearseVersion: REHEARSE_VERSION,
      capturedAt: new Date().toISOString(),
      source: source.info,
      migration: tracking,
      tables,
      foreignKeys: source.foreignKeys,
      ...(Object.keys(summary.rules).length > 0 || summary.keptPersonal.length > 0 ? { anonymization: { ...summary, leakCheck } } : {}),
      ...(subset ? { subset: subset.given } : {}),
    };
    await writeFile(path.join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(out)) await rm(out, { recursive: true, force: true });
    await rename(work, out);
    const rows = tables.reduce((a, t) => a + t.rows, 0);
    opts.log(`captured ${tables.length} tables, ${rows.toLocaleString('en-US')} rows, in ${Math.round(performance.now() - started)} ms: ${out}`);
    return manifest;
  } catch (error) {
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  } finally {
    await source.close();
  }
}

/** Every table, largest first: over `jobs` worker threads where the engine shares its snapshot (PostgreSQL), in this thread otherwise. */
async function captureTables(source: SourceSnapshot, jobs: number, work: string, ctx: TableContext, shared: SharedCapture): Promise<{ tables: DatasetTable[]; found: string[] }> {
  const order = [...source.tables].sort((a, b) => b.bytes - a.bytes);
  const fileOf = (table: SourceTable) => `data/${String(source.tables.indexOf(table) + 1).padStart(4, '0')}.tsv.gz`;
  const results = new Map<string, DatasetTable>();
  const snapshot = source.share?.();
  let found: string[] = [];
  if (snapshot && jobs > 1 && order.length > 1) {
    // Rows are decoded, anonymized, checked and compressed in JavaScript: a thread per job puts
    // every core to work, each reading the one snapshot on its own connection.
    const items = order.map((t) => ({ table: t.name, filePath: path.join(work, fileOf(t)), file: fileOf(t) }));
    const done = await captureInWorkers({ snapshot, info: source.info, shared }, jobs, items, ctx.log);
    for (const entry of done.entries) results.set(entry.name, entry);
    found = done.found;
  } else {
    for (const table of order) results.set(table.name, await captureTable(source, table, path.join(work, fileOf(table)), fileOf(table), ctx));
    found = ctx.leaks?.found() ?? [];
  }
  return { tables: source.tables.map((t) => results.get(t.name)!), found };
}

async function openSource(from: string): Promise<SourceSnapshot> {
  if (/^postgres(ql)?:\/\//i.test(from)) return openPostgresSource(parsePostgresUrl(from));
  if (/^(mysql|mariadb):\/\//i.test(from)) return openMysqlSource(parseMysqlUrl(from));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from)) {
    throw new UsageError('USAGE', `--from ${redactUrl(from)}: capture reads postgres://, mysql:// (or mariadb://) URLs, or a SQLite database file`);
  }
  if (!isSqliteFile(from)) {
    throw new UsageError('USAGE', `--from ${from}: ${existsSync(from) ? 'not a SQLite database file' : 'no such file'} (capture reads postgres:// or mysql:// URLs, or a SQLite database file)`);
  }
  return openSqliteSource(from);
}

/** `out` must not exist, be empty, or (with --force) hold an earlier dataset. */
async function checkOut(out: string, force: boolean): Promise<void> {
  if (!existsSync(out)) return;
  const entries = await readdir(out).catch(() => undefined);
  if (entries === undefined) throw new UsageError('USAGE', `--out ${out} exists and is not a directory`);
  if (entries.length === 0) return;
  if (!entries.includes(MANIFEST_FILE)) throw new UsageError('USAGE', `--out ${out} is not empty and holds no dataset: choose another directory (rehearse replaces only an earlier dataset, with --force)`);
  if (!force) throw new UsageError('USAGE', `--out ${out} already holds a dataset: pass --force to replace it`);
}
