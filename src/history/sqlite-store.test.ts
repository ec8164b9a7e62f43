import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBetterSqlite3 } from '../engines/sqlite/better-sqlite3.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { sampleRow } from './test-rows.ts';

const dir = mkdtempSync(join(tmpdir(), 'rehearse-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite history store', () => {
  it('creates the file and its directory, in WAL mode, and reads back what it recorded', async () => {
    const path = join(dir, 'a', '.rehearse', 'history.db');
    const store = (await openSqliteStore(path, { create: true }))!;
    const rows = [sampleRow(), sampleRow({ migration: '0003_x', walBytes: null, rowsChanged: 2 ** 40, maxBlockedMs: 12.5, gitCommit: 'f'.repeat(40) })];
    await store.record(rows);
    await store.record([]);
    expect(await store.read()).toEqual(rows);
    expect(await store.read({ engine: 'mysql' })).toEqual([]);
    await store.close();
    const Database = await loadBetterSqlite3();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('does not create a file when only reading', async () => {
    const path = join(dir, 'missing', 'history.db');
    expect(await openSqliteStore(path, { create: false })).toBeUndefined();
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('rolls a run back whole when one row fails', async () => {
    const store = (await openSqliteStore(join(dir, 'atomic.db'), { create: true }))!;
    await expect(store.record([sampleRow({ runId: 'x' }), sampleRow({ runId: 'x', engine: null as unknown as string })])).rejects.toThrow(/NOT NULL/);
    expect(await store.read()).toEqual([]);
    await store.close();
  });

  it('loses nothing when three processes record at once', async () => {
    const path = join(dir, 'concurrent', 'history.db');
    const fixture = fileURLToPath(new URL('./concurrent-writer.fixture.ts', import.meta.url));
    const writer = (tag: string) =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, path, tag, '150', '25'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => done({ code, stderr }));
      });
    const results = await Promise.all([writer('a'), writer('b'), writer('c')]);
    expect(results).toEqual([0, 1, 2].map(() => ({ code: 0, stderr: '' })));
    const store = (await openSqliteStore(path, { create: false }))!;
    const rows = await store.read();
    await store.close();
    expect(rows).toHaveLength(3 * 150 * 25);
    const perRun = new Map<string, number>();
    for (const r of rows) perRun.set(r.runId, (perRun.get(r.runId) ?? 0) + 1);
    expect(perRun.size).toBe(450);
    // The writers overlapped: their runs interleave in the table (each run's rows stay together).
    const order = rows.map((r) => r.runId[0]).filter((t, i, all) => i === 0 || all[i - 1] !== t);
    expect(order.length).toBeGreaterThan(3);
    expect([...perRun.values()].every((n) => n === 25)).toBe(true);
  }, 60_000);
});
