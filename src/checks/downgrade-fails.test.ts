import { describe, expect, it } from 'vitest';
import { downgradeFailsCheck } from './downgrade-fails.ts';
import { context, downStep, statement, step, stepError } from './test-fixtures.ts';

const readd = statement({ index: 0, line: 1, summary: 'ALTER TABLE customers ADD COLUMN fax_number' });

function failedDown(overrides: Parameters<typeof downStep>[0] = {}) {
  return downStep({
    migration: '0002_drop_fax_number',
    file: 'migrations/0002_drop_fax_number.down.sql',
    status: 'error',
    tablesNamed: ['customers'],
    statements: [readd],
    error: stepError({
      message: 'column "fax_number" of relation "customers" contains null values',
      file: 'migrations/0002_drop_fax_number.down.sql',
      line: 1,
      statementIndex: 0,
    }),
    ...overrides,
  });
}

describe('downgrade-fails', () => {
  it('reports a down that errors with data present', () => {
    const [finding, ...rest] = downgradeFailsCheck.run(context([failedDown()]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', migration: '0002_drop_fax_number', phase: 'rollback', table: 'customers' });
    expect(finding?.message).toContain('SQLSTATE 23502');
    expect(finding?.message).toContain('migrations/0002_drop_fax_number.down.sql:1');
    expect(finding?.message).toContain('cannot be rolled back');
    expect(finding?.evidence).toMatchObject({ sqlstate: '23502', file: 'migrations/0002_drop_fax_number.down.sql', line: 1 });
    // A NOT NULL failure gets the specific recipe before the general rule.
    expect(finding?.advice).toMatch(/^Re-add dropped columns nullable or with a default/);
    expect(finding?.advice).toContain('rehearse');
  });

  it('gives the general rule for other failures', () => {
    const error = stepError({ sqlstate: '42P01', message: 'relation "customers_fax" does not exist' });
    const [finding] = downgradeFailsCheck.run(context([failedDown({ error })]));
    expect(finding?.advice).toMatch(/^The down must reverse the up on a database that holds data/);
  });

  it('does not report successful downs or failing ups', () => {
    expect(downgradeFailsCheck.run(context([failedDown({ status: 'success', error: undefined })]))).toEqual([]);
    expect(downgradeFailsCheck.run(context([step({ status: 'error', error: stepError() })]))).toEqual([]);
  });
});
