// Running a command source's commands: each one expanded from its template, given an environment
// describing the scratch database at the sandbox's endpoint, run in the sandbox (or, with
// `{ sandbox: false }`, without one), measured, and — for `list` and `current` — its output read
// the preset's way.
import { InputError, UsageError } from '../../errors.ts';
import { prepareSandbox, type CommandResult, type DatabaseAddress, type Sandbox } from '../../sandbox/index.ts';
import { presetOf, templateFor, type CommandSourceSpec, type CommandTemplate } from './config.ts';
import {
  clientVariables,
  databaseUrl,
  resolveConnection,
  sandboxTarget,
  type CommandConnection,
  type SqlalchemyMysqlDriver,
} from './connection.ts';
import { MissingBaseError, OutputError, type CommandOutput, type CommandVersion } from './presets.ts';
import { expandTemplate, formatArgv, single, TemplateError, type PlaceholderValue } from './template.ts';

/** Where commands run: a sandbox prepared for the run (`prepareCommandSandbox`), or one per call. */
export type CommandSandbox = Sandbox | { sandbox: boolean };

export interface CommandRunOptions {
  /** Kills the command's process tree after this many milliseconds (the result says `timedOut`). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** How much of stdout and of stderr to keep (the end). Default 1 MiB. */
  outputLimitBytes?: number;
}

/** One step: apply `version`, or undo it back to `previous`. */
export interface CommandStep {
  version: string;
  /**
   * The version before it, as `listVersions` gives it (`CommandVersion.previous`); null when it
   * is the first. Needed when the command uses `{previous}`.
   */
  previous?: string | null;
  direction: 'up' | 'down';
}

/** What one step's command did. */
export interface CommandStepResult {
  /** The exit status, or null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The end of each stream (see `truncatedBytes`). */
  stdout: string;
  stderr: string;
  truncatedBytes: { stdout: number; stderr: number };
  /** Peak memory of the command's process tree, in bytes (null where /proc cannot be read). */
  peakRssBytes: number | null;
  /** The argument vector that ran, program first. */
  command: string[];
  /** Why the sandbox's relay could not reach the database, if it failed to (the command only saw its connection close). */
  relayError?: string;
}

/** Prepares the sandbox a rehearsal runs its command-source commands in, one after the other. Dispose it at the end. */
export function prepareCommandSandbox(connection: CommandConnection, options: { sandbox: boolean }): Promise<Sandbox> {
  return prepareSandbox({ database: sandboxTarget(connection), sandbox: options.sandbox });
}

/**
 * The migrations in apply order, with names where the tool gives them and, for each, the version
 * `{previous}` stands for when undoing it. Throws an InputError when the list command fails or
 * prints what the preset cannot read.
 */
export async function listVersions(spec: CommandSourceSpec, connection: CommandConnection, sandbox: CommandSandbox, options: CommandRunOptions = {}): Promise<CommandVersion[]> {
  const preset = presetOf(spec);
  const { result, argv } = await runKey(spec, spec.list, connection, sandbox, {}, options);
  if (result.exitCode !== 0) throw commandFailed(spec.list, argv, result);
  return parsed(spec.list, argv, result, () => preset.parseList(result));
}

/** The database's current version (null: none applied). Throws an InputError like `listVersions`, a UsageError without a `current` command. */
export async function currentVersion(spec: CommandSourceSpec, connection: CommandConnection, sandbox: CommandSandbox, options: CommandRunOptions = {}): Promise<string | null> {
  if (!spec.current) throw new UsageError('USAGE', `the command source has no \`current\` command${spec.preset ? ` (preset ${spec.preset} has none)` : ''}: set command.current`);
  const preset = presetOf(spec);
  const { result, argv } = await runKey(spec, spec.current, connection, sandbox, {}, options);
  if (result.exitCode !== 0 && !preset.currentMayFail?.(result)) throw commandFailed(spec.current, argv, result);
  return parsed(spec.current, argv, result, () => preset.parseCurrent(result));
}

/**
 * Applies or undoes one version. A failing migration is a result (non-zero `exitCode`, its
 * stderr), not an exception; exceptions are for what could not run: a UsageError (no `down`
 * command, a missing `previous`, no such executable or directory), an `INTERRUPTED`
 * EnvironmentError, an EnvironmentError when the sandbox breaks.
 */
