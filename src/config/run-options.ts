// What one `rehearse run` does, from the config file and the command line: flags override the
// config, the config overrides defaults. Flag values are checked with the same rules as config
// values; paths from flags are relative to the current directory, paths from the config file to
// the config file's directory (load.ts has already made those absolute).
import { dirname, resolve } from 'node:path';
import { DEFAULT_LIMITS } from '../checks/limits.ts';
import { UsageError } from '../errors.ts';
import { findConfigFile, loadConfigFile, type LoadConfigOptions } from './load.ts';
import { parseShard, pickTargets, resolveTargets } from './targets.ts';
import { shardTargets } from '../report/report.ts';
import { sourceModule } from '../migrations/sources/registry.ts';
import type { RunRequest } from '../rehearsal/run.ts';
import { parseGerritLabel, parseReporterSpec, type ReporterSpec } from '../report/reporters/index.ts';
import { DEFAULT_SCALE_FRACTIONS, type ScaleOption } from '../rehearsal/scale-runs.ts';
import { lockQueueValue } from './schema.ts';
import type { ResolvedConfigFile } from './types.ts';
import { DEFAULT_HISTORY_PATH, historyLocation, type HistoryLocation } from '../history/store.ts';
import { COUNT_EXPECTED, parseCount } from './units.ts';
import { describeValue, type MigrationSource, sourceProblem, urlProblem } from './values.ts';

/** `rehearse run` flags as the CLI parsed them (strings, unchecked). */
export interface CliRunFlags {
  migrations?: string;
  source?: string;
  engine?: string;
  url?: string;
  dataset?: string;
  datasetVersion?: string;
  json?: string;
  /** `TABLE=ROWS,…`, e.g. `patches=1.75M,projects=1200`. */
  productionRows?: string;
  base?: string;
  previousQueries?: string;
  /** `--scale` (true) / `--no-scale` (false); undefined when neither was given. */
  scale?: boolean;
  /** `--probes` (true) / `--no-probes` (false); undefined when neither was given. */
  probes?: boolean;
  /** `--lock-queue` (true), `--lock-queue 10s` (string) or `--no-lock-queue` (false). */
  lockQueue?: boolean | string;
  /** `--reporter NAME[=FILE]`, repeatable: when any is given, they replace the config's `reporters`. */
  reporter?: string[];
  /** `--docs-base-url URL`, over the config's `docsBaseUrl`. */
  docsBaseUrl?: string;
  /** `--gerrit-label NAME`, over the config's `gerritLabel`. */
  gerritLabel?: string;
  /** `--history FILE|URL` (string) or `--no-history` (false). */
  history?: string | false;
  /** `--learned-limits` (true) / `--no-learned-limits` (false). */
  learnedLimits?: boolean;
  /** `--target NAME`, repeatable: only these targets of the config's matrix. */
  target?: string[];
  /** `--shard INDEX/TOTAL`: this worker's share of the targets. */
  shard?: string;
  /** `--no-sandbox` (false): command sources run with the machine's network. */
  sandbox?: boolean;
}

/** What a run needs (`RunRequest`), plus what the command line does around it. */
export interface RunOptions extends RunRequest {
  source: MigrationSource;
  jsonPath?: string;
  /** Git revision of the trunk. */
  base?: string;
  previousQueriesPath?: string;
  /** Absolute path of the config file used, if any. */
  configFile?: string;
  /** Reports to write: the `--reporter` flags if any, else the config's (files relative to cwd resp. the config file). */
  reporters: ReporterSpec[];
  /** Base URL of hazard docs links in reports (the flag, else the config; writeReports falls back to $REHEARSE_DOCS_URL). */
  docsBaseUrl?: string;
  /** The gerrit reporter's label (default Verified). */
  gerritLabel?: string;
  /** Where the run's evidence is recorded (docs/history.md). */
  history: HistoryLocation;
  /** Load learned limits from `history` for migrations the config sets no limit for. */
  learnedLimits: boolean;
}

/** Finds (or takes `--config`), loads and merges: what the CLI calls. */
export async function loadRunOptions(
  flags: CliRunFlags & { config?: string },
  cwd: string,
  options: LoadConfigOptions & { note?: (line: string) => void } = {},
): Promise<RunOptions> {
  const path = flags.config !== undefined ? resolve(cwd, flags.config) : findConfigFile(cwd);
  const file = path === undefined ? undefined : await loadConfigFile(path, options);
  return resolveRunOptions(file, flags, cwd, options.note);
}

