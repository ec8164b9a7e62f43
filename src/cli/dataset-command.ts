// `rehearse dataset capture` and `rehearse dataset inspect`: make a dataset directory from a
// production database (read-only, subset, anonymized) and look inside one (docs/datasets.md).
// Exit status: 0 done (inspect: and verified, when asked), 1 inspect --verify found a damaged
// file, 2 usage or input error, 3 rehearse could not run (a source it cannot reach).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { inspectDataset, renderInspection } from '../datasets/dir/inspect.ts';
import type { DatasetManifest } from '../datasets/dir/manifest.ts';
import { redactUrl } from '../engines/url.ts';
import { UsageError } from '../errors.ts';

export const DATASET_CAPTURE_EXAMPLES = `  # a 10 % subset of production's customers (and everything they need), anonymized by rules.yaml
  export REHEARSE_ANONYMIZE_KEY=…   # secret, and the same for every capture: joins and repeats hold
  npx rehearse dataset capture --from postgres://readonly@db.internal:5432/shop --out datasets/shop \\
    --rules rules.yaml --subset customers=10%

  # 5,000 events and this year's orders; of the tables below them only invoices come along
  npx rehearse dataset capture --from mysql://readonly@db.internal:3306/shop --out datasets/shop \\
    --rules rules.yaml --subset events=5000 --subset "orders:created_at >= '2024-01-01'" --follow invoices

  # a SQLite file, whole, with a key from a file (replacing the last capture)
  npx rehearse dataset capture --from app.db --out datasets/app --rules rules.yaml --key-file ~/.rehearse-key --force

  # then look inside, and rehearse against it
  npx rehearse dataset inspect datasets/shop --verify
  npx rehearse run --migrations db/migrations --dataset datasets/shop --engine postgres --url postgres://postgres@127.0.0.1:5432/postgres
`;

export const DATASET_CAPTURE_NOTES = `What it reads: every table of the source in one consistent read-only snapshot (PostgreSQL,
MySQL/MariaDB: a read-only transaction; SQLite: a read transaction on the file); it never writes.
A read-only account is enough.

Personal data: a column that looks personal (name, email, phone, address, IP, token, password, …)
must have a rule in --rules (keep, null, constant, hash, mask, fake:…), or the capture fails with
the list. --allow-personal-data captures such columns as they are. After the capture a leak check
samples personal values of the source and proves none is in the output.

The key (REHEARSE_ANONYMIZE_KEY, or --key-file, which wins) makes anonymization deterministic:
the same value becomes the same fake in every table and every capture. Only its fingerprint is
written to the manifest.`;

export const DATASET_INSPECT_EXAMPLES = `  npx rehearse dataset inspect datasets/shop
  npx rehearse dataset inspect datasets/shop --verify          # read every data file: checksums and row counts
  npx rehearse dataset inspect datasets/shop --json > shop.json
`;

/** The shortest key accepted: shorter ones could be guessed from the fakes they produce. */
export const MIN_KEY_BYTES = 16;

export interface DatasetCaptureFlags {
  from: string;
  out: string;
  rules?: string;
  keyFile?: string;
  subset?: string[];
  follow?: string[];
  allowPersonalData?: boolean;
  force?: boolean;
  jobs?: string;
}

export interface DatasetInspectFlags {
  verify?: boolean;
  json?: boolean;
}

/** Adds `rehearse dataset capture|inspect` to `program`; each action hands its exit status to `setExitCode`. */
export function registerDatasetCommands(program: Command, setExitCode: (code: number) => void): void {
  const dataset = program.command('dataset').description('capture a production database as a dataset directory (subset, anonymized), and inspect one');
  const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

  dataset
    .command('capture')
    .description('read a production database in one read-only snapshot and write a dataset directory: schema, compressed data, manifest')
    .requiredOption('--from <url|file>', 'the source: postgres://user@host:port/db, mysql://user@host:port/db, or a SQLite file')
    .requiredOption('--out <dir>', 'the dataset directory to write (must be empty or missing, unless --force)')
    .option('--rules <file>', 'anonymization rules per table.column (YAML, or a TS/JS module): keep, null, constant, hash, mask, fake:…')
    .option('--key-file <file>', 'the secret anonymization key, read from this file (default: env REHEARSE_ANONYMIZE_KEY)')
    .option('--subset <spec>', "rows to take, repeatable: table=10% | table=5000 | \"table:<SQL condition>\"; parents always follow", collect)
    .option('--follow <table>', 'child tables whose rows referencing the rows taken come along (repeatable; default: every table below a subset table)', collect)
    .option('--allow-personal-data', 'capture columns that look personal but have no rule, as they are')
    .option('--force', 'replace what --out holds')
    .option('--jobs <n>', 'tables read at once (default 2)')
    .addHelpText('after', `\nExamples:\n${DATASET_CAPTURE_EXAMPLES}\n${DATASET_CAPTURE_NOTES}\n\nExit status: 0 written, 2 usage or input error (rules, subset, personal columns without a rule), 3 could not read the source.`)
    .action(async (flags: DatasetCaptureFlags) => {
      setExitCode(await datasetCaptureCommand(flags));
    });

  dataset
    .command('inspect')
    .description("what a dataset directory holds: source, migration version, rows against production's, rules applied; --verify reads every file")
    .argument('<dir>', 'the dataset directory')
    .option('--verify', "read every data file and check its size, SHA-256 and row count against the manifest (exit 1 if one differs)")
    .option('--json', 'print the inspection as JSON')
    .addHelpText('after', `\nExamples:\n${DATASET_INSPECT_EXAMPLES}\nExit status: 0 ok, 1 --verify found a data file that differs, 2 not a readable dataset directory.`)
    .action(async (dir: string, flags: DatasetInspectFlags) => {
      setExitCode(await datasetInspectCommand(dir, flags));
    });
}

