// The Engine contract, on every engine: scratch lifecycle, sessions, safety refusals, interrupt.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachEngine } from '../../test/helpers/engines.ts';
import { EnvironmentError, UsageError } from '../errors.ts';
import { createEngine } from './create-engine.ts';
import { DatabaseError, SCRATCH_PREFIX, type Engine, type Session } from './engine.ts';

test('the postgres engine without a URL is a usage error that points at --url', () => {
  expect(() => createEngine({ kind: 'postgres' })).toThrow(UsageError);
  expect(() => createEngine({ kind: 'postgres' })).toThrow(/--url/);
});

describeEachEngine(({ kind, create }) => {
  let engine: Engine;

  beforeAll(async () => {
    engine = create();
    const info = await engine.open();
    expect(info.serverVersion).toMatch(/^PostgreSQL \d+/);
    expect(info.serverVersionNum).toBeGreaterThanOrEqual(130000);
  });

  afterAll(async () => {
    await engine.close();
  });

  test('creates a scratch database, connects, writes and reads', async () => {
    const db = await engine.createScratch('contract');
    expect(db.name.startsWith(SCRATCH_PREFIX)).toBe(true);
    expect(db.name).toMatch(/_contract$/);
    const session = await engine.connect(db);
    expect(session.backendPid).toBeGreaterThan(0);
    await session.exec('CREATE TABLE t (id int8 PRIMARY KEY, note text); INSERT INTO t VALUES (1, $$a$$), (2, $$b$$)');
    const inserted = await session.query('INSERT INTO t VALUES ($1, $2), ($3, $4)', [3, 'c', 4, null]);
    expect(inserted.rowCount).toBe(2);
    const selected = await session.query<{ id: string; note: string | null }>('SELECT id, note FROM t ORDER BY id');
    // int8 arrives as text on both engines, as node-postgres returns it.
    expect(selected.rows).toEqual([
      { id: '1', note: 'a' },
      { id: '2', note: 'b' },
      { id: '3', note: 'c' },
      { id: '4', note: null },
    ]);
    expect(selected.rowCount).toBe(4);
    await session.close();
    await engine.dropScratch(db);
  });

  test('copyFrom loads COPY text with escapes and NULLs, from a string or a stream', async () => {
    const db = await engine.createScratch('copy');
    const session = await engine.connect(db);
    await session.exec('CREATE TABLE t (id int PRIMARY KEY, note text)');
    const copied = await session.copyFrom!('COPY t (id, note) FROM STDIN', '1\ttab\\there\n2\t\\N\n');
    async function* rows() {
      yield '3\tnew\\nline\n';
      yield Buffer.from('4\tünïcødé\n');
    }
    expect(copied).toBe(2);
    expect(await session.copyFrom!('COPY t (id, note) FROM STDIN', rows())).toBe(2);
    const { rows: result } = await session.query('SELECT id, note FROM t ORDER BY id');
    expect(result).toEqual([
      { id: 1, note: 'tab\there' },
      { id: 2, note: null },
      { id: 3, note: 'new\nline' },
      { id: 4, note: 'ünïcødé' },
    ]);
    await session.close();
    await engine.dropScratch(db);
  });

  test('errors arrive as DatabaseError with SQLSTATE and position', async () => {
    const db = await engine.createScratch('errors');
    const session = await engine.connect(db);
    const failure = await session.query('SELECT 1 FROM no_such_table').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseError);
    expect((failure as DatabaseError).sqlstate).toBe('42P01');
    expect((failure as DatabaseError).details.position).toBe(15);
    // The session is still usable after an error.
    expect((await session.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await session.close();
    await engine.dropScratch(db);
  });

  test('a clone has the same rows, and the two evolve independently', async () => {
    const source = await engine.createScratch('source');
    const writer = await engine.connect(source);
    await writer.exec("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 5000) g");
    await writer.close();
    const clone = await engine.cloneScratch(source, 'clone');
    expect(clone.name).not.toBe(source.name);
    const reader = await engine.connect(clone);
    const checksum = "SELECT count(*)::int AS n, md5(string_agg(h, ',' ORDER BY id)) AS sum FROM t";
    const cloned = (await reader.query(checksum)).rows[0];
    await reader.exec('DELETE FROM t WHERE id > 10');
    await reader.close();
    const again = await engine.connect(source);
    expect((await again.query(checksum)).rows[0]).toEqual(cloned);
    expect(cloned).toMatchObject({ n: 5000 });
    await again.close();
    await engine.dropScratch(clone);
    await engine.dropScratch(source);
  });

  test('cloning a database that has an open session is refused with the reason', async () => {
    const source = await engine.createScratch('busy');
    const session = await engine.connect(source);
    await expect(engine.cloneScratch(source, 'clone')).rejects.toThrow(/session.*connected.*close/);
    await session.close();
    await engine.dropScratch(source);
  });

  test('refuses to touch a database it did not create', async () => {
    const foreign = { name: kind === 'postgres' ? 'postgres' : 'rehearse_not_mine', purpose: 'x' };
    for (const attempt of [() => engine.connect(foreign), () => engine.dropScratch(foreign), () => engine.cloneScratch(foreign, 'x')]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).code).toBe('UNSAFE_TARGET');
    }
    const dropped = await engine.createScratch('dropped');
    await engine.dropScratch(dropped);
    await expect(engine.connect(dropped)).rejects.toMatchObject({ code: 'UNSAFE_TARGET' });
  });

  test('interrupt stops SELECT pg_sleep(60) within 2 s', async () => {
    const db = await engine.createScratch('hang');
    const session = await engine.connect(db);
    const sleeping = session.query('SELECT pg_sleep(60)').catch((e: unknown) => e);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await engine.interrupt(db, session);
    const error = await sleeping;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlstate).toBe('57014'); // query_canceled, on both engines
    if (engine.capabilities.cancelStatement) {
      expect((await session.query('SELECT 1 AS alive')).rows).toEqual([{ alive: 1 }]);
    } else {
      await expect(session.query('SELECT 1')).rejects.toThrow(/is gone: interrupt\(\) stopped/);
    }
    await session.close();
    await engine.dropScratch(db);
  });

  test('close() drops every scratch database, even with a statement running, and can be called twice', async () => {
    const other = create();
    await other.open();
    const db = await other.createScratch('left-open');
    const session: Session = await other.connect(db);
    const running = session.query('SELECT pg_sleep(60)').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await Promise.all([other.close(), other.close()]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await running).toBeInstanceOf(Error);
    await expect(other.createScratch('after-close')).rejects.toBeInstanceOf(EnvironmentError);
    if (kind === 'postgres') {
      const probe = await engine.createScratch('probe');
      const s = await engine.connect(probe);
      const { rows } = await s.query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [db.name]);
      expect(rows).toEqual([{ n: 0 }]);
      await s.close();
      await engine.dropScratch(probe);
    }
  });
});