export function resolveRunOptions(file: ResolvedConfigFile | undefined, flags: CliRunFlags, cwd: string, note?: (line: string) => void): RunOptions {
  const fromCwd = (p: string | undefined) => (p === undefined ? undefined : resolve(cwd, p));
  // Reporters first: a typo in one is a usage error before anything else is asked for.
  const { reporters, gerritLabel } = reporterOptions(flags, file, cwd);

  const productionRows = flags.productionRows !== undefined ? parseProductionRows(flags.productionRows) : undefined;
  const matrix = resolveTargets(file, { engine: flags.engine, url: flags.url, dataset: flags.dataset, datasetVersion: flags.datasetVersion, productionRows }, cwd, note);
  const picked = flags.target !== undefined && flags.target.length > 0 ? pickTargets(matrix, flags.target) : matrix;
  const shard = flags.shard !== undefined ? parseShard(flags.shard) : undefined;

  const source = (checked('--source', flags.source, sourceProblem) as MigrationSource | undefined) ?? file?.source ?? 'golang-migrate';
  if (source === 'command' && !file?.command) {
    throw new UsageError('USAGE', `source command needs the tool's commands: a command: block in ${file ? file.file : 'rehearse.config.yaml'} (e.g. command: { preset: alembic }; docs/command-sources.md)`);
  }
  const sandbox = flags.sandbox ?? file?.sandbox ?? true;
  const projectDir = file ? dirname(file.file) : cwd;
  return {
    // Each tool has its usual directory (dbmate db/migrations, Prisma prisma/migrations, …).
    migrationsDir: fromCwd(nonEmpty('--migrations', flags.migrations, 'a directory')) ?? file?.migrations ?? defaultMigrationsDir(source, cwd, projectDir),
    source,
    projectDir,
    ...(source === 'command' ? { command: { spec: file!.command!, sandbox } } : {}),
    targets: shard ? shardTargets(picked, shard) : picked,
    matrix: picked.map((t) => t.label),
    ...(shard ? { shard } : {}),
    limits: { ...DEFAULT_LIMITS, ...file?.limits },
    perMigrationLimits: file?.perMigrationLimits ?? {},
    severity: file?.severity ?? {},
    jsonPath: fromCwd(nonEmpty('--json', flags.json, 'a file path')) ?? file?.json,
    scale: resolveScale(flags.scale, file?.scale),
    probes: flags.probes ?? file?.probes ?? true,
    ...lockQueueOption(flags.lockQueue, file?.lockQueue),
    base: nonEmpty('--base', flags.base, 'a git revision') ?? file?.base,
    previousQueriesPath: fromCwd(nonEmpty('--previous-queries', flags.previousQueries, 'a file path')) ?? file?.previousQueries,
    configFile: file?.file,
    reporters,
    docsBaseUrl: nonEmpty('--docs-base-url', flags.docsBaseUrl, 'a URL') ?? file?.docsBaseUrl,
    gerritLabel,
    ...historyOptions(flags, file, cwd),
  };
}

/**
 * Where the migrations are when neither flag nor config says: the SQL tool's usual directory in the
 * current directory; for a JS tool or a command source the project itself, whose tool configuration knows.
 */
function defaultMigrationsDir(source: MigrationSource, cwd: string, projectDir: string): string {
  if (source === 'command' || source === 'knex' || source === 'kysely' || source === 'node-pg-migrate') return projectDir;
  return resolve(cwd, sourceModule(source).defaultDir);
}

/**
 * The reporters and the gerrit label: the flags, else the config. `--reporter` flags replace the
 * config's list whole (a CI job picks its own outputs); a flag's file is relative to the current
 * directory, a config's was made absolute against the config's.
 */
export function reporterOptions(
  flags: Pick<CliRunFlags, 'reporter' | 'gerritLabel'>,
  file: Pick<ResolvedConfigFile, 'reporters' | 'gerritLabel'> | undefined,
  cwd: string,
): { reporters: ReporterSpec[]; gerritLabel?: string } {
  const reporters =
    flags.reporter !== undefined && flags.reporter.length > 0
      ? flags.reporter.map((spec) => {
          const parsed = parseReporterSpec(spec);
          return parsed.file === undefined ? parsed : { ...parsed, file: resolve(cwd, parsed.file) };
        })
      : (file?.reporters ?? []);
  const gerritLabel = flags.gerritLabel !== undefined ? parseGerritLabel(flags.gerritLabel) : file?.gerritLabel;
  return gerritLabel === undefined ? { reporters } : { reporters, gerritLabel };
}

