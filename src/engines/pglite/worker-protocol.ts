// The messages between the main thread and `pglite-worker.mjs` (which is plain JavaScript, so
// this file is where their shape is written down and type-checked on the main thread's side).

import type { Row } from '../engine.ts';

export interface WorkerOperations {
  query: { args: { sql: string; params: unknown[] | undefined }; value: { rows: Row[]; rowCount: number | null } };
  exec: { args: { sql: string }; value: null };
  /** `sql` reads `COPY … FROM '/dev/blob'`; `data` is the COPY text. */
  copyFromBlob: { args: { sql: string; data: ArrayBuffer }; value: number };
  /** A tarball of the data directory (`loadDataDir` of a new instance reads it back). */
  dumpDataDir: { args: { compression: 'none' | 'gzip' }; value: ArrayBuffer };
  /** ROLLBACK + DISCARD ALL: leaves the instance as a newly connected session would find it. */
  resetSession: { args: Record<string, never>; value: null };
}

export type OperationName = keyof WorkerOperations;

export interface Request<O extends OperationName = OperationName> {
  id: number;
  op: O;
  args: WorkerOperations[O]['args'];
}

/** The fields of a PostgreSQL error report (or just `message` for anything else). */
export interface SerializedError {
  message: string;
  name?: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
}

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError };

export type StartupMessage = { type: 'ready' } | { type: 'failed'; error: SerializedError };

/** What the worker is started with (`workerData`). */
export interface WorkerStart {
  /** Data directory tarball to start from; a fresh `initdb` when absent. */
  dataDir?: ArrayBuffer;
  /** PGlite's WASM, compiled once per process (saves ~0.3 s per worker). */
  wasm?: { pglite: WebAssembly.Module; initdb: WebAssembly.Module };
}