export async function datasetInspectCommand(dir: string, flags: DatasetInspectFlags): Promise<number> {
  const inspection = await inspectDataset(dir, { verify: flags.verify === true });
  process.stdout.write(flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : `${renderInspection(inspection)}\n`);
  if (inspection.verification && !inspection.verification.ok) {
    process.stderr.write(`rehearse: ${dir}: ${inspection.verification.problems.length} data file(s) do not hold what the manifest says\n`);
    return 1;
  }
  return 0;
}

export async function datasetCaptureCommand(flags: DatasetCaptureFlags): Promise<number> {
  const from = flags.from.trim();
  if (from === '') throw new UsageError('USAGE', '--from needs a server URL (postgres://…, mysql://…) or a SQLite file');
  if (flags.out.trim() === '') throw new UsageError('USAGE', '--out needs a directory');
  const key = await readKey(flags.keyFile);
  const jobs = positiveInteger('--jobs', flags.jobs, 2);
  const log = (line: string) => process.stderr.write(`rehearse: ${line}\n`);
  log(`capturing ${redactUrl(from)} into ${flags.out}`);
  // Loaded when used: `rehearse run` and `dataset inspect` need none of capture's code.
  const { captureDataset } = await import('../datasets/capture/capture.ts');
  const manifest = await captureDataset({
    from,
    out: flags.out,
    ...(flags.rules !== undefined ? { rulesPath: flags.rules } : {}),
    ...(key ? { key } : {}),
    subset: flags.subset ?? [],
    follow: flags.follow ?? [],
    allowPersonal: flags.allowPersonalData === true,
    force: flags.force === true,
    jobs,
    log,
  });
  log(summary(flags.out, manifest));
  log(`next: rehearse dataset inspect ${flags.out} --verify; rehearse run --dataset ${flags.out} …`);
  return 0;
}

function summary(out: string, m: DatasetManifest): string {
  const rows = m.tables.reduce((n, t) => n + t.rows, 0);
  const production = m.tables.reduce((n, t) => n + t.production.rows, 0);
  const anonymized = m.anonymization ? `, ${Object.keys(m.anonymization.rules).length} column(s) anonymized, leak check ${m.anonymization.leakCheck.found} found of ${m.anonymization.leakCheck.sampled} sampled` : '';
  const version = m.migration.version === null ? 'no tracking table' : `migration version ${m.migration.version}${m.migration.dirty ? ' (dirty)' : ''}`;
  return `dataset written to ${out}: ${m.tables.length} tables, ${rows.toLocaleString('en-US')} of production's ${production.toLocaleString('en-US')} rows, ${version}${anonymized}`;
}

/** The key: the file's bytes (one trailing newline dropped) or REHEARSE_ANONYMIZE_KEY; undefined when neither is given. */
async function readKey(keyFile: string | undefined): Promise<Buffer | undefined> {
  let key: Buffer;
  let where: string;
  if (keyFile !== undefined) {
    try {
      key = await readFile(keyFile);
    } catch (error) {
      throw new UsageError('USAGE', `--key-file ${keyFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    }
    const text = key.toString('latin1');
    const trailing = text.endsWith('\r\n') ? 2 : text.endsWith('\n') ? 1 : 0;
    key = key.subarray(0, key.length - trailing);
    where = `--key-file ${keyFile}`;
  } else {
    const env = process.env.REHEARSE_ANONYMIZE_KEY;
    if (env === undefined || env === '') return undefined;
    key = Buffer.from(env, 'utf8');
    where = 'REHEARSE_ANONYMIZE_KEY';
  }
  if (key.length < MIN_KEY_BYTES) {
    throw new UsageError('USAGE', `${where}: the anonymization key is ${key.length} bytes; use at least ${MIN_KEY_BYTES} random bytes (e.g. openssl rand -hex 32)`);
  }
  return key;
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 64) throw new UsageError('USAGE', `${flag} expects a whole number from 1 to 64, got "${value}"`);
  return n;
}
