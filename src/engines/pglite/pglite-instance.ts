// The main thread's handle on one PGlite worker: request/reply over postMessage, and `stop()`,
// which terminates the thread mid-statement if need be (PGlite cannot cancel a statement).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EnvironmentError } from '../../errors.ts';
import { DatabaseError, toDatabaseError } from '../engine.ts';
import { PGLITE_DIST } from './pglite-package.ts';
import type { OperationName, Reply, SerializedError, StartupMessage, WorkerOperations, WorkerStart } from './worker-protocol.ts';

const WORKER_URL = new URL('./pglite-worker.mjs', import.meta.url);

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class PgliteInstance {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  /** Set once the worker is gone: every later call rejects with it. */
  #gone: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    /** The scratch database it holds, for messages. */
    readonly label: string,
  ) {
    worker.on('message', (reply: Reply) => this.#settle(reply));
    worker.on('error', (error) => this.#fail(new EnvironmentError('ENGINE_FAILED', `PGlite worker of ${label} crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.#fail(new EnvironmentError('ENGINE_FAILED', `PGlite worker of ${label} exited (code ${code})`)));
    worker.unref();
  }

  /** Starts a worker with a fresh or loaded PGlite, and waits until it answers. */
  static async start(label: string, dataDir?: ArrayBuffer): Promise<PgliteInstance> {
    const start: WorkerStart = { dataDir, wasm: await compiledWasm() };
    const worker = new Worker(WORKER_URL, {
      workerData: start,
      transferList: start.dataDir ? [start.dataDir] : [],
      // The worker is plain JavaScript: it needs none of the flags (such as a TypeScript loader) the
      // main thread runs with, and would only start slower with them.
      execArgv: [],
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number) => reject(new EnvironmentError('ENGINE_FAILED', `PGlite worker of ${label} exited while starting (code ${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (message: StartupMessage) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (message.type === 'ready') resolve(new PgliteInstance(worker, label));
        else reject(deserializeError(message.error));
      });
    });
  }

  call<O extends OperationName>(op: O, args: WorkerOperations[O]['args'], transfer: ArrayBuffer[] = []): Promise<WorkerOperations[O]['value']> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    // Keep the process alive only while a request is in flight: a scratch database nobody closed
    // must not keep a finished program from exiting.
    if (this.#pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  get stopped(): boolean {
    return this.#gone !== undefined;
  }

  /**
   * Terminates the worker. Requests in flight reject with `inFlight`, later calls with `afterwards`.
   */
  async stop(inFlight: Error, afterwards: Error): Promise<void> {
    if (this.#gone) return;
    this.#gone = afterwards;
    this.#rejectAll(inFlight);
    await this.worker.terminate();
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(deserializeError(reply.error));
  }

  #fail(error: Error): void {
    if (this.#gone) return;
    this.#gone = error;
    this.#rejectAll(error);
  }

  #rejectAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.worker.unref();
    for (const request of pending) request.reject(error);
  }
}

let compiling: Promise<WorkerStart['wasm']> | undefined;

/** The one WebAssembly function used here (the project's TypeScript libs declare the types, not the global). */
const { WebAssembly: wasmApi } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } };

/** PGlite's WASM modules, compiled once and shared by every worker (a compiled module is cloneable). */
function compiledWasm(): Promise<WorkerStart['wasm']> {
  compiling ??= (async () => {
    const [pglite, initdb] = await Promise.all(
      ['pglite.wasm', 'initdb.wasm'].map(async (file) => wasmApi.compile(await readFile(join(PGLITE_DIST, file)))),
    );
    return { pglite: pglite!, initdb: initdb! };
  })();
  return compiling;
}

function deserializeError(serialized: SerializedError): Error {
  const error = Object.assign(new Error(serialized.message), serialized);
  const normalised = toDatabaseError(error);
  return normalised instanceof DatabaseError ? normalised : error;
}
