// Reads a golang-migrate migrations directory: `{version}_{title}.up.sql` and
// `{version}_{title}.down.sql` pairs, ordered by numeric version as golang-migrate orders them.
// golang-migrate itself tolerates an up without a down; rehearse rehearses rollbacks, so it
// insists on pairs.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.ts';
import type { Direction, Migration, MigrationFile } from './migration.ts';

/** golang-migrate's `source.Regex` (`^([0-9]+)_(.*)\.(down|up)\.(.*)$`), for SQL files. */
const MIGRATION_FILE = /^([0-9]+)_(.*)\.(up|down)\.sql$/;
/** The same layout with any version, to tell a non-numeric version from another layout. */
const MIGRATION_FILE_ANY_VERSION = /^([^_]+)_(.*)\.(up|down)\.sql$/;
const EXPECTED_LAYOUT = '{version}_{title}.up.sql and {version}_{title}.down.sql, version a whole number';
/** golang-migrate keeps the version in a bigint column. */
const BIGINT_MAX = 2n ** 63n - 1n;

interface MigrationFileName {
  file: string;
  /** The file's path as messages show it. */
  shown: string;
  version: string;
  versionNumber: bigint;
  name: string;
  direction: Direction;
}

export async function readGolangMigrateDir(dir: string): Promise<Migration[]> {
  const absoluteDir = path.resolve(dir);
  const files = (await sqlFilesIn(absoluteDir)).map(
    (file): MigrationSourceFile => ({ file, shown: displayPath(path.join(absoluteDir, file)), read: () => readFile(path.join(absoluteDir, file), 'utf8') }),
  );
  return parseGolangMigrateFiles(files, displayPath(absoluteDir));
}

/** A file of a migrations directory, wherever it is read from (the working tree, a git revision). */
export interface MigrationSourceFile {
  /** File name within the directory. */
  file: string;
  /** How messages show it: a path, or `rev:path` for a file read from git. */
  shown: string;
  read(): Promise<string>;
}

/** The migrations of a directory's files (golang-migrate layout); every naming problem is reported at once. */
export async function parseGolangMigrateFiles(files: MigrationSourceFile[], shownDir: string): Promise<Migration[]> {
  const problems: string[] = [];
  const byVersion = new Map<bigint, MigrationFileName[]>();
  const sources = new Map(files.map((f) => [f.file, f]));

  for (const { file, shown } of files) {
    const parsed = parseFileName(file, shown, problems);
    if (!parsed) continue;
    const sameVersion = byVersion.get(parsed.versionNumber) ?? [];
    byVersion.set(parsed.versionNumber, [...sameVersion, parsed]);
  }

  const pairs: { up: MigrationFileName; down: MigrationFileName }[] = [];
  for (const sameVersion of byVersion.values()) {
    const pair = pairUp(sameVersion, problems);
    if (pair) pairs.push(pair);
  }

  if (problems.length === 1) throw new InputError('MIGRATIONS_INVALID', problems[0]!);
  if (problems.length > 1) {
    const list = problems.map((p) => `\n  - ${p}`).join('');
    throw new InputError('MIGRATIONS_INVALID', `${problems.length} problems in ${shownDir}:${list}`);
  }
  if (pairs.length === 0) {
    throw new InputError('MIGRATIONS_INVALID', `no migrations in ${shownDir}: expected files named ${EXPECTED_LAYOUT}`);
  }

  pairs.sort((a, b) => (a.up.versionNumber < b.up.versionNumber ? -1 : a.up.versionNumber > b.up.versionNumber ? 1 : 0));
  const read = async (f: MigrationFileName): Promise<MigrationFile> => ({ path: f.shown, sql: await sources.get(f.file)!.read() });
  return Promise.all(
    pairs.map(async ({ up, down }) => ({
      version: up.version,
      versionNumber: up.versionNumber,
      name: up.name,
      id: `${up.version}_${up.name}`,
      up: await read(up),
      down: await read(down),
    })),
  );
}

/** Names of the `.sql` files directly in `dir` (golang-migrate does not descend), sorted. */
async function sqlFilesIn(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const shown = displayPath(dir);
    const message =
      code === 'ENOENT'
        ? `migrations directory ${shown} does not exist`
        : code === 'ENOTDIR'
          ? `migrations directory ${shown} is not a directory`
          : `cannot read migrations directory ${shown}: ${(error as Error).message}`;
    throw new InputError('MIGRATIONS_INVALID', message, { cause: error });
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!/\.sql$/i.test(entry.name)) continue;
    // Follow symbolic links the way golang-migrate's os.ReadDir + Open does.
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(path.join(dir, entry.name))).isFile());
    if (isFile) names.push(entry.name);
  }
  return names.sort();
}

function parseFileName(file: string, shown: string, problems: string[]): MigrationFileName | undefined {
  const match = MIGRATION_FILE.exec(file);
  if (!match) {
    const anyVersion = MIGRATION_FILE_ANY_VERSION.exec(file);
    problems.push(
      anyVersion
        ? `${shown}: version "${anyVersion[1]}" is not a number (expected ${EXPECTED_LAYOUT})`
        : `${shown} does not follow the golang-migrate layout ${EXPECTED_LAYOUT}`,
    );
    return undefined;
  }
  const [, version, name, direction] = match as unknown as [string, string, string, Direction];
  const versionNumber = BigInt(version);
  if (versionNumber > BIGINT_MAX) {
    problems.push(`${shown}: version ${version} is too large for a bigint (at most ${BIGINT_MAX})`);
    return undefined;
  }
  return { file, shown, version, versionNumber, name, direction };
}

/** The up and down of one version, or the problems that keep them from being a pair. */
function pairUp(
  files: MigrationFileName[],
  problems: string[],
): { up: MigrationFileName; down: MigrationFileName } | undefined {
  const ups = files.filter((f) => f.direction === 'up');
  const downs = files.filter((f) => f.direction === 'down');
  const version = files[0]!.versionNumber; // numeric: `1_a.up.sql` and `01_b.up.sql` clash
  if (ups.length > 1 || downs.length > 1) {
    for (const same of [ups, downs].filter((list) => list.length > 1)) {
      problems.push(`duplicate version ${version}: ${same.map((f) => f.shown).join(' and ')}`);
    }
    return undefined;
  }
  const [up] = ups;
  const [down] = downs;
  if (up && down) {
    if (stem(up) === stem(down)) return { up, down };
    problems.push(`duplicate version ${version}: ${up.shown} and ${down.shown} have the same version but different names`);
  } else if (up) {
    problems.push(`${up.shown} is unpaired: no down migration ${stem(up)}.down.sql beside it`);
  } else if (down) {
    problems.push(`${down.shown} is unpaired: no up migration ${stem(down)}.up.sql beside it`);
  }
  return undefined;
}

function stem(file: MigrationFileName): string {
  return `${file.version}_${file.name}`;
}

/** Relative to the current directory when under it (short, clickable), absolute otherwise. */
export function displayPath(absolute: string): string {
  const relative = path.relative(process.cwd(), absolute);
  if (relative === '') return '.';
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return absolute;
  return relative;
}
