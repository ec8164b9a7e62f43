// Reading a project's JS/TS migrations the way each tool finds and orders them:
//
// - knex (lib/migrations/migrate/sources/fs-migrations.js, knex 3.x): every file directly in each
//   `migrations.directory` (default `./migrations`, relative to the knexfile) whose extension is in
//   `loadExtensions` (default .co .coffee .eg .iced .js .cjs .litcoffee .ls .ts), sorted by file
//   name over all directories (lodash sortBy: code-unit order), or directory by directory with
//   `sortDirsSeparately`; knex_migrations records the file name, extension included;
// - kysely (FileMigrationProvider / kysely-ctl's provider, kysely 0.28): every .js .mjs .cjs .ts
//   .mts .cts file (not .d.ts) in the folder (default `migrations`, kysely-ctl's) that exports an
//   `up` function (itself or its default export); the name is the file name without extension,
//   sorted with `Array.prototype.sort` (code-unit order); other files are skipped silently;
// - node-pg-migrate (migration.ts `getMigrationFilePaths`, node-pg-migrate 9): every file in `dir`
//   (default `migrations`) whose name does not match `ignorePattern` (default dotfiles), ordered by
//   numeric prefix (17 digits read as a UTC time, `20240101120000000`), then by name (numeric,
//   punctuation ignored); `.sql` files are SQL migrations; the name is the file name without
//   extension; each file's `shorthands` add to the earlier ones'.
//
// Migration.version / versionNumber: the names' leading digits when every name has them, unique
// and in the tool's order (timestamps, `001_…`); otherwise the 1-based position in the tool's order,
// with the whole name as `version`.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.ts';
import { displayPath } from '../golang-migrate.ts';
import { importMigrationModule, loadTool, migrationExports, prop } from './load.ts';
import { importWithTool, sqlActions } from './node-pg-migrate.ts';
import type { JsMigration, JsMigrationList, JsTool, KnexSettings, KyselySettings, ListJsMigrationsOptions, NodePgMigrateSettings } from './types.ts';

/** knex's DEFAULT_LOAD_EXTENSIONS. */
export const KNEX_LOAD_EXTENSIONS = ['.co', '.coffee', '.eg', '.iced', '.js', '.cjs', '.litcoffee', '.ls', '.ts'];
const KYSELY_FILE = /^(?!.*\.d\.[cm]?ts$).*\.(?:js|mjs|cjs|ts|mts|cts)$/;
const KNEXFILES = ['knexfile.js', 'knexfile.cjs', 'knexfile.mjs', 'knexfile.ts', 'knexfile.cts', 'knexfile.mts'];

export async function readJsMigrations(tool: JsTool, opts: ListJsMigrationsOptions): Promise<JsMigrationList> {
  const projectDir = path.resolve(opts.projectDir);
  switch (tool) {
    case 'knex':
      return readKnex(projectDir, opts);
    case 'kysely':
      return readKysely(projectDir, opts);
    case 'node-pg-migrate':
      return readNodePgMigrate(projectDir, opts);
  }
}

interface Found {
  /** Absolute path. */
  file: string;
  /** The name the tool records. */
  trackingName: string;
  /** The name without extension: Migration.id. */
  id: string;
  source: string;
}

function invalid(message: string): never {
  throw new InputError('MIGRATIONS_INVALID', message);
}

async function filesIn(dir: string, what: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') invalid(`${what} ${displayPath(dir)} does not exist`);
    throw error;
  }
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------- knex

