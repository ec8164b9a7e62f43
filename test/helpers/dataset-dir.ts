// Writes dataset directories (docs/datasets.md) from JS data for the tests: the manifest with each
// data file's SHA-256, line count and compressed size computed as the file is written, the two
// schema files, and the gzip data files — what `rehearse dataset capture` writes, without a
// source database. `shopDataset(dialect)` is a small dataset in each SQL family's terms, holding
// the values that are easy to get wrong (tabs, newlines, backslashes, `\N` as text, NULL vs empty,
// unicode, numerics, dates, binary, JSON), an FK cycle, a self-reference, a sequence that must
// continue after a restore, and an empty table.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import {
  DATASET_FORMAT,
  DATASET_FORMAT_VERSION,
  MANIFEST_FILE,
  type AnonymizationSummary,
  type DatasetColumn,
  type DatasetEngine,
  type DatasetForeignKey,
  type DatasetManifest,
  type DatasetTable,
} from '../../src/datasets/dir/manifest.ts';
import { encodeRow, type Field } from '../../src/datasets/dir/tsv.ts';
import type { Dialect } from '../../src/engines/engine.ts';

export interface FixtureTable {
  name: string;
  /** Column names (type `text`), or full column entries (binary ones hold hex in `rows`). */
  columns: (string | DatasetColumn)[];
  primaryKey?: string[];
  /** The rows as they go in the file, already as text (hex for binary columns of MySQL / SQLite). */
  rows: Iterable<Field[]>;
  /** Default: rows = the rows written, bytes = 8 kB per 100 rows. */
  production?: { rows: number; bytes: number };
  subset?: string;
  /** Default `data/<nnnn>.tsv.gz`. */
  file?: string;
}

export interface DatasetFixture {
  engine: DatasetEngine;
  schemaPre: string;
  schemaPost: string;
  tables: FixtureTable[];
  foreignKeys?: DatasetForeignKey[];
  migration?: { version: string | null; dirty: boolean };
  anonymization?: AnonymizationSummary;
  subset?: Record<string, string>;
  serverVersion?: string;
  database?: string;
  rehearseVersion?: string;
  capturedAt?: string;
}

/** Writes `fixture` into `dir` (created if needed) and returns the manifest written. */
export async function writeDatasetDir(dir: string, fixture: DatasetFixture): Promise<DatasetManifest> {
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'schema-pre.sql'), fixture.schemaPre);
  await writeFile(join(dir, 'schema-post.sql'), fixture.schemaPost);
  const tables: DatasetTable[] = [];
  for (const [i, table] of fixture.tables.entries()) {
    const file = table.file ?? `data/${String(i + 1).padStart(4, '0')}.tsv.gz`;
    const written = await writeDataFile(join(dir, file), table.rows);
    tables.push({
      name: table.name,
      file,
      columns: table.columns.map((c) => (typeof c === 'string' ? { name: c, type: 'text' } : c)),
      primaryKey: table.primaryKey ?? [],
      rows: written.rows,
      production: table.production ?? { rows: written.rows, bytes: Math.max(8192, Math.ceil(written.rows / 100) * 8192) },
      sha256: written.sha256,
      fileBytes: written.fileBytes,
      ...(table.subset !== undefined ? { subset: table.subset } : {}),
    });
  }
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    formatVersion: DATASET_FORMAT_VERSION,
    rehearseVersion: fixture.rehearseVersion ?? '0.1.0',
    capturedAt: fixture.capturedAt ?? '2025-03-04T05:06:07.000Z',
    source: {
      engine: fixture.engine,
      serverVersion: fixture.serverVersion ?? { postgres: 'PostgreSQL 15.20', mysql: 'MariaDB 10.11.19', sqlite: 'SQLite 3.46.1' }[fixture.engine],
      database: fixture.database ?? 'shop',
    },
    migration: fixture.migration ?? { version: '20240101120000', dirty: false },
    tables,
    foreignKeys: fixture.foreignKeys ?? [],
    ...(fixture.anonymization ? { anonymization: fixture.anonymization } : {}),
    ...(fixture.subset ? { subset: fixture.subset } : {}),
  };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** `writeDatasetDir` into a new temporary directory. */
