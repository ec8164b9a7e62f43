// Capturing over worker threads (PostgreSQL, whose snapshot other connections can import): the
// main thread hands out tables, largest first, to `jobs` workers; each captures a table on its own
// connection and core, and answers with the table's manifest entry. An error in a worker stops the
// capture with that error, as it would in the main thread.
import { Worker } from 'node:worker_threads';
import { EnvironmentError, InputError, RehearseError, UsageError, type ErrorCode } from '../../errors.ts';
import type { DatasetForeignKey, DatasetTable } from '../dir/manifest.ts';
import type { SharedSnapshot, SourceSnapshot, SourceTable } from './source.ts';
import type { ExportedSelection } from './subset.ts';

/** What every worker needs to plan and capture exactly as the main thread would. */
export interface SharedCapture {
  tables: SourceTable[];
  foreignKeys: DatasetForeignKey[];
  rulesPath?: string;
  key: Uint8Array;
  allowPersonal: boolean;
  /** The leak check's samples of personal source values. */
  samples: string[];
  selection?: Record<string, ExportedSelection>;
}

export interface WorkerSetup {
  snapshot: SharedSnapshot;
  info: SourceSnapshot['info'];
  shared: SharedCapture;
}

export type ToWorker = { type: 'table'; table: string; filePath: string; file: string } | { type: 'finish' };
export type ToMain =
  | { type: 'ready' }
  | { type: 'log'; line: string }
  | { type: 'table'; entry: DatasetTable }
  | { type: 'finished'; found: string[] }
  | { type: 'error'; error: { name: string; code?: string; message: string } };

export interface WorkItem {
  table: string;
  filePath: string;
  file: string;
}

/** Captures `items` over `jobs` workers; resolves with the manifest entries and the leak samples found. */
export async function captureInWorkers(setup: WorkerSetup, jobs: number, items: WorkItem[], log: (line: string) => void): Promise<{ entries: DatasetTable[]; found: string[] }> {
  const queue = [...items];
  const entries: DatasetTable[] = [];
  const found = new Set<string>();
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: Math.min(jobs, items.length) }, () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL('./capture-worker.mjs', import.meta.url), { workerData: setup });
          workers.push(worker);
          const next = () => {
            const item = queue.shift();
            worker.postMessage(item ? ({ type: 'table', ...item } satisfies ToWorker) : ({ type: 'finish' } satisfies ToWorker));
          };
          worker.on('message', (message: ToMain) => {
            if (message.type === 'ready') next();
            else if (message.type === 'log') log(message.line);
            else if (message.type === 'table') {
              entries.push(message.entry);
              next();
            } else if (message.type === 'finished') {
              for (const sample of message.found) found.add(sample);
              resolve();
            } else reject(revive(message.error));
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? resolve() : reject(new EnvironmentError('ENGINE_FAILED', `a capture worker thread stopped (exit ${code})`))));
        }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  }
  return { entries, found: [...found] };
}

/** A worker's error as the class the main thread would have thrown (for exit codes and messages). */
function revive(e: { name: string; code?: string; message: string }): Error {
  const code = e.code as ErrorCode | undefined;
  if (code && e.name === 'UsageError') return new UsageError(code, e.message);
  if (code && e.name === 'InputError') return new InputError(code, e.message);
  if (code && e.name === 'EnvironmentError') return new EnvironmentError(code, e.message);
  if (code) return new RehearseError(code, e.message);
  return new Error(e.message);
}
