// Where SQLite scratch databases live: one private directory per engine (one per run) under a
// temp root, named like a scratch database (`rehearse_<time>_<pid>_<random>_sqlite`) and marked
// with the same JSON the server engines put in a database comment (host, pid, start). The next
// run removes a crashed run's directory by the server engines' rules (leftovers.ts): its creator
// on this host is gone, or it is older than a day.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { judgeLeftover, type LeftoverContext } from '../postgres/leftovers.ts';
import { currentOrigin, parseScratchMarker, parseScratchName, scratchDatabaseName, scratchMarker, type ScratchOrigin } from '../postgres/scratch-name.ts';

export const MARKER_FILE = 'rehearse-scratch.json';
export const DATABASE_SUFFIX = '.db';

/** Files SQLite keeps beside a database: the WAL and its shared-memory index, or the rollback journal. */
const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'];

/** Creates this run's directory (owner-only) with its marker. */
export async function createRunDirectory(root: string, origin: ScratchOrigin = currentOrigin()): Promise<string> {
  await mkdir(root, { recursive: true });
  const dir = join(root, scratchDatabaseName('sqlite', origin));
  await mkdir(dir, { mode: 0o700 });
  await writeFile(join(dir, MARKER_FILE), scratchMarker(origin), { mode: 0o600 });
  return dir;
}

/** Removes run directories left by crashed runs; returns the scratch databases that were in them. */
export async function removeLeftoverDirectories(root: string, context: LeftoverContext): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !parseScratchName(entry.name)) continue;
    const dir = join(root, entry.name);
    const marker = await readFile(join(dir, MARKER_FILE), 'utf8').catch(() => null);
    const files = await readdir(dir).catch(() => [] as string[]);
    // A directory with that name but neither a marker nor only SQLite scratch files is someone else's.
    if (marker === null && !files.every((f) => isScratchFile(f))) continue;
    // SQLite has no connection list: a live creator on this host counts as connected, so its
    // directory is kept however old it is.
    const origin = parseScratchMarker(marker);
    const alive = origin !== null && origin.host === context.host && context.isProcessAlive(origin.pid);
    if (judgeLeftover({ name: entry.name, comment: marker, connections: alive ? 1 : 0 }, context) === 'keep') continue;
    await rm(dir, { recursive: true, force: true });
    const databases = files.filter((f) => f.endsWith(DATABASE_SUFFIX)).map((f) => f.slice(0, -DATABASE_SUFFIX.length));
    removed.push(...(databases.length > 0 ? databases : [entry.name]));
  }
  return removed.sort();
}

function isScratchFile(name: string): boolean {
  const base = COMPANION_SUFFIXES.reduce((n, suffix) => (n.endsWith(suffix) ? n.slice(0, -suffix.length) : n), name);
  return base === MARKER_FILE || (base.endsWith(DATABASE_SUFFIX) && parseScratchName(base.slice(0, -DATABASE_SUFFIX.length)) !== null);
}

/** Deletes a database file and its companions (-wal, -shm, -journal). */
export async function removeDatabaseFiles(file: string): Promise<void> {
  await Promise.all([file, ...COMPANION_SUFFIXES.map((s) => file + s)].map((f) => rm(f, { force: true })));
}