async function readKnex(projectDir: string, opts: ListJsMigrationsOptions): Promise<JsMigrationList> {
  const notes: string[] = [];
  let config = opts.config;
  let configDir = projectDir;
  if (!config) {
    const knexfile = KNEXFILES.map((name) => path.join(projectDir, name)).find((file) => existsSync(file));
    if (knexfile) {
      config = await loadKnexfile(knexfile, opts.environment, notes);
      configDir = path.dirname(knexfile);
    } else {
      notes.push(`no knexfile in ${displayPath(projectDir)}: knex's defaults (./migrations, knex_migrations)`);
      config = {};
    }
  }
  const settings = knexSettings(config, configDir, opts.migrationsDir ? path.resolve(projectDir, opts.migrationsDir) : undefined);
  if (prop(config, 'migrations') && prop(prop(config, 'migrations'), 'migrationSource') !== undefined && !opts.migrationsDir) {
    invalid('the knex config sets a custom migrations.migrationSource, which rehearse cannot read: give the migrations directory instead');
  }

  const found: (Found & { directory: string })[] = [];
  for (const directory of settings.migrations.directory) {
    const names = await filesIn(directory, 'knex migrations directory');
    const ordered = settings.migrations.sortDirsSeparately ? [...names].sort() : names;
    for (const name of ordered) {
      if (!settings.migrations.loadExtensions.includes(path.extname(name))) continue;
      const file = path.join(directory, name);
      found.push({ file, directory, trackingName: name, id: name.slice(0, name.length - path.extname(name).length), source: await readFile(file, 'utf8') });
    }
  }
  if (!settings.migrations.sortDirsSeparately) found.sort((a, b) => byCodeUnits(a.trackingName, b.trackingName));
  duplicates(found.map((f) => f.trackingName), 'knex records migrations by file name');
  if (found.length === 0) invalid(`no knex migrations in ${settings.migrations.directory.map(displayPath).join(', ')} (extensions ${settings.migrations.loadExtensions.join(' ')})`);

  const migrations: JsMigration[] = [];
  for (const f of found) {
    const content = await loadForListing(f.file, () => importMigrationModule(f.file));
    const own = prop(prop(content, 'config'), 'transaction');
    const transaction = typeof own === 'boolean' ? own : !settings.migrations.disableTransactions;
    migrations.push({
      ...base('knex', f, projectDir, typeof content.down === 'function'),
      knex: { ...settings, ...(typeof own === 'boolean' ? { transaction: own } : {}) },
      ...(transaction ? {} : { noTransaction: noTransaction(typeof own === 'boolean' ? 'its config.transaction is false' : "the knexfile's migrations.disableTransactions") }),
    });
  }
  return finish('knex', migrations, projectDir, notes);
}

async function loadKnexfile(file: string, environment: string | undefined, notes: string[]): Promise<Record<string, unknown>> {
  let config: unknown;
  try {
    // knex's CLI: the module, its default export, called when it is a function.
    const namespace = await importMigrationModule(file);
    config = namespace.default !== undefined ? namespace.default : namespace;
    if (prop(config, 'default') !== undefined && prop(config, 'client') === undefined) config = prop(config, 'default');
    if (typeof config === 'function') config = await (config as () => unknown)();
  } catch (error) {
    throw new InputError('MIGRATIONS_INVALID', `cannot load ${displayPath(file)}: ${(error as Error).message}`, { cause: error });
  }
  const env = environment ?? process.env.NODE_ENV ?? 'development';
  const chosen = prop<Record<string, unknown>>(config, env);
  if (chosen && typeof chosen === 'object') {
    notes.push(`knex settings from ${displayPath(file)}, environment ${env}`);
    return chosen;
  }
  // knex's CLI: `allConfigs[environment] || allConfigs`.
  const environments = Object.entries((config ?? {}) as Record<string, unknown>).filter(([, v]) => prop(v, 'client') !== undefined).map(([k]) => k);
  notes.push(
    prop(config, 'client') === undefined && environments.length > 0
      ? `${displayPath(file)} has no environment "${env}" (it has ${environments.join(', ')}): its top level is used, as knex's CLI would`
      : `knex settings from ${displayPath(file)}`,
  );
  return (config ?? {}) as Record<string, unknown>;
}

/** knex's getMergedConfig defaults over the environment's settings; directories resolved from the knexfile's directory. */
export function knexSettings(config: Record<string, unknown>, configDir: string, directoryOverride?: string): KnexSettings {
  const m = (prop<Record<string, unknown>>(config, 'migrations') ?? {}) as Record<string, unknown>;
  const directory = directoryOverride ? [directoryOverride] : toArray(m.directory ?? './migrations').map((d) => path.resolve(configDir, String(d)));
  const client = prop(config, 'client') ?? prop(config, 'dialect');
  return {
    ...(typeof client === 'string' ? { client } : {}),
    ...(typeof config.useNullAsDefault === 'boolean' ? { useNullAsDefault: config.useNullAsDefault } : {}),
    ...(config.searchPath !== undefined ? { searchPath: config.searchPath as string | string[] } : {}),
    ...(config.wrapIdentifier !== undefined ? { wrapIdentifier: config.wrapIdentifier } : {}),
    ...(config.postProcessResponse !== undefined ? { postProcessResponse: config.postProcessResponse } : {}),
    ...(typeof config.version === 'string' ? { version: config.version } : {}),
    migrations: {
      directory,
      loadExtensions: Array.isArray(m.loadExtensions) ? m.loadExtensions.map(String) : KNEX_LOAD_EXTENSIONS,
      sortDirsSeparately: m.sortDirsSeparately === true,
      disableTransactions: m.disableTransactions === true,
      tableName: typeof m.tableName === 'string' ? m.tableName : 'knex_migrations',
      ...(typeof m.schemaName === 'string' && m.schemaName !== '' ? { schemaName: m.schemaName } : {}),
      ...(m.beforeEach !== undefined ? { beforeEach: m.beforeEach } : {}),
      ...(m.afterEach !== undefined ? { afterEach: m.afterEach } : {}),
    },
  };
}

