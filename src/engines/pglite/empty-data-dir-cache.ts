// PGlite runs initdb inside WASM for every new instance, which costs seconds. The data directory
// of a freshly initialised instance is the same for a given PGlite version, so rehearse keeps it
// in the user's cache folder and every later run starts from it. The cache is an optimisation
// only: an unreadable or unwritable cache folder falls back to initdb.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PGLITE_VERSION } from './pglite-package.ts';

/** `$REHEARSE_CACHE_DIR`, else `$XDG_CACHE_HOME/rehearse`, else `~/.cache/rehearse`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REHEARSE_CACHE_DIR) return env.REHEARSE_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rehearse');
}

function cacheFile(): string {
  return join(cacheDir(), `pglite-${PGLITE_VERSION}-empty-datadir.tar.gz`);
}

export async function readCachedEmptyDataDir(): Promise<ArrayBuffer | undefined> {
  try {
    const bytes = await readFile(cacheFile());
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  } catch {
    return undefined;
  }
}

export async function writeCachedEmptyDataDir(dataDir: ArrayBuffer): Promise<void> {
  const file = cacheFile();
  try {
    await mkdir(cacheDir(), { recursive: true });
    // Write then rename: a concurrent run never reads half a file.
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, new Uint8Array(dataDir));
    await rename(temp, file);
  } catch {
    // No cache: the next run pays for initdb again, nothing else changes.
  }
}
