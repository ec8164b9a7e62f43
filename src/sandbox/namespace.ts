// The sandbox's network namespace: created by `unshare` around the namespace holder (holder.mjs),
// entered by `nsenter` for each command. Whether namespaces can be created is found by trying:
// kernels, container runtimes and distributions (AppArmor, sysctls) differ too much to predict.
//
// A user namespace comes first, even for root: inside it the command has capabilities only over
// its own namespaces, so it cannot setns() back into the host's network (`nsenter -t 1 -n` fails),
// which a root command in a bare network namespace could. Without a user namespace (root only,
// where they are disabled) the isolation is `network`, and the docs say what that gives up.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../errors.ts';
import type { Isolation } from './types.ts';

const HOLDER = fileURLToPath(new URL('./holder.mjs', import.meta.url));
const HOLDER_START_TIMEOUT_MS = 20_000;
const HOLDER_EXIT_TIMEOUT_MS = 3_000;

/**
 * The error for a machine where the sandbox cannot be made: says why, and names the opt-out.
 */
export function sandboxUnavailable(why: string, cause?: unknown): EnvironmentError {
  return new EnvironmentError(
    'SANDBOX_UNAVAILABLE',
    `cannot isolate the migration command from the network: ${why}. The sandbox needs Linux, unshare and nsenter ` +
      '(util-linux), ip (iproute2), and the right to create namespaces (root, or unprivileged user namespaces ' +
      'enabled). --no-sandbox runs the migration command without it, with the whole network of this machine.',
    cause === undefined ? {} : { cause },
  );
}

