// The sandbox's public shapes: where the scratch database is, the command to run, and what was
// measured. Plain data, so callers can log or serialize them as they are.

/** A database server address: TCP, or a Unix socket file. */
export type DatabaseAddress = { host: string; port: number } | { socketPath: string };

/**
 * How the command is cut off from the network:
 * - `network+user`: a network namespace owned by a new user namespace. Even a command running as
 *   root cannot re-enter the host's network (it has no privilege outside its user namespace).
 * - `network`: a network namespace only (root, where user namespaces are unavailable). A command
 *   running as root could re-enter the host's network namespace on purpose.
 * - `none`: `--no-sandbox`, the command has the machine's network.
 */
export type Isolation = 'network+user' | 'network' | 'none';

export interface SandboxOptions {
  /** Where the scratch database really is (reachable from rehearse's own process). */
  database: DatabaseAddress;
  /** false = `--no-sandbox`: run directly with the network, measured the same way. */
  sandbox: boolean;
}

/** One command to run in a prepared sandbox. */
export interface CommandSpec {
  /** The executable: a name looked up in `env.PATH` (or the default PATH), or a path (relative to `cwd`). */
  command: string;
  args: string[];
  cwd: string;
  /**
   * The ONLY environment the command gets, over a minimal default (PATH, HOME, LANG: see
   * `childEnvironment`). Nothing is inherited from rehearse's environment.
   */
  env: Record<string, string>;
  /** Kills the whole process tree after this many milliseconds; the result says `timedOut`. */
  timeoutMs?: number;
  /** Aborting kills the process tree; `run()` then rejects with an `INTERRUPTED` EnvironmentError. */
  signal?: AbortSignal;
  /** How much of each of stdout and stderr to keep (the last bytes). Default 1 MiB. */
  outputLimitBytes?: number;
}

/** A command to run once in a sandbox of its own: `runSandboxed` prepares and disposes it. */
export interface SandboxedCommand extends Omit<CommandSpec, 'env'>, SandboxOptions {
  /**
   * The command's environment, or a function of the database endpoint the command must use (known
   * only once the sandbox exists), e.g. `(e) => ({ DATABASE_URL: urlFor(e) })`.
   */
  env: Record<string, string> | ((endpoint: DatabaseAddress) => Record<string, string>);
}

export interface CommandResult {
  /** The command's exit status, or null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended the command (`SIGKILL` after a timeout), or null. */
  signal: string | null;
  timedOut: boolean;
  /** From the start of the process to the command's exit, in milliseconds. */
  durationMs: number;
  /** The last `outputLimitBytes` of stdout; when more was written, a first line says how much was dropped. */
  stdout: string;
  stderr: string;
  /** How many bytes were dropped from the start of each stream (0: the text is complete). */
  truncatedBytes: { stdout: number; stderr: number };
  /**
   * Peak resident memory of the process tree (the command and its descendants), in bytes: the
   * largest sum of RSS over the tree at one sample (every 25 ms), or the largest VmHWM of a single
   * process, whichever is higher. A lower bound: see docs/sandbox.md. Null where there is no
   * /proc to read it from (only `--no-sandbox` runs there, e.g. on macOS).
   */
  peakRssBytes: number | null;
  /** What the command had to connect to (inside the sandbox), as the sandbox's `endpoint`. */
  databaseEndpoint: DatabaseAddress;
}
