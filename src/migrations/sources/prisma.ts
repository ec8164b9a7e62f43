// Reads a Prisma Migrate directory (default `prisma/migrations`) as the Prisma CLI (6.x) reads it
// before handing it to the schema engine:
//
// - every sub-directory is a migration, named `<timestamp>_<name>` by `prisma migrate dev`
//   (`0_init` for a baseline); a directory without a readable `migration.sql` stops Prisma (P3015);
// - migrations apply in the order of their directory names, compared with `localeCompare`;
// - `migration_lock.toml` names the provider the migrations were written for;
// - other files at the top level are ignored; there are no down migrations.
//
// Prisma records each applied migration in `_prisma_migrations` with `checksum` = the SHA-256 of
// `migration.sql` (lower-case hex). rehearse orders migrations by the number their directory name
// starts with, so it refuses names without one, two directories with the same number, and names
// whose order is not their numbers' order.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath } from '../golang-migrate.ts';
import type { Migration } from '../migration.ts';
import { compareBigints, fail, listDirectory, sha256Hex, throwProblems, type SourceFile } from './version-order.ts';

export const PRISMA_DEFAULT_DIR = 'prisma/migrations';
const LOCK_FILE = 'migration_lock.toml';
const SCRIPT = 'migration.sql';
const MIGRATION_DIR = /^(\d+)(?:_(.*))?$/;

export interface PrismaMigration extends Migration {
  /** The directory name: what `_prisma_migrations.migration_name` holds. */
  migrationName: string;
  /** SHA-256 of `migration.sql`, lower-case hex: what `_prisma_migrations.checksum` holds. */
  checksum: string;
}

export interface PrismaMigrations {
  migrations: PrismaMigration[];
  /** `provider` of `migration_lock.toml` (`postgresql`, `mysql`, `sqlite`, …); absent without the file. */
  provider?: string;
  /** The engine rehearse runs for that provider, when it has one. */
  engine?: 'postgres' | 'mysql' | 'sqlite';
}

/** A directory of a Prisma migrations directory, with its `migration.sql` if it has one. */
export interface PrismaMigrationDir {
  name: string;
  /** How messages show the directory. */
  shown: string;
  script?: SourceFile;
}

export async function readPrismaMigrationsDir(dir: string = PRISMA_DEFAULT_DIR): Promise<PrismaMigrations> {
  const absolute = path.resolve(dir);
  const entries = await listDirectory(absolute);
  const dirs: PrismaMigrationDir[] = [];
  // Dirent.isDirectory(), as the Prisma CLI filters: a symbolic link to a directory is not one.
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const full = path.join(absolute, entry.name);
    const scriptPath = path.join(full, SCRIPT);
    dirs.push({
      name: entry.name,
      shown: displayPath(full),
      script: { file: `${entry.name}/${SCRIPT}`, shown: displayPath(scriptPath), read: () => readFile(scriptPath, 'utf8') },
    });
  }
  const lock = await readFile(path.join(absolute, LOCK_FILE), 'utf8').catch(() => undefined);
  return parsePrismaMigrations(dirs, lock, displayPath(absolute));
}

