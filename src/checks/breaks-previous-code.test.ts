import { describe, expect, it } from 'vitest';
import type { PreviousQueriesEvidence, PreviousQueryFailure, StepEvidence } from '../rehearsal/evidence.ts';
import { breaksPreviousCodeCheck } from './breaks-previous-code.ts';
import { createRegistry, builtinChecks, runChecks } from './registry.ts';
import { context, downStep, step, target } from './test-fixtures.ts';

const previousQueries: PreviousQueriesEvidence = {
  file: 'queries.sql',
  queries: [
    { index: 0, line: 1, text: 'SELECT id, name FROM accounts WHERE id = $1' },
    { index: 1, line: 2, text: 'SELECT account_code, sum(amount_cents) FROM ledger_entries WHERE booked_on >= $1 GROUP BY account_code' },
    { index: 2, line: 4, text: 'SELECT note FROM accounts WHERE id = $1' },
    { index: 3, line: 5, text: 'SELECT total FROM report_cache' },
  ],
  failingBefore: [{ index: 3, message: 'relation "report_cache" does not exist', sqlstate: '42P01' }],
  unchecked: [],
};

const ledgerGone: PreviousQueryFailure = { index: 1, message: 'relation "ledger_entries" does not exist', sqlstate: '42P01' };
const noteGone: PreviousQueryFailure = { index: 2, message: 'column "note" does not exist', sqlstate: '42703' };

function checked(broken: PreviousQueryFailure[], checkedCount = 3): Pick<StepEvidence, 'previousQueries'> {
  return { previousQueries: { checked: checkedCount, broken } };
}

function run(steps: StepEvidence[], engine = 'postgres', evidence: PreviousQueriesEvidence | null = previousQueries) {
  return breaksPreviousCodeCheck.run(context(target({ engine, steps, ...(evidence ? { previousQueries: evidence } : {}) })));
}

