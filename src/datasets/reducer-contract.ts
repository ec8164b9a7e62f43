// Test support. What every dialect's reducer must do to the same schema (the tests of reduce-mysql.ts and
// reduce-sqlite.ts build it in their own SQL, reduce it to a quarter, again to a quarter, and to a
// half): keep about the fraction of each root table and the product along foreign keys, report
// exact row counts, and pick the same rows every time, the smaller sample inside the larger.
import { expect, it } from 'vitest';
import type { ReduceResult } from './reduce.ts';

export interface ReducedRun {
  result: ReduceResult;
  /** Primary keys (or whole rows) kept per table. */
  keys: Record<string, Set<string>>;
  /** Exact rows per table after reduction. */
  counts: Record<string, number>;
  /** events rows whose project is NULL, kept. */
  nullEvents: number;
}

/** The shared expectations, as `it` blocks of the calling suite; `runs` is filled by its beforeAll. */
export function reducerContract(runs: Record<string, ReducedRun>, tables: string[]): void {
  it('keeps about the fraction of each root table and about the product along foreign keys', () => {
    const q = runs.quarter!.counts;
    const h = runs.half!.counts;
    // Roots keep about their fraction (hashing 1,000 keys: ±3 σ ≈ ±4 points).
    expect(q.projects! / 1000).toBeGreaterThan(0.21);
    expect(q.projects! / 1000).toBeLessThan(0.29);
    expect(h.projects! / 1000).toBeGreaterThan(0.45);
    expect(h.projects! / 1000).toBeLessThan(0.55);
    expect(q.tags! / 300).toBeGreaterThan(0.17);
    expect(q.tags! / 300).toBeLessThan(0.33);
    // A child keeps the rows sampled in it and in its parents: patches ≈ 25 % × 25 % (× 25 % for
    // the four in five with a tag), comments ≈ that × 25 % × 2 per patch.
    expect(q.patches! / 4000).toBeGreaterThan(0.005);
    expect(q.patches! / 4000).toBeLessThan(0.04);
    expect(h.patches! / 4000).toBeGreaterThan(0.09);
    expect(h.patches! / 4000).toBeLessThan(0.2);
    expect(q.comments!).toBeLessThan(q.patches! * 2);
    // followers and events (no primary key: the whole row, or SQLite's rowid, is hashed) ≈ 25 % ×
    // 25 %; events with a NULL project ≈ 25 % of 300: a NULL refers to nothing and is never an orphan.
    expect(q.followers! / 2000).toBeGreaterThan(0.03);
    expect(q.followers! / 2000).toBeLessThan(0.1);
    expect(runs.quarter!.nullEvents).toBeGreaterThan(50);
    expect(runs.quarter!.nullEvents).toBeLessThan(100);
    // A chain is cut at its first dropped link: the rest of the chain goes with it.
    expect(q.threads!).toBeGreaterThan(0);
    expect(q.threads!).toBeLessThan(2000 * 0.25);
    expect(runs.quarter!.result.orphanPasses).toBeGreaterThan(1);
  });

  it('returns the exact row count of every reduced table, by plain name, without the kept tables', () => {
    const { tableRows } = runs.quarter!.result;
    expect(Object.keys(tableRows).sort()).toEqual(['audit', 'comments', 'events', 'followers', 'patches', 'projects', 'tags', 'threads']);
    for (const [table, n] of Object.entries(runs.quarter!.counts)) expect(tableRows[table], table).toBe(n);
  });

  it('is deterministic and nested: the same fraction keeps the same rows, a larger one a superset', () => {
    for (const table of tables) {
      const quarter = runs.quarter!.keys[table]!;
      expect([...runs.quarterAgain!.keys[table]!].sort(), table).toEqual([...quarter].sort());
      const half = runs.half!.keys[table]!;
      expect([...quarter].every((k) => half.has(k)), table).toBe(true);
      expect(half.size, table).toBeGreaterThan(quarter.size);
    }
    expect(runs.quarterAgain!.result).toEqual(runs.quarter!.result);
  });
}
