// Thresholds that turn evidence into findings. Defaults follow DESIGN §5; config overrides them
// globally and per migration (by version or by `<version>_<name>`).
import type { HazardId, Severity } from './finding.ts';

export interface Limits {
  /** Longest time other sessions' reads or writes of a table may be blocked (default 1 s). */
  blockingLockMs: number;
  /** Longest a step may take (default 60 s). */
  stepDurationMs: number;
  /** A statement longer than this fails in production (statement_timeout); unset: no limit. */
  statementTimeoutMs?: number;
  /** A proxy or load balancer cuts a connection idle (waiting on one statement) this long; unset: no limit. */
  idleTimeoutMs?: number;
  /** Rows inserted + updated + deleted in one step (default 100,000, turbo-hipster's default). */
  rowsChanged: number;
  /** WAL bytes one step may write (default 1 GiB). */
  walBytes: number;
  /** A step still running after this long is cancelled and reported `timeout` (default 30 min). */
  stepTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  blockingLockMs: 1_000,
  stepDurationMs: 60_000,
  rowsChanged: 100_000,
  walBytes: 1024 ** 3,
  stepTimeoutMs: 30 * 60_000,
};

/** Severity override per hazard; `off` silences a hazard. */
export type SeverityOverrides = Partial<Record<HazardId, Severity | 'off'>>;

/** Resolves the limits in force for one migration. */
export type LimitsFor = (migration: { version: string; id: string }) => Limits;

export function limitsResolver(global: Limits, perMigration: Record<string, Partial<Limits>> = {}): LimitsFor {
  return ({ version, id }) => ({ ...global, ...(perMigration[version] ?? {}), ...(perMigration[id] ?? {}) });
}
