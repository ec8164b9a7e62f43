import { describe, expect, it } from 'vitest';
import { blockingLockCheck } from '../checks/blocking-lock.ts';
import { historyRewrittenCheck } from '../checks/history-rewritten.ts';
import { createRegistry, runChecks } from '../checks/registry.ts';
import { blocked, context, lock, step, target } from '../checks/test-fixtures.ts';
import type { StepEvidence } from '../rehearsal/evidence.ts';
import { predictTarget } from '../rehearsal/predict.ts';
import type { Report } from './report.ts';
import { verdictOf } from './report.ts';
import { renderSummary } from './console-summary.ts';

function reportOf(steps: StepEvidence[]): Report {
  const t = target({ steps });
  const findings = runChecks(createRegistry([blockingLockCheck]), context(t));
  return { schemaVersion: 1, rehearseVersion: '0.0.0', verdict: verdictOf(findings), startedAt: '', durationMs: 1234, targets: [t], findings, limits: {} };
}

describe('renderSummary', () => {
  it('shows each step with its blocking locks, then the findings with advice, then the verdict', () => {
    const text = renderSummary(
      reportOf([step({ migration: '0005_add_hash', durationMs: 4_800, locks: [lock({ relation: 'patches', table: 'patches', mode: 'AccessExclusiveLock', heldMs: 4_800 })] })]),
    );
    expect(text).toMatch(/change\s+0005_add_hash\s+up\s+success\s+4\.8 s\s+patches RW 4\.8 s/);
    expect(text).toContain('error blocking-lock');
    expect(text).toContain('advice:');
    expect(text).toContain('docs: docs/hazards/blocking-lock.md');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^FAIL — 1 error\(s\), 0 warning\(s\)/);
  });

  it('shows measured blocking per table where probes ran, and inferred blocking where they did not', () => {
    const share = lock({ relation: 'patches', table: 'patches', mode: 'ShareLock', blocks: { reads: false, writes: true }, heldMs: 2_300 });
    const projects = lock({ relation: 'projects', table: 'projects', mode: 'AccessExclusiveLock', heldMs: 1_200 });
    const probes = [
      blocked({ operation: 'read', maxBlockedMs: 2_100 }),
      blocked({ operation: 'insert', maxBlockedMs: 2_300 }),
      blocked({ table: 'authors', operation: 'read', maxBlockedMs: 40 }),
    ];
    const text = renderSummary(reportOf([step({ migration: '0007_index', durationMs: 2_400, locks: [share, projects], blocked: probes })]));
    expect(text).toMatch(/0007_index\s+up\s+success\s+2\.4 s\s+patches R 2\.1 s W 2\.3 s \(measured\), projects RW 1\.2 s\s/);

    const quiet = renderSummary(reportOf([step({ migration: '0008_default', durationMs: 9, locks: [lock({ relation: 'patches', table: 'patches', heldMs: 9 })], blocked: [blocked(), blocked({ operation: 'update' })] })]));
    expect(quiet).toMatch(/0008_default\s+up\s+success\s+9 ms\s+none \(measured\)\s/);
  });

  it('shows measured blocking → blocking predicted at production size', () => {
    const s = step({
      migration: '0009_index',
      durationMs: 300,
      statements: [{ index: 0, line: 1, column: 1, kind: 'IndexStmt', summary: 'CREATE INDEX', status: 'success', durationMs: 300, rowsProcessed: 10_000 }],
      rows: [{ table: 'patches', read: 10_000, inserted: 0, updated: 0, deleted: 0 }],
      locks: [lock({ relation: 'patches', table: 'patches', mode: 'ShareLock', blocks: { reads: false, writes: true }, heldMs: 300 })],
      blocked: [blocked({ operation: 'read', maxBlockedMs: 3 }), blocked({ operation: 'insert', maxBlockedMs: 290, blockedBy: ['migration'] })],
    });
    const t = target({ steps: [s] });
    t.dataset.tableRows = { patches: 10_000 };
    predictTarget(t, { patches: 100_000 });
    expect(renderSummary(reportOf(t.steps))).toMatch(/0009_index\s+up\s+success\s+300 ms → 3 s\s+patches W 290 ms → 3 s \(measured\)/);
  });

  it("shows an edited migration's diff under its finding", () => {
    const history = {
      base: 'origin/main',
      baseCommit: 'a'.repeat(40),
      rewritten: [
        {
          migration: '0001_reviews',
          version: '0001',
          change: 'edited' as const,
          appliedBecause: 'dataset' as const,
          files: [{ direction: 'up' as const, basePath: 'origin/main:m/0001_reviews.up.sql', headPath: 'm/0001_reviews.up.sql', change: 'edited' as const, diff: '--- a\n+++ b\n-CHECK (rating <= 5)\n+CHECK (rating <= 10)' }],
        },
      ],
      outOfOrder: [],
      trunk: [],
      change: [],
    };
    const t = target({ history });
    const findings = runChecks(createRegistry([historyRewrittenCheck]), context(t));
    const text = renderSummary({ schemaVersion: 1, rehearseVersion: '0.0.0', verdict: verdictOf(findings), startedAt: '', durationMs: 1, targets: [t], findings, limits: {} });
    expect(text).toContain('error history-rewritten');
    expect(text).toMatch(/has its up file edited by the change.*\n    --- a\n    \+\+\+ b\n    -CHECK \(rating <= 5\)\n    \+CHECK \(rating <= 10\)\n  advice:/);
  });

  it('quiet: the findings and the verdict, without the step table and notes', () => {
    const report = reportOf([step({ migration: '0005_add_hash', durationMs: 4_800, locks: [lock({ relation: 'patches', table: 'patches', mode: 'AccessExclusiveLock', heldMs: 4_800 })] })]);
    const text = renderSummary(report, undefined, { quiet: true });
    expect(text).not.toMatch(/phase\s+migration/);
    expect(text).toContain('error blocking-lock');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^FAIL — 1 error\(s\)/);
  });

  it('says PASS and no findings for a clean run', () => {
    const text = renderSummary(reportOf([step({ migration: '0006_add_column', durationMs: 12, locks: [] })]));
    expect(text).toContain('No findings.');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^PASS/);
  });
});
