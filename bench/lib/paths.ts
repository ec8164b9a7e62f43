import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/ */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository: the working directory of every child process, where bin/rehearse.js and package.json are. */
export const ROOT = resolve(BENCH_DIR, '..');
