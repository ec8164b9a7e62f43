import { describe, expect, it } from 'vitest';
import { rows } from '../checks/test-fixtures.ts';
import { tally, withoutProbeActivity, type RowCounts } from './activity.ts';

describe('withoutProbeActivity', () => {
  it('subtracts the probes from the counter deltas, table by table', () => {
    const measured = [rows('accounts', { read: 1_040, updated: 1_000 }), rows('invoices', { read: 80, inserted: 40 })];
    const probes = [rows('accounts', { read: 40, updated: 0 }), rows('invoices', { read: 80, inserted: 40 })];
    expect(withoutProbeActivity(measured, probes)).toEqual([rows('accounts', { read: 1_000, updated: 1_000 })]);
  });

  it('adds up several tallies of the same table and leaves other tables alone', () => {
    const measured = [rows('patches', { inserted: 12, read: 5 }), rows('projects', { deleted: 3 })];
    const probes = [rows('patches', { inserted: 4 }), rows('patches', { inserted: 6, read: 5 })];
    expect(withoutProbeActivity(measured, probes)).toEqual([rows('patches', { inserted: 2 }), rows('projects', { deleted: 3 })]);
  });

  it('never goes below zero', () => {
    expect(withoutProbeActivity([rows('t', { read: 3, updated: 1 })], [rows('t', { read: 5 })])).toEqual([rows('t', { updated: 1 })]);
  });
});

describe('tally', () => {
  it('accumulates counts per key', () => {
    const into = new Map<string, RowCounts>();
    tally(into, '16384', { read: 1, inserted: 1, updated: 0, deleted: 0 });
    tally(into, '16384', { read: 2, inserted: 0, updated: 1, deleted: 0 });
    expect(into.get('16384')).toEqual({ read: 3, inserted: 1, updated: 1, deleted: 0 });
  });
});
