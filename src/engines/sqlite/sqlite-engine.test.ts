// The sqlite engine on real files: scratch lifecycle, sessions as applications open them,
// errors, clones, leftovers of crashed runs, and stopping a statement that would never end.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { UsageError } from '../../errors.ts';
import { DatabaseError, type Session } from '../engine.ts';
import { scratchDatabaseName, scratchMarker } from '../postgres/scratch-name.ts';
import { SqliteEngine } from './sqlite-engine.ts';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from './testing.ts';

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c WHERE x < 1e12';

describeSqlite('sqlite engine', () => {
  let t: TestSqliteEngine;

  beforeAll(async () => {
    t = await openTestEngine();
  });

  afterAll(async () => {
    await t.cleanup();
  });

  test('opens with the SQLite version, and keeps scratch files in a private run directory named like scratch databases', async () => {
    const info = await t.engine.open();
    expect(info.serverVersion).toMatch(/^SQLite 3\.\d+\.\d+$/);
    expect(info.serverVersionNum).toBeGreaterThan(3_040_000);
    const db = await t.engine.createScratch('Golden Copy');
    expect(db.name).toMatch(/^rehearse_\d{14}_\d+_[0-9a-f]{4}_golden_copy$/);
    const file = t.engine.pathOf(db);
    expect(file.startsWith(t.root)).toBe(true);
    expect(file.split('/').at(-2)).toMatch(/^rehearse_\d{14}_\d+_[0-9a-f]{4}_sqlite$/);
    await t.engine.dropScratch(db);
  });

  test('connections are opened the way applications open them: WAL, foreign keys on, busy timeout', async () => {
    const db = await t.engine.createScratch('settings');
    const session = await t.engine.connect(db);
    const pragma = async (name: string) => Object.values((await session.query(`PRAGMA ${name}`)).rows[0]!)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    await session.close();
    await t.engine.dropScratch(db);

    const other = await openTestEngine({ busyTimeoutMs: 250, foreignKeys: false, journalMode: 'delete' });
    try {
      const db2 = await other.engine.createScratch('settings');
      const s2 = await other.engine.connect(db2);
      expect(Object.values((await s2.query('PRAGMA busy_timeout')).rows[0]!)[0]).toBe(250);
      expect(Object.values((await s2.query('PRAGMA foreign_keys')).rows[0]!)[0]).toBe(0);
      expect(Object.values((await s2.query('PRAGMA journal_mode')).rows[0]!)[0]).toBe('delete');
      await s2.close();
    } finally {
      await other.cleanup();
    }
    expect(() => new SqliteEngine({ journalMode: 'off' as never })).toThrow(UsageError);
    expect(() => new SqliteEngine({ busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
  });

  test('query: ? placeholders, rows of readers, changes of writers, null for DDL; exec runs scripts', async () => {
    const db = await t.engine.createScratch('queries');
    const s = await t.engine.connect(db);
    expect(await s.query('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag INT, data BLOB)')).toEqual({ rows: [], rowCount: null });
    await s.exec("INSERT INTO t (name) VALUES ('a'); INSERT INTO t (name) VALUES ('b'); -- done");
    expect(await s.query('INSERT INTO t (name, flag, data) VALUES (?, ?, ?)', ['c', true, Buffer.from([1, 2])])).toEqual({ rows: [], rowCount: 1 });
    expect((await s.query('UPDATE t SET flag = ? WHERE id < ?', [false, 3])).rowCount).toBe(2);
    expect(await s.query('SELECT name, flag, data FROM t WHERE id = ?', [3])).toEqual({ rows: [{ name: 'c', flag: 1, data: Buffer.from([1, 2]) }], rowCount: 1 });
    expect(await s.query("DELETE FROM t WHERE name <> 'c' RETURNING id")).toEqual({ rows: [{ id: 1 }, { id: 2 }], rowCount: 2 });
    expect((await s.query('SELECT 9007199254740993 AS big')).rows[0]).toEqual({ big: 9007199254740992 });
    // COPY is PostgreSQL's: callers see that the session has none.
    expect(s.copyFrom).toBeUndefined();
    await s.close();
    await t.engine.dropScratch(db);
  });

  test('SQLite errors become DatabaseErrors with the extended result code and, where one means the same, a SQLSTATE', async () => {
    const db = await t.engine.createScratch('errors');
    const s = await t.engine.connect(db);
    await s.exec('CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p INT NOT NULL REFERENCES p (id))');
    const error = (await s.query('INSERT INTO c VALUES (1, 42)').catch((e: unknown) => e)) as DatabaseError & { sqliteCode: string };
    expect(error).toBeInstanceOf(DatabaseError);
    expect([error.message, error.sqliteCode, error.sqlstate, error.details.detail]).toEqual([
      'FOREIGN KEY constraint failed',
      'SQLITE_CONSTRAINT_FOREIGNKEY',
      '23503',
      'SQLite result code SQLITE_CONSTRAINT_FOREIGNKEY',
    ]);
    const notNull = (await s.query('INSERT INTO c (id) VALUES (1)').catch((e: unknown) => e)) as DatabaseError;
    expect(notNull.sqlstate).toBe('23502');
    const syntax = (await s.query('SELEC 1').catch((e: unknown) => e)) as DatabaseError & { sqliteCode: string };
    expect([syntax.sqliteCode, syntax.sqlstate]).toEqual(['SQLITE_ERROR', undefined]);
    await s.close();
    await t.engine.dropScratch(db);
  });

  test('refuses to write outside its scratch files, and to touch databases it did not create', async () => {
    const db = await t.engine.createScratch('safety');
    const s = await t.engine.connect(db);
    await expect(s.query(`ATTACH '${join(t.root, 'elsewhere.db')}' AS other`)).rejects.toThrow(/refusing ATTACH DATABASE/);
    await expect(s.exec(`SELECT 1; VACUUM INTO '${join(t.root, 'copy.db')}'`)).rejects.toThrow(/refusing VACUUM INTO/);
    expect(existsSync(join(t.root, 'elsewhere.db'))).toBe(false);
    await s.close();
    const foreign = { name: 'rehearse_prod', purpose: 'x' };
    await expect(t.engine.connect(foreign)).rejects.toThrow(/not a scratch database of this sqlite engine/);
    await expect(t.engine.dropScratch(foreign)).rejects.toThrow(UsageError);
    await t.engine.dropScratch(db);
  });

  test('two sessions on one database: a reader goes on while a writer holds the write lock, a second writer waits and gives up', async () => {
    const fast = await openTestEngine({ busyTimeoutMs: 100 });
    try {
      const db = await fast.engine.createScratch('concurrent');
      const writer = await fast.engine.connect(db);
      const other = await fast.engine.connect(db);
      expect(writer.backendPid).not.toBe(other.backendPid);
      await writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)');
      await writer.query('BEGIN');
      await writer.query('INSERT INTO t VALUES (2)');
      expect((await other.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 1 }]);
      const busy = (await other.query('INSERT INTO t VALUES (3)').catch((e: unknown) => e)) as DatabaseError & { sqliteCode: string };
      expect([busy.sqliteCode, busy.sqlstate]).toEqual(['SQLITE_BUSY', '55P03']);
      await writer.query('COMMIT');
      expect((await other.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 2 }]);
      await Promise.all([writer.close(), other.close()]);
    } finally {
      await fast.cleanup();
    }
  });

  test('a clone is a page-for-page copy: data, indexes, triggers, views and root pages', async () => {
    const db = await t.engine.createScratch('golden');
    const s = await t.engine.connect(db);
    await s.exec(`
      CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent (id) ON DELETE CASCADE, note TEXT);
      CREATE INDEX child_parent ON child (parent_id);
      CREATE VIEW named AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id;
      CREATE TABLE audit (n INT);
      CREATE TRIGGER child_audit AFTER INSERT ON child BEGIN INSERT INTO audit VALUES (new.id); END;
      INSERT INTO parent VALUES (1, 'a'), (2, 'b');
      INSERT INTO child VALUES (10, 1, NULL), (11, 2, ''), (12, 2, 'x');
      DELETE FROM audit WHERE n = 11;`);
    const layout = async (session: Session) => (await session.query('SELECT type, name, rootpage, sql FROM sqlite_schema ORDER BY name')).rows;
    const content = async (session: Session) => (await session.query('SELECT * FROM named ORDER BY id')).rows;
    const before = await layout(s);
    const rows = await content(s);
    await s.close();

    const clone = await t.engine.cloneScratch(db, 'rehearsal');
    const c = await t.engine.connect(clone);
    expect(await layout(c)).toEqual(before);
    expect(await content(c)).toEqual(rows);
    expect((await c.query('SELECT n FROM audit ORDER BY n')).rows).toEqual([{ n: 10 }, { n: 12 }]);
    await c.query('INSERT INTO child VALUES (13, 1, NULL)');
    expect((await c.query('SELECT count(*) AS n FROM audit')).rows).toEqual([{ n: 3 }]);
    expect((await c.query('PRAGMA journal_mode')).rows).toEqual([{ journal_mode: 'wal' }]);
    await c.close();

    // The source is untouched by what the clone did.
    const again = await t.engine.connect(db);
    expect((await again.query('SELECT count(*) AS n FROM audit')).rows).toEqual([{ n: 2 }]);
    await expect(t.engine.cloneScratch(db, 'busy')).rejects.toThrow(/a session is still connected/);
    await again.close();
    await t.engine.dropScratch(clone);
    await t.engine.dropScratch(db);
  });

  test('clones a 200,000-row table in well under a second (online backup API)', async () => {
    const db = await t.engine.createScratch('large');
    const s = await t.engine.connect(db);
    await s.exec(`
      CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INT, created TEXT);
      CREATE INDEX t_n ON t (n);
      WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000)
      INSERT INTO t SELECT i, 'name ' || i, i % 1000, datetime(1700000000 + i, 'unixepoch') FROM c;`);
    await s.close();
    const started = performance.now();
    const clone = await t.engine.cloneScratch(db, 'large_clone');
    const ms = performance.now() - started;
    console.info(`[sqlite engine] cloned 200,000 rows (${(await readdir(join(t.engine.pathOf(db), '..'))).length} files in the run directory) in ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(2000);
    const c = await t.engine.connect(clone);
    expect((await c.query('SELECT count(*) AS n, sum(n) AS s FROM t')).rows).toEqual([{ n: 200000, s: 99900000 }]);
    await c.close();
    await t.engine.dropScratch(clone);
    await t.engine.dropScratch(db);
  });

  test('dropScratch deletes the file with its -wal and -shm, even with a session still open', async () => {
    const db = await t.engine.createScratch('drop');
    const s = await t.engine.connect(db);
    await s.exec('CREATE TABLE t (a); INSERT INTO t VALUES (1)');
    const file = t.engine.pathOf(db);
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(existsSync(`${file}-shm`)).toBe(true);
    await t.engine.dropScratch(db);
    expect([file, `${file}-wal`, `${file}-shm`].filter(existsSync)).toEqual([]);
    await expect(s.query('SELECT 1')).rejects.toThrow(/closed/);
  });

  test('interrupt stops a runaway statement, rolls its transaction back, and leaves session and database usable', async () => {
    const db = await t.engine.createScratch('runaway');
    const s = await t.engine.connect(db);
    const bystander = await t.engine.connect(db);
    await s.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)');
    await s.query('BEGIN');
    await s.query('INSERT INTO t VALUES (2)');
    const started = performance.now();
    const running = s.query(RUNAWAY).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await t.engine.interrupt(db, s);
    const error = (await running) as DatabaseError;
    expect(performance.now() - started).toBeLessThan(3000);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.sqlstate).toBe('57014');

    // As PostgreSQL after a cancel: the transaction is aborted until ROLLBACK.
    await expect(s.query('SELECT 1')).rejects.toMatchObject({ sqlstate: '25P02' });
    await s.query('ROLLBACK');
    expect(s.backendPid).toBeGreaterThan(0);
    expect((await s.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 1 }]);
    expect((await s.query('PRAGMA foreign_keys')).rows).toEqual([{ foreign_keys: 1 }]);
    // Nothing was left holding the write lock, and the file is sound.
    await bystander.query('INSERT INTO t VALUES (3)');
    expect((await bystander.query('PRAGMA integrity_check')).rows).toEqual([{ integrity_check: 'ok' }]);

    // Outside a transaction, the next statement simply runs on a new connection.
    const again = s.query(RUNAWAY).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await t.engine.interrupt(db, s);
    expect(await again).toMatchObject({ sqlstate: '57014' });
    expect((await s.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 2 }]);
    await Promise.all([s.close(), bystander.close()]);
    await t.engine.dropScratch(db);
  });

  test('open() removes run directories of crashed runs on this host, and keeps live, young and foreign ones', async () => {
    const root = t.root;
    const dir = async (purpose: string, started: Date, pid: number, marker: 'mine' | 'none' | 'foreign-files') => {
      const origin = { host: (await import('node:os')).hostname(), pid, started };
      const name = scratchDatabaseName(purpose, origin);
      await mkdir(join(root, name));
      if (marker === 'mine') await writeFile(join(root, name, 'rehearse-scratch.json'), scratchMarker(origin));
      if (marker === 'foreign-files') await writeFile(join(root, name, 'notes.txt'), 'not ours');
      const db = scratchDatabaseName('golden', origin);
      if (marker !== 'foreign-files') await writeFile(join(root, name, `${db}.db`), '');
      return { name, db };
    };
    const deadPid = 2 ** 22 + 12345;
    const crashed = await dir('sqlite', new Date(), deadPid, 'mine');
    const live = await dir('sqlite', new Date(Date.now() - 3 * 86_400_000), process.pid, 'mine');
    const unmarkedOld = await dir('sqlite', new Date(Date.now() - 2 * 86_400_000), deadPid, 'none');
    const unmarkedYoung = await dir('sqlite', new Date(), deadPid, 'none');
    const someoneElses = await dir('sqlite', new Date(Date.now() - 2 * 86_400_000), deadPid, 'foreign-files');

    const next = new SqliteEngine({ tempRoot: root });
    const info = await next.open();
    expect(info.removedLeftovers).toEqual([crashed.db, unmarkedOld.db].sort());
    const left = await readdir(root);
    expect(left).toEqual(expect.arrayContaining([live.name, unmarkedYoung.name, someoneElses.name]));
    expect(left).not.toContain(crashed.name);
    expect(left).not.toContain(unmarkedOld.name);
    await next.close();
  });
});
