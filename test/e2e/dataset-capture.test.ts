// `rehearse dataset capture` → `dataset inspect` → `run --dataset DIR`, end to end, from a real
// production-like database with personal data on PostgreSQL, MariaDB and SQLite: captured with a
// read-only account (PostgreSQL: pg_read_all_data; MariaDB: SELECT and SHOW VIEW only; SQLite:
// a read-only connection), subset, anonymized, inspected and rehearsed against — and no personal
// value of the source survives in the output.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/engines/engine.ts';
import type { DatasetManifest } from '../../src/datasets/dir/manifest.ts';
import { describeEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type Project } from './cli.ts';
import { migration, numbers, upTo, concat } from './shop.ts';

const CUSTOMERS = 2000;
const ORDERS = 6000;
const KEY = 'test-anonymization-key-0123456789';

const TRACKING: Record<Dialect, string> = {
  postgres: 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false);',
  mysql: 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false);',
  sqlite: 'CREATE TABLE schema_migrations (version uint64, dirty bool); CREATE UNIQUE INDEX version_unique ON schema_migrations (version); INSERT INTO schema_migrations VALUES (2, 0);',
};

function migrations(dialect: Dialect): Record<string, string> {
  const id = dialect === 'postgres' ? 'bigserial PRIMARY KEY' : dialect === 'mysql' ? 'bigint NOT NULL AUTO_INCREMENT PRIMARY KEY' : 'INTEGER PRIMARY KEY';
  const fkType = dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  return {
    ...migration(
      '0001_create_customers',
      `CREATE TABLE customers (id ${id}, email varchar(200) NOT NULL UNIQUE, full_name varchar(200), phone varchar(40), created_at ${dialect === 'postgres' ? 'timestamptz' : 'datetime'} NOT NULL);`,
      'DROP TABLE customers;',
    ),
    ...migration(
      '0002_create_orders',
      `CREATE TABLE orders (id ${id}, customer_id ${fkType} NOT NULL REFERENCES customers (id), total_cents int NOT NULL, note text${dialect === 'mysql' ? ', FOREIGN KEY (customer_id) REFERENCES customers (id)' : ''});`,
      'DROP TABLE orders;',
    ),
    ...migration('0003_add_order_coupon', 'ALTER TABLE orders ADD COLUMN coupon varchar(20);', 'ALTER TABLE orders DROP COLUMN coupon;'),
  };
}

/** The production database: the migrations' schema, golang-migrate's table at 0002, and personal data. */
function productionSql(dialect: Dialect): string {
  const ups = migrations(dialect);
  const now = dialect === 'postgres' ? "timestamptz '2024-05-01 10:00:00+00'" : "'2024-05-01 10:00:00'";
  return [
    ups['migrations/0001_create_customers.up.sql'],
    ups['migrations/0002_create_orders.up.sql'],
    TRACKING[dialect],
    `INSERT INTO customers (email, full_name, phone, created_at) SELECT ${concat(dialect, "'person'", 'g.n', "'@mail.example.org'")}, ${concat(dialect, "'Given'", 'g.n', "' Family'", 'g.n')}, ${concat(dialect, "'+41 79 '", 'g.n')}, ${now} FROM ${numbers(dialect, CUSTOMERS)} WHERE ${upTo(CUSTOMERS)} ORDER BY g.n;`,
    // Every tenth note quotes the customer's address: free text that holds personal data.
    `INSERT INTO orders (customer_id, total_cents, note) SELECT 1 + (g.n % ${CUSTOMERS}), (g.n * 37) % 10000, CASE WHEN g.n % 10 = 0 THEN ${concat(dialect, "'call person'", `1 + (g.n % ${CUSTOMERS})`, "'@mail.example.org'")} ELSE 'leave at the door' END FROM ${numbers(dialect, ORDERS)} WHERE ${upTo(ORDERS)} ORDER BY g.n;`,
  ].join('\n');
}

const RULES = `tables:
  customers:
    email: fake:email
    full_name: fake:name
    phone: mask
  orders:
    note: fake:text
`;

interface Source {
  /** What --from gets: a read-only account's URL, or the SQLite file. */
  from: string;
  dispose(): Promise<void>;
}

