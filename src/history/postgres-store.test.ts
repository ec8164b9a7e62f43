import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngine } from '../../test/helpers/engines.ts';
import { openPostgresStore } from './postgres-store.ts';
import { sampleRow } from './test-rows.ts';

describeEngine('postgres', ({ url }) => {
  // A database of its own, so the history table never lands in the server's own databases.
  const database = `rehearse_history_test_${process.pid}_${Date.now()}`;
  const historyUrl = (() => {
    const u = new URL(url!);
    u.pathname = `/${database}`;
    return u.href;
  })();
  const admin = async <T>(work: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: url! });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  beforeAll(() => admin((c) => c.query(`CREATE DATABASE ${database}`)));
  afterAll(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));

  it('reads nothing before the table exists, then creates it on the first run and reads back what it recorded', async () => {
    const store = await openPostgresStore(historyUrl);
    try {
      expect(await store.read()).toEqual([]);
      const rows = [sampleRow({ runId: 'solo' }), sampleRow({ runId: 'solo', migration: '0003_x', walBytes: 2 ** 40, maxBlockedMs: 12.5, gitCommit: 'a'.repeat(40) })];
      await store.record(rows);
      expect(await store.read({ engine: 'pglite' })).toEqual(rows);
      expect(await store.read({ engine: 'mysql' })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('loses nothing when two clients record at once, from a missing table on', async () => {
    const h = new pg.Client({ connectionString: historyUrl });
    await h.connect();
    await h.query('DROP TABLE IF EXISTS rehearse_history');
    await h.end();
    const writer = async (tag: string) => {
      const store = await openPostgresStore(historyUrl);
      try {
        for (let r = 0; r < 30; r++) await store.record(Array.from({ length: 20 }, (_, i) => sampleRow({ runId: `${tag}-${r}`, migration: `000${i}_m` })));
      } finally {
        await store.close();
      }
    };
    await Promise.all([writer('a'), writer('b')]);
    const store = await openPostgresStore(historyUrl);
    const rows = await store.read();
    await store.close();
    expect(rows).toHaveLength(2 * 30 * 20);
    expect(new Set(rows.map((r) => r.runId)).size).toBe(60);
  });

  it('rolls a run back whole when one row fails', async () => {
    const store = await openPostgresStore(historyUrl);
    try {
      const before = (await store.read()).length;
      await expect(store.record([sampleRow({ runId: 'bad' }), sampleRow({ runId: 'bad', engine: null as unknown as string })])).rejects.toThrow(/null value/);
      expect(await store.read()).toHaveLength(before);
      await store.record([sampleRow({ runId: 'after' })]);
      expect((await store.read()).filter((r) => r.runId === 'after')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