describe('breaks-previous-code', () => {
  it('reports a query at the first change step after which it fails, with the file, line and query', () => {
    const findings = run([
      step({ version: '0002', migration: '0002_add_index', ...checked([]) }),
      step({ version: '0003', migration: '0003_move_ledger_to_accounting', ...checked([ledgerGone]) }),
      step({ version: '0004', migration: '0004_more', ...checked([ledgerGone]) }),
    ]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({ severity: 'error', migration: '0003_move_ledger_to_accounting', phase: 'change', table: 'ledger_entries' });
    expect(f!.message).toBe(
      'After 0003_move_ledger_to_accounting, a query of the previous app version fails: relation "ledger_entries" does not exist (queries.sql:2: SELECT account_code, sum(amount_cents) FROM ledger_entries …)',
    );
    expect(f!.message).not.toContain('\n');
    expect(f!.evidence).toEqual({
      file: 'queries.sql',
      line: 2,
      query: previousQueries.queries[1]!.text,
      queryIndex: 1,
      error: 'relation "ledger_entries" does not exist',
      sqlstate: '42P01',
      brokenAfter: '0003_move_ledger_to_accounting',
    });
    expect(f!.advice).toMatch(/CREATE VIEW public\.ledger_entries AS SELECT \* FROM new_schema\.ledger_entries, or … FROM new_name after a rename/);
    expect(f!.advice).toMatch(/search_path/);
    expect(f!.advice).not.toMatch(/old_name/);
    expect(f!.advice).toMatch(/expand\/contract/);
  });

  it('one finding per broken query, each at its own step; nothing when no step broke a query', () => {
    const findings = run([
      step({ version: '0002', migration: '0002_drop_note', ...checked([noteGone]) }),
      step({ version: '0003', migration: '0003_move_ledger', ...checked([ledgerGone, noteGone]) }),
    ]);
    expect(findings.map((f) => [f.migration, f.evidence.queryIndex])).toEqual([
      ['0003_move_ledger', 1],
      ['0002_drop_note', 2],
    ]);
    const column = findings.find((f) => f.evidence.queryIndex === 2)!;
    expect(column.table).toBeUndefined();
    expect(column.advice).toMatch(/no longer reads or writes it/);
    expect(column.message).toBe('After 0002_drop_note, a query of the previous app version fails: column "note" does not exist (queries.sql:4: SELECT note FROM accounts WHERE id = $1)');

    expect(run([step({ ...checked([]) }), step({ version: '0003', migration: '0003_x', ...checked([]) })])).toEqual([]);
  });

  it('a query that compiles again after a later step is a warning naming both steps', () => {
    const [f, ...rest] = run([
      step({ version: '0002', migration: '0002_rename_ledger', ...checked([ledgerGone]) }),
      step({ version: '0003', migration: '0003_old_name_view', ...checked([]) }),
    ]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', migration: '0002_rename_ledger' });
    expect(f!.message).toMatch(/^After 0002_rename_ledger, a query of the previous app version fails until 0003_old_name_view /);
    expect(f!.evidence.compilesAgainAfter).toBe('0003_old_name_view');
  });

  it('looks only at change ups that were checked', () => {
    const findings = run([
      step({ phase: 'trunk', version: '0001', migration: '0001_trunk', ...checked([ledgerGone]) }),
      step({ version: '0002', migration: '0002_unchecked', status: 'error' }),
      downStep({ version: '0002', migration: '0002_unchecked', ...checked([ledgerGone]) }),
      step({ phase: 'reapply', version: '0002', migration: '0002_unchecked', ...checked([ledgerGone]) }),
    ]);
    expect(findings).toEqual([]);
  });

  it('gives the safe alternative in the engine\'s terms', () => {
    const mysqlGone: PreviousQueryFailure = { index: 1, message: "Table 'shop.ledger_entries' doesn't exist", sqlstate: '42S02', errno: 1146 };
    const [onMysql] = run([step({ ...checked([mysqlGone]) })], 'mysql');
    expect(onMysql).toMatchObject({ table: 'ledger_entries', evidence: { errno: 1146, sqlstate: '42S02' } });
    expect(onMysql!.advice).toMatch(/RENAME TABLE/);
    expect(onMysql!.advice).toMatch(/CREATE VIEW ledger_entries AS SELECT \* FROM new_name/);
    expect(onMysql!.advice).not.toMatch(/search_path/);

    const sqliteGone: PreviousQueryFailure = { index: 1, message: 'no such table: ledger_entries' };
    const [onSqlite] = run([step({ ...checked([sqliteGone]) })], 'sqlite');
    expect(onSqlite).toMatchObject({ table: 'ledger_entries' });
    expect(onSqlite!.evidence.sqlstate).toBeUndefined();
    expect(onSqlite!.advice).toMatch(/INSTEAD OF/);
    expect(onSqlite!.advice).toMatch(/CREATE VIEW ledger_entries AS SELECT \* FROM new_name/);

    const sqliteColumn: PreviousQueryFailure = { index: 2, message: 'no such column: note' };
    expect(run([step({ ...checked([sqliteColumn]) })], 'sqlite')[0]!.advice).toMatch(/no longer reads or writes it/);

    const typeChanged: PreviousQueryFailure = { index: 0, message: 'operator does not exist: uuid = integer', sqlstate: '42883' };
    const [other] = run([step({ ...checked([typeChanged]) })]);
    expect(other!.advice).toMatch(/^Change the schema in steps the running code survives \(expand\/contract\)/);
    expect(other!.table).toBeUndefined();
  });

  it('still reports when the target carries no query texts', () => {
    const [f] = run([step({ migration: '0002_change', ...checked([ledgerGone]) })], 'postgres', null);
    expect(f!.message).toBe('After 0002_change, a query of the previous app version fails: relation "ledger_entries" does not exist (the previous queries, query 2)');
  });

  it('is registered: the registry stamps hazard id and docs', () => {
    const registry = createRegistry(builtinChecks);
    expect(registry.get('breaks-previous-code')).toBe(breaksPreviousCodeCheck);
    const findings = runChecks(registry, context(target({ previousQueries, steps: [step({ ...checked([ledgerGone]) })] })));
    expect(findings.filter((f) => f.hazard === 'breaks-previous-code')).toEqual([
      expect.objectContaining({ docs: 'docs/hazards/breaks-previous-code.md', target: 'pglite', severity: 'error' }),
    ]);
  });
});
