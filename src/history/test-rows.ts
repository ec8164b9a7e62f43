// Rows for the history tests.
import type { HistoryRow } from './store.ts';

export function sampleRow(fields: Partial<HistoryRow> = {}): HistoryRow {
  return {
    runId: 'run-1',
    recordedAt: '2026-01-01T00:00:00.000Z',
    gitCommit: null,
    engine: 'pglite',
    serverVersion: '17.4',
    datasetPath: '/p/seed.sql',
    datasetVersion: '0001',
    datasetHash: 'abc',
    migration: '0002_add',
    direction: 'up',
    phase: 'change',
    status: 'success',
    durationMs: 100,
    statementMs: 90,
    rowsChanged: 5000,
    walBytes: 1_000_000,
    maxBlockedMs: null,
    verdict: 'pass',
    ...fields,
  };
}
