// A prepared sandbox: the network namespace, the relay to the scratch database, and a private
// directory (the command's HOME, and the relay's Unix socket when the database is reached by
// one). It exists before any command runs because the command's environment has to name the
// endpoint it connects to; one sandbox serves the commands of a rehearsal one after the other.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { EnvironmentError, UsageError } from '../errors.ts';
import { checkArguments, checkWorkingDirectory, childEnvironment, resolveExecutable } from './child-env.ts';
import { DatabaseRelay } from './database-relay.ts';
import { namespaceTools, NetworkNamespace, sandboxUnavailable } from './namespace.ts';
import { interruptedError, runProcess, type RunningProcess } from './run-process.ts';
import type { CommandResult, CommandSpec, DatabaseAddress, Isolation, SandboxOptions } from './types.ts';

/** The longest Unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

export interface Sandbox {
  /**
   * Where commands must connect for the scratch database: `127.0.0.1:<port>` inside the sandbox
   * for a TCP database, a socket in the sandbox's directory with the same file name
   * (`.s.PGSQL.5432` stays `.s.PGSQL.5432`) for a socket one. Without the sandbox, the database itself.
   */
  readonly endpoint: DatabaseAddress;
  readonly isolation: Isolation;
  /** The commands' HOME: a private directory, empty at first and shared by this sandbox's commands. */
  readonly home: string;
  /**
   * Why the relay last failed to reach the real database, if it did: the command only sees its
   * connection close, so a caller explaining a failed command should say this too.
   */
  readonly relayError: string | undefined;
  /**
   * Runs one command and resolves with what it did and measured, whatever its exit status. Rejects
   * with a UsageError (no such executable or directory), an `INTERRUPTED` EnvironmentError (aborted
   * or disposed meanwhile) or an EnvironmentError (the sandbox broke). One command at a time.
   */
  run(spec: CommandSpec): Promise<CommandResult>;
  /** Kills a command still running and everything left in the namespace, closes the relay, removes the directory. */
  dispose(): Promise<void>;
}

/**
 * Prepares a sandbox for commands that may reach `database` and nothing else (`sandbox: false`:
 * everything, measured the same way). Throws an EnvironmentError naming `--no-sandbox` when this
 * machine cannot make one.
 */
export async function prepareSandbox(options: SandboxOptions): Promise<Sandbox> {
  checkDatabaseAddress(options.database);
  const tools = options.sandbox ? namespaceTools() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'rehearse-sandbox-'));
  const home = join(dir, 'home');
  let namespace: NetworkNamespace | undefined;
  let relay: DatabaseRelay | undefined;
  try {
    await mkdir(home, { mode: 0o700 });
    if (!tools) return new PreparedSandbox(dir, home, options.database, 'none', undefined, undefined);
    const { database } = options;
    relay = new DatabaseRelay(database);
    if ('socketPath' in database) {
      const socketPath = join(dir, basename(database.socketPath));
      if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
        throw sandboxUnavailable(`the relay's socket path ${socketPath} is longer than Unix sockets allow; set TMPDIR to a shorter directory`);
      }
      namespace = await NetworkNamespace.create(tools, 'socket');
      await relay.listenUnix(socketPath);
      return new PreparedSandbox(dir, home, { socketPath }, namespace.isolation, namespace, relay);
    }
    namespace = await NetworkNamespace.create(tools, 'tcp');
    relay.serve(namespace.server!);
    return new PreparedSandbox(dir, home, { host: '127.0.0.1', port: namespace.port! }, namespace.isolation, namespace, relay);
  } catch (error) {
    await relay?.close();
    await namespace?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function checkDatabaseAddress(database: DatabaseAddress): void {
  if ('socketPath' in database) {
    if (!isAbsolute(database.socketPath)) throw new UsageError('USAGE', `the database socket path must be absolute: ${database.socketPath}`);
  } else if (!database.host || !Number.isInteger(database.port) || database.port < 1 || database.port > 65535) {
    throw new UsageError('USAGE', `invalid database address ${database.host}:${database.port}`);
  }
}

class PreparedSandbox implements Sandbox {
  #running: RunningProcess | undefined;
  #disposing: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    readonly home: string,
    readonly endpoint: DatabaseAddress,
    readonly isolation: Isolation,
    private readonly namespace: NetworkNamespace | undefined,
    private readonly relay: DatabaseRelay | undefined,
  ) {}

  get relayError(): string | undefined {
    return this.relay?.lastError;
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    if (this.#disposing) throw new Error('this sandbox was disposed');
    if (this.#running) throw new Error('a sandbox runs one command at a time');
    if (spec.timeoutMs !== undefined && !(spec.timeoutMs > 0)) throw new UsageError('USAGE', `the timeout of the migration command must be positive, not ${spec.timeoutMs}`);
    checkWorkingDirectory(spec.cwd);
    checkArguments(spec.args);
    const env = childEnvironment(spec.env, this.home);
    const file = resolveExecutable(spec.command, spec.cwd, env.PATH ?? '');
    if (spec.signal?.aborted) throw interruptedError(spec.command, spec.signal.reason);
    const launch = this.namespace ? this.namespace.launch(file, spec.args, env) : { file, args: spec.args, fds: [] };
    const running = runProcess(launch, {
      label: spec.command,
      cwd: spec.cwd,
      env,
      timeoutMs: spec.timeoutMs,
      signal: spec.signal,
      outputLimitBytes: spec.outputLimitBytes,
      tree: this.namespace ? { netns: this.namespace.id, exclude: [this.namespace.holderPid] } : {},
    });
    this.#running = running;
    try {
      return { ...(await running.result), databaseEndpoint: this.endpoint };
    } finally {
      this.#running = undefined;
    }
  }

  dispose(): Promise<void> {
    this.#disposing ??= this.#dispose();
    return this.#disposing;
  }

  async #dispose(): Promise<void> {
    const running = this.#running;
    if (running) {
      running.interrupt(new EnvironmentError('INTERRUPTED', 'interrupted: the sandbox was disposed while the migration command ran'));
      await running.result.catch(() => undefined);
    }
    await this.relay?.close();
    await this.namespace?.close();
    // Best effort: a directory the command made unreadable stays behind in the temp dir.
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
