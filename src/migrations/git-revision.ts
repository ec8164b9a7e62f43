// The migrations directory as it is on a git revision (`--base`): what production ran is what the
// target branch holds, not what the working tree holds now. Files are read from git's object
// store (`git ls-tree` + one `git cat-file --batch`), never checked out, so the working tree is
// left alone and a revision that is only fetched (origin/main in CI) works.
import { execFile, spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError, UsageError } from '../errors.ts';
import type { MigrationSourceFile } from './golang-migrate.ts';
import { type MigrationSourceModule, type SourceRead, sourceModule } from './sources/registry.ts';

const run = promisify(execFile);

export interface GitRevision {
  /** As given (`origin/main`, `HEAD~1`). */
  rev: string;
  /** The commit it resolves to. */
  commit: string;
  /** The repository's top-level directory. */
  root: string;
  /** The migrations directory relative to the top level, `/`-separated (`` for the top level itself). */
  dir: string;
}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new EnvironmentError('ENGINE_FAILED', '--base needs git, and no `git` program was found on PATH', { cause: error });
    throw Object.assign(new Error((e.stderr ?? e.message).trim()), { cause: error });
  }
}

/** Resolves `rev` in the repository that holds `migrationsDir`; a clear usage error when it cannot. */
export async function resolveRevision(migrationsDir: string, rev: string): Promise<GitRevision> {
  const absolute = path.resolve(migrationsDir);
  let root: string;
  try {
    root = (await git(absolute, ['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    throw new UsageError('USAGE', `--base ${rev}: ${absolute} is not inside a git repository (${(error as Error).message})`, { cause: error });
  }
  let commit: string;
  try {
    commit = (await git(root, ['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])).trim();
  } catch (error) {
    throw new UsageError(
      'USAGE',
      `--base ${rev}: no such revision in ${root} (${(error as Error).message}). In CI, fetch the target branch first ` +
        `(e.g. \`git fetch origin main\`; a shallow clone needs enough depth to contain it)`,
      { cause: error },
    );
  }
  const dir = path.relative(await realpath(root), await realpath(absolute)).split(path.sep).join('/');
  if (dir.startsWith('..')) throw new UsageError('USAGE', `--base ${rev}: ${absolute} is outside the repository ${root}`);
  return { rev, commit, root, dir };
}

/** The `.sql` files directly in the migrations directory at the revision (empty when it did not exist there). */
export async function migrationFilesAt(revision: GitRevision): Promise<MigrationSourceFile[]> {
  const prefix = revision.dir === '' ? '' : `${revision.dir}/`;
  // `-z`: names are NUL-terminated and never quoted, whatever characters they hold.
  const listing = await git(revision.root, ['ls-tree', '-z', revision.commit, '--', prefix === '' ? '.' : prefix]);
  const entries: { name: string; sha: string }[] = [];
  for (const line of listing.split('\0')) {
    const match = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(line);
    if (!match || match[2] !== 'blob') continue;
    const name = match[4]!.slice(prefix.length);
    entries.push({ name, sha: match[3]! });
  }
  const contents = await readBlobs(revision.root, entries.map((e) => e.sha));
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => ({ file: e.name, shown: `${revision.rev}:${prefix}${e.name}`, read: async () => contents.get(e.sha) ?? '' }));
}

/** The migrations of the directory at the revision, read as `source` reads them (none when the directory did not exist there). */
export async function readMigrationsAt(revision: GitRevision, source: MigrationSourceModule = sourceModule('golang-migrate')): Promise<SourceRead> {
  const files = await migrationFilesAt(revision);
  if (files.length === 0) return { migrations: [], notes: [] };
  return source.fromFiles(files, `${revision.rev}:${revision.dir || '.'}`);
}

/** Blob contents by object id, read through one `git cat-file --batch` process. */
async function readBlobs(cwd: string, shas: string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const unique = [...new Set(shas)];
  if (unique.length === 0) return result;
  const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(unique.map((s) => `${s}\n`).join(''));
  const code = await exited;
  if (code !== 0) throw new Error(`git cat-file --batch failed: ${stderr.trim()}`);
  // Each answer: `<sha> <type> <size>\n<size bytes>\n`.
  const out = Buffer.concat(chunks);
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(10, at);
    const [sha, type, size] = out.subarray(at, eol).toString('utf8').split(' ');
    if (type === 'missing' || size === undefined) throw new Error(`git cat-file: object ${sha} is missing`);
    const start = eol + 1;
    const end = start + Number(size);
    result.set(sha!, out.subarray(start, end).toString('utf8'));
    at = end + 1;
  }
  return result;
}
