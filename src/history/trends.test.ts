import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { step, downStep, target } from '../checks/test-fixtures.ts';
import type { Report } from '../report/report.ts';
import { loadTrends, recordRun } from './run-history.ts';
import { historyLocation } from './store.ts';
import { sampleRow } from './test-rows.ts';
import { trendKeys, trendsFromRows } from './trends.ts';

const dir = mkdtempSync(join(tmpdir(), 'rehearse-trends-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = (startedAt: string, durationMs: number): Report => ({
  schemaVersion: 1,
  rehearseVersion: '0.1.0',
  verdict: 'pass',
  startedAt,
  durationMs: 1_000,
  targets: [target({ steps: [step({ durationMs }), downStep()] })],
  findings: [],
  limits: {},
});

describe('trendKeys / trendsFromRows', () => {
  it('keys the change migrations per engine, once each', () => {
    expect(trendKeys(report('2026-01-01T00:00:00.000Z', 5))).toEqual([{ engine: 'pglite', migration: '0002_change', direction: 'up' }]);
  });

  it('keeps the last N runs of each key, oldest first, without skipped steps or other keys', () => {
    const rows = [
      ...Array.from({ length: 35 }, (_, i) => sampleRow({ runId: `r${i}`, recordedAt: `t${i}`, durationMs: i, rowsChanged: i % 3 === 0 ? null : i })),
      sampleRow({ runId: 'skip', status: 'skipped' }),
      sampleRow({ runId: 'other', engine: 'postgres' }),
      sampleRow({ runId: 'down', direction: 'down' }),
    ];
    const [trend, none] = trendsFromRows(rows, [{ engine: 'pglite', migration: '0002_add', direction: 'up' }, { engine: 'mysql', migration: 'x', direction: 'up' }]);
    expect(trend!.points).toHaveLength(30);
    expect(trend!.points[0]).toEqual({ at: 't5', durationMs: 5, rowsChanged: 5, status: 'success' });
    expect(trend!.points.at(-1)).toEqual({ at: 't34', durationMs: 34, rowsChanged: 34, status: 'success' });
    expect(trend!.points[1]!.rowsChanged).toBe(0); // r6: not known
    expect(none).toEqual({ engine: 'mysql', migration: 'x', direction: 'up', points: [] });
  });
});

describe('loadTrends', () => {
  it('reads back the recorded runs, this one last', async () => {
    const location = historyLocation('h.db', dir);
    for (const [i, ms] of [10, 20, 30].entries()) await recordRun(report(`2026-01-0${i + 1}T00:00:00.000Z`, ms), location, dir, () => undefined);
    const trends = await loadTrends(report('2026-01-03T00:00:00.000Z', 30), location);
    expect(trends).toEqual([
      {
        engine: 'pglite',
        migration: '0002_change',
        direction: 'up',
        points: [10, 20, 30].map((ms, i) => ({ at: `2026-01-0${i + 1}T00:00:00.000Z`, durationMs: ms, rowsChanged: expect.any(Number), status: 'success' })),
      },
    ]);
  });

  it('never throws: an unreadable store gives the reason, without secrets', async () => {
    const failing = async () => {
      throw new Error('connection refused\nmore');
    };
    expect(await loadTrends(report('x', 1), { kind: 'postgres', url: 'postgres://u:secret@127.0.0.1:1/h' }, failing)).toEqual({
      unavailable: 'history could not be read from postgres://u:***@127.0.0.1:1/h: connection refused',
    });
    expect(await loadTrends(report('x', 1), historyLocation('missing.db', dir))).toEqual([{ engine: 'pglite', migration: '0002_change', direction: 'up', points: [] }]);
    expect(await loadTrends(report('x', 1), { kind: 'off' })).toEqual({ unavailable: 'history is off (--no-history)' });
  });
});
