import { describe, expect, it } from 'vitest';
import { writeVolumeCheck } from './write-volume.ts';
import { context, rows, step } from './test-fixtures.ts';

const GiB = 1024 ** 3;

describe('write-volume', () => {
  it('reports rows changed and WAL over the limits in one finding per step', () => {
    const s = step({
      rows: [rows('patches', { updated: 2_400_000, read: 9_000_000 }), rows('schema_migrations', { inserted: 1 })],
      walBytes: 3.1 * GiB,
    });
    const [finding, ...rest] = writeVolumeCheck.run(context([s]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', table: 'patches', phase: 'change' });
    expect(finding?.message).toBe(
      '0002_change changes 2,400,000 rows (limit 100,000) and writes 3.1 GiB of WAL (limit 1 GiB) in one step on patches: every replica must replay it, lagging behind until it has',
    );
    expect(finding?.evidence).toMatchObject({ rowsChanged: 2_400_000, rowsByTable: { patches: 2_400_000 }, walBytes: 3.1 * GiB });
    expect(finding?.advice).toMatch(/replicas must replay every byte/);
  });

  it('sums inserted, updated and deleted rows across tables; exactly at the limit does not fire', () => {
    const atLimit = step({ rows: [rows('a', { inserted: 50_000 }), rows('b', { updated: 30_000, deleted: 20_000 })] });
    expect(writeVolumeCheck.run(context([atLimit]))).toEqual([]);
    const over = step({ rows: [rows('a', { inserted: 50_000 }), rows('b', { updated: 30_000, deleted: 20_001 })] });
    const [finding] = writeVolumeCheck.run(context([over]));
    expect(finding?.evidence.rowsChanged).toBe(100_001);
    expect(finding?.table).toBeUndefined();
  });

  it('reports WAL alone, and not at exactly the limit', () => {
    expect(writeVolumeCheck.run(context([step({ walBytes: GiB })]))).toEqual([]);
    const [finding] = writeVolumeCheck.run(context([step({ walBytes: GiB + 1 })]));
    expect(finding?.message).toMatch(/writes 1 GiB of WAL \(limit 1 GiB\)/);
  });

  it('takes per-migration limits and leaves other phases alone', () => {
    const s = step({ rows: [rows('patches', { updated: 2_400_000 })] });
    expect(writeVolumeCheck.run(context([s], {}, { '0002': { rowsChanged: 5_000_000 } }))).toEqual([]);
    expect(writeVolumeCheck.run(context([{ ...s, phase: 'reapply' }]))).toEqual([]);
  });

  it('judges rows and WAL at production size when it is known', () => {
    const s = step({ rows: [rows('patches', { updated: 50_000 })], walBytes: 10_000_000 });
    expect(writeVolumeCheck.run(context([s]))).toEqual([]);
    s.predicted = {
      basis: 'production-rows',
      exponent: 1,
      factor: 20,
      tables: { patches: { dataset: 50_000, production: 1_000_000, ratio: 20 } },
      durationMs: 1,
      statements: [],
      locks: [],
      rowsChanged: 1_000_000,
      walBytes: 200_000_000,
    };
    const [finding] = writeVolumeCheck.run(context([s]));
    expect(finding?.message).toMatch(/changes about 1,000,000 rows \(limit 100,000\) in one step on patches, ×20 at production size/);
    expect(finding?.evidence).toMatchObject({ rowsChanged: 50_000, predictedRowsChanged: 1_000_000, basis: 'production size' });
  });
});