/**
 * The history store: `--history`/`--no-history` over the config's `history`, else
 * `.rehearse/history.db` in the current directory. `--learned-limits` needs a store.
 */
export function historyOptions(flags: Pick<CliRunFlags, 'history' | 'learnedLimits'>, file: Pick<ResolvedConfigFile, 'history' | 'learnedLimits'> | undefined, cwd: string): { history: HistoryLocation; learnedLimits: boolean } {
  const value = flags.history ?? file?.history;
  let history: HistoryLocation;
  if (value === false) history = { kind: 'off' };
  else if (value === undefined) history = historyLocation(DEFAULT_HISTORY_PATH, cwd);
  else history = historyLocation(nonEmpty('--history', value, 'a SQLite file path or a postgres:// URL')!, cwd);
  if (history.kind === 'postgres') {
    const problem = urlProblem(history.url);
    if (problem !== undefined) throw usage('--history', problem);
  }
  const learnedLimits = flags.learnedLimits ?? file?.learnedLimits ?? false;
  if (learnedLimits && history.kind === 'off') throw usage('--learned-limits', 'needs a history store: drop --no-history (or history: false)');
  return { history, learnedLimits };
}

/** The flag wins over the config; off unless one of them asks. */
function lockQueueOption(flag: boolean | string | undefined, config: number | false | undefined): { lockQueueMs?: number } {
  if (flag === undefined) return config ? { lockQueueMs: config } : {};
  const parsed = lockQueueValue(flag);
  if ('problem' in parsed) throw new UsageError('USAGE', `--lock-queue: ${parsed.problem}`);
  return parsed.value ? { lockQueueMs: parsed.value } : {};
}

/**
 * `--no-scale` and `scale: false` turn scale runs off; `--scale`, `scale: true` or fractions in the
 * config turn them on (at the config's fractions, if any); otherwise they are automatic.
 */
export function resolveScale(flag: boolean | undefined, config: ResolvedConfigFile['scale']): ScaleOption {
  const fractions = typeof config === 'object' ? config.fractions : [...DEFAULT_SCALE_FRACTIONS];
  if (flag === false || (flag === undefined && config === false)) return { mode: 'off', fractions };
  if (flag === true || config !== undefined) return { mode: 'on', fractions };
  return { mode: 'auto', fractions };
}

/** `patches=1.75M, projects=1200` → `{ patches: 1750000, projects: 1200 }`. */
export function parseProductionRows(text: string): Record<string, number> {
  const flag = '--production-rows';
  const rows = new Map<string, number>();
  for (const pair of text.split(',').map((p) => p.trim())) {
    if (pair === '') continue; // a trailing comma is harmless
    const eq = pair.lastIndexOf('=');
    const table = pair.slice(0, Math.max(eq, 0)).trim();
    const countText = pair.slice(eq + 1).trim();
    if (eq < 0 || table === '') throw usage(flag, `${JSON.stringify(pair)} is not TABLE=ROWS (e.g. patches=1.75M)`);
    const count = parseCount(countText);
    if (count === undefined) throw usage(flag, `${pair}: expected ${COUNT_EXPECTED}, got ${describeValue(countText)}`);
    if (rows.has(table)) throw usage(flag, `table ${table} is given twice`);
    rows.set(table, count);
  }
  if (rows.size === 0) throw usage(flag, `expected TABLE=ROWS pairs like patches=1.75M,projects=1200, got ${describeValue(text)}`);
  return Object.fromEntries(rows);
}

function checked(flag: string, value: string | undefined, problem: (value: string) => string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const message = problem(value);
  if (message !== undefined) throw usage(flag, message);
  return value;
}

function nonEmpty(flag: string, value: string | undefined, expected: string): string | undefined {
  if (value !== undefined && value.trim() === '') throw usage(flag, `expected ${expected}, got ${describeValue(value)}`);
  return value;
}

function usage(flag: string, message: string): UsageError {
  return new UsageError('USAGE', `${flag}: ${message}`);
}