export async function runCommandStep(spec: CommandSourceSpec, step: CommandStep, connection: CommandConnection, sandbox: CommandSandbox, options: CommandRunOptions = {}): Promise<CommandStepResult> {
  if (step.direction !== 'up' && step.direction !== 'down') throw new UsageError('USAGE', `a step's direction is up or down, not ${JSON.stringify(step.direction)}`);
  if (typeof step.version !== 'string' || step.version === '' || step.version.includes('\0')) throw new UsageError('USAGE', `invalid version ${JSON.stringify(step.version)} for a command step`);
  const command = step.direction === 'up' ? spec.up : spec.down;
  if (!command) throw new UsageError('USAGE', `the command source cannot undo ${step.version}: it has no \`down\` command${spec.preset ? ` (preset ${spec.preset} has none)` : ''}; set command.down`);
  const preset = presetOf(spec);
  const values: Record<string, PlaceholderValue> = {};
  try {
    values.version = preset.versionValue(step.version);
    if (usesPlaceholder(command, 'previous')) {
      if (step.previous === undefined) {
        throw new UsageError('USAGE', `command.${command.key} uses {previous}, but the step undoing ${step.version} does not say which version comes before it (null for the first)`);
      }
      values.previous = preset.previousValue(step.version, step.previous, spec.base);
    }
  } catch (error) {
    if (error instanceof OutputError || error instanceof MissingBaseError) throw new UsageError('USAGE', `command.${command.key}: ${error.message}`);
    throw error;
  }
  const { result, argv, relayError } = await runKey(spec, command, connection, sandbox, values, options);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    stdout: result.stdout,
    stderr: result.stderr,
    truncatedBytes: result.truncatedBytes,
    peakRssBytes: result.peakRssBytes,
    command: argv,
    ...(relayError && result.exitCode !== 0 ? { relayError } : {}),
  };
}

/**
 * Databases the tool creates beside the scratch database, for the caller to drop with it: Sqitch's
 * MySQL registry (`<database>_sqitch`) where the preset's commands are used.
 */
export function sideDatabases(spec: CommandSourceSpec, connection: CommandConnection): string[] {
  if (spec.preset !== 'sqitch' || connection.engine !== 'mysql') return [];
  const usesRegistry = [spec.up, spec.down, spec.current].some((command) => command?.fromPreset);
  return usesRegistry ? [`${resolveConnection(connection).database}_sqitch`] : [];
}

/**
 * The environment of a command-source command with the database at `endpoint` (where the command
 * connects; undefined for SQLite): the preset's variables, the configuration's, then the
 * connection's — DATABASE_URL in the tool's dialect, PG* or MYSQL_*, and the tool's own
 * (SQITCH_TARGET, OS_DATABASE__CONNECTION).
 */
export function commandEnvironment(
  spec: CommandSourceSpec,
  connection: CommandConnection,
  endpoint: DatabaseAddress | undefined,
  sqlalchemyMysqlDriver: SqlalchemyMysqlDriver = 'mysqldb',
): Record<string, string> {
  const preset = presetOf(spec);
  const resolved = resolveConnection(connection);
  const at = resolved.engine === 'sqlite' ? undefined : endpoint;
  const env: Record<string, string> = { ...spec.env, ...clientVariables(resolved, at) };
  env.DATABASE_URL = databaseUrl(resolved, at, preset.urlDialect === 'sqitch' ? 'generic' : preset.urlDialect, sqlalchemyMysqlDriver);
  if (preset.name === 'sqitch') env.SQITCH_TARGET = databaseUrl(resolved, at, 'sqitch');
  if (preset.name === 'nova-manage') env.OS_DATABASE__CONNECTION = env.DATABASE_URL;
  return env;
}

function usesPlaceholder(command: CommandTemplate, name: string): boolean {
  const templates = [command.template, ...Object.values(command.byEngine ?? {})];
  return templates.some((template) => template.args.some((arg) => arg.some((part) => 'placeholder' in part && part.placeholder === name)));
}

interface KeyRun {
  result: CommandResult;
  argv: string[];
  relayError: string | undefined;
}