/** The migrations of a Prisma migrations directory's sub-directories; every problem at once. */
export async function parsePrismaMigrations(dirs: PrismaMigrationDir[], lockFile: string | undefined, shownDir: string): Promise<PrismaMigrations> {
  const problems: string[] = [];
  // The Prisma CLI's order: `a.path.localeCompare(b.path)`.
  const ordered = [...dirs].sort((a, b) => a.name.localeCompare(b.name));
  const read: { dir: PrismaMigrationDir; version: string; versionNumber: bigint; title: string; sql: string }[] = [];
  for (const dir of ordered) {
    const match = MIGRATION_DIR.exec(dir.name);
    let sql: string | undefined;
    try {
      sql = dir.script ? await dir.script.read() : undefined;
    } catch {
      sql = undefined;
    }
    if (sql === undefined) {
      problems.push(`${dir.shown} has no ${SCRIPT} (Prisma stops with P3015: delete the directory or restore the file)`);
      continue;
    }
    if (!match) {
      problems.push(
        `${dir.shown}: the directory name does not start with a number (\`<timestamp>_<name>\`, as \`prisma migrate dev\` names it); rehearse orders migrations by it`,
      );
      continue;
    }
    read.push({ dir, version: match[1]!, versionNumber: BigInt(match[1]!), title: match[2] ?? '', sql });
  }

  const byNumber = new Map<bigint, typeof read>();
  for (const r of read) byNumber.set(r.versionNumber, [...(byNumber.get(r.versionNumber) ?? []), r]);
  for (const same of byNumber.values()) {
    if (same.length > 1) {
      problems.push(`duplicate version ${same[0]!.versionNumber}: ${same.map((r) => r.dir.shown).join(' and ')} start with the same number, which rehearse orders by`);
    }
  }
  const unique = read.filter((r) => byNumber.get(r.versionNumber)!.length === 1);
  for (let i = 1; i < unique.length; i++) {
    const before = unique[i - 1]!;
    const after = unique[i]!;
    if (compareBigints(before.versionNumber, after.versionNumber) > 0) {
      problems.push(
        `${before.dir.shown} sorts before ${after.dir.shown}, so Prisma applies it first, although its number is larger: ` +
          'give the numbers the same number of digits (Prisma orders by name, rehearse by number)',
      );
    }
  }

  throwProblems(problems, shownDir);
  if (unique.length === 0) fail(`no migrations in ${shownDir}: expected directories <timestamp>_<name>/${SCRIPT}`);

  const provider = lockFile === undefined ? undefined : prismaLockProvider(lockFile);
  const engine = provider === undefined ? undefined : prismaProviderEngine(provider);
  return {
    migrations: unique.map(({ dir, version, versionNumber, title, sql }) => ({
      version,
      versionNumber,
      name: title,
      id: dir.name,
      migrationName: dir.name,
      up: { path: dir.script!.shown, sql },
      checksum: prismaChecksum(sql),
    })),
    ...(provider !== undefined ? { provider } : {}),
    ...(engine ? { engine } : {}),
  };
}

/** The provider of a `migration_lock.toml`, read as the schema engine reads it (the first line starting `provider`). */
export function prismaLockProvider(lockFile: string): string | undefined {
  const line = lockFile.split(/\r?\n/).find((l) => l.startsWith('provider'));
  if (line === undefined) return undefined;
  return line.replace(/^(?:provider = )+/, '').replace(/^"+|"+$/g, '');
}

/** rehearse's engine for a Prisma provider (`postgresql`, `mysql`, `sqlite`); none for the others. */
export function prismaProviderEngine(provider: string): 'postgres' | 'mysql' | 'sqlite' | undefined {
  if (provider === 'postgresql' || provider === 'postgres') return 'postgres';
  if (provider === 'mysql') return 'mysql';
  if (provider === 'sqlite') return 'sqlite';
  return undefined;
}

/** What Prisma stores in `_prisma_migrations.checksum` for a migration script: SHA-256, lower-case hex. */
export function prismaChecksum(sql: string): string {
  return sha256Hex(sql);
}

/**
 * Whether a script matches a recorded checksum the way Prisma decides it: the script as it is, with
 * `\r\n` turned into `\n`, or with `\n` turned into `\r\n` (git may have changed the line endings),
 * and, for a checksum that is not 64 characters long, the form an old schema engine wrote
 * (each byte in hex without its leading zero).
 */
export function prismaChecksumMatches(sql: string, checksum: string): boolean {
  const candidates = [sql, sql.replaceAll('\r\n', '\n'), sql.replaceAll('\n', '\r\n')];
  return candidates.some((script) => {
    const hex = sha256Hex(script);
    if (checksum.length === 0 || checksum.length === 64) return hex === checksum;
    return Buffer.from(hex, 'hex').reduce((s, byte) => s + byte.toString(16), '') === checksum;
  });
}
