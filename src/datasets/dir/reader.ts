// Reads a dataset directory (docs/datasets.md): its manifest, checked against the format this
// rehearse reads, and its data files, streamed — gunzip, SHA-256 and line count in one pass, so
// memory stays flat whatever a table's size and a truncated or altered file is caught by the very
// read that uses it.
import { linesOf } from '../line-reader.ts';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import * as z from 'zod';
import { errorMap } from '../../config/issues.ts';
import { InputError } from '../../errors.ts';
import { DATASET_FORMAT, DATASET_FORMAT_VERSION, MANIFEST_FILE, type DatasetManifest, type DatasetTable } from './manifest.ts';
import { decodeRow, type Field } from './tsv.ts';

/** DDL run before the data: types, sequences, tables (without secondary indexes and foreign keys). */
export const SCHEMA_PRE_FILE = 'schema-pre.sql';
/** DDL run after the data: sequence positions, constraints, indexes, triggers, views. */
export const SCHEMA_POST_FILE = 'schema-post.sql';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const count = z.number().int().nonnegative();

const columnSchema = z.object({ name: z.string().min(1), type: z.string(), binary: z.boolean().optional() });

const tableSchema = z.object({
  name: z.string().min(1),
  file: z
    .string()
    .min(1)
    .refine(insideDirectory, { message: 'expected a path inside the dataset directory (relative, without "..")' }),
  columns: z.array(columnSchema).min(1),
  primaryKey: z.array(z.string()),
  rows: count,
  production: z.object({ rows: count, bytes: count }),
  sha256: z.string().regex(SHA256_HEX, { message: 'expected 64 lower-case hex digits (a SHA-256)' }),
  fileBytes: count,
  subset: z.string().optional(),
});

const manifestSchema = z.object({
  format: z.literal(DATASET_FORMAT),
  formatVersion: z.literal(DATASET_FORMAT_VERSION),
  rehearseVersion: z.string(),
  capturedAt: z.string(),
  source: z.object({ engine: z.enum(['postgres', 'mysql', 'sqlite']), serverVersion: z.string(), database: z.string() }),
  migration: z.object({ version: z.string().nullable(), dirty: z.boolean() }),
  tables: z.array(tableSchema),
  foreignKeys: z.array(z.object({ table: z.string(), columns: z.array(z.string()).min(1), references: z.string(), referencedColumns: z.array(z.string()).min(1) })),
  anonymization: z
    .object({
      keyFingerprint: z.string(),
      rules: z.record(z.string(), z.string()),
      keptPersonal: z.array(z.string()),
      leakCheck: z.object({ sampled: count, found: count }),
    })
    .optional(),
  subset: z.record(z.string(), z.string()).optional(),
});

/** True when `path` exists and holds a dataset directory's manifest. */
export async function isDatasetDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory() && (await stat(join(path, MANIFEST_FILE))).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads and checks `DIR/manifest.json`. Throws InputError('DATASET_INVALID') naming the file: no
 * manifest, not JSON (at line:column), another format, a format version this rehearse does not
 * read, or a field missing or of the wrong type (at its JSON path). Unknown fields are ignored:
 * a later rehearse may add fields without changing the format version.
 */
export async function readManifest(dir: string): Promise<DatasetManifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' || code === 'ENOTDIR' ? await stat(dir).then((s) => (s.isDirectory() ? 'directory' : 'file'), () => 'nothing') : undefined;
    const why =
      what === 'nothing'
        ? `${dir} does not exist`
        : what === 'file'
          ? `${dir} is a file, not a dataset directory (a directory that rehearse dataset capture writes)`
          : what === 'directory'
            ? `no ${MANIFEST_FILE} here: ${dir} is not a dataset directory (rehearse dataset capture writes one)`
            : `cannot read the manifest: ${(error as Error).message}`;
    throw new InputError('DATASET_INVALID', why, { location: { file }, cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const at = jsonErrorPosition(text, (error as Error).message);
    throw new InputError('DATASET_INVALID', `the manifest is not valid JSON: ${jsonReason((error as Error).message)}`, {
      location: { file, ...at },
      cause: error,
    });
  }
  checkFormat(file, json);
  const parsed = manifestSchema.safeParse(json, { error: errorMap });
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((issue) => `${jsonPath(issue.path) || '(the manifest)'}: ${issue.message}`);
    const more = parsed.error.issues.length > 10 ? `\n  … and ${parsed.error.issues.length - 10} more` : '';
    throw new InputError('DATASET_INVALID', `the manifest does not match format ${DATASET_FORMAT_VERSION}:\n  ${problems.join('\n  ')}${more}`, { location: { file } });
  }
  const manifest = parsed.data as DatasetManifest;
  checkUnique(file, manifest);
  return manifest;
}

