// Reducing a dataset clone to a fraction, on real engines: the sample is deterministic, nested
// and about the fraction's size, and no foreign key is left pointing at a deleted row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/helpers/engines.ts';
import type { Engine, ScratchDatabase, Session } from '../engines/engine.ts';
import { reduceToFraction } from './reduce-postgres.ts';

const SCHEMA = `
  CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
  INSERT INTO schema_migrations VALUES (2, false);
  CREATE TABLE projects (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE patches (id int PRIMARY KEY, project_id int NOT NULL REFERENCES projects (id), name text);
  -- composite key, a grandchild through a nullable foreign key
  CREATE TABLE comments (patch_id int REFERENCES patches (id), n int, body text, PRIMARY KEY (patch_id, n));
  -- self-reference: a chain of replies, each pointing at the previous one
  CREATE TABLE threads (id int PRIMARY KEY, parent_id int REFERENCES threads (id));
  -- no primary key at all
  CREATE TABLE events (project_id int REFERENCES projects (id), at int);
  INSERT INTO projects SELECT g, 'p' || g FROM generate_series(1, 400) g;
  INSERT INTO patches SELECT g, 1 + g % 400, 'x' || g FROM generate_series(1, 4000) g;
  INSERT INTO comments SELECT 1 + g % 4000, g, 'c' FROM generate_series(1, 8000) g;
  INSERT INTO threads SELECT g, CASE WHEN g % 50 = 1 THEN NULL ELSE g - 1 END FROM generate_series(1, 2000) g;
  INSERT INTO events SELECT CASE WHEN g % 10 = 0 THEN NULL ELSE 1 + g % 400 END, g FROM generate_series(1, 3000) g;`;

const ORPHANS = `
  SELECT (SELECT count(*) FROM patches c WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id))
       + (SELECT count(*) FROM comments c WHERE c.patch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM patches p WHERE p.id = c.patch_id))
       + (SELECT count(*) FROM threads c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM threads p WHERE p.id = c.parent_id))
       + (SELECT count(*) FROM events c WHERE c.project_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id)) AS n`;

describeEachEngine((testEngine) => {
  describe('reduceToFraction', () => {
    let engine: Engine;
    let golden: ScratchDatabase;

    beforeAll(async () => {
      engine = testEngine.create();
      await engine.open();
      golden = await engine.createScratch('reduce-test');
      const s = await engine.connect(golden);
      await s.exec(SCHEMA);
      await s.close();
    });
    afterAll(async () => {
      await engine?.close();
    });

    async function reduced<T>(fraction: number, fn: (s: Session, r: Awaited<ReturnType<typeof reduceToFraction>>) => Promise<T>): Promise<T> {
      const db = await engine.cloneScratch(golden, `reduce-${fraction * 100}`);
      const s = await engine.connect(db);
      try {
        return await fn(s, await reduceToFraction(s, fraction, { keep: ['schema_migrations'] }));
      } finally {
        await s.close();
        await engine.dropScratch(db);
      }
    }

    it('keeps about the fraction of each root table, leaves no orphan, and keeps the tracking table', async () => {
      const { result, orphans, ids, nullEvents } = await reduced(0.25, async (s, result) => ({
        result,
        orphans: Number((await s.query<{ n: string }>(ORPHANS)).rows[0]?.n),
        ids: (await s.query<{ id: number }>('SELECT id FROM patches ORDER BY id')).rows.map((r) => r.id),
        nullEvents: Number((await s.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE project_id IS NULL')).rows[0]?.n),
      }));
      expect(orphans).toBe(0);
      expect(result.tableRows.schema_migrations).toBeUndefined();
      const { projects = 0, patches = 0, comments = 0, threads = 0, events = 0 } = result.tableRows;
      // Roots keep about their fraction (hashing 400 keys: within a few points of 25 %).
      expect(projects / 400).toBeGreaterThan(0.18);
      expect(projects / 400).toBeLessThan(0.32);
      // A child keeps the rows sampled in both it and its parent: about 25 % × 25 %.
      expect(patches).toBeGreaterThan(0);
      expect(patches / 4000).toBeLessThan(0.12);
      expect(comments).toBeLessThan(patches * 2);
      // A chain is cut at its first dropped link: the rest of the chain goes with it.
      expect(threads).toBeLessThan(2000 * 0.25);
      // events has no primary key (whole-row hash); NULL references stay, as MATCH SIMPLE allows.
      expect(events).toBeGreaterThan(0);
      expect(nullEvents).toBeGreaterThan(0);
      expect(result.orphanPasses).toBeGreaterThan(1);
      // Deterministic and nested: the same fraction keeps the same rows, a larger one a superset.
      const again = await reduced(0.25, async (s) => (await s.query<{ id: number }>('SELECT id FROM patches ORDER BY id')).rows.map((r) => r.id));
      expect(again).toEqual(ids);
      const half = await reduced(0.5, async (s) => new Set((await s.query<{ id: number }>('SELECT id FROM patches')).rows.map((r) => r.id)));
      expect(ids.every((id) => half.has(id))).toBe(true);
      expect(half.size).toBeGreaterThan(ids.length);
    });

    it('leaves the tracking table whole and the storage at the reduced size', async () => {
      await reduced(0.25, async (s) => {
        const tracking = await s.query<{ n: string }>('SELECT count(*)::text AS n FROM schema_migrations');
        expect(tracking.rows[0]?.n).toBe('1');
        // VACUUM FULL: no dead tuples left to scan.
        const dead = await s.query<{ pages: number }>(`SELECT relpages AS pages FROM pg_class WHERE relname = 'patches'`);
        const live = await s.query<{ pages: number }>(`SELECT (pg_relation_size('patches') / current_setting('block_size')::int)::int AS pages`);
        expect(dead.rows[0]?.pages).toBe(live.rows[0]?.pages);
        const full = await s.query<{ pages: number }>(`SELECT relpages AS pages FROM pg_class WHERE relname = 'projects'`);
        expect(full.rows[0]?.pages).toBeGreaterThan(0);
      });
    });
  });
});