/** The absolute path of a system tool: in rehearse's PATH or the usual system directories. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export interface NamespaceTools {
  unshare: string;
  nsenter: string;
  ip: string;
}

/** Finds unshare, nsenter and ip, or throws the sandbox-unavailable error naming what is missing. */
export function namespaceTools(): NamespaceTools {
  if (process.platform !== 'linux') throw sandboxUnavailable(`it uses Linux network namespaces, and this is ${process.platform}`);
  const tools = { unshare: findTool('unshare'), nsenter: findTool('nsenter'), ip: findTool('ip') };
  const missing = Object.entries(tools).filter(([, path]) => path === undefined).map(([name]) => name);
  if (missing.length > 0) throw sandboxUnavailable(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed`);
  return tools as NamespaceTools;
}

/** How to start a program inside the namespace. */
export interface Launch {
  file: string;
  args: string[];
  /** Descriptors the launcher needs as its fds 3, 4, …; closed again before the command starts. */
  fds: number[];
}

interface Attempt {
  isolation: Exclude<Isolation, 'none'>;
  flags: string[];
}

type Started = { holder: ChildProcess; port: number | undefined; server: Server | undefined } | { failure: string };

export class NetworkNamespace {
  /** Why the holder is gone, once it is. */
  #gone: string | undefined;
  readonly #exited: Promise<void>;
  #closing: Promise<void> | undefined;

  private constructor(
    private readonly tools: NamespaceTools,
    private readonly holder: ChildProcess,
    readonly isolation: Exclude<Isolation, 'none'>,
    /** The namespace's identity as /proc shows it (`net:[inode]`). */
    readonly id: string,
    /** Open descriptors of the namespaces (net, then user): `nsenter` enters these, not a pid that could be reused. */
    private readonly fds: number[],
    /** For a TCP database: the socket listening on 127.0.0.1:`port` inside the namespace. */
    readonly server: Server | undefined,
    readonly port: number | undefined,
  ) {
    this.#exited = new Promise((resolve) => holder.once('exit', () => resolve()));
    holder.once('exit', (code, signal) => (this.#gone ??= `the sandbox's namespace holder exited unexpectedly (${signal ?? `code ${code}`})`));
    holder.on('error', (error) => (this.#gone ??= `the sandbox's namespace holder failed: ${error.message}`));
  }

  /**
   * A new network namespace with loopback up, held by a process of its own. `database: 'tcp'`
   * also opens a listening socket inside it (`server`, `port`).
   */
  static async create(tools: NamespaceTools, database: 'tcp' | 'socket'): Promise<NetworkNamespace> {
    const attempts: Attempt[] = [{ isolation: 'network+user', flags: ['--user', '--map-root-user', '--net'] }];
    if (process.geteuid?.() === 0) attempts.push({ isolation: 'network', flags: ['--net'] });
    const failures: string[] = [];
    for (const attempt of attempts) {
      const started = await startHolder(tools, attempt.flags, database);
      if ('failure' in started) {
        failures.push(`unshare ${attempt.flags.join(' ')}: ${started.failure}`);
        continue;
      }
      const { holder, server, port } = started;
      const pid = holder.pid!;
      const fds: number[] = [];
      try {
        if (database === 'tcp' && (server === undefined || port === undefined)) throw new Error('the holder sent no listening socket');
        // The holder cannot be reaped (and its pid reused) before the event loop runs again, so
        // these are its namespaces.
        fds.push(openSync(`/proc/${pid}/ns/net`, 'r'));
        if (attempt.isolation === 'network+user') fds.push(openSync(`/proc/${pid}/ns/user`, 'r'));
        const id = readlinkSync(`/proc/${pid}/ns/net`);
        if (id === readlinkSync('/proc/self/ns/net')) throw new Error('the holder is still in rehearse’s own network namespace');
        const namespace = new NetworkNamespace(tools, holder, attempt.isolation, id, fds, server, port);
        // An idle sandbox must not keep a finished program alive; the channel still closes (and
        // the holder cleans up) when rehearse exits.
        holder.unref();
        (holder.channel as { unref?(): void } | null | undefined)?.unref?.();
        server?.unref();
        return namespace;
      } catch (error) {
        for (const fd of fds) closeSync(fd);
        server?.close();
        holder.kill('SIGKILL');
        throw sandboxUnavailable(`cannot open the new namespace: ${(error as Error).message}`, error);
      }
    }
    throw sandboxUnavailable(failures.join('; '));
  }

  /** How to start `file args` with `env` inside the namespace (throws when the namespace is gone). */
  launch(file: string, args: readonly string[], env: Record<string, string>): Launch {
    if (this.#gone !== undefined) throw new EnvironmentError('ENGINE_FAILED', `cannot run ${file} in the sandbox: ${this.#gone}`);
    const enter = ['--net=/proc/self/fd/3'];
    if (this.fds.length > 1) enter.push('--user=/proc/self/fd/4', '--preserve-credentials');
    // nsenter opens its own descriptors from these paths; fds 3 and 4 would stay open in the
    // command, so a shell closes them and execs the command (same pid, so the same process tree).
    // It also drops the PWD it exports (unless the caller gave one), so the command's environment
    // is the same as unsandboxed.
    const script = `${env.PWD === undefined ? 'unset PWD; ' : ''}exec "$@" 3<&- 4<&-`;
    const exec = ['/bin/sh', '-c', script, 'rehearse-sandbox', file, ...args];
    return { file: this.tools.nsenter, args: [...enter, '--', ...exec], fds: [...this.fds] };
  }

  /** The holder's pid: in the namespace, but not part of any command's tree. */
  get holderPid(): number {
    return this.holder.pid!;
  }

  /** Tells the holder to kill whatever is left in the namespace and exit; closes the descriptors. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#gone ??= 'the sandbox was disposed';
    // Keep the program alive until the holder is gone (an unref'd child would not).
    this.holder.ref();
    if (this.holder.exitCode === null && this.holder.signalCode === null) {
      if (this.holder.connected) this.holder.disconnect();
      const timer = setTimeout(() => this.holder.kill('SIGKILL'), HOLDER_EXIT_TIMEOUT_MS);
      await this.#exited;
      clearTimeout(timer);
    }
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }
}

/** Starts the holder under `unshare flags`; resolves once it is ready, or with why it failed. */
function startHolder(tools: NamespaceTools, flags: string[], database: 'tcp' | 'socket'): Promise<Started> {
  // Detached: a terminal's Ctrl-C goes to rehearse, which disposes the sandbox; the holder must
  // not die of it first. Its environment is empty: it needs none.
  const holder = spawn(tools.unshare, [...flags, '--', process.execPath, HOLDER, tools.ip, database], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {},
    detached: true,
  });
  let stderr = '';
  holder.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  return new Promise((resolve) => {
    let settled = false;
    const finish = (started: Started) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      holder.off('message', onMessage);
      if ('failure' in started) {
        if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
        holder.stderr?.destroy();
      } else {
        (holder.stderr as { unref?(): void } | null)?.unref?.();
      }
      resolve(started);
    };
    const onMessage = (message: { type?: string; port?: number; message?: string }, handle: unknown) => {
      if (message.type === 'ready') finish({ holder, port: message.port, server: handle as Server | undefined });
      else if (message.type === 'failed') finish({ failure: message.message ?? 'the namespace holder failed' });
    };
    const timer = setTimeout(() => finish({ failure: `the namespace holder did not start within ${HOLDER_START_TIMEOUT_MS / 1000} s` }), HOLDER_START_TIMEOUT_MS);
    holder.on('message', onMessage);
    holder.once('error', (error) => finish({ failure: error.message }));
    // 'close', not 'exit': by then everything unshare wrote on stderr has been read.
    holder.once('close', (code, signal) => finish({ failure: stderr.trim() || `exited (${signal ?? `code ${code}`}) before the namespace was ready` }));
  });
}
