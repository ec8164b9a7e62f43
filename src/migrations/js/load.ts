// Loading code for the JS/TS migration tools: the tool itself, from the project's node_modules
// (the copy production runs) or else rehearse's own, and the project's migration modules, the way
// the tools import them (Node's import for JavaScript, tsx for TypeScript).
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError } from '../../errors.ts';
import type { JsTool, JsToolInfo } from './types.ts';

export interface LoadedTool {
  info: JsToolInfo;
  /** The package's ES module namespace (a CommonJS package's `module.exports` is its `default`). */
  module: Record<string, unknown>;
}

const toolCache = new Map<string, Promise<LoadedTool>>();

/** The tool, from the project's node_modules first, falling back to rehearse's own copy. */
export function loadTool(pkg: JsTool, projectDir: string): Promise<LoadedTool> {
  const key = `${pkg}\0${path.resolve(projectDir)}`;
  let loaded = toolCache.get(key);
  if (!loaded) {
    loaded = loadToolUncached(pkg, projectDir);
    loaded.catch(() => toolCache.delete(key));
    toolCache.set(key, loaded);
  }
  return loaded;
}

async function loadToolUncached(pkg: JsTool, projectDir: string): Promise<LoadedTool> {
  const fromProject = findPackageDir(pkg, path.resolve(projectDir));
  const own = fromProject ? undefined : findPackageDir(pkg, path.dirname(fileURLToPath(import.meta.url)));
  const dir = fromProject ?? own;
  if (!dir) {
    throw new InputError(
      'MIGRATIONS_INVALID',
      `${pkg} is not installed in ${projectDir} (no node_modules/${pkg} there or above it): install the project's dependencies (npm ci) before rehearsing its ${pkg} migrations`,
    );
  }
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
  const entry = path.join(dir, packageEntry(manifest));
  const module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  const version = manifest.version ?? 'unknown version';
  const from = fromProject ? 'project' : 'rehearse';
  const note = fromProject
    ? `${pkg} ${version} from the project (${dir})`
    : `${pkg} ${version} from rehearse's own dependencies (${dir}): the project has no node_modules/${pkg}, so its own version may differ`;
  return { info: { package: pkg, version, from, dir, note }, module };
}

interface PackageManifest {
  version?: string;
  main?: string;
  exports?: unknown;
}

/** `node_modules/<pkg>` in `start` or the nearest directory above it that has one. */
export function findPackageDir(pkg: string, start: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', pkg);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The file `import(pkg)` loads: the `exports` entry for `.` under Node's import conditions, else `main`. */
export function packageEntry(manifest: PackageManifest): string {
  const picked = manifest.exports === undefined ? undefined : pickExport(rootExport(manifest.exports));
  return picked ?? manifest.main ?? 'index.js';
}

function rootExport(exports: unknown): unknown {
  if (typeof exports === 'string' || Array.isArray(exports)) return exports;
  if (exports && typeof exports === 'object') {
    const keys = Object.keys(exports);
    // Either a map of subpaths (keys start with '.') or a map of conditions for '.'.
    if (keys.some((k) => k.startsWith('.'))) return (exports as Record<string, unknown>)['.'];
    return exports;
  }
  return undefined;
}

const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

function pickExport(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickExport(t);
      if (picked) return picked;
    }
    return undefined;
  }
  if (target && typeof target === 'object') {
    // Node takes the first key, in the object's order, that names an active condition.
    for (const [condition, value] of Object.entries(target)) {
      if (!IMPORT_CONDITIONS.has(condition)) continue;
      const picked = pickExport(value);
      if (picked) return picked;
    }
  }
  return undefined;
}

const TYPESCRIPT = /\.(?:ts|mts|cts)$/;

const moduleCache = new Map<string, Promise<Record<string, unknown>>>();

/**
 * A migration module's namespace. JavaScript through Node's `import()` (a CommonJS module's
 * `module.exports` is its `default`), TypeScript through tsx (`tsImport`), as kysely-ctl loads
 * them and as knex does once a TypeScript loader is registered. Loaded once per process, as the
 * tools do (Node caches JavaScript modules anyway).
 */
export function importMigrationModule(file: string): Promise<Record<string, unknown>> {
  let loaded = moduleCache.get(file);
  if (!loaded) {
    loaded = importUncached(file);
    loaded.catch(() => moduleCache.delete(file));
    moduleCache.set(file, loaded);
  }
  return loaded;
}

async function importUncached(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (TYPESCRIPT.test(file)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}

/**
 * The object holding `up` (and `down`, `config`, `shorthands`): the namespace itself when it exports
 * `up`, else its `default` (a CommonJS `module.exports`, or `export default { up, down }`).
 */
export function migrationExports(namespace: Record<string, unknown>): Record<string, unknown> {
  if (typeof namespace.up === 'function') return namespace;
  const fallback = namespace.default;
  if (fallback && typeof fallback === 'object' && typeof (fallback as Record<string, unknown>).up === 'function') {
    return fallback as Record<string, unknown>;
  }
  return namespace;
}

/** A value's own property, typed loosely: the tools' modules are untyped JavaScript. */
export function prop<T = unknown>(object: unknown, key: string): T | undefined {
  if (object === null || (typeof object !== 'object' && typeof object !== 'function')) return undefined;
  return (object as Record<string, unknown>)[key] as T | undefined;
}