async function postgresSource(): Promise<Source> {
  const admin = process.env.REHEARSE_TEST_PG_URL!;
  const name = `capture_src_${process.pid}`;
  const role = `capture_ro_${process.pid}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name}`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.query(`DROP ROLE IF EXISTS ${role}`);
  await client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'ro-secret-pw'`);
  await client.query(`GRANT pg_read_all_data TO ${role}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  await db.query(productionSql('postgres'));
  await db.end();
  url.username = role;
  url.password = 'ro-secret-pw';
  return {
    from: url.toString(),
    dispose: async () => {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${role}`);
      await client.end();
    },
  };
}

async function mysqlSource(): Promise<Source> {
  const admin = new URL(process.env.REHEARSE_TEST_MYSQL_URL!);
  const name = `capture_src_${process.pid}`;
  const user = `capture_ro_${process.pid}`;
  const conn = await mysql.createConnection({ host: admin.hostname, port: Number(admin.port || 3306), user: decodeURIComponent(admin.username) || 'root', password: decodeURIComponent(admin.password) || undefined, multipleStatements: true });
  await conn.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name}; USE ${name};`);
  await conn.query(productionSql('mysql'));
  await conn.query(`DROP USER IF EXISTS '${user}'@'%'; CREATE USER '${user}'@'%' IDENTIFIED BY 'ro-secret-pw'; GRANT SELECT, SHOW VIEW ON ${name}.* TO '${user}'@'%';`);
  const url = new URL(admin.toString());
  url.username = user;
  url.password = 'ro-secret-pw';
  url.pathname = `/${name}`;
  return {
    from: url.toString(),
    dispose: async () => {
      await conn.query(`DROP DATABASE IF EXISTS ${name}; DROP USER IF EXISTS '${user}'@'%';`);
      await conn.end();
    },
  };
}

async function sqliteSource(dir: string): Promise<Source> {
  const { default: Database } = await import('better-sqlite3');
  const file = join(dir, 'production.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(productionSql('sqlite'));
  db.close();
  return { from: file, dispose: async () => undefined };
}

const SOURCES: [kind: 'postgres' | 'mysql' | 'sqlite', dialect: Dialect][] = [
  ['postgres', 'postgres'],
  ['mysql', 'mysql'],
  ['sqlite', 'sqlite'],
];

for (const [kind, dialect] of SOURCES) {
  describeEngine(kind, (engine) => {
    describe('dataset capture → inspect → run', () => {
      let project: Project;
      let source: Source;
      const env = { REHEARSE_ANONYMIZE_KEY: KEY };
      beforeAll(async () => {
        project = await makeProject({ ...migrations(dialect), 'rules.yaml': RULES });
        source = kind === 'postgres' ? await postgresSource() : kind === 'mysql' ? await mysqlSource() : await sqliteSource(project.dir);
      }, 60_000);
      afterAll(async () => {
        await source?.dispose();
        await project?.dispose();
      });

      it('refuses to capture personal-looking columns without a rule, and lists them', async () => {
        const r = await runCli(['dataset', 'capture', '--from', source.from, '--out', 'refused'], project.dir, { env });
        expect(r.code).toBe(2);
        for (const column of ['customers.email', 'customers.full_name', 'customers.phone']) expect(r.stderr).toContain(column);
        expect(r.stderr).not.toContain('ro-secret-pw');
      });

      it('refuses rules that name a table or column the source does not have, at file:line', async () => {
        await writeFile(join(project.dir, 'bad-rules.yaml'), 'tables:\n  customers:\n    emial: fake:email\n  invoices:\n    note: null\n');
        const r = await runCli(['dataset', 'capture', '--from', source.from, '--out', 'bad', '--rules', 'bad-rules.yaml', '--allow-personal-data'], project.dir, { env });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/bad-rules\.yaml:3:\d+.*emial/);
        expect(r.stderr).toMatch(/bad-rules\.yaml:4:\d+.*invoices/);
        expect(r.stderr).toMatch(/email/);
      });

      it('captures a subset, anonymized, with a read-only account, and no personal value survives', async () => {
        const r = await runCli(['dataset', 'capture', '--from', source.from, '--out', 'ds', '--rules', 'rules.yaml', '--subset', 'customers=50%'], project.dir, { env, timeoutMs: 100_000 });
        expect(r.stderr).not.toContain('ro-secret-pw');
        expect(r.code, r.stderr).toBe(0);
        const manifest = JSON.parse(readFileSync(join(project.dir, 'ds', 'manifest.json'), 'utf8')) as DatasetManifest;
        expect(manifest).toMatchObject({ format: 'rehearse-dataset', formatVersion: 1, migration: { version: '2', dirty: false }, source: { engine: dialect } });
        const customers = manifest.tables.find((t) => t.name === 'customers')!;
        const orders = manifest.tables.find((t) => t.name === 'orders')!;
        expect(customers.production.rows).toBe(CUSTOMERS);
        expect(orders.production.rows).toBe(ORDERS);
        // About half the customers (keyed hash), and only orders of those customers (children follow).
        expect(customers.rows).toBeGreaterThan(CUSTOMERS * 0.4);
        expect(customers.rows).toBeLessThan(CUSTOMERS * 0.6);
        expect(orders.rows).toBeGreaterThan(ORDERS * 0.4);
        expect(orders.rows).toBeLessThan(ORDERS * 0.6);
        expect(manifest.anonymization).toMatchObject({ rules: { 'customers.email': expect.any(String), 'orders.note': expect.any(String) } });
        expect(manifest.anonymization?.leakCheck.sampled).toBeGreaterThan(0);
        expect(manifest.anonymization?.leakCheck.found).toBe(0);
        expect(JSON.stringify(manifest)).not.toContain(KEY);
        // The proof beyond the sample: no address and no phone number of the source in any data file.
        const data = manifest.tables.map((t) => gunzipSync(readFileSync(join(project.dir, 'ds', t.file))).toString('utf8')).join('\n');
        expect(data).not.toMatch(/person\d+@mail\.example\.org/);
        expect(data).not.toMatch(/\+41 79 \d+/);
        expect(data).not.toMatch(/Given\d+ Family/);
      }, 120_000);

      it('inspects and verifies the dataset', async () => {
        const r = await runCli(['dataset', 'inspect', 'ds', '--verify'], project.dir);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/customers/);
        expect(r.stdout).toMatch(/orders/);
      });

      it('rehearses the change against it, with production sizes from the manifest', async () => {
        const r = await runCli(['run', '--migrations', 'migrations', '--dataset', 'ds', '--json', 'report.json', '--no-probes', ...engineArgs(engine.kind)], project.dir, { timeoutMs: 100_000 });
        expect(r.code, r.stderr).toBe(0);
        const target = r.report?.targets[0];
        expect(target?.dataset).toMatchObject({ kind: 'dataset-dir', version: '0002', productionRows: { customers: CUSTOMERS, orders: ORDERS } });
        expect(target?.steps.filter((s) => s.phase === 'change').map((s) => [s.migration, s.status])).toEqual([['0003_add_order_coupon', 'success']]);
        expect(target?.notes.join('\n')).toMatch(/production row counts from the dataset's manifest/);
        expect(target?.schemaDrift?.differences).toEqual([]);
      }, 120_000);

      if (kind === 'postgres') {
        it('restores the same dataset into embedded PGlite, zero setup', async () => {
          const r = await runCli(['run', '--migrations', 'migrations', '--dataset', 'ds', '--json', 'pglite.json', '--engine', 'pglite'], project.dir, { timeoutMs: 100_000 });
          expect(r.code, r.stderr).toBe(0);
          expect(r.report?.targets[0]?.dataset).toMatchObject({ kind: 'dataset-dir', version: '0002' });
        }, 120_000);
      }

      it('captures the same rows and the same anonymized values twice (deterministic), in worker threads or not', async () => {
        // --jobs 1 reads every table in the main thread; the first capture used the default 2 (worker threads on PostgreSQL).
        const r = await runCli(['dataset', 'capture', '--from', source.from, '--out', 'ds2', '--rules', 'rules.yaml', '--subset', 'customers=50%', '--jobs', '1'], project.dir, { env, timeoutMs: 100_000 });
        expect(r.code, r.stderr).toBe(0);
        const sha = (d: string) => (JSON.parse(readFileSync(join(project.dir, d, 'manifest.json'), 'utf8')) as DatasetManifest).tables.map((t) => [t.name, t.sha256]);
        expect(sha('ds2')).toEqual(sha('ds'));
      }, 120_000);
    });
  });
}