/** `format` and `formatVersion` first: a newer format is an upgrade to make, not a list of schema errors. */
function checkFormat(file: string, json: unknown): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InputError('DATASET_INVALID', 'the manifest must be a JSON object', { location: { file } });
  }
  const { format, formatVersion, rehearseVersion } = json as Record<string, unknown>;
  if (format !== DATASET_FORMAT) {
    throw new InputError('DATASET_INVALID', `"format" is ${JSON.stringify(format) ?? 'missing'}, expected "${DATASET_FORMAT}": this is not a rehearse dataset manifest`, {
      location: { file },
    });
  }
  if (typeof formatVersion !== 'number' || !Number.isInteger(formatVersion) || formatVersion < 1) {
    throw new InputError('DATASET_INVALID', `"formatVersion" is ${JSON.stringify(formatVersion) ?? 'missing'}, expected a whole number ≥ 1`, { location: { file } });
  }
  if (formatVersion !== DATASET_FORMAT_VERSION) {
    const writer = typeof rehearseVersion === 'string' ? `rehearse ${rehearseVersion}` : 'a rehearse of unknown version';
    const advice = formatVersion > DATASET_FORMAT_VERSION ? 'upgrade rehearse' : 'capture the dataset again with this rehearse';
    throw new InputError(
      'DATASET_INVALID',
      `written by ${writer} with format ${formatVersion}; this rehearse reads format ${DATASET_FORMAT_VERSION}: ${advice}`,
      { location: { file } },
    );
  }
}

function checkUnique(file: string, manifest: DatasetManifest): void {
  const names = new Set<string>();
  const files = new Set<string>();
  for (const [i, table] of manifest.tables.entries()) {
    if (names.has(table.name)) throw new InputError('DATASET_INVALID', `tables[${i}].name: table "${table.name}" is listed twice`, { location: { file } });
    const normalized = normalize(table.file);
    if (files.has(normalized)) throw new InputError('DATASET_INVALID', `tables[${i}].file: "${table.file}" is the data file of another table too`, { location: { file } });
    const columns = new Set(table.columns.map((c) => c.name));
    if (columns.size !== table.columns.length) throw new InputError('DATASET_INVALID', `tables[${i}].columns: table "${table.name}" lists a column twice`, { location: { file } });
    for (const key of table.primaryKey) {
      if (!columns.has(key)) throw new InputError('DATASET_INVALID', `tables[${i}].primaryKey: "${key}" is not a column of table "${table.name}"`, { location: { file } });
    }
    names.add(table.name);
    files.add(normalized);
  }
}

function insideDirectory(path: string): boolean {
  if (isAbsolute(path) || path.includes('\\')) return false;
  const normalized = normalize(path);
  return normalized !== '..' && !normalized.startsWith(`..${sep}`) && !normalized.split(sep).includes('..');
}

function jsonPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const key of path) s += typeof key === 'number' ? `[${key}]` : s === '' ? String(key) : `.${String(key)}`;
  return s;
}

/** V8's reason without the position or the quoted text (the location says where). */
function jsonReason(message: string): string {
  return message.replace(/ in JSON at position \d+.*$/s, '').replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
}

/** Line and column of a JSON.parse failure: where V8 says, or where a scan of the text finds the first unexpected character. */
function jsonErrorPosition(text: string, message: string): { line?: number; column?: number } {
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : firstJsonErrorOffset(text);
  if (offset === undefined) return {};
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** The offset of the first character that makes `text` invalid JSON (a small recursive-descent scan). */
export function firstJsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const c of word) if (text[i++] !== c) (i--, fail());
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) (i++, fail());
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail();
    i += match![0].length;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail();
  };
  const container = (close: string, object: boolean): void => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      if (object) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
      }
      value();
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) return void i++;
      fail();
    }
  };
  try {
    value();
    space();
    return i < text.length ? i : undefined;
  } catch (offset) {
    if (typeof offset === 'number') return offset;
    throw offset;
  }
}