// ---------------------------------------------------------------- kysely

async function readKysely(projectDir: string, opts: ListJsMigrationsOptions): Promise<JsMigrationList> {
  const notes: string[] = [];
  const config = opts.config ?? {};
  const folder = path.resolve(projectDir, opts.migrationsDir ?? (typeof config.migrationFolder === 'string' ? config.migrationFolder : 'migrations'));
  const settings: KyselySettings = {
    disableTransactions: config.disableTransactions === true,
    migrationTableName: typeof config.migrationTableName === 'string' ? config.migrationTableName : 'kysely_migration',
    migrationLockTableName: typeof config.migrationLockTableName === 'string' ? config.migrationLockTableName : 'kysely_migration_lock',
    ...(typeof config.migrationTableSchema === 'string' ? { migrationTableSchema: config.migrationTableSchema } : {}),
    ...(Array.isArray(config.plugins) ? { plugins: config.plugins } : {}),
  };
  if (config.allowUnorderedMigrations === true) notes.push('allowUnorderedMigrations is set: Kysely would also run a new migration named before applied ones; rehearse runs them in name order');

  const found: (Found & { hasDown: boolean })[] = [];
  for (const name of await filesIn(folder, 'kysely migration folder')) {
    if (!KYSELY_FILE.test(name)) continue;
    const file = path.join(folder, name);
    const content = await loadForListing(file, () => importMigrationModule(file));
    if (typeof content.up !== 'function') {
      notes.push(`${displayPath(file)} exports no up function: Kysely's migration provider skips it`);
      continue;
    }
    const id = name.slice(0, name.lastIndexOf('.'));
    found.push({ file, trackingName: id, id, source: await readFile(file, 'utf8'), hasDown: typeof content.down === 'function' });
  }
  duplicates(found.map((f) => f.id), 'Kysely names a migration by its file name without extension');
  found.sort((a, b) => byCodeUnits(a.id, b.id));
  if (found.length === 0) invalid(`no kysely migrations in ${displayPath(folder)}`);
  const migrations = found.map((f): JsMigration => ({ ...base('kysely', f, projectDir, f.hasDown), kysely: settings }));
  return finish('kysely', migrations, projectDir, notes);
}

// ---------------------------------------------------------------- node-pg-migrate

async function readNodePgMigrate(projectDir: string, opts: ListJsMigrationsOptions): Promise<JsMigrationList> {
  const notes: string[] = [];
  const config = opts.config ?? {};
  if (config.useGlob === true) invalid('node-pg-migrate with useGlob is not supported: give the migrations directory');
  const dir = path.resolve(projectDir, opts.migrationsDir ?? (typeof config.dir === 'string' ? config.dir : 'migrations'));
  const ignore = new RegExp(typeof config.ignorePattern === 'string' && config.ignorePattern !== '' ? `^${config.ignorePattern}$` : '^\\..*');
  const schema = toArray(config.schema).filter((s): s is string => typeof s === 'string' && s !== '');
  const settings: Omit<NodePgMigrateSettings, 'shorthands'> = {
    migrationsTable: typeof config.migrationsTable === 'string' ? config.migrationsTable : 'pgmigrations',
    ...(schema.length > 0 ? { schema } : {}),
    ...(typeof config.migrationsSchema === 'string' ? { migrationsSchema: config.migrationsSchema } : {}),
    decamelize: config.decamelize === true,
    singleTransaction: config.singleTransaction !== false,
  };

  const names = (await filesIn(dir, 'node-pg-migrate migrations directory')).filter((name) => !ignore.test(name));
  for (const name of names) {
    if (!/^\d+/.test(name)) invalid(`${displayPath(path.join(dir, name))}: Cannot determine numeric prefix for "${name}" (node-pg-migrate orders migrations by it)`);
  }
  names.sort(compareNodePgMigrateNames);
  if (names.length === 0) invalid(`no node-pg-migrate migrations in ${displayPath(dir)}`);

  const tool = await loadTool('node-pg-migrate', projectDir);
  const migrations: JsMigration[] = [];
  let shorthands: Record<string, unknown> = { ...(prop<Record<string, unknown>>(config, 'typeShorthands') ?? {}) };
  for (const name of names) {
    const file = path.join(dir, name);
    const id = path.basename(name, path.extname(name));
    const source = await readFile(file, 'utf8');
    const isSql = path.extname(name).toLowerCase() === '.sql';
    const actions = isSql ? sqlActions(source) : await loadForListing(file, () => importWithTool(file, tool.module));
    shorthands = { ...shorthands, ...(prop<Record<string, unknown>>(actions, 'shorthands') ?? {}) };
    const down = actions.down;
    migrations.push({
      ...base('node-pg-migrate', { file, id, trackingName: id, source }, projectDir, down !== false),
      nodePgMigrate: { ...settings, shorthands: { ...shorthands }, sql: isSql, downReversesUp: down === undefined },
    });
  }
  return finish('node-pg-migrate', migrations, projectDir, notes);
}

