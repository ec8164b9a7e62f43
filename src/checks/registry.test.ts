import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defineCheck, type Draft } from './check.ts';
import { HAZARD_IDS, type HazardId } from './finding.ts';
import { builtinChecks, createRegistry, docsPath, runChecks } from './registry.ts';
import { context, lock, rewrite, statement, step, stepError, target } from './test-fixtures.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function fixed(id: HazardId, drafts: Draft[]) {
  return defineCheck({ id, title: id, run: () => drafts });
}

const draft = (overrides: Partial<Draft> = {}): Draft => ({ severity: 'error', message: 'm', evidence: {}, advice: 'a', ...overrides });

describe('createRegistry', () => {
  it('refuses two checks with one id', () => {
    expect(() => createRegistry([fixed('slow-step', []), fixed('slow-step', [])])).toThrow(/"slow-step"/);
  });

  it('looks checks up by id', () => {
    const registry = createRegistry([...builtinChecks]);
    expect(registry.get('blocking-lock')?.id).toBe('blocking-lock');
    expect(registry.get('super-linear')?.id).toBe('super-linear');
    expect(registry.get('schema-drift')?.id).toBe('schema-drift');
    expect(createRegistry([]).get('schema-drift')).toBeUndefined();
  });
});

describe('builtinChecks', () => {
  it('have unique, known ids and a docs page each', () => {
    const ids = builtinChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(HAZARD_IDS).toContain(id);
    for (const id of HAZARD_IDS) expect(existsSync(resolve(repoRoot, docsPath(id))), docsPath(id)).toBe(true);
  });
});

describe('runChecks', () => {
  it('stamps hazard, target and docs on every finding', () => {
    const registry = createRegistry([fixed('table-rewrite', [draft({ migration: '0002_x', phase: 'change' })])]);
    const [finding] = runChecks(registry, context(target({ label: 'postgres@db:5432' })));
    expect(finding).toEqual({
      hazard: 'table-rewrite',
      severity: 'error',
      target: 'postgres@db:5432',
      migration: '0002_x',
      phase: 'change',
      message: 'm',
      evidence: {},
      advice: 'a',
      docs: 'docs/hazards/table-rewrite.md',
    });
    expect(Object.keys(finding ?? {}).slice(0, 3)).toEqual(['hazard', 'severity', 'target']);
  });

  it('applies severity overrides and drops hazards turned off', () => {
    const registry = createRegistry([fixed('table-rewrite', [draft()]), fixed('slow-step', [draft()]), fixed('data-loss', [draft({ severity: 'warning' })])]);
    const findings = runChecks(registry, context([]), { 'table-rewrite': 'warning', 'slow-step': 'off', 'data-loss': 'error' });
    expect(findings.map((f) => [f.hazard, f.severity])).toEqual([
      ['data-loss', 'error'],
      ['table-rewrite', 'warning'],
    ]);
  });

  it('sorts errors first, then by phase in scenario order, then by migration', () => {
    const registry = createRegistry([
      fixed('slow-step', [
        draft({ severity: 'warning', phase: 'trunk', migration: '0001_a' }),
        draft({ phase: 'reapply', migration: '0002_b' }),
        draft({ phase: 'change', migration: '0010_c' }),
      ]),
      fixed('downgrade-loses-data', [draft({ phase: 'rollback' }), draft({ severity: 'info' })]),
      fixed('fails-on-data', [draft({ phase: 'change', migration: '0009_d' }), draft({ phase: 'trunk', migration: '0003_e' })]),
    ]);
    const order = runChecks(registry, context([])).map((f) => `${f.severity} ${f.phase ?? '-'} ${f.migration ?? '-'}`);
    expect(order).toEqual([
      'error trunk 0003_e',
      'error change 0009_d',
      'error change 0010_c',
      'error rollback -',
      'error reapply 0002_b',
      'warning trunk 0001_a',
      'info - -',
    ]);
  });

  it('runs the built-in checks over one target', () => {
    const failing = step({ migration: '0003_b', version: '0003', status: 'error', error: stepError() });
    const locking = step({
      statements: [statement({ summary: 'ALTER TABLE patches ALTER COLUMN id TYPE bigint', durationMs: 5_000 })],
      locks: [lock({ heldMs: 5_000 })],
      rewrites: [rewrite()],
    });
    const findings = runChecks(createRegistry([...builtinChecks]), context([locking, failing]), { 'table-rewrite': 'warning' });
    expect(findings.map((f) => `${f.hazard} ${f.severity} ${f.migration}`)).toEqual([
      'blocking-lock error 0002_change',
      'fails-on-data error 0003_b',
      'table-rewrite warning 0002_change',
    ]);
  });
});
