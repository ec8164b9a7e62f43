import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blocked, rows, statement, step, downStep, target } from '../checks/test-fixtures.ts';
import { EnvironmentError } from '../errors.ts';
import type { Report } from '../report/report.ts';
import { loadLearned, recordRun } from './run-history.ts';
import { datasetHash, gitCommit, historyLocation, rowsFromReport } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'rehearse-history-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(fields: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    rehearseVersion: '0.1.0',
    verdict: 'pass',
    startedAt: '2026-02-01T10:00:00.000Z',
    durationMs: 1_000,
    targets: [
      target({
        steps: [
          step({
            statements: [statement({ durationMs: 30 }), statement({ index: 1, durationMs: 12 })],
            rows: [rows('patches', { inserted: 5, updated: 7, deleted: 1 }), rows('schema_migrations', { updated: 2 })],
            walBytes: 8_192,
            blocked: [blocked({ table: 'patches', operation: 'read', maxBlockedMs: 40 }), blocked({ table: 'patches', operation: 'insert', maxBlockedMs: 900 })],
          }),
          downStep({ status: 'skipped', skippedBecause: 'the up failed' }),
        ],
      }),
    ],
    findings: [],
    limits: {},
    ...fields,
  };
}

describe('rowsFromReport', () => {
  it('records one row per target × step with the run, dataset and the step figures', () => {
    const [up, down] = rowsFromReport(report(), { runId: 'r1', gitCommit: 'c'.repeat(40) });
    expect(up).toEqual({
      runId: 'r1',
      recordedAt: '2026-02-01T10:00:00.000Z',
      gitCommit: 'c'.repeat(40),
      engine: 'pglite',
      serverVersion: 'PostgreSQL 17.5',
      datasetPath: 'datasets/seed.sql',
      datasetVersion: '0001',
      datasetHash: datasetHash('datasets/seed.sql'),
      migration: '0002_change',
      direction: 'up',
      phase: 'change',
      status: 'success',
      durationMs: 50,
      statementMs: 42,
      rowsChanged: 13,
      walBytes: 8_192,
      maxBlockedMs: 900,
      verdict: 'pass',
    });
    expect(down).toMatchObject({ direction: 'down', phase: 'rollback', status: 'skipped', rowsChanged: null, walBytes: null, maxBlockedMs: null });
    expect(datasetHash('a')).toMatch(/^[0-9a-f]{16}$/);
    expect(datasetHash('a')).not.toBe(datasetHash('b'));
  });
});

describe('gitCommit', () => {
  it('is null outside a git repository', async () => {
    expect(await gitCommit(dir)).toBeNull();
  });
});

describe('recordRun / loadLearned', () => {
  it('records a run into a new SQLite store and learns from it', async () => {
    const location = historyLocation('.rehearse/history.db', join(dir, 'p1'));
    const notes: string[] = [];
    for (let i = 0; i < 9; i++) expect(await recordRun(report(), location, dir, (l) => notes.push(l))).toBe(2);
    // 9 runs are fewer than the 10 samples a limit needs.
    expect(await loadLearned(location, 'pglite', (l) => notes.push(l))).toEqual([]);
    await recordRun(report(), location, dir, (l) => notes.push(l));
    const learned = await loadLearned(location, 'pglite', (l) => notes.push(l));
    expect(learned.map((l) => [l.migration, l.direction, l.metric, l.limit, l.samples])).toEqual([
      ['0002_change', 'up', 'rowsChanged', 1_000, 10],
      ['0002_change', 'up', 'walBytes', 16 * 1024 ** 2, 10],
      ['0002_change', 'up', 'stepDurationMs', 1_000, 10],
    ]);
    expect(await loadLearned(location, 'mysql', (l) => notes.push(l))).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('skips recording with one note when better-sqlite3 cannot be loaded, and never throws', async () => {
    const notes: string[] = [];
    const failing = async () => {
      throw new EnvironmentError('ENGINE_FAILED', 'the sqlite engine needs the optional package better-sqlite3, which cannot be loaded (x)');
    };
    expect(await recordRun(report(), historyLocation('h.db', dir), dir, (l) => notes.push(l), failing)).toBe(0);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^rehearse: history not recorded to .*h\.db: better-sqlite3 cannot be loaded \(--no-history turns recording off\)$/);
  });

  it('records nothing for a run without steps or with history off', async () => {
    const notes: string[] = [];
    expect(await recordRun(report({ targets: [], verdict: 'error' }), historyLocation('none.db', dir), dir, (l) => notes.push(l))).toBe(0);
    expect(await recordRun(report(), { kind: 'off' }, dir, (l) => notes.push(l))).toBe(0);
    expect(notes).toEqual([]);
  });

  it('says there is no history yet, and that an unreachable store gives no limits', async () => {
    const notes: string[] = [];
    expect(await loadLearned(historyLocation('nothing-here.db', dir), 'pglite', (l) => notes.push(l))).toEqual([]);
    expect(await loadLearned({ kind: 'postgres', url: 'postgres://u:secret@127.0.0.1:1/h' }, 'pglite', (l) => notes.push(l))).toEqual([]);
    expect(notes[0]).toMatch(/no history at .*nothing-here\.db yet: no learned limits/);
    expect(notes[1]).toMatch(/^rehearse: learned limits not loaded from postgres:\/\/u:\*+@127\.0\.0\.1:1\/h/);
    expect(notes.join('\n')).not.toContain('secret');
  });
});
