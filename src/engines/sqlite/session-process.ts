// The main thread's handle on one session process (`session-process.mjs`): request/reply over
// IPC, and `kill()`, which stops whatever statement the process is running.
import { fork, type ChildProcess } from 'node:child_process';
import { EnvironmentError } from '../../errors.ts';
import type { OperationName, Reply, SessionOperations } from './protocol.ts';
import { deserializeError } from './sqlite-errors.ts';

const PROCESS_URL = new URL('./session-process.mjs', import.meta.url);

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class SessionProcess {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  /** Set once the process is gone: every later call rejects with it. */
  #gone: Error | undefined;
  readonly #exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(
    /** What it serves, for messages. */
    readonly label: string,
  ) {
    // `advanced` serialization carries bigint and Buffer values as they are; execArgv is empty so
    // the process starts without the main thread's flags (a TypeScript loader it does not need).
    this.child = fork(PROCESS_URL, [], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    this.child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    // What the process says on stderr is kept for the message if it dies; it never keeps the program alive.
    (this.child.stderr as { unref?(): void } | null)?.unref?.();
    this.child.on('message', (reply: Reply) => this.#settle(reply));
    this.#exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        const how = signal ? `was killed (${signal})` : `exited (code ${code})`;
        this.#fail(new EnvironmentError('ENGINE_FAILED', `the SQLite session process of ${label} ${how}${stderr ? `: ${stderr.trim()}` : ''}`));
        resolve();
      });
    });
    this.child.on('error', (error) => this.#fail(new EnvironmentError('ENGINE_FAILED', `the SQLite session process of ${label} failed: ${error.message}`, { cause: error })));
    this.#unref();
  }

  call<O extends OperationName>(op: O, args: SessionOperations[O]['args']): Promise<SessionOperations[O]['value']> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    // Keep the program alive only while a request is in flight: a session nobody closed must not
    // keep a finished program from exiting.
    if (this.#pending.size === 0) this.#ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, op, args }, (error) => {
        if (error) this.#reject(id, new EnvironmentError('ENGINE_FAILED', `cannot reach the SQLite session process of ${this.label}: ${error.message}`));
      });
    });
  }

  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /** Kills the process (and the statement it runs); requests in flight reject with `inFlight`. Resolves once it is gone. */
  async kill(inFlight: Error): Promise<void> {
    if (!this.#gone) {
      this.#gone = inFlight;
      this.#rejectAll(inFlight);
      this.child.kill('SIGKILL');
    }
    await this.#untilExit();
  }

  /** Closes the connection and lets the process end; kills it if it does not within `graceMs`. */
  async close(gone: Error, graceMs = 2000): Promise<void> {
    if (this.#gone) return this.#untilExit();
    const closing = this.call('close', {}).catch(() => undefined);
    const timer = setTimeout(() => void this.kill(gone), graceMs);
    await closing;
    await this.#untilExit();
    clearTimeout(timer);
  }

  /** Waits for the process to end, keeping the program alive meanwhile (an unref'd child would not). */
  async #untilExit(): Promise<void> {
    this.child.ref();
    await this.#exited;
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#unref();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(deserializeError(reply.error));
  }

  #reject(id: number, error: Error): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#unref();
    pending.reject(error);
  }

  #fail(error: Error): void {
    if (!this.#gone) this.#gone = error;
    this.#rejectAll(error);
  }

  #rejectAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#unref();
    for (const request of pending) request.reject(error);
  }

  #ref(): void {
    this.child.ref();
    (this.child.channel as { ref?(): void } | undefined)?.ref?.();
  }

  #unref(): void {
    this.child.unref();
    (this.child.channel as { unref?(): void } | undefined)?.unref?.();
  }
}