async function runKey(
  spec: CommandSourceSpec,
  command: CommandTemplate,
  connection: CommandConnection,
  sandbox: CommandSandbox,
  values: Record<string, PlaceholderValue>,
  options: CommandRunOptions,
): Promise<KeyRun> {
  const resolved = resolveConnection(connection);
  const template = templateFor(command, resolved.engine);
  let argv: string[];
  try {
    argv = expandTemplate(template, { ...values, python: single(spec.python), database: single(resolved.database) });
  } catch (error) {
    if (error instanceof TemplateError) throw new UsageError('USAGE', `command.${command.key}: ${error.message}`);
    throw error;
  }
  return withSandbox(connection, sandbox, async (box) => {
    const driver = resolved.engine === 'mysql' ? await sqlalchemyDriver(spec, box, options) : undefined;
    const env = commandEnvironment(spec, connection, box.endpoint, driver);
    const result = await box.run({ command: argv[0]!, args: argv.slice(1), cwd: spec.cwd, env, ...runOptions(options) });
    return { result, argv, relayError: box.relayError };
  });
}

function runOptions(options: CommandRunOptions): Pick<CommandRunOptions, 'timeoutMs' | 'signal' | 'outputLimitBytes'> {
  return {
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.outputLimitBytes !== undefined ? { outputLimitBytes: options.outputLimitBytes } : {}),
  };
}

async function withSandbox<T>(connection: CommandConnection, sandbox: CommandSandbox, fn: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  if (isSandbox(sandbox)) return fn(sandbox);
  const prepared = await prepareCommandSandbox(connection, sandbox);
  try {
    return await fn(prepared);
  } finally {
    await prepared.dispose();
  }
}

function isSandbox(sandbox: CommandSandbox): sandbox is Sandbox {
  return typeof (sandbox as Sandbox).run === 'function';
}

/** The interpreters asked which SQLAlchemy MySQL driver they have: `python\0PATH\0cwd` → driver. */
const drivers = new Map<string, Promise<SqlalchemyMysqlDriver>>();

/** Asks the preset's interpreter (in the sandbox, with the command's environment) for MySQLdb, then PyMySQL. */
async function sqlalchemyDriver(spec: CommandSourceSpec, sandbox: Sandbox, options: CommandRunOptions): Promise<SqlalchemyMysqlDriver> {
  const preset = presetOf(spec);
  if (preset.urlDialect !== 'sqlalchemy') return 'mysqldb';
  if (preset.sqlalchemyMysqlDriver !== 'detect') return preset.sqlalchemyMysqlDriver ?? 'mysqldb';
  const key = `${spec.python}\0${spec.env.PATH ?? ''}\0${spec.cwd}`;
  let driver = drivers.get(key);
  if (!driver) {
    driver = sandbox
      .run({
        command: spec.python,
        args: ['-c', "import importlib.util as u; print('mysqldb' if u.find_spec('MySQLdb') else 'pymysql' if u.find_spec('pymysql') else 'none')"],
        cwd: spec.cwd,
        env: spec.env,
        ...runOptions(options),
      })
      .then((result) => (result.exitCode === 0 && result.stdout.trim() === 'pymysql' ? 'pymysql' : 'mysqldb'));
    drivers.set(key, driver);
    driver.catch(() => drivers.delete(key));
  }
  return driver;
}

function commandFailed(command: CommandTemplate, argv: string[], result: CommandResult): InputError {
  const how = result.timedOut ? `was killed after its timeout (${Math.round(result.durationMs)} ms)` : result.exitCode === null ? `was ended by ${result.signal}` : `exited with status ${result.exitCode}`;
  return new InputError('MIGRATIONS_INVALID', `command.${command.key} \`${formatArgv(argv)}\` ${how}${outputTail(result)}`);
}

function parsed<T>(command: CommandTemplate, argv: string[], result: CommandOutput, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof OutputError)) throw error;
    return fail(`command.${command.key} \`${formatArgv(argv)}\`: ${error.message}${outputTail(result)}`);
  }
}

function fail(message: string): never {
  throw new InputError('MIGRATIONS_INVALID', message);
}

/** The last lines of stderr (else stdout), for a message. */
function outputTail(result: CommandOutput): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n');
  return text ? `:\n${text.length > 3000 ? text.slice(-3000) : text}` : ' (it printed nothing)';
}
