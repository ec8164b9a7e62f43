import { describe, expect, it } from 'vitest';
import { lock, rows, statement, step, target } from '../checks/test-fixtures.ts';
import { predictStep, predictTarget } from './predict.ts';

const dataset = { patches: 100_000, projects: 40 };

describe('predictStep', () => {
  it('scales statements that processed rows by the ratio of the tables they worked on, and the locks held through them', () => {
    const s = step({
      durationMs: 2_100,
      statements: [
        statement({ index: 0, kind: 'AlterTableStmt', durationMs: 1, rowsProcessed: 0 }),
        statement({ index: 1, kind: 'UpdateStmt', durationMs: 2_000, rowsProcessed: 200_000 }),
      ],
      rows: [rows('patches', { read: 100_000, updated: 100_000 })],
      tablesNamed: ['patches'],
      locks: [lock({ relation: 'patches', table: 'patches', statementIndex: 0, heldMs: 2_050, source: 'observed' })],
      walBytes: 50_000_000,
    });
    const p = predictStep(s, dataset, { 'public.patches': 1_750_000 });
    expect(p).toMatchObject({ factor: 17.5, exponent: 1, tables: { patches: { dataset: 100_000, production: 1_750_000, ratio: 17.5 } } });
    expect(p?.statements).toEqual([
      { index: 0, durationMs: 1 },
      { index: 1, durationMs: 35_000 },
    ]);
    expect(p?.durationMs).toBe(2_100 + 33_000);
    expect(p?.locks[0]?.heldMs).toBe(2_050 + 33_000);
    expect(p?.rowsChanged).toBe(1_750_000);
    expect(p?.walBytes).toBe(875_000_000);
  });

  it('keeps catalog-only statements at their measured time, and weights tables by the rows processed in each', () => {
    const s = step({
      durationMs: 1_000,
      statements: [statement({ index: 0, durationMs: 1_000, rowsProcessed: 1_000 })],
      rows: [rows('patches', { read: 900 }), rows('projects', { read: 100 })],
    });
    // patches ×10 for 900 rows, projects ×1 for 100 rows: (9,000 + 100) / 1,000 = 9.1
    expect(predictStep(s, dataset, { patches: 1_000_000, projects: 40 })?.factor).toBe(9.1);
  });

  it('grows a measured blocked window by what the lock behind it grows, or by the step where no table lock explains it', () => {
    const s = step({
      durationMs: 1_010,
      statements: [statement({ index: 0, kind: 'IndexStmt', durationMs: 1_000, rowsProcessed: 100_000 })],
      rows: [rows('patches', { read: 100_000 })],
      locks: [lock({ relation: 'patches', table: 'patches', mode: 'ShareLock', blocks: { reads: false, writes: true }, statementIndex: 0, heldMs: 1_005, source: 'observed' })],
      blocked: [
        { table: 'patches', operation: 'insert', attempts: 40, maxBlockedMs: 990, p99Ms: 990, errors: {}, blockedBy: ['migration'] },
        { table: 'patches', operation: 'read', attempts: 40, maxBlockedMs: 3, p99Ms: 3, errors: {}, blockedBy: [] },
        // No table lock on projects blocks its updates, and the step writes no rows: nothing grows it.
        { table: 'projects', operation: 'update', attempts: 40, maxBlockedMs: 500, p99Ms: 500, errors: {}, blockedBy: ['migration'] },
      ],
    });
    const p = predictStep(s, dataset, { patches: 1_000_000 });
    // The index build grows ×10 (+9 s): the insert window with it; reads were never blocked by ShareLock.
    expect(p?.blocked).toEqual([
      { table: 'patches', operation: 'insert', maxBlockedMs: 9_990 },
      { table: 'patches', operation: 'read', maxBlockedMs: 3 },
      { table: 'projects', operation: 'update', maxBlockedMs: 500 },
    ]);
    // A data statement's row locks are what blocks updates without a table lock: they last as the step does.
    const backfill = { ...s, statements: [...s.statements, statement({ index: 1, kind: 'UpdateStmt', durationMs: 0, rowsProcessed: 0 })] };
    expect(predictStep(backfill, dataset, { patches: 1_000_000 })?.blocked?.at(-1)).toEqual({ table: 'projects', operation: 'update', maxBlockedMs: 9_500 });
  });

  it('does not scale the time a statement waited behind the lock-queue reader', () => {
    const s = step({
      durationMs: 2_600,
      statements: [statement({ index: 0, kind: 'AlterTableStmt', durationMs: 2_500, rowsProcessed: 100_000 })],
      rows: [rows('patches', { read: 100_000 })],
      lockQueue: { tables: ['patches'], holdMs: 2_000, migrationWaitedMs: 2_000, statementIndex: 0, lockTimeoutRetries: 0 },
    });
    // 2 s of waiting stays 2 s; the 0.5 s of work grows ×10.
    expect(predictStep(s, dataset, { patches: 1_000_000 })?.statements).toEqual([{ index: 0, durationMs: 7_000 }]);
  });

  it('predicts nothing when no table of the step has a production size', () => {
    expect(predictStep(step({ tablesNamed: ['comments'] }), dataset, { patches: 1_000_000 })).toBeUndefined();
  });
});

describe('predictTarget', () => {
  it('attaches predictions and records the production sizes and the method', () => {
    const t = target({ steps: [step({ tablesNamed: ['patches'], statements: [statement({ durationMs: 10 })] })] });
    t.dataset.tableRows = dataset;
    predictTarget(t, { patches: 200_000 });
    expect(t.steps[0]?.predicted?.factor).toBe(2);
    expect(t.productionRows).toEqual({ patches: 200_000 });
    expect(t.notes.at(-1)).toMatch(/linearly/);
  });
});
