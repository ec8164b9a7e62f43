import { describe, expect, it } from 'vitest';
import { slowStepCheck } from './slow-step.ts';
import { context, statement, step } from './test-fixtures.ts';

const backfill = statement({ index: 1, line: 5, kind: 'UpdateStmt', summary: 'UPDATE patches', durationMs: 363_000 });

describe('slow-step', () => {
  it('reports a step over the step limit, naming its slowest statement', () => {
    const s = step({ durationMs: 364_000, statements: [statement({ index: 0, durationMs: 1_000 }), backfill] });
    const [finding, ...rest] = slowStepCheck.run(context([s]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', migration: '0002_change', phase: 'change' });
    expect(finding?.message).toBe(
      '0002_change takes 6 min 4 s on the dataset, over the 1 min step limit (stepDurationMs); slowest statement: UPDATE patches (line 5), 6 min 3 s',
    );
    expect(finding?.evidence).toMatchObject({ durationMs: 364_000, stepDurationMs: 60_000 });
    expect(finding?.advice).toMatch(/batch/i);
  });

  it('does not fire at exactly the step limit', () => {
    const s = step({ durationMs: 60_000, statements: [statement({ durationMs: 60_000 })] });
    expect(slowStepCheck.run(context([s]))).toEqual([]);
  });

  it('reports a statement longer than a proxy idle timeout (the Patchwork story)', () => {
    const s = step({ durationMs: 364_000, statements: [backfill] });
    const findings = slowStepCheck.run(context([s], { idleTimeoutMs: 300_000, stepDurationMs: 3_600_000 }));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toBe(
      'UPDATE patches (line 5) runs 6 min 3 s: a proxy that cuts connections idle for 5 min (idleTimeoutMs) drops the connection while it waits, failing the migration mid-way',
    );
    expect(findings[0]?.evidence).toMatchObject({ exceeded: ['idleTimeoutMs'], idleTimeoutMs: 300_000, statementTimeoutMs: null });
    expect(findings[0]?.advice).toMatch(/bypasses the proxy/);
  });

  it('names both limits when a statement exceeds statement_timeout and the idle timeout', () => {
    const s = step({ durationMs: 364_000, statements: [backfill] });
    const limits = { statementTimeoutMs: 120_000, idleTimeoutMs: 300_000, stepDurationMs: 3_600_000 };
    const [finding] = slowStepCheck.run(context([s], limits));
    expect(finding?.evidence.exceeded).toEqual(['statementTimeoutMs', 'idleTimeoutMs']);
    expect(finding?.message).toContain("production's statement_timeout of 2 min (statementTimeoutMs) cancels it and a proxy");
  });

  it('does not fire for a statement exactly at a timeout, nor when no timeout is set', () => {
    const s = step({ statements: [statement({ durationMs: 300_000 })] });
    expect(slowStepCheck.run(context([s], { idleTimeoutMs: 300_000 }))).toEqual([]);
    expect(slowStepCheck.run(context([s]))).toEqual([]);
  });

  it('reports a cancelled step, in any phase', () => {
    const running = statement({ index: 0, line: 2, kind: 'UpdateStmt', summary: 'UPDATE patches', status: 'timeout', durationMs: 1_800_000 });
    const up = step({ status: 'timeout', durationMs: 1_800_400, statements: [running] });
    const down = step({ status: 'timeout', durationMs: 1_800_400, statements: [running], phase: 'rollback', direction: 'down' });
    const findings = slowStepCheck.run(context([up, down]));
    expect(findings).toHaveLength(2);
    expect(findings[0]?.message).toBe(
      '0002_change (up) was cancelled after 30 min (stepTimeoutMs 30 min) without finishing, during UPDATE patches (line 2); in production it would run at least that long',
    );
    expect(findings[1]?.phase).toBe('rollback');
  });

  it('takes per-migration limits', () => {
    const s = step({ durationMs: 120_000, statements: [statement({ durationMs: 120_000 })] });
    expect(slowStepCheck.run(context([s], {}, { '0002_change': { stepDurationMs: 180_000 } }))).toEqual([]);
  });

  it('does not gate durations outside the change phase', () => {
    const s = step({ phase: 'trunk', durationMs: 600_000 });
    expect(slowStepCheck.run(context([s]))).toEqual([]);
  });

  it('advises running maintenance outside the deploy', () => {
    const s = step({ durationMs: 90_000, statements: [statement({ kind: 'VacuumStmt', summary: 'VACUUM FULL patches', durationMs: 90_000 })] });
    expect(slowStepCheck.run(context([s]))[0]?.advice).toMatch(/outside the deploy/);
  });

  it('judges a step and its statements at production size when it is known', () => {
    const stmt = statement({ index: 0, kind: 'UpdateStmt', summary: 'UPDATE patches', durationMs: 4_000, rowsProcessed: 200_000 });
    const s = step({ durationMs: 4_100, statements: [stmt] });
    expect(slowStepCheck.run(context([s], { idleTimeoutMs: 300_000 }))).toEqual([]);
    s.predicted = {
      basis: 'production-rows',
      exponent: 1,
      factor: 17.5,
      tables: { patches: { dataset: 100_000, production: 1_750_000, ratio: 17.5 } },
      durationMs: 70_100,
      statements: [{ index: 0, durationMs: 70_000 }],
      locks: [],
      rowsChanged: 1_750_000,
    };
    const [step_, ...rest] = slowStepCheck.run(context([s], { idleTimeoutMs: 60_000 }));
    expect(step_?.message).toMatch(/takes 4\.1 s on the dataset and about 1 min 10 s ×17\.5 at production size \(patches: 1,750,000 rows vs 100,000 in the dataset; linear growth assumed\), over the 1 min step limit/);
    expect(step_?.evidence).toMatchObject({ durationMs: 4_100, predictedDurationMs: 70_100, basis: 'production size' });
    expect(rest[0]?.message).toMatch(/UPDATE patches .* runs 4 s on the dataset and about 1 min 10 s .*idle for 1 min/);
  });
});
