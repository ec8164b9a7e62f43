import { describe, expect, it } from 'vitest';
import type { SchemaDriftEvidence } from '../rehearsal/evidence.ts';
import { diffSchemas } from '../schema/diff.ts';
import { schemaDriftCheck } from './schema-drift.ts';
import { column, context, schema, step, tableSchema, target } from './test-fixtures.ts';

const tickets = tableSchema('support_tickets', {
  columns: [column('id', { type: 'bigint', notNull: true }), column('subject', { type: 'varchar(120)', notNull: true })],
});
const hotfixed = tableSchema('support_tickets', {
  ...tickets,
  columns: [tickets.columns[0]!, column('subject', { type: 'varchar(500)', notNull: true })],
  indexes: { ...tickets.indexes, support_tickets_subject_idx: 'CREATE INDEX support_tickets_subject_idx ON public.support_tickets USING btree (subject)' },
});
const migrationsSchema = schema([tickets, tableSchema('schema_migrations')], { views: { open_tickets: 'SELECT 1' } });
const datasetSchema = schema([hotfixed, tableSchema('audit_log'), tableSchema('schema_migrations', { columns: [] })], { views: { open_tickets: 'SELECT 2' } });

function drift(expected = migrationsSchema, actual = datasetSchema): SchemaDriftEvidence {
  return {
    version: '0001',
    reference: 'an empty database migrated to 0001 with the migrations',
    differences: diffSchemas(expected, actual, { expected: 'the migrations', actual: 'the dataset' }),
  };
}

const alterSubject = step({ migration: '0002_support_tickets_subject_collation', version: '0002', tablesNamed: ['public.support_tickets'] });

function run(evidence: SchemaDriftEvidence | undefined, steps = [alterSubject], engine = 'pglite') {
  return schemaDriftCheck.run(context(target({ engine, steps, ...(evidence ? { schemaDrift: evidence } : {}) })));
}

describe('schema-drift', () => {
  it('finds nothing without drift evidence, or when the schemas agree', () => {
    expect(run(undefined)).toEqual([]);
    expect(run(drift(migrationsSchema, migrationsSchema))).toEqual([]);
  });

  it('an error naming the migration of the change that touches the drifted table, one finding per table', () => {
    const findings = run(drift());
    expect(findings.map((f) => [f.severity, f.table ?? '-', f.migration ?? '-', f.phase ?? '-'])).toEqual([
      ['warning', 'audit_log', '-', '-'],
      ['error', 'support_tickets', '0002_support_tickets_subject_collation', 'change'],
      ['warning', '-', '-', '-'],
    ]);
    const tickets = findings[1]!;
    expect(tickets.message).toBe(
      'support_tickets differs from what the migrations build at version 0001: column subject is varchar(500) in the dataset, varchar(120) in the migrations; index support_tickets_subject_idx is in the dataset only: CREATE INDEX support_tickets_subject_idx ON public.support_tickets USING btree (subject); 0002_support_tickets_subject_collation alters it',
    );
    expect(tickets.evidence).toEqual({
      version: '0001',
      reference: 'an empty database migrated to 0001 with the migrations',
      differences: [
        'column support_tickets.subject is varchar(500) in the dataset, varchar(120) in the migrations',
        'index support_tickets_subject_idx on support_tickets is in the dataset only: CREATE INDEX support_tickets_subject_idx ON public.support_tickets USING btree (subject)',
      ],
      schemaDifferences: [
        { kind: 'column', name: 'subject', change: 'changed', attributes: ['type'], expected: 'varchar(120) NOT NULL', actual: 'varchar(500) NOT NULL' },
        {
          kind: 'index',
          name: 'support_tickets_subject_idx',
          change: 'extra',
          actual: 'CREATE INDEX support_tickets_subject_idx ON public.support_tickets USING btree (subject)',
        },
      ],
      touchedBy: ['0002_support_tickets_subject_collation'],
    });
    expect(tickets.advice).toMatch(/codifies the hand-made change/);
    expect(tickets.advice).toMatch(/production's real definition/);
  });

  it('a warning, without phase or migration, for drift the change does not touch; a table only one side has; objects on their own', () => {
    const [audit, , view] = run(drift());
    expect(audit).toMatchObject({ severity: 'warning', table: 'audit_log', evidence: { touchedBy: [] } });
    expect(audit).not.toHaveProperty('phase');
    expect(audit!.message).toBe('audit_log differs from what the migrations build at version 0001: it is in the dataset only');
    expect(audit!.advice).not.toMatch(/production's real definition/);
    expect(view!.message).toBe('view open_tickets differs from what the migrations build at version 0001: it differs: SELECT 2 in the dataset, SELECT 1 in the migrations');
    expect(view).not.toHaveProperty('table');
  });

  it('ignores the tracking table', () => {
    expect(run(drift()).map((f) => f.table)).not.toContain('schema_migrations');
  });

  it('counts only up steps of the change that ran: rollback, reapply and skipped steps do not touch', () => {
    const steps = [
      step({ migration: '0002_a', phase: 'change', status: 'skipped', tablesNamed: ['support_tickets'] }),
      step({ migration: '0002_a', phase: 'rollback', direction: 'down', tablesNamed: ['support_tickets'] }),
      step({ migration: '0002_a', phase: 'reapply', tablesNamed: ['support_tickets'] }),
      step({ migration: '0003_b', phase: 'change', tablesNamed: ['orders'] }),
    ];
    expect(run(drift(), steps).every((f) => f.severity === 'warning')).toBe(true);
  });

  it('names every migration that touches the object; a view is touched by its name', () => {
    const steps = [
      step({ migration: '0002_a', version: '0002', tablesNamed: ['support_tickets'] }),
      step({ migration: '0003_b', version: '0003', tablesNamed: ['"Support_Tickets"', 'open_tickets'] }),
    ];
    const [, tickets, view] = run(drift(), steps);
    expect(tickets).toMatchObject({ severity: 'error', migration: '0002_a', evidence: { touchedBy: ['0002_a', '0003_b'] } });
    expect(tickets!.message).toMatch(/; 0002_a and 0003_b alter it$/);
    expect(view).toMatchObject({ severity: 'error', migration: '0003_b', phase: 'change' });
  });

  it('caps the message at three differences; the evidence keeps them all', () => {
    const wide = tableSchema('support_tickets', {
      columns: ['a', 'b', 'c', 'd', 'e'].map((n) => column(n)),
      indexes: {},
      constraints: {},
    });
    const [finding] = run(drift(schema([]), schema([wide])), []);
    expect(finding!.message).toBe('support_tickets differs from what the migrations build at version 0001: it is in the dataset only');
    const moreColumns = tableSchema('support_tickets', { ...tickets, columns: [...tickets.columns, ...['a', 'b', 'c', 'd'].map((n) => column(n))] });
    const [more] = run(drift(schema([tickets]), schema([moreColumns])), []);
    expect(more!.message).toMatch(/column a is in the dataset only: text; column b is in the dataset only: text; column c is in the dataset only: text; and 1 more difference$/);
    expect(more!.evidence.differences).toHaveLength(4);
  });

  it('advises in the terms of the target engine', () => {
    const [, mysql] = run(drift(), [alterSubject], 'mysql');
    expect(mysql!.advice).toMatch(/MODIFY and CHANGE restate the whole column/);
    const [, sqlite] = run(drift(), [alterSubject], 'sqlite');
    expect(sqlite!.advice).toMatch(/table rebuild/);
  });
});