// ---------------------------------------------------------------------------------------------
// Data files

/** The absolute path of a table's data file. */
export function dataFilePath(dir: string, table: DatasetTable): string {
  return join(dir, table.file);
}

/** What a data file holds, measured while it was read. */
export interface DataFileTally {
  /** Lines (rows) of the decompressed content. */
  rows: number;
  /** Bytes of the decompressed content. */
  bytes: number;
  sha256: string;
}

/** A data file that does not hold what the manifest says (exit status 2, code DATASET_INVALID). */
export class DataFileError extends InputError {
  constructor(
    /** The table whose data file it is. */
    readonly table: string,
    /** The data file, as the manifest names it. */
    readonly file: string,
    /** What differs, as the end of a sentence about the file ("is missing", "holds 9 rows, …"). */
    readonly problem: string,
    path: string,
    cause?: unknown,
  ) {
    super('DATASET_INVALID', `the data file of table "${table}" ${problem}`, { location: { file: path }, cause });
  }
}

function dataFileError(dir: string, table: DatasetTable, problem: string, cause?: unknown): DataFileError {
  return new DataFileError(table.name, table.file, problem, dataFilePath(dir, table), cause);
}

/**
 * The decompressed bytes of a table's data file, in chunks of about 64 KiB, checked as they pass:
 * the compressed size is checked before the first byte is read (`fileBytes`), and the SHA-256 and
 * line count of the content when the last chunk has been read — a mismatch, a truncated gzip
 * stream or a missing file throws InputError('DATASET_INVALID') naming the file and the table,
 * before the iteration ends. A consumer that loads the rows somewhere must therefore treat what it
 * loaded as unusable if the iteration throws. `onEnd` receives the tally of a file that checked out.
 */
export async function* verifiedDataChunks(dir: string, table: DatasetTable, onEnd?: (tally: DataFileTally) => void): AsyncGenerator<Buffer> {
  const path = dataFilePath(dir, table);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw dataFileError(dir, table, missing ? 'is missing' : `cannot be read: ${(error as Error).message}`, error);
  }
  if (size !== table.fileBytes) {
    throw dataFileError(dir, table, `is ${size} bytes, the manifest says ${table.fileBytes}: the file was ${size < table.fileBytes ? 'truncated' : 'altered or replaced'}`);
  }
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 64 << 10 });
  file.on('error', (error) => gunzip.destroy(error));
  file.pipe(gunzip);
  const hash = createHash('sha256');
  let newlines = 0;
  let bytes = 0;
  let lastByte = 10;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      hash.update(chunk);
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
      bytes += chunk.length;
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1]!;
      yield chunk;
    }
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'Z_BUF_ERROR' ? 'ends in the middle of its gzip stream: it was truncated' : `is not a readable gzip file (${(error as Error).message}): it was altered`;
    throw dataFileError(dir, table, what, error);
  } finally {
    file.destroy();
    gunzip.destroy();
  }
  // The last line normally ends with a newline; one without still counts as a row.
  const rows = newlines + (lastByte === 10 ? 0 : 1);
  const sha256 = hash.digest('hex');
  if (sha256 !== table.sha256) {
    throw dataFileError(dir, table, `does not match the manifest's checksum: its content's SHA-256 is ${sha256.slice(0, 16)}…, the manifest says ${table.sha256.slice(0, 16)}…: the file was altered`);
  }
  if (rows !== table.rows) {
    throw dataFileError(dir, table, `holds ${rows} rows, the manifest says ${table.rows}`);
  }
  onEnd?.({ rows, bytes, sha256 });
}

/**
 * The lines of a data file's checked content, each without its newline (see verifiedDataChunks
 * for what is checked and when).
 */
export function tableLines(dir: string, table: DatasetTable): AsyncGenerator<string> {
  return linesOf(verifiedDataChunks(dir, table));
}