/** node-pg-migrate's compareMigrationFileNames: numeric prefix (17 digits: a UTC time), then locale order. */
export function compareNodePgMigrateNames(a: string, b: string): number {
  return nodePgMigratePrefix(a) - nodePgMigratePrefix(b) || a.localeCompare(b, undefined, { usage: 'sort', numeric: true, sensitivity: 'variant', ignorePunctuation: true });
}

function nodePgMigratePrefix(name: string): number {
  const prefix = /^\d+/.exec(name)?.[0] ?? '';
  if (prefix.length === 17) {
    const [y, mo, d, h, mi, s, ms] = [prefix.slice(0, 4), prefix.slice(4, 6), prefix.slice(6, 8), prefix.slice(8, 10), prefix.slice(10, 12), prefix.slice(12, 14), prefix.slice(14, 17)];
    return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`).valueOf();
  }
  return Number(prefix);
}

// ---------------------------------------------------------------- shared

/** A migration module's exports; a module that does not load is the project's mistake, named. */
async function loadForListing(file: string, load: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  try {
    return migrationExports(await load());
  } catch (error) {
    throw new InputError('MIGRATIONS_INVALID', `${displayPath(file)} does not load: ${(error as Error).message}`, { cause: error });
  }
}

function toArray(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function duplicates(names: string[], why: string): void {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of names) (seen.has(n) ? twice : seen).add(n);
  if (twice.size > 0) invalid(`several migration files are named ${[...twice].join(', ')}: ${why}`);
}

function noTransaction(reason: string): { up: string; down: string } {
  return { up: reason, down: reason };
}

/** The Migration fields every tool shares; versions are filled in by `finish`. */
function base(tool: JsTool, f: Found, projectDir: string, hasDown: boolean): JsMigration {
  const shown = displayPath(f.file);
  const name = f.id.replace(/^\d+[_-]?/, '') || f.id;
  return {
    tool,
    file: f.file,
    projectDir,
    trackingName: f.trackingName,
    version: '',
    versionNumber: 0n,
    versioning: 'prefix',
    name,
    id: f.id,
    up: { path: shown, sql: f.source },
    ...(hasDown ? { down: { path: shown, sql: f.source } } : {}),
  };
}

/** Versions from the names' numeric prefixes when they order the migrations as the tool does, else positions. */
export function assignVersions(migrations: JsMigration[]): 'prefix' | 'position' {
  const prefixes = migrations.map((m) => /^\d+/.exec(m.id)?.[0]);
  const numbers = prefixes.map((p) => (p === undefined ? undefined : BigInt(p)));
  const ordered = numbers.every((n, i) => n !== undefined && (i === 0 || n > numbers[i - 1]!));
  migrations.forEach((m, i) => {
    if (ordered) {
      m.version = prefixes[i]!;
      m.versionNumber = numbers[i]!;
      m.versioning = 'prefix';
    } else {
      m.version = m.id;
      m.versionNumber = BigInt(i + 1);
      m.versioning = 'position';
      m.name = m.id;
    }
  });
  return ordered ? 'prefix' : 'position';
}

async function finish(tool: JsTool, migrations: JsMigration[], projectDir: string, notes: string[]): Promise<JsMigrationList> {
  const scheme = assignVersions(migrations);
  if (scheme === 'position') {
    notes.push(`the ${tool} migrations' names do not all start with distinct numbers in ${tool}'s order: their versions are their positions (1, 2, …)`);
  }
  const loaded = await loadTool(tool, projectDir);
  notes.unshift(loaded.info.note);
  return { migrations, notes };
}
