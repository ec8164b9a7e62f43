// Finds and loads rehearse.config.{ts,mts,js,mjs,yaml,yml}. TS configs are imported with tsx, so
// they work straight from the repository without a build step; JS ones as Node imports them;
// YAML is parsed with its positions kept. All then go through the same env interpolation and schema.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { UsageError } from '../errors.ts';
import { type CommandSourceSpec, resolveCommandSource } from '../migrations/command/index.ts';
import { interpolateEnv } from './env.ts';
import { configError, errorMap, issuesFromZod, placeIssues, type Locate } from './issues.ts';
import { configSchema, type ParsedConfig } from './schema.ts';
import type { ResolvedConfigFile } from './types.ts';
import { parseYamlConfig } from './yaml.ts';

/** Looked for in this order: a TS config wins over a YAML one in the same directory. */
export const CONFIG_FILE_NAMES = [
  'rehearse.config.ts',
  'rehearse.config.mts',
  'rehearse.config.js',
  'rehearse.config.mjs',
  'rehearse.config.yaml',
  'rehearse.config.yml',
] as const;

const TS_EXTENSIONS = ['.ts', '.mts'];
const MODULE_EXTENSIONS = [...TS_EXTENSIONS, '.js', '.mjs'];
const YAML_EXTENSIONS = ['.yaml', '.yml'];

/** The absolute path of the config file in `cwd`, if there is one. */
export function findConfigFile(cwd: string): string | undefined {
  return CONFIG_FILE_NAMES.map((name) => join(cwd, name)).find(isFile);
}

export interface LoadConfigOptions {
  /** Variables for `${NAME}` references (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** Loads and validates a config file; throws UsageError naming the file (and line) on any problem. */
export async function loadConfigFile(path: string, options: LoadConfigOptions = {}): Promise<ResolvedConfigFile> {
  const file = resolve(path);
  const display = displayPath(file);
  const extension = extname(file);
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new UsageError('USAGE', `config file ${display} not found`);
  if (!stat.isFile()) throw new UsageError('USAGE', `config file ${display} is not a file`);

  let source: { data: unknown; locate?: Locate };
  if (YAML_EXTENSIONS.includes(extension)) source = await readYaml(file, display);
  else if (MODULE_EXTENSIONS.includes(extension)) source = { data: await importDefault(file, display) };
  else {
    const known = [...MODULE_EXTENSIONS, ...YAML_EXTENSIONS].join(', ');
    throw new UsageError('USAGE', `config file ${display}: unsupported file type; expected one of ${known}`);
  }

  const { value, issues } = interpolateEnv(source.data, options.env ?? process.env);
  // No `reportInput`: issues would carry the values, and a URL value carries a password.
  const parsed = configSchema.safeParse(value, { error: errorMap });
  if (!parsed.success) issues.push(...issuesFromZod(parsed.error, configSchema));
  if (issues.length > 0 || !parsed.success) throw configError(display, placeIssues(issues, source.locate));
  return resolveConfig(parsed.data, file);
}

async function readYaml(file: string, display: string): Promise<{ data: unknown; locate: Locate }> {
  const yaml = parseYamlConfig(await readFile(file, 'utf8'));
  if (!yaml.ok) throw configError(display, yaml.syntaxErrors);
  return yaml;
}

async function importDefault(file: string, display: string): Promise<unknown> {
  let module: { default?: unknown };
  try {
    const url = pathToFileURL(file).href;
    // Only TypeScript needs tsx. JavaScript is imported as Node imports it, which also keeps
    // `x.mjs` from resolving to a sibling `x.mts` the way tsx's resolver would.
    module = TS_EXTENSIONS.includes(extname(file)) ? await tsImport(url, import.meta.url) : await import(url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError('CONFIG_INVALID', `could not load the config: ${reason}`, { cause: error, location: { file: display } });
  }
  let exported = module.default;
  // A module compiled to CommonJS (a .ts file outside a "type": "module" package, or tsc output)
  // hands its default export over as `default.default`, behind an __esModule marker.
  if (typeof exported === 'object' && exported !== null && (exported as { __esModule?: unknown }).__esModule === true) {
    exported = (exported as { default?: unknown }).default;
  }
  if (exported === undefined) {
    throw new UsageError('CONFIG_INVALID', 'no default export; expected `export default defineConfig({ … })`', {
      location: { file: display },
    });
  }
  return exported;
}

function resolveConfig(config: ParsedConfig, file: string): ResolvedConfigFile {
  const dir = dirname(file);
  const fromConfigDir = (p: string | undefined) => (p === undefined ? undefined : resolve(dir, p));
  const { migrations: perMigration = {}, ...limits } = config.limits ?? {};
  return {
    file,
    migrations: fromConfigDir(config.migrations),
    source: config.source,
    ...(config.command !== undefined ? { command: commandSpec(config.command, dir) } : {}),
    ...(config.sandbox !== undefined ? { sandbox: config.sandbox } : {}),
    engine: config.engine,
    url: config.url,
    dataset: config.dataset && { path: fromConfigDir(config.dataset.path), version: config.dataset.version },
    productionRows: config.productionRows,
    ...(config.targets !== undefined
      ? { targets: config.targets.map((t) => definedOnly({ ...t, dataset: t.dataset && definedOnly({ path: fromConfigDir(t.dataset.path), version: t.dataset.version }) })) }
      : {}),
    ...(config.base !== undefined ? { base: config.base } : {}),
    ...(config.previousQueries !== undefined ? { previousQueries: fromConfigDir(config.previousQueries) } : {}),
    limits: definedOnly(limits),
    perMigrationLimits: Object.fromEntries(Object.entries(perMigration).map(([key, l]) => [key, definedOnly(l)])),
    severity: definedOnly(config.hazards ?? {}),
    ...(config.scale !== undefined ? { scale: config.scale } : {}),
    ...(config.probes !== undefined ? { probes: config.probes } : {}),
    ...(config.lockQueue !== undefined ? { lockQueue: config.lockQueue } : {}),
    json: fromConfigDir(config.json),
    ...(config.reporters !== undefined
      ? { reporters: config.reporters.map((r) => (r.file === undefined ? r : { ...r, file: resolve(dir, r.file) })) }
      : {}),
    ...(config.docsBaseUrl !== undefined ? { docsBaseUrl: config.docsBaseUrl } : {}),
    ...(config.gerritLabel !== undefined ? { gerritLabel: config.gerritLabel } : {}),
    // A path is relative to the config file; a URL stays as written; `true` is the default location.
    ...(config.history === false || typeof config.history === 'string'
      ? { history: typeof config.history === 'string' && !/^postgres(ql)?:\/\//i.test(config.history) ? resolve(dir, config.history) : config.history }
      : {}),
    ...(config.learnedLimits !== undefined ? { learnedLimits: config.learnedLimits } : {}),
  };
}

/** The schema already checked the block: resolving it cannot find a problem. */
function commandSpec(input: unknown, dir: string): CommandSourceSpec {
  const resolved = resolveCommandSource(input, dir);
  if (!resolved.ok) throw new UsageError('CONFIG_INVALID', resolved.problems.join('; '));
  return resolved.spec;
}

// `{ ...DEFAULT_LIMITS, ...limits }` must not let a key that is present but undefined (a TS
// config may write `walBytes: undefined`) erase a default.
function definedOnly<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** The path as messages show it: relative to the current directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel) ? rel : file;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
