import { describe, expect, it } from 'vitest';
import { dataLossCheck } from './data-loss.ts';
import { context, rows, step, target } from './test-fixtures.ts';

// REPLACE INTO courses … : the step names courses only, the cascade deletes enrollments.
const replaceCourses = (overrides: Parameters<typeof step>[0] = {}) =>
  step({
    migration: '0002_real_course_titles',
    tablesNamed: ['courses'],
    rows: [
      rows('courses', { inserted: 13, deleted: 12 }),
      rows('public.enrollments', { deleted: 4_800 }),
      rows('schema_migrations', { deleted: 1, inserted: 1 }),
    ],
    ...overrides,
  });

describe('data-loss', () => {
  it('reports rows deleted from a table the step never names', () => {
    const ctx = context(target({ steps: [replaceCourses()], dataset: { ...target().dataset, tableRows: { enrollments: 60_000 } } }));
    const [finding, ...rest] = dataLossCheck.run(ctx);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', table: 'public.enrollments', migration: '0002_real_course_titles', phase: 'change' });
    expect(finding?.message).toContain('deletes 4,800 rows of public.enrollments (of 60,000 in the dataset), a table its SQL never names');
    expect(finding?.evidence).toMatchObject({ deleted: 4_800, datasetRows: 60_000, tablesNamed: ['courses'] });
    expect(finding?.advice).toMatch(/ON CONFLICT/);
  });

  it('warns about rows updated behind the step (ON DELETE SET NULL, triggers)', () => {
    const s = step({ tablesNamed: ['authors'], rows: [rows('authors', { deleted: 3 }), rows('books', { updated: 40 })] });
    const [finding] = dataLossCheck.run(context([s]));
    expect(finding).toMatchObject({ severity: 'warning', table: 'books' });
    expect(finding?.message).toContain('updates 40 rows of books');
  });

  it('matches named tables case-insensitively and with or without public.', () => {
    const s = step({
      tablesNamed: ['public.Courses', '"Enrollments"'],
      rows: [rows('courses', { deleted: 12 }), rows('public.enrollments', { deleted: 4_800 })],
    });
    expect(dataLossCheck.run(context([s]))).toEqual([]);
  });

  it('keeps tables of other schemas apart', () => {
    const s = step({ tablesNamed: ['enrollments'], rows: [rows('archive.enrollments', { deleted: 1 })] });
    expect(dataLossCheck.run(context([s]))).toHaveLength(1);
  });

  it('ignores inserts, the tracking table, and steps outside change', () => {
    const inserts = step({ tablesNamed: ['courses'], rows: [rows('audit_log', { inserted: 12 })] });
    const tracking = step({ tablesNamed: [], rows: [rows('public.schema_migrations', { deleted: 1, updated: 1 })] });
    const rollback = replaceCourses({ phase: 'rollback', direction: 'down' });
    expect(dataLossCheck.run(context([inserts, tracking, rollback]))).toEqual([]);
  });

  it('ignores a failed step whose transaction rolled its deletes back, but not one that ran without', () => {
    const rolledBack = replaceCourses({ status: 'error' });
    const autocommit = replaceCourses({ status: 'error', transaction: 'none' });
    expect(dataLossCheck.run(context([rolledBack]))).toEqual([]);
    expect(dataLossCheck.run(context([autocommit]))).toHaveLength(1);
  });
});
