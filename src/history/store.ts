// The results store: every `rehearse run` records one row per target × step of its report, so
// `rehearse limits` can learn per-migration limits from history (learn.ts). Two backends share
// this contract: a SQLite file (default `.rehearse/history.db`, sqlite-store.ts) and a table on a
// PostgreSQL server a team's CI workers share (postgres-store.ts). One run is one transaction.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { isTrackingTable } from '../checks/advice.ts';
import { redactUrl } from '../engines/url.ts';
import type { Report } from '../report/report.ts';
import { rowsChanged } from '../rehearsal/rows-changed.ts';

/** One step of one target of one run, as stored. Column names are the snake_case of these. */
export interface HistoryRow {
  runId: string;
  /** ISO time the run started. */
  recordedAt: string;
  gitCommit: string | null;
  engine: string;
  serverVersion: string;
  datasetPath: string;
  datasetVersion: string;
  /** sha256 of the dataset path (first 16 hex digits): groups runs on the same dataset. */
  datasetHash: string;
  /** `<version>_<name>` */
  migration: string;
  direction: string;
  phase: string;
  status: string;
  durationMs: number;
  /** Sum of the step's statement durations. */
  statementMs: number;
  rowsChanged: number | null;
  walBytes: number | null;
  maxBlockedMs: number | null;
  /** The run's verdict: pass, fail or error. */
  verdict: string;
}

export interface HistoryStore {
  /** Where it is, for messages (URLs redacted). */
  readonly location: string;
  /** Appends one run's rows in one transaction. */
  record(rows: HistoryRow[]): Promise<void>;
  /** Every row, oldest first; `engine` filters. */
  read(filter?: { engine?: string }): Promise<HistoryRow[]>;
  close(): Promise<void>;
}

/** Column order shared by both backends. */
export const COLUMNS: readonly (keyof HistoryRow)[] = [
  'runId', 'recordedAt', 'gitCommit', 'engine', 'serverVersion', 'datasetPath', 'datasetVersion', 'datasetHash',
  'migration', 'direction', 'phase', 'status', 'durationMs', 'statementMs', 'rowsChanged', 'walBytes', 'maxBlockedMs', 'verdict',
];

export const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const DEFAULT_HISTORY_PATH = '.rehearse/history.db';

/** Where history goes: a SQLite file or a PostgreSQL URL; `off` when recording is turned off. */
export type HistoryLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string } | { kind: 'off' };

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/** A flag or config value: a PostgreSQL URL, or a file path resolved against `base`. */
export function historyLocation(value: string, base: string): HistoryLocation {
  return isPostgresUrl(value) ? { kind: 'postgres', url: value } : { kind: 'sqlite', path: resolve(base, value) };
}

export function describeLocation(location: HistoryLocation): string {
  if (location.kind === 'postgres') return redactUrl(location.url);
  if (location.kind === 'sqlite') return location.path;
  return 'off';
}

export function datasetHash(path: string): string {
  return createHash('sha256').update(path).digest('hex').slice(0, 16);
}

/** The rows a finished report contributes: one per target × step. */
export function rowsFromReport(report: Report, run: { runId?: string; gitCommit?: string | null } = {}): HistoryRow[] {
  const runId = run.runId ?? randomUUID();
  const rows: HistoryRow[] = [];
  for (const target of report.targets) {
    for (const step of target.steps) {
      const blocked = step.blocked ?? [];
      rows.push({
        runId,
        recordedAt: report.startedAt,
        gitCommit: run.gitCommit ?? null,
        engine: target.engine,
        serverVersion: target.serverVersion,
        datasetPath: target.dataset.path,
        datasetVersion: target.dataset.version,
        datasetHash: datasetHash(target.dataset.path),
        migration: step.migration,
        direction: step.direction,
        phase: step.phase,
        status: step.status,
        durationMs: step.durationMs,
        statementMs: step.statements.reduce((n, s) => n + s.durationMs, 0),
        rowsChanged: step.status === 'skipped' ? null : rowsChanged(step, isTrackingTable),
        walBytes: step.walBytes ?? null,
        maxBlockedMs: blocked.length > 0 ? Math.max(...blocked.map((b) => b.maxBlockedMs)) : null,
        verdict: report.verdict,
      });
    }
  }
  return rows;
}

/** `git rev-parse HEAD` in `cwd`, or null (not a repository, no git, …). */
export function gitCommit(cwd: string): Promise<string | null> {
  return new Promise((done) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5_000 }, (error, stdout) => {
      const sha = String(stdout ?? '').trim();
      done(error || !/^[0-9a-f]{40,64}$/.test(sha) ? null : sha);
    });
  });
}

/** A stored value back to a row's types (drivers return bigints as strings, SQLite nulls as null). */
export function rowFromRecord(record: Record<string, unknown>): HistoryRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return {
    runId: str(record.run_id),
    recordedAt: record.recorded_at instanceof Date ? record.recorded_at.toISOString() : str(record.recorded_at),
    gitCommit: record.git_commit === null || record.git_commit === undefined ? null : String(record.git_commit),
    engine: str(record.engine),
    serverVersion: str(record.server_version),
    datasetPath: str(record.dataset_path),
    datasetVersion: str(record.dataset_version),
    datasetHash: str(record.dataset_hash),
    migration: str(record.migration),
    direction: str(record.direction),
    phase: str(record.phase),
    status: str(record.status),
    durationMs: Number(record.duration_ms),
    statementMs: Number(record.statement_ms),
    rowsChanged: num(record.rows_changed),
    walBytes: num(record.wal_bytes),
    maxBlockedMs: num(record.max_blocked_ms),
    verdict: str(record.verdict),
  };
}

/**
 * Opens the store at `location`. A SQLite store whose file does not exist is created only when
 * `create` is set (recording); reading a missing one yields undefined. Throws when the backend
 * cannot be loaded or reached.
 */
export async function openHistoryStore(location: Exclude<HistoryLocation, { kind: 'off' }>, options: { create: boolean }): Promise<HistoryStore | undefined> {
  if (location.kind === 'postgres') {
    const { openPostgresStore } = await import('./postgres-store.ts');
    return openPostgresStore(location.url);
  }
  const { openSqliteStore } = await import('./sqlite-store.ts');
  return openSqliteStore(location.path, options);
}
