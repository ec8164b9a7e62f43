// A dataset directory restored into a scratch database on every engine: the rows come back as
// written (tabs, newlines, backslashes, `\N` as text, NULL vs empty, unicode, numerics, dates,
// binary, JSON), the FK cycle and self-reference hold and are enforced afterwards, the sequence
// continues after the last id, indexes and triggers exist; a truncated, altered or miscounted data
// file fails the restore with an error naming the file and table.
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { editManifest, shopDataset, tempDatasetDir, TRICKY_TEXT, type DatasetFixture } from '../../../test/helpers/dataset-dir.ts';
import { describeEveryEngine, type TestEngine } from '../../../test/helpers/engines.ts';
import type { Dialect, Engine, ScratchDatabase, Session } from '../../engines/engine.ts';
import { connectionOptions } from '../../engines/mysql/mysql-session.ts';
import { parseMysqlUrl } from '../../engines/mysql/mysql-url.ts';
import { InputError } from '../../errors.ts';
import { DataFileError, readManifest } from './reader.ts';
import { canLoadLocalInfile, type LocalInfileSession } from './restore-mysql.ts';
import { restoreDatasetDir, type RestoreOptions } from './restore.ts';

/** Each column of customers as text, in the order the fixture writes them (binary as upper-case hex on MySQL/SQLite). */
const CUSTOMERS_AS_TEXT: Record<Dialect, string> = {
  postgres: `SELECT id::text, name, note, balance::text, born::text, created_at::text, photo::text, prefs::text, mood::text,
                    referred_by::text, last_order_id::text FROM customers ORDER BY id`,
  mysql: `SELECT CAST(id AS CHAR), name, note, CAST(balance AS CHAR), CAST(born AS CHAR), CAST(created_at AS CHAR), HEX(photo), CAST(prefs AS CHAR), mood,
                 CAST(referred_by AS CHAR), CAST(last_order_id AS CHAR) FROM customers ORDER BY id`,
  sqlite: `SELECT CAST(id AS TEXT), name, note, CAST(balance AS TEXT), born, created_at, CASE WHEN photo IS NOT NULL THEN hex(photo) END, prefs, mood,
                  CAST(referred_by AS TEXT), CAST(last_order_id AS TEXT) FROM customers ORDER BY id`,
};

const ORDERS_SUMMARY: Record<Dialect, string> = {
  postgres: `SELECT count(*)::text AS n, sum(id)::text AS ids, sum(total)::text AS total, (SELECT total_cents::text FROM orders WHERE id = 1) AS cents FROM orders`,
  mysql: `SELECT CAST(COUNT(*) AS CHAR) AS n, CAST(SUM(id) AS CHAR) AS ids, CAST(SUM(total) AS CHAR) AS total, (SELECT CAST(total_cents AS CHAR) FROM orders WHERE id = 1) AS cents FROM orders`,
  sqlite: `SELECT CAST(count(*) AS TEXT) AS n, CAST(sum(id) AS TEXT) AS ids, printf('%.2f', sum(total)) AS total, (SELECT CAST(total_cents AS TEXT) FROM orders WHERE id = 1) AS cents FROM orders`,
};

/** A new order without an id: the id it got, and the status the trigger gave it. */
const NEW_ORDER: Record<Dialect, (s: Session) => Promise<{ id: string; status: string }>> = {
  postgres: async (s) => {
    const { rows } = await s.query<{ id: number; status: string }>('INSERT INTO orders (customer_id, total) VALUES (1, 1) RETURNING id, status');
    return { id: String(rows[0]!.id), status: rows[0]!.status };
  },
  mysql: async (s) => {
    await s.query('INSERT INTO orders (customer_id, total) VALUES (1, 1)');
    const { rows } = await s.query<{ id: unknown; status: string }>('SELECT id, status FROM orders WHERE id = LAST_INSERT_ID()');
    return { id: String(rows[0]!.id), status: rows[0]!.status };
  },
  sqlite: async (s) => {
    await s.query('INSERT INTO orders (customer_id, total) VALUES (1, 1)');
    const { rows } = await s.query<{ id: unknown; status: string }>('SELECT id, status FROM orders WHERE id = last_insert_rowid()');
    return { id: String(rows[0]!.id), status: rows[0]!.status };
  },
};

