// The trend read: for the migrations of a report, the steps history recorded for them (per engine,
// migration and direction, the last TREND_RUNS runs, oldest first) as plain data the HTML reporter
// draws sparklines from (report/reporters/html.ts). Read-only: it never writes to the store.
import type { Report } from '../report/report.ts';
import type { HistoryRow, HistoryStore } from './store.ts';

/** How many past runs a trend reaches back. */
export const TREND_RUNS = 30;

export interface TrendPoint {
  /** ISO time the run started (the report's `startedAt`). */
  at: string;
  durationMs: number;
  /** Rows the step inserted, updated or deleted (0 when not known). */
  rowsChanged: number;
  /** The step's status: success, error, timeout. */
  status: string;
}

export interface MigrationTrend {
  migration: string;
  direction: string;
  engine: string;
  /** Oldest first. */
  points: TrendPoint[];
}

/** What the HTML reporter is given: the trends, or why there are none. */
export type TrendHistory = MigrationTrend[] | { unavailable: string };

export interface TrendKey {
  engine: string;
  migration: string;
  direction: string;
}

const keyOf = (k: TrendKey) => JSON.stringify([k.engine, k.migration, k.direction]);

/** The change migrations of a report, per target's engine, each once. */
export function trendKeys(report: Report): TrendKey[] {
  const keys = new Map<string, TrendKey>();
  for (const target of report.targets) {
    for (const step of target.steps) {
      if (step.phase !== 'change') continue;
      const key = { engine: target.engine, migration: step.migration, direction: step.direction };
      keys.set(keyOf(key), key);
    }
  }
  return [...keys.values()];
}

/**
 * The trends of `keys` from rows in store order (oldest first): skipped steps measured nothing and
 * are left out; of each key the rows of its last `runs` runs are kept.
 */
export function trendsFromRows(rows: readonly HistoryRow[], keys: readonly TrendKey[], runs = TREND_RUNS): MigrationTrend[] {
  const byKey = new Map<string, HistoryRow[]>(keys.map((k) => [keyOf(k), []]));
  for (const row of rows) {
    if (row.status === 'skipped') continue;
    byKey.get(keyOf(row))?.push(row);
  }
  return keys.map((k) => {
    const found = byKey.get(keyOf(k))!;
    const kept = new Set([...new Set(found.map((r) => r.runId))].slice(-runs));
    return {
      migration: k.migration,
      direction: k.direction,
      engine: k.engine,
      points: found.filter((r) => kept.has(r.runId)).map((r) => ({ at: r.recordedAt, durationMs: r.durationMs, rowsChanged: r.rowsChanged ?? 0, status: r.status })),
    };
  });
}

/** Reads the trends of `keys` from an open store (one read per engine). */
export async function readTrends(store: HistoryStore, keys: readonly TrendKey[], runs = TREND_RUNS): Promise<MigrationTrend[]> {
  const rows: HistoryRow[] = [];
  for (const engine of new Set(keys.map((k) => k.engine))) rows.push(...(await store.read({ engine })));
  return trendsFromRows(rows, keys, runs);
}