/**
 * The rows of a table, decoded (`null` for NULL; binary columns of MySQL and SQLite as the hex
 * text the file holds). `table` is a table of `manifest` or its name (the manifest is read then).
 * A row with another number of fields than the table has columns throws InputError at its line.
 */
export async function* tableRows(dir: string, table: DatasetTable | string, manifest?: DatasetManifest): AsyncGenerator<Field[]> {
  const entry = typeof table === 'string' ? await findTable(dir, table, manifest) : table;
  const width = entry.columns.length;
  let line = 0;
  for await (const text of tableLines(dir, entry)) {
    line++;
    const fields = decodeRow(text);
    if (fields.length !== width) {
      throw new InputError('DATASET_INVALID', `row ${line} of table "${entry.name}" has ${fields.length} fields, the table has ${width} columns`, {
        location: { file: dataFilePath(dir, entry), line },
      });
    }
    yield fields;
  }
}

async function findTable(dir: string, name: string, manifest?: DatasetManifest): Promise<DatasetTable> {
  const m = manifest ?? (await readManifest(dir));
  const found = m.tables.find((t) => t.name === name);
  if (!found) throw new InputError('DATASET_INVALID', `the dataset has no table "${name}" (it has ${m.tables.map((t) => t.name).join(', ') || 'none'})`, { location: { file: join(dir, MANIFEST_FILE) } });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Verification

export interface DatasetProblem {
  table: string;
  /** The data file, as the manifest names it (relative to the directory). */
  file: string;
  /** What is wrong, as a sentence ending the error message ("is missing", "holds 9 rows, …"). */
  message: string;
}

export interface VerifyOptions {
  /** Data files read at once (gunzip runs on libuv's thread pool). Default 2. */
  jobs?: number;
}

export interface Verification {
  tables: number;
  rows: number;
  /** Decompressed bytes read. */
  bytes: number;
  ms: number;
  problems: DatasetProblem[];
}

/**
 * Reads every data file whole and reports every one that does not hold what the manifest says
 * (missing, other compressed size, truncated gzip, other SHA-256, other line count). Never throws
 * for a bad data file: see `verifyDataset` for the throwing form.
 */
export async function checkDataset(dir: string, manifest: DatasetManifest, opts: VerifyOptions = {}): Promise<Verification> {
  const started = performance.now();
  const problems: DatasetProblem[] = [];
  let rows = 0;
  let bytes = 0;
  const queue = [...manifest.tables].sort((a, b) => b.fileBytes - a.fileBytes);
  const worker = async () => {
    for (let table = queue.shift(); table; table = queue.shift()) {
      try {
        for await (const _ of verifiedDataChunks(dir, table, (tally) => ((rows += tally.rows), (bytes += tally.bytes)))) {
          // only the checks matter here
        }
      } catch (error) {
        if (!(error instanceof DataFileError)) throw error;
        problems.push({ table: error.table, file: error.file, message: error.problem });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs ?? 2, queue.length)) }, worker));
  const order = new Map(manifest.tables.map((t, i) => [t.name, i]));
  problems.sort((a, b) => order.get(a.table)! - order.get(b.table)!);
  return { tables: manifest.tables.length, rows, bytes, ms: Math.round(performance.now() - started), problems };
}

/**
 * `checkDataset`, throwing InputError('DATASET_INVALID') when any data file is wrong: the message
 * names each file, its table and what differs. The first file at fault is the error's location.
 */
export async function verifyDataset(dir: string, manifest: DatasetManifest, opts: VerifyOptions = {}): Promise<Verification> {
  const result = await checkDataset(dir, manifest, opts);
  if (result.problems.length === 0) return result;
  const first = result.problems[0]!;
  if (result.problems.length === 1) throw new DataFileError(first.table, first.file, first.message, join(dir, first.file));
  const lines = result.problems.map((p) => `${join(dir, p.file)}: the data file of table "${p.table}" ${p.message}`);
  const summary = `${result.problems.length} data files do not hold what the manifest says:\n  ${lines.join('\n  ')}`;
  throw new InputError('DATASET_INVALID', summary, { location: { file: join(dir, first.file) } });
}