const INDEXES: Record<Dialect, string> = {
  postgres: `SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`,
  mysql: `SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() ORDER BY 1`,
  sqlite: `SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY 1`,
};

const EXPECTED_INDEXES: Record<Dialect, string[]> = {
  postgres: ['customers_name_idx', 'customers_pkey', 'orders_customer_id_idx', 'orders_pkey', 'schema_migrations_pkey'],
  mysql: ['PRIMARY', 'customers_last_order_fk', 'customers_name_idx', 'customers_referred_by_fk', 'orders_customer_id_idx'],
  sqlite: ['customers_name_idx', 'orders_customer_id_idx', 'version_unique'],
};

const TRACKING: Record<Dialect, string> = {
  postgres: 'SELECT version::text AS version FROM schema_migrations',
  mysql: 'SELECT CAST(version AS CHAR) AS version FROM schema_migrations',
  sqlite: 'SELECT CAST(version AS TEXT) AS version FROM schema_migrations',
};

interface Scratch {
  engine: Engine;
  db: ScratchDatabase;
  session: Session;
  options: RestoreOptions;
}

async function scratch(target: TestEngine, purpose: string): Promise<Scratch> {
  const engine = target.create();
  await engine.open();
  const db = await engine.createScratch(purpose);
  const session = await engine.connect(db);
  const options: RestoreOptions = engine.capabilities.concurrentSessions ? { connect: () => engine.connect(db) } : {};
  return { engine, db, session, options };
}

async function userTables(s: Scratch, dialect: Dialect): Promise<string[]> {
  const sql = {
    postgres: `SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1`,
    mysql: `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'rehearse%' ORDER BY 1`,
    sqlite: `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY 1`,
  }[dialect];
  // PGlite has one session per database.
  await s.session.close();
  const fresh = await s.engine.connect(s.db);
  try {
    return (await fresh.query<{ name: string }>(sql)).rows.map((r) => r.name);
  } finally {
    await fresh.close();
  }
}

function expectedCustomers(fixture: DatasetFixture, dialect: Dialect): unknown[][] {
  const rows = [...fixture.tables[0]!.rows];
  return rows.map((row) => row.map((v, i) => (dialect !== 'postgres' && i === 6 && v !== null ? v.toUpperCase() : v)));
}

