// Where the installed PGlite package lives, and its version. Its `exports` map hides
// package.json, so both are found from the resolved entry point (`<package>/dist/index.*`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package's `dist` folder: the entry point and the .wasm files. */
export const PGLITE_DIST = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));

export const PGLITE_VERSION: string = (JSON.parse(readFileSync(join(PGLITE_DIST, '..', 'package.json'), 'utf8')) as { version: string }).version;
