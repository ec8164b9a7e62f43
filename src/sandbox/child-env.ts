// What the command starts with: an environment built from nothing but what the caller gives (no
// secret of rehearse's own environment — CI tokens, cloud credentials — reaches an untrusted
// migration), and the executable found in that environment's PATH, so a wrong command is a
// usage error before anything starts, the same way with and without the sandbox.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';

/** The system directories of a default PATH. */
const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * The PATH a command gets unless the caller sets one: the directory of the Node running rehearse
 * first (so `node` is the same Node, wherever it was installed), then the system directories. It
 * is built from fixed places, not from rehearse's own PATH.
 */
export function defaultPath(): string {
  return [...new Set([dirname(process.execPath), ...SYSTEM_PATH])].join(delimiter);
}

/**
 * The command's whole environment: PATH (`defaultPath()`), HOME (`home`, a private empty
 * directory of the sandbox) and LANG=C.UTF-8, overridden and extended by `given`.
 */
export function childEnvironment(given: Record<string, string>, home: string): Record<string, string> {
  for (const [name, value] of Object.entries(given)) {
    if (name === '' || name.includes('=') || name.includes('\0')) throw new UsageError('USAGE', `invalid environment variable name ${JSON.stringify(name)} for the migration command`);
    if (typeof value !== 'string' || value.includes('\0')) throw new UsageError('USAGE', `environment variable ${name} of the migration command must be a string without NUL characters`);
  }
  return { PATH: defaultPath(), HOME: home, LANG: 'C.UTF-8', ...given };
}

/** Throws a UsageError for an argument that is not a string or holds a NUL (no process can take it). */
export function checkArguments(args: readonly string[]): void {
  for (const arg of args) {
    if (typeof arg !== 'string' || arg.includes('\0')) throw new UsageError('USAGE', `invalid argument ${JSON.stringify(arg)} of the migration command: arguments are strings without NUL characters`);
  }
}

/** Throws a UsageError unless `cwd` is an existing directory. */
export function checkWorkingDirectory(cwd: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch {
    // Reported below, like a file.
  }
  if (!isDirectory) throw new UsageError('USAGE', `the working directory of the migration command does not exist or is not a directory: ${cwd}`);
}

/**
 * The absolute path of `command`: a name with a slash is taken relative to `cwd`, a bare name is
 * looked up in `path` (the command's own PATH). Throws a UsageError when there is no such
 * executable.
 */
export function resolveExecutable(command: string, cwd: string, path: string): string {
  if (command === '') throw new UsageError('USAGE', 'the migration command is empty');
  if (command.includes('/')) {
    const file = isAbsolute(command) ? command : resolve(cwd, command);
    if (isExecutableFile(file)) return file;
    throw new UsageError('USAGE', `cannot run the migration command ${command}: ${file} is not an executable file`);
  }
  for (const dir of path.split(delimiter)) {
    // An empty PATH entry means the current directory, as in a shell.
    const file = join(dir === '' ? cwd : resolve(cwd, dir), command);
    if (isExecutableFile(file)) return file;
  }
  throw new UsageError('USAGE', `cannot run the migration command ${command}: not found in its PATH (${path}); set PATH in its environment or give the full path`);
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