describeEveryEngine((target) => {
  const { dialect, kind } = target;
  let engines: Engine[] = [];
  const disposals: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const engine of engines) await engine.close();
    engines = [];
    for (const dispose of disposals.splice(0)) await dispose();
  });

  async function setup(fixture: DatasetFixture, purpose = 'restore') {
    const made = await tempDatasetDir(fixture);
    disposals.push(made.dispose);
    const s = await scratch(target, purpose);
    engines.push(s.engine);
    return { ...made, ...s };
  }

  test('restores every value as written; keys, FK cycle, indexes, trigger and sequence work afterwards', async () => {
    const fixture = shopDataset(dialect);
    const { dir, manifest, session, options } = await setup(fixture);
    const lines: string[] = [];
    const result = await restoreDatasetDir(dialect, session, dir, manifest, { ...options, log: (l) => lines.push(l) });
    expect(result).toMatchObject({ tables: manifest.tables.length, rows: manifest.tables.reduce((n, t) => n + t.rows, 0) });
    expect(lines.filter((l) => l.startsWith('table '))).toHaveLength(manifest.tables.length);

    if (dialect === 'postgres') await session.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'");
    const customers = (await session.query<Record<string, unknown>>(CUSTOMERS_AS_TEXT[dialect])).rows.map((r) => Object.values(r));
    expect(customers.map((r) => r[1])).toEqual(TRICKY_TEXT);
    expect(customers).toEqual(expectedCustomers(fixture, dialect));
    expect((await session.query(ORDERS_SUMMARY[dialect])).rows[0]).toEqual({ n: '4', ids: '2002', total: '100000009.24', cents: '1250' });
    expect((await session.query<{ version: string }>(TRACKING[dialect])).rows).toEqual([{ version: '20240101120000' }]);
    expect((await session.query<{ name: string }>(INDEXES[dialect])).rows.map((r) => r.name).sort()).toEqual(EXPECTED_INDEXES[dialect]);
    if (dialect === 'postgres') {
      expect((await session.query('SELECT id, order_id, amount::text FROM billing.invoices ORDER BY id')).rows).toEqual([
        { id: 1, order_id: 1, amount: '12.5' },
        { id: 2, order_id: 999, amount: '0.0000001' },
        { id: 3, order_id: null, amount: '123456789012345678901234567890.123456789' },
      ]);
    }

    if (dialect === 'mysql') {
      expect((await session.query('SELECT GROUP_CONCAT(HEX(flags) ORDER BY id) AS flags FROM orders')).rows).toEqual([{ flags: '0,1,2,3' }]);
    }
    // The sequence (AUTO_INCREMENT, rowid) continues after the dataset's last id; the trigger built after the data fires.
    expect(await NEW_ORDER[dialect](session)).toEqual({ id: '1001', status: 'new' });
    // The foreign keys are enforced again after the load.
    await expect(session.query('INSERT INTO orders (customer_id, total) VALUES (424242, 1)')).rejects.toThrow(/foreign key/i);
  });

  test('a few MB of rows: timings', async () => {
    const fixture = shopDataset(dialect, { bulkOrders: 60_000 });
    const { dir, manifest, session, options } = await setup(fixture, 'restore_timing');
    const bytes = manifest.tables.reduce((n, t) => n + t.fileBytes, 0);
    const result = await restoreDatasetDir(dialect, session, dir, manifest, options);
    const raw = (await readFile(join(dir, manifest.tables[1]!.file)).then(gunzipSync)).length;
    console.log(
      `[restore timing] ${kind}: ${result.rows} rows, ${(raw / 1e6).toFixed(1)} MB of orders data (${(bytes / 1e6).toFixed(2)} MB gzip) in ${result.ms} ms ` +
        `(schema-pre ${result.phases.schemaPre} ms, data ${result.phases.data} ms, schema-post ${result.phases.schemaPost} ms; ` +
        `${result.sessions} session(s), ${result.method})${result.notes.length ? `; ${result.notes.join('; ')}` : ''}`,
    );
    expect(result.rows).toBe(60_000 + 4 + 9 + 1 + (dialect === 'postgres' ? 3 : 0));
    expect(await NEW_ORDER[dialect](session)).toEqual({ id: '61001', status: 'new' });
  });

  test('a data file truncated: refused before the database is touched', async () => {
    const t = await setup(shopDataset(dialect, { bulkOrders: 2000 }));
    const { dir, manifest } = t;
    const orders = manifest.tables[1]!;
    await truncate(join(dir, orders.file), orders.fileBytes - 50);
    const error = await restoreDatasetDir(dialect, t.session, dir, manifest, t.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message).toBe(
      `${join(dir, orders.file)}: the data file of table "orders" is ${orders.fileBytes - 50} bytes, the manifest says ${orders.fileBytes}: the file was truncated`,
    );
    expect(await userTables(t, dialect)).toEqual([]);
  });

  test('a gzip stream cut short (its size rewritten too): the restore fails naming file and table, and says nothing of it is used', async () => {
    const { dir, session, options } = await setup(shopDataset(dialect, { bulkOrders: 2000 }));
    const before = await readManifest(dir);
    await truncate(join(dir, before.tables[1]!.file), before.tables[1]!.fileBytes - 50);
    await editManifest(dir, (m) => (m.tables[1].fileBytes -= 50));
    const error = await restoreDatasetDir(dialect, session, dir, await readManifest(dir), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    expect(error).toMatchObject({ code: 'DATASET_INVALID', table: 'orders', location: { file: join(dir, 'data/0002.tsv.gz') } });
    expect((error as Error).message).toBe(
      `${join(dir, 'data/0002.tsv.gz')}: the data file of table "orders" ends in the middle of its gzip stream: it was truncated\n` +
        '(the restore stopped there: nothing of it is used, and the database it was loading is dropped)',
    );
  });

  test('content altered (SHA-256 differs) or a rows count that differs: the restore fails naming file and table', async () => {
    const { dir, session, options } = await setup(shopDataset(dialect));
    const manifest = await readManifest(dir);
    const customers = manifest.tables[0]!;
    const text = gunzipSync(await readFile(join(dir, customers.file))).toString();
    const altered = gzipSync(text.replace('ünïcødé', 'unicode'));
    await writeFile(join(dir, customers.file), altered);
    await editManifest(dir, (m) => (m.tables[0].fileBytes = altered.length));
    const error = await restoreDatasetDir(dialect, session, dir, await readManifest(dir), options).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/data\/0001\.tsv\.gz: the data file of table "customers" does not match the manifest's checksum: .*: the file was altered\n\(the restore stopped there/);

    // A fresh scratch database for the second case.
    const second = await scratch(target, 'restore_rows');
    engines.push(second.engine);
    await writeFile(join(dir, customers.file), gzipSync(text));
    await editManifest(dir, (m) => ((m.tables[0].fileBytes = customers.fileBytes), (m.tables[2].rows = 2)));
    const miscounted = await restoreDatasetDir(dialect, second.session, dir, await readManifest(dir), second.options).catch((e: unknown) => e);
    expect((miscounted as Error).message).toMatch(/data\/0003\.tsv\.gz: the data file of table "schema_migrations" holds 1 rows, the manifest says 2\n/);
  });

  test('verifyFirst: an altered file is found before anything runs', async () => {
    const t = await setup(shopDataset(dialect));
    await editManifest(t.dir, (m) => (m.tables[1].sha256 = '0'.repeat(64)));
    const error = await restoreDatasetDir(dialect, t.session, t.dir, await readManifest(t.dir), { ...t.options, verifyFirst: true }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/the data file of table "orders" does not match the manifest's checksum/);
    expect(await userTables(t, dialect)).toEqual([]);
  });

  test('rows whose parent the dataset does not hold: the restore fails naming the table', async () => {
    const fixture = shopDataset(dialect);
    fixture.tables[1] = { ...fixture.tables[1]!, rows: [...fixture.tables[1]!.rows].map((r, i) => (i === 2 ? [r[0]!, '77', ...r.slice(2)] : r)) };
    const { dir, manifest, session, options } = await setup(fixture);
    const error = await restoreDatasetDir(dialect, session, dir, manifest, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      {
        postgres: /schema-post\.sql:\d+:\d+: insert or update on table "orders" violates foreign key constraint "orders_customer_id_fkey"/,
        mysql: /1 row\(s\) of table "orders" reference rows of "customers" the dataset does not hold \(orders\.customer_id → customers\.id\)/,
        sqlite: /foreign keys do not hold after the restore \(PRAGMA foreign_key_check\): 1 row\(s\) of "orders" → "customers"/,
      }[dialect],
    );
  });

  test('a dataset of another engine family is refused', async () => {
    const other: Dialect = dialect === 'postgres' ? 'mysql' : 'postgres';
    const { dir, manifest, session, options } = await setup({ ...shopDataset(other) });
    const error = await restoreDatasetDir(dialect, session, dir, manifest, options).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/the dataset was captured from .* and restores on that engine family only/);
  });

  if (dialect === 'postgres') {
    test('a value the column type refuses: the data file and line, the value left out', async () => {
      const fixture = shopDataset(dialect);
      fixture.tables[1] = { ...fixture.tables[1]!, rows: [...fixture.tables[1]!.rows].map((r, i) => (i === 2 ? [r[0]!, 'secret-value', ...r.slice(2)] : r)) };
      const { dir, manifest, session, options } = await setup(fixture);
      const error = await restoreDatasetDir(dialect, session, dir, manifest, options).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DATASET_RESTORE_FAILED' });
      expect((error as Error).message).toMatch(/data\/0002\.tsv\.gz(:3)?: table "orders": invalid input syntax for type integer: "…" \(SQLSTATE 22P02\)/);
      expect((error as Error).message).not.toContain('secret-value');
    });
  }

  if (kind === 'mysql') {
    describe('LOAD DATA LOCAL INFILE', () => {
      // A session with the one capability the restore needs for LOAD DATA: a connection with the
      // LOCAL_FILES flag whose every LOAD DATA reads the stream the restore hands it.
      async function localInfileSession(s: Scratch): Promise<LocalInfileSession> {
        const connection = await mysql.createConnection({ ...connectionOptions(parseMysqlUrl(target.url!), s.db.name), flags: ['-IGNORE_SPACE', 'LOCAL_FILES'] });
        await connection.query("SET time_zone = '+00:00'");
        return {
          backendPid: connection.threadId,
          async query(sql, params) {
            const [rows] = await connection.query(sql, params);
            return Array.isArray(rows) ? { rows: rows as never[], rowCount: rows.length } : { rows: [], rowCount: (rows as { affectedRows: number }).affectedRows };
          },
          async exec(sql) {
            await connection.query(sql);
          },
          prepare: () => Promise.reject(new Error('unused')),
          async loadLocalInfile(sql, data) {
            const [result] = await connection.query({ sql, infileStreamFactory: () => data() });
            const header = result as unknown as { affectedRows: number; warningStatus: number };
            return { affectedRows: header.affectedRows, warnings: header.warningStatus };
          },
          close: () => connection.end(),
        };
      }

      let server: Scratch;
      beforeAll(async () => {
        server = await scratch(target, 'probe');
      });
      afterAll(async () => {
        await server.engine.close();
      });

      test('the same rows through LOAD DATA as through INSERTs, and a file the checks fail leaves the table empty', async () => {
        const { rows } = await server.session.query<{ on: unknown }>('SELECT @@GLOBAL.local_infile AS `on`');
        expect(Number(rows[0]!.on), 'the test server must allow LOCAL INFILE (local_infile=ON)').toBe(1);
        const fixture = shopDataset(dialect, { bulkOrders: 60_000 });
        const { dir, manifest, ...s } = await setup(fixture, 'restore_load_data');
        const loader = await localInfileSession(s);
        const extra: LocalInfileSession[] = [];
        expect(canLoadLocalInfile(loader)).toBe(true);
        const result = await restoreDatasetDir(dialect, loader, dir, manifest, {
          connect: async () => {
            const next = await localInfileSession(s);
            extra.push(next);
            return next;
          },
        });
        console.log(
          `[restore timing] mysql LOAD DATA: ${result.rows} rows in ${result.ms} ms (schema-pre ${result.phases.schemaPre} ms, data ${result.phases.data} ms, ` +
            `schema-post ${result.phases.schemaPost} ms; ${result.sessions} session(s), ${result.method})`,
        );
        expect(result).toMatchObject({ method: 'LOAD DATA LOCAL INFILE', notes: [] });
        const customers = (await loader.query<Record<string, unknown>>(CUSTOMERS_AS_TEXT[dialect])).rows.map((r) => Object.values(r));
        expect(customers).toEqual(expectedCustomers(fixture, dialect));
        expect((await loader.query(`SELECT CAST(COUNT(*) AS CHAR) AS n, HEX(MAX(token)) AS t FROM orders`)).rows).toEqual([{ n: '60004', t: expect.stringMatching(/^[0-9A-F]{16}$/) }]);
        expect((await loader.query('SELECT GROUP_CONCAT(HEX(flags) ORDER BY id) AS flags FROM orders WHERE id < 1005')).rows).toEqual([{ flags: '0,1,2,3,0,1,2,3' }]);
        await loader.close();

        // A gzip stream cut short (its size rewritten too): the statement fails, the table's transaction rolls back.
        const cut = await scratch(target, 'restore_load_cut');
        engines.push(cut.engine);
        const orders = manifest.tables[1]!;
        await truncate(join(dir, orders.file), orders.fileBytes - 50);
        await editManifest(dir, (m) => (m.tables[1].fileBytes -= 50));
        const cutLoader = await localInfileSession(cut);
        const error = await restoreDatasetDir(dialect, cutLoader, dir, await readManifest(dir), {}).catch((e: unknown) => e);
        expect((error as Error).message).toContain('the data file of table "orders" ends in the middle of its gzip stream: it was truncated');
        expect(Number((await cutLoader.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM orders')).rows[0]!.n)).toBe(0);
        await cutLoader.close();
      });
    });
  }
});