export async function tempDatasetDir(fixture: DatasetFixture): Promise<{ dir: string; manifest: DatasetManifest; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rehearse-dataset-'));
  const manifest = await writeDatasetDir(dir, fixture);
  return { dir, manifest, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Changes the manifest's JSON in place (to write a bad one). */
export async function editManifest(dir: string, edit: (json: Record<string, any>) => void): Promise<void> {
  const path = join(dir, MANIFEST_FILE);
  const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, any>;
  edit(json);
  await writeFile(path, `${JSON.stringify(json, null, 2)}\n`);
}

async function writeDataFile(path: string, rows: Iterable<Field[]>): Promise<{ rows: number; sha256: string; fileBytes: number }> {
  const hash = createHash('sha256');
  let count = 0;
  async function* lines(): AsyncGenerator<Buffer> {
    let pending: string[] = [];
    for (const row of rows) {
      pending.push(`${encodeRow(row)}\n`);
      count++;
      if (pending.length >= 1000) {
        const chunk = Buffer.from(pending.join(''));
        hash.update(chunk);
        yield chunk;
        pending = [];
      }
    }
    const chunk = Buffer.from(pending.join(''));
    hash.update(chunk);
    yield chunk;
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(path));
  return { rows: count, sha256: hash.digest('hex'), fileBytes: (await stat(path)).size };
}

// ---------------------------------------------------------------------------------------------
// The shop, in each SQL family's terms

/** Text values that are easy to get wrong, in the `name`/`note` columns of the first customers. */
export const TRICKY_TEXT: Field[] = [
  'tab\there',
  'new\nline and \r return',
  'back\\slash \\N and \\.',
  '\\N',
  '',
  null,
  'ünïcødé ✓ 日本語 🙂',
  '\\',
  '.',
];

export interface ShopOptions {
  /** Orders beyond the handful of hand-written ones (default 0): a few MB at 50,000. */
  bulkOrders?: number;
}

/**
 * customers (self-reference `referred_by`, and `last_order_id` → orders: an FK cycle with
 * orders.customer_id), orders (id from a sequence / AUTO_INCREMENT / rowid, last id 1000 + bulk,
 * a generated column that is not in the data; on MySQL a BIT column, whose HEX() has no leading zero), schema_migrations at 20240101120000. PostgreSQL
 * adds `billing.invoices` (a table outside public) and an enum.
 */
export function shopDataset(dialect: Dialect, options: ShopOptions = {}): DatasetFixture {
  const bulk = options.bulkOrders ?? 0;
  const s = SHOP[dialect];
  const customers = TRICKY_TEXT.map((text, i): Field[] => {
    const id = String(i + 1);
    return s.customer(id, text, i);
  });
  const orders = function* (): Generator<Field[]> {
    yield* [
      s.order('1', '1', '12.50', 0),
      s.order('2', '1', '0.00', 1),
      s.order('999', '2', '-3.25', 2),
      s.order('1000', '3', '99999999.99', 3),
    ];
    for (let n = 0; n < bulk; n++) {
      const id = String(1001 + n);
      yield s.order(id, String((n % customers.length) + 1), `${n % 1000}.${String(n % 100).padStart(2, '0')}`, n);
    }
  };
  const tables: FixtureTable[] = [
    { name: 'customers', columns: s.customerColumns, primaryKey: ['id'], rows: customers },
    { name: 'orders', columns: s.orderColumns, primaryKey: ['id'], rows: { [Symbol.iterator]: orders }, production: { rows: 4 + bulk * 10, bytes: 64 << 20 }, subset: 'orders=10%' },
    { name: 'schema_migrations', columns: s.trackingColumns, primaryKey: s.trackingKey, rows: [['20240101120000', s.false]] },
    { name: 'audit_log', columns: [col('id', 'integer'), col('what', 'text')], primaryKey: ['id'], rows: [] },
    ...s.extraTables,
  ];
  return {
    engine: dialect,
    schemaPre: s.pre,
    schemaPost: s.post(1000 + bulk),
    tables,
    foreignKeys: [
      { table: 'customers', columns: ['referred_by'], references: 'customers', referencedColumns: ['id'] },
      { table: 'customers', columns: ['last_order_id'], references: 'orders', referencedColumns: ['id'] },
      { table: 'orders', columns: ['customer_id'], references: 'customers', referencedColumns: ['id'] },
      ...s.extraForeignKeys,
    ],
    subset: { orders: '10%' },
  };
}

interface ShopDialect {
  pre: string;
  post(lastOrderId: number): string;
  customerColumns: DatasetColumn[];
  orderColumns: DatasetColumn[];
  trackingColumns: DatasetColumn[];
  trackingKey: string[];
  false: string;
  customer(id: string, text: Field, i: number): Field[];
  order(id: string, customer: string, total: string, i: number): Field[];
  extraTables: FixtureTable[];
  extraForeignKeys: DatasetForeignKey[];
}

const col = (name: string, type: string, binary?: boolean): DatasetColumn => (binary ? { name, type, binary } : { name, type });

/** Dates and timestamps of the rows, cycling. */
const DATES = ['2024-02-29', '1999-12-31', '2000-01-01', '1970-01-01'];
const TIMES = ['2024-01-02 03:04:05', '1999-12-31 23:59:59.999', '2000-01-01 00:00:00', '2038-01-19 03:14:07.5'];

/** pg_dump's header lines, as in every section it writes. */
const PG_DUMP_HEADER = `--
-- PostgreSQL database dump
--

\\restrict Zs8a0dAzF1gIvKmTbYvo1Kx5nX7TUQ

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
`;

const PG_DUMP_FOOTER = `
--
-- PostgreSQL database dump complete
--

\\unrestrict Zs8a0dAzF1gIvKmTbYvo1Kx5nX7TUQ
`;

const SHOP: Record<Dialect, ShopDialect> = {
  postgres: {
    pre: `${PG_DUMP_HEADER}
--
-- Name: billing; Type: SCHEMA; Schema: -; Owner: shop_owner
--

CREATE SCHEMA billing;


ALTER SCHEMA billing OWNER TO shop_owner;

CREATE TYPE public.mood AS ENUM (
    'sad',
    'ok',
    'happy'
);


ALTER TYPE public.mood OWNER TO shop_owner;

CREATE FUNCTION public.touch_order() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.status := coalesce(NEW.status, 'new');
  RETURN NEW;
END
$$;


ALTER FUNCTION public.touch_order() OWNER TO shop_owner;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.customers (
    id integer NOT NULL,
    name text,
    note text,
    balance numeric(12,2),
    born date,
    created_at timestamp with time zone,
    photo bytea,
    prefs jsonb,
    mood public.mood,
    referred_by integer,
    last_order_id integer
);


ALTER TABLE public.customers OWNER TO shop_owner;

CREATE TABLE public.orders (
    id integer NOT NULL,
    customer_id integer NOT NULL,
    total numeric(12,2) NOT NULL,
    total_cents bigint GENERATED ALWAYS AS (((total * (100)::numeric))::bigint) STORED,
    placed_at timestamp with time zone,
    status text,
    CONSTRAINT orders_total_check CHECK ((total > ('-1000'::integer)::numeric))
);


ALTER TABLE public.orders OWNER TO shop_owner;

CREATE SEQUENCE public.orders_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.orders_id_seq OWNER TO shop_owner;

ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;

CREATE TABLE public.audit_log (
    id integer NOT NULL,
    what text
);

CREATE TABLE public.schema_migrations (
    version bigint NOT NULL,
    dirty boolean NOT NULL
);


ALTER TABLE public.schema_migrations OWNER TO shop_owner;

CREATE TABLE billing.invoices (
    id integer NOT NULL,
    order_id integer,
    amount numeric
);


ALTER TABLE billing.invoices OWNER TO shop_owner;

ALTER TABLE ONLY public.orders ALTER COLUMN id SET DEFAULT nextval('public.orders_id_seq'::regclass);
${PG_DUMP_FOOTER}`,
    post: (last) => `SELECT pg_catalog.setval('public.orders_id_seq', ${last}, true);
${PG_DUMP_HEADER}
SET default_tablespace = '';

ALTER TABLE ONLY billing.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

CREATE INDEX customers_name_idx ON public.customers USING btree (name);

CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id);

CREATE TRIGGER orders_touch BEFORE INSERT ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch_order();

ALTER TABLE ONLY billing.invoices
    ADD CONSTRAINT invoices_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_last_order_id_fkey FOREIGN KEY (last_order_id) REFERENCES public.orders(id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_referred_by_fkey FOREIGN KEY (referred_by) REFERENCES public.customers(id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id);
${PG_DUMP_FOOTER}`,
    customerColumns: [
      col('id', 'integer'),
      col('name', 'text'),
      col('note', 'text'),
      col('balance', 'numeric(12,2)'),
      col('born', 'date'),
      col('created_at', 'timestamp with time zone'),
      col('photo', 'bytea'),
      col('prefs', 'jsonb'),
      col('mood', 'public.mood'),
      col('referred_by', 'integer'),
      col('last_order_id', 'integer'),
    ],
    orderColumns: [col('id', 'integer'), col('customer_id', 'integer'), col('total', 'numeric(12,2)'), col('placed_at', 'timestamp with time zone'), col('status', 'text')],
    trackingColumns: [col('version', 'bigint'), col('dirty', 'boolean')],
    trackingKey: ['version'],
    false: 'f',
    customer: (id, text, i) => [
      id,
      text,
      i % 2 === 0 ? text : null,
      ['1.50', '0.00', '-12345678.90', null][i % 4]!,
      DATES[i % 4]!,
      i % 3 === 2 ? null : `${TIMES[i % 4]}+00`,
      ['\\x00ff', '\\x', null, '\\xdeadbeef'][i % 4]!,
      ['{"a": [1, 2.5, null]}', '"just a string"', null, '{"k": "v\\tw;"}'][i % 4]!,
      ['sad', 'ok', 'happy', null][i % 4]!,
      i === 0 ? null : String(i),
      i < 3 ? ['999', '1', '1000'][i]! : null,
    ],
    order: (id, customer, total, i) => [id, customer, total, `${TIMES[i % 4]}+00`, i % 5 === 4 ? null : 'paid'],
    extraTables: [
      {
        name: 'billing.invoices',
        columns: [col('id', 'integer'), col('order_id', 'integer'), col('amount', 'numeric')],
        primaryKey: ['id'],
        rows: [
          ['1', '1', '12.5'],
          ['2', '999', '1e-7'],
          ['3', null, '123456789012345678901234567890.123456789'],
        ],
      },
    ],
    extraForeignKeys: [{ table: 'billing.invoices', columns: ['order_id'], references: 'orders', referencedColumns: ['id'] }],
  },

  mysql: {
    pre: `/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;

CREATE TABLE \`customers\` (
  \`id\` int(11) NOT NULL,
  \`name\` text DEFAULT NULL,
  \`note\` varchar(500) DEFAULT NULL,
  \`balance\` decimal(12,2) DEFAULT NULL,
  \`born\` date DEFAULT NULL,
  \`created_at\` datetime(3) DEFAULT NULL,
  \`photo\` blob DEFAULT NULL,
  \`prefs\` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(\`prefs\`)),
  \`mood\` enum('sad','ok','happy') DEFAULT NULL,
  \`referred_by\` int(11) DEFAULT NULL,
  \`last_order_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE \`orders\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`customer_id\` int(11) NOT NULL,
  \`total\` decimal(12,2) NOT NULL,
  \`total_cents\` bigint(20) GENERATED ALWAYS AS (\`total\` * 100) STORED,
  \`placed_at\` datetime(3) DEFAULT NULL,
  \`status\` varchar(20) DEFAULT NULL,
  \`token\` varbinary(16) DEFAULT NULL,
  \`flags\` bit(3) DEFAULT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB AUTO_INCREMENT=1001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE \`audit_log\` (\`id\` int NOT NULL, \`what\` text, PRIMARY KEY (\`id\`)) ENGINE=InnoDB;

CREATE TABLE \`schema_migrations\` (
  \`version\` bigint(20) NOT NULL,
  \`dirty\` tinyint(1) NOT NULL,
  PRIMARY KEY (\`version\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
`,
    post: () => `ALTER TABLE \`customers\` ADD KEY \`customers_name_idx\` (\`name\`(50)),
  ADD CONSTRAINT \`customers_referred_by_fk\` FOREIGN KEY (\`referred_by\`) REFERENCES \`customers\` (\`id\`),
  ADD CONSTRAINT \`customers_last_order_fk\` FOREIGN KEY (\`last_order_id\`) REFERENCES \`orders\` (\`id\`);
ALTER TABLE \`orders\` ADD KEY \`orders_customer_id_idx\` (\`customer_id\`),
  ADD CONSTRAINT \`orders_customer_fk\` FOREIGN KEY (\`customer_id\`) REFERENCES \`customers\` (\`id\`);
CREATE ALGORITHM=UNDEFINED DEFINER=\`app\`@\`%\` SQL SECURITY DEFINER VIEW \`paid_orders\` AS SELECT \`id\`, \`total\` FROM \`orders\` WHERE \`status\` = 'paid';
DELIMITER ;;
CREATE DEFINER=\`app\`@\`%\` TRIGGER \`orders_touch\` BEFORE INSERT ON \`orders\` FOR EACH ROW BEGIN
  SET NEW.status = COALESCE(NEW.status, 'new');
END ;;
DELIMITER ;
`,
    customerColumns: [
      col('id', 'int(11)'),
      col('name', 'text'),
      col('note', 'varchar(500)'),
      col('balance', 'decimal(12,2)'),
      col('born', 'date'),
      col('created_at', 'datetime(3)'),
      col('photo', 'blob', true),
      col('prefs', 'longtext'),
      col('mood', "enum('sad','ok','happy')"),
      col('referred_by', 'int(11)'),
      col('last_order_id', 'int(11)'),
    ],
    orderColumns: [col('id', 'int(11)'), col('customer_id', 'int(11)'), col('total', 'decimal(12,2)'), col('placed_at', 'datetime(3)'), col('status', 'varchar(20)'), col('token', 'varbinary(16)', true), col('flags', 'bit(3)', true)],
    trackingColumns: [col('version', 'bigint(20)'), col('dirty', 'tinyint(1)')],
    trackingKey: ['version'],
    false: '0',
    customer: (id, text, i) => [
      id,
      text,
      i % 2 === 0 ? text : null,
      ['1.50', '0.00', '-12345678.90', null][i % 4]!,
      DATES[i % 4]!,
      i % 3 === 2 ? null : mysqlTime(TIMES[i % 4]!),
      ['00ff', '', null, 'DEADBEEF'][i % 4]!,
      ['{"a": [1, 2.5, null]}', '"just a string"', null, '{"k": "v\\tw;"}'][i % 4]!,
      ['sad', 'ok', 'happy', null][i % 4]!,
      i === 0 ? null : String(i),
      i < 3 ? ['999', '1', '1000'][i]! : null,
    ],
    order: (id, customer, total, i) => [id, customer, total, mysqlTime(TIMES[i % 4]!), i % 5 === 4 ? null : 'paid', i % 3 === 0 ? null : (i * 2654435761).toString(16).padStart(16, '0').slice(-16), (i % 8).toString(16)],
    extraTables: [],
    extraForeignKeys: [],
  },

  sqlite: {
    pre: `CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT,
  note TEXT,
  balance NUMERIC,
  born DATE,
  created_at TEXT,
  photo BLOB,
  prefs TEXT CHECK (prefs IS NULL OR json_valid(prefs)),
  mood TEXT CHECK (mood IN ('sad', 'ok', 'happy')),
  referred_by INTEGER REFERENCES customers (id),
  last_order_id INTEGER REFERENCES orders (id)
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  total NUMERIC NOT NULL,
  total_cents INTEGER GENERATED ALWAYS AS (CAST(round(total * 100) AS INTEGER)) VIRTUAL,
  placed_at TEXT,
  status TEXT
);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, what TEXT);
CREATE TABLE schema_migrations (version uint64,dirty bool);
`,
    post: () => `CREATE UNIQUE INDEX version_unique ON schema_migrations (version);
CREATE INDEX customers_name_idx ON customers (name);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE VIEW paid_orders AS SELECT id, total FROM orders WHERE status = 'paid';
CREATE TRIGGER orders_touch AFTER INSERT ON orders FOR EACH ROW WHEN NEW.status IS NULL BEGIN
  UPDATE orders SET status = 'new' WHERE id = NEW.id;
END;
`,
    customerColumns: [
      col('id', 'INTEGER'),
      col('name', 'TEXT'),
      col('note', 'TEXT'),
      col('balance', 'NUMERIC'),
      col('born', 'DATE'),
      col('created_at', 'TEXT'),
      col('photo', 'BLOB', true),
      col('prefs', 'TEXT'),
      col('mood', 'TEXT'),
      col('referred_by', 'INTEGER'),
      col('last_order_id', 'INTEGER'),
    ],
    orderColumns: [col('id', 'INTEGER'), col('customer_id', 'INTEGER'), col('total', 'NUMERIC'), col('placed_at', 'TEXT'), col('status', 'TEXT')],
    trackingColumns: [col('version', 'uint64'), col('dirty', 'bool')],
    trackingKey: [],
    false: '0',
    customer: (id, text, i) => [
      id,
      text,
      i % 2 === 0 ? text : null,
      ['1.5', '0', '-12345678.9', null][i % 4]!,
      DATES[i % 4]!,
      i % 3 === 2 ? null : TIMES[i % 4]!,
      ['00ff', '', null, 'deadbeef'][i % 4]!,
      ['{"a":[1,2.5,null]}', '"just a string"', null, '{"k":"v\\tw;"}'][i % 4]!,
      ['sad', 'ok', 'happy', null][i % 4]!,
      i === 0 ? null : String(i),
      i < 3 ? ['999', '1', '1000'][i]! : null,
    ],
    order: (id, customer, total, i) => [id, customer, String(Number(total)), TIMES[i % 4]!, i % 5 === 4 ? null : 'paid'],
    extraTables: [],
    extraForeignKeys: [],
  },
};

/** MySQL's DATETIME(3) text of a timestamp (three fractional digits). */
function mysqlTime(t: string): string {
  const [whole, fraction = ''] = t.split('.');
  return `${whole}.${fraction.padEnd(3, '0').slice(0, 3)}`;
}
