// What the readers of the other migration tools share: how a directory is listed and problems are
// reported (every naming problem at once, as the golang-migrate reader does), version ordering,
// the dotted-version encoding Flyway needs, and the checksums the tools keep in their history
// tables.
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { InputError } from '../../errors.ts';
import { displayPath } from '../golang-migrate.ts';

/** A file of a migrations directory, wherever it is read from (the working tree, a git revision). */
export interface SourceFile {
  /** Path relative to the directory read, `/`-separated (`V1__init.sql`, `20240101_init/migration.sql`). */
  file: string;
  /** How messages show it: a path, or `rev:path` for a file read from git. */
  shown: string;
  read(): Promise<string>;
}

/** Throws the problems found, one as its own message, several as a list under the directory's name. */
export function throwProblems(problems: string[], shownDir: string): void {
  if (problems.length === 1) throw new InputError('MIGRATIONS_INVALID', problems[0]!);
  if (problems.length > 1) {
    const list = problems.map((p) => `\n  - ${p}`).join('');
    throw new InputError('MIGRATIONS_INVALID', `${problems.length} problems in ${shownDir}:${list}`);
  }
}

/** Stops with one problem. */
export function fail(message: string): never {
  throw new InputError('MIGRATIONS_INVALID', message);
}

/** The entries of `dir`, or a clear error when it is missing or not a directory. */
export async function listDirectory(dir: string, what = 'migrations directory') {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const shown = displayPath(dir);
    const message =
      code === 'ENOENT'
        ? `${what} ${shown} does not exist`
        : code === 'ENOTDIR'
          ? `${what} ${shown} is not a directory`
          : `cannot read ${what} ${shown}: ${(error as Error).message}`;
    throw new InputError('MIGRATIONS_INVALID', message, { cause: error });
  }
}

/** Whether a directory entry is a file, following a symbolic link as the tools' `open` does. */
export async function isFileEntry(dir: string, entry: { name: string; isFile(): boolean; isSymbolicLink(): boolean }) {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  return (await stat(path.join(dir, entry.name)).catch(() => undefined))?.isFile() ?? false;
}

/** The files directly in `dir` (no descent), as `SourceFile`s read from the file system, sorted by name. */
export async function filesIn(dir: string, keep: (name: string) => boolean): Promise<SourceFile[]> {
  const absolute = path.resolve(dir);
  const files: SourceFile[] = [];
  for (const entry of await listDirectory(absolute)) {
    if (!keep(entry.name) || !(await isFileEntry(absolute, entry))) continue;
    files.push(fileSource(absolute, entry.name));
  }
  return files.sort((a, b) => compareBytes(a.file, b.file));
}

/**
 * Every file under `dir`, at any depth (Flyway scans its locations recursively), following links
 * to directories once. `keep` sees the `/`-separated relative path.
 */
export async function filesUnder(dir: string, keep: (relative: string) => boolean): Promise<SourceFile[]> {
  const absolute = path.resolve(dir);
  const files: SourceFile[] = [];
  const seen = new Set<string>();
  const walk = async (current: string, relative: string): Promise<void> => {
    const entries = relative === '' ? await listDirectory(current) : await readdir(current, { withFileTypes: true });
    const real = await realpath(current);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of entries) {
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const full = path.join(current, entry.name);
      const info = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : entry;
      if (info?.isDirectory()) await walk(full, rel);
      else if (info?.isFile() && keep(rel)) files.push(fileSource(absolute, rel));
    }
  };
  await walk(absolute, '');
  return files.sort((a, b) => compareBytes(a.file, b.file));
}

export function fileSource(absoluteDir: string, relative: string): SourceFile {
  const full = path.join(absoluteDir, ...relative.split('/'));
  return { file: relative, shown: displayPath(full), read: () => readFile(full, 'utf8') };
}

/** Byte order of the UTF-8 encodings, as Go's and Rust's string comparison orders names. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 1-based line of the character at `index` in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** `text` with everything before `start` reduced to its line breaks: what follows keeps the file's line numbers. */
export function keepLines(text: string, start: number, end = text.length): string {
  const before = text.slice(0, start);
  return '\n'.repeat(lineAt(before, before.length) - 1) + text.slice(start, end);
}

/** SHA-256 of the text's UTF-8 encoding, lower-case hex (what Prisma and drizzle store). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Flyway's checksum of a SQL migration (`ChecksumCalculator.calculateChecksumForResource`): the
 * file read line by line with `BufferedReader.readLine()` (which drops `\n`, `\r\n` and a lone
 * `\r`), a byte order mark removed from the first line, each line's UTF-8 bytes fed to
 * `java.util.zip.CRC32`, and the result cast to a Java `int` (signed 32-bit). Since the CRC is fed
 * the lines back to back, this is the CRC-32 of the text without its line breaks: line endings
 * and blank lines do not change it, any other byte does.
 */
export function flywayChecksum(text: string): number {
  const withoutBom = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return crc32(Buffer.from(withoutBom.replace(/[\r\n]/g, ''), 'utf8')) | 0;
}

/** How `encodeDottedVersion` packs a dotted version into one number. */
export interface DottedVersionEncoding {
  /** Most segments a version may have (after trailing zeros are dropped). */
  segments: number;
  /** Every segment is below this. */
  segmentLimit: bigint;
}

/** Room for `20240101120000`-style timestamps in a segment and eight-part versions. */
export const DOTTED_VERSION_ENCODING: DottedVersionEncoding = { segments: 8, segmentLimit: 10n ** 20n };

/**
 * An order-preserving number for a dotted version: the segments padded with zeros to a fixed
 * count and packed as Σ segᵢ·limit^(N−1−i), so `1 < 1.1 < 1.10 < 2` and `1 == 1.0`. Only for
 * ordering and equality; a problem (string) when the version does not fit.
 */
export function encodeDottedVersion(parts: bigint[], encoding = DOTTED_VERSION_ENCODING): bigint | string {
  const trimmed = trimTrailingZeros(parts);
  if (trimmed.length > encoding.segments) {
    return `has ${trimmed.length} parts; rehearse orders versions of at most ${encoding.segments}`;
  }
  let value = 0n;
  for (let i = 0; i < encoding.segments; i++) {
    const part = trimmed[i] ?? 0n;
    if (part >= encoding.segmentLimit) return `part ${part} is too large (rehearse orders parts below ${encoding.segmentLimit})`;
    value = value * encoding.segmentLimit + part;
  }
  return value;
}

/** Drops trailing zero parts, keeping at least one: Flyway's `1.0` is `1`. */
export function trimTrailingZeros(parts: bigint[]): bigint[] {
  let end = parts.length;
  while (end > 1 && parts[end - 1] === 0n) end--;
  return parts.slice(0, end);
}

/** Compares dotted versions part by part, a missing part counting as zero (Flyway's `MigrationVersion.compareTo`). */
export function compareDottedVersions(a: bigint[], b: bigint[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const c = compareBigints(a[i] ?? 0n, b[i] ?? 0n);
    if (c !== 0) return c;
  }
  return 0;
}
