import { describe, expect, it } from 'vitest';
import { failsOnDataCheck } from './fails-on-data.ts';
import { context, statement, step, stepError } from './test-fixtures.ts';

const addNotNull = statement({
  index: 1,
  line: 4,
  kind: 'AlterTableStmt',
  summary: 'ALTER TABLE subscriptions ADD COLUMN billing_interval',
});

function failed(overrides: Parameters<typeof step>[0] = {}) {
  return step({
    migration: '0002_add_billing_interval',
    file: 'migrations/0002_add_billing_interval.up.sql',
    status: 'error',
    tablesNamed: ['subscriptions'],
    statements: [statement({ index: 0 }), addNotNull],
    error: stepError({ statementIndex: 1, line: 4, file: 'migrations/0002_add_billing_interval.up.sql' }),
    ...overrides,
  });
}

describe('fails-on-data', () => {
  it('reports an up step that errors, with SQLSTATE, the server message and file:line', () => {
    const [finding, ...rest] = failsOnDataCheck.run(context([failed({ passesOnEmptyDatabase: true })]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', migration: '0002_add_billing_interval', phase: 'change', table: 'subscriptions' });
    expect(finding?.message).toContain('SQLSTATE 23502: column "billing_interval" of relation "subscriptions" contains null values');
    expect(finding?.message).toContain('ALTER TABLE subscriptions ADD COLUMN billing_interval at migrations/0002_add_billing_interval.up.sql:4');
    expect(finding?.message).toContain('passes on an empty database');
    expect(finding?.evidence).toMatchObject({ sqlstate: '23502', line: 4, statementIndex: 1, passesOnEmptyDatabase: true });
    expect(finding?.advice).toMatch(/nullable/);
    expect(finding?.advice).toMatch(/NOT VALID/);
  });

  it('says the migration is broken when it fails on an empty database too', () => {
    const [finding] = failsOnDataCheck.run(context([failed({ passesOnEmptyDatabase: false })]));
    expect(finding?.message).toContain('fails on an empty database too');
    expect(finding?.advice).toMatch(/^The migration fails even without data/);
  });

  it('says nothing about an empty database when that was not tried', () => {
    const [finding] = failsOnDataCheck.run(context([failed()]));
    expect(finding?.message).not.toMatch(/empty database/);
  });

  it.each([
    ['23514', 'check constraint "weight_positive" of relation "shipments" is violated by some row', /NOT VALID.*VALIDATE CONSTRAINT/],
    ['23505', 'could not create unique index "cars_vin_key"', /duplicates.*CONCURRENTLY/],
    ['23503', 'insert or update on table "a" violates foreign key constraint "a_b_fkey"', /orphaned rows/],
    ['22P02', 'invalid input syntax for type integer: "n/a"', /USING/],
  ])('advises by SQLSTATE %s', (sqlstate, message, advice) => {
    const [finding] = failsOnDataCheck.run(context([failed({ error: stepError({ sqlstate, message, statementIndex: 1 }) })]));
    expect(finding?.advice).toMatch(advice);
  });

  it('never copies a data value from the server message', () => {
    const error = stepError({ sqlstate: '22P02', message: 'invalid input syntax for type integer: "secret-42"', statementIndex: 1 });
    const [finding] = failsOnDataCheck.run(context([failed({ error })]));
    expect(JSON.stringify(finding)).not.toContain('secret-42');
  });

  it('says statements before the failure stay applied when the file ran without a transaction', () => {
    const [finding] = failsOnDataCheck.run(context([failed({ transaction: 'none', leftDirty: true })]));
    expect(finding?.message).toContain('the statement before it (line 1) ran without a transaction and stays applied');
    expect(finding?.advice).toMatch(/keep one DDL statement per migration file/);
    expect(finding?.message).toContain('tracking table is left dirty');
  });

  it('covers trunk and reapply ups too, and says which', () => {
    const findings = failsOnDataCheck.run(context([failed({ phase: 'trunk' }), failed({ phase: 'reapply' })]));
    expect(findings.map((f) => f.phase)).toEqual(['trunk', 'reapply']);
    expect(findings[1]?.message).toContain('when reapplied after the rollback');
  });

  it('does not report successful steps, timeouts (slow-step) or downs (downgrade-fails)', () => {
    const steps = [
      step(),
      failed({ status: 'timeout', error: undefined }),
      failed({ direction: 'down', phase: 'rollback' }),
      failed({ status: 'skipped', error: undefined }),
    ];
    expect(failsOnDataCheck.run(context(steps))).toEqual([]);
  });

  it('names no table when the step names several', () => {
    const [finding] = failsOnDataCheck.run(context([failed({ tablesNamed: ['a', 'b'] })]));
    expect(finding?.table).toBeUndefined();
  });
});
