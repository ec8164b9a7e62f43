// The shop the end-to-end suites rehearse on, written in each SQL dialect: customers, and orders
// referencing them ON DELETE CASCADE, with 2,000 customers and 6,000 orders (every fifth note
// NULL). Migrations 0001 and 0002 build it; the seed applies at 0002. A scenario adds 0003 (and
// more) in the dialect of the engine under test.
import type { Dialect } from '../../src/engines/engine.ts';

export type Files = Record<string, string>;

/** One text per dialect: the same scenario written in PostgreSQL, MySQL/MariaDB and SQLite SQL. */
export type PerDialect<T = string> = Record<Dialect, T>;

/**
 * A row source `g` with one column `n` = 1..count, in the dialect's own terms: PostgreSQL's
 * generate_series, a cross join of digits on MySQL/MariaDB (MariaDB caps recursive CTEs at
 * max_recursive_iterations = 1000 by default, MySQL at cte_max_recursion_depth = 1000), a
 * recursive CTE on SQLite (no generate_series without the series extension).
 */
export function numbers(dialect: Dialect, count: number): string {
  switch (dialect) {
    case 'postgres':
      return `generate_series(1, ${count}) AS g(n)`;
    case 'mysql': {
      const digits = '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
      const places = Math.max(1, Math.ceil(Math.log10(count + 1)));
      const sum = Array.from({ length: places }, (_, i) => `d${i}.d * ${10 ** i}`).join(' + ');
      const from = Array.from({ length: places }, (_, i) => `${digits} AS d${i}`).join(' CROSS JOIN ');
      return `(SELECT ${sum} + 1 AS n FROM ${from}) AS g`;
    }
    case 'sqlite':
      return `(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${count}) SELECT n FROM c) AS g`;
  }
}

/** `WHERE`-clause bound that goes with `numbers` (the MySQL source yields whole powers of ten). */
export function upTo(count: number): string {
  return `g.n <= ${count}`;
}

/** String concatenation in the dialect. */
export function concat(dialect: Dialect, ...parts: string[]): string {
  return dialect === 'mysql' ? `CONCAT(${parts.join(', ')})` : parts.join(' || ');
}

/** Inserts `count` rows into `table` (`columns`) from `values`, expressions of `g.n`. */
export function insertRows(dialect: Dialect, table: string, columns: string[], values: string[], count: number): string {
  return `INSERT INTO ${table} (${columns.join(', ')})\nSELECT ${values.join(', ')} FROM ${numbers(dialect, count)} WHERE ${upTo(count)} ORDER BY g.n;`;
}

const CUSTOMERS: PerDialect = {
  postgres: `
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  tier int NOT NULL DEFAULT 0
);`,
  mysql: `
CREATE TABLE customers (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email varchar(255) NOT NULL,
  tier int NOT NULL DEFAULT 0
) ENGINE=InnoDB;`,
  sqlite: `
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  tier INTEGER NOT NULL DEFAULT 0
);`,
};

const ORDERS: PerDialect = {
  postgres: `
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  total_cents int NOT NULL,
  note text
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);`,
  mysql: `
CREATE TABLE orders (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id bigint NOT NULL,
  total_cents int NOT NULL,
  note text,
  CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);`,
  sqlite: `
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  total_cents INTEGER NOT NULL,
  note TEXT
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);`,
};

export const CUSTOMER_ROWS = 2000;
export const ORDER_ROWS = 6000;

function seed(dialect: Dialect): string {
  const n = 'g.n';
  return [
    insertRows(dialect, 'customers', ['email', 'tier'], [concat(dialect, "'c'", n, "'@example.com'"), `${n} % 3`], CUSTOMER_ROWS),
    insertRows(
      dialect,
      'orders',
      ['customer_id', 'total_cents', 'note'],
      [`1 + (${n} % ${CUSTOMER_ROWS})`, `(${n} * 37) % 10000`, `CASE WHEN ${n} % 5 = 0 THEN NULL ELSE ${concat(dialect, "'n'", n)} END`],
      ORDER_ROWS,
    ),
  ].join('\n');
}

/** Migrations 0001 (customers) and 0002 (orders) and the seed, in `dialect`. */
export function shop(dialect: Dialect): Files {
  return {
    'migrations/0001_create_customers.up.sql': CUSTOMERS[dialect],
    'migrations/0001_create_customers.down.sql': 'DROP TABLE customers;',
    'migrations/0002_create_orders.up.sql': ORDERS[dialect],
    'migrations/0002_create_orders.down.sql': 'DROP TABLE orders;',
    'seed.sql': seed(dialect),
  };
}

/** The shop plus the scenario's migrations (in `dialect`) and, if given, a config file. */
export function shopWith(dialect: Dialect, files: Files, config?: string): Files {
  return { ...shop(dialect), ...files, ...(config ? { 'rehearse.config.yaml': config } : {}) };
}

/** A migration pair: `0003_<name>.up.sql` and `.down.sql`. */
export function migration(id: string, up: string, down: string): Files {
  return { [`migrations/${id}.up.sql`]: up, [`migrations/${id}.down.sql`]: down };
}

/**
 * On SQLite, which has no sleep function, about how many rows of a recursive count one second
 * holds (measured on a 2-core CI machine: 5M rows ≈ 1 s). Suites assert on the durations the
 * report measured, never on this estimate.
 */
const SQLITE_COUNT_PER_SECOND = 5_000_000;

/**
 * A statement that keeps the migration busy for about `seconds` without touching the shop's
 * tables: a sleep where the dialect has one, a recursive count on SQLite.
 */
export function pause(dialect: Dialect, seconds: number): string {
  switch (dialect) {
    case 'postgres':
      return `SELECT pg_sleep(${seconds});`;
    case 'mysql':
      return `SELECT SLEEP(${seconds});`;
    case 'sqlite':
      return `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${Math.round(seconds * SQLITE_COUNT_PER_SECOND)}) SELECT count(*) FROM c;`;
  }
}

/** A statement that never ends on its own (a step-timeout or Ctrl-C must stop it). */
export function hang(dialect: Dialect): string {
  switch (dialect) {
    case 'postgres':
      return 'SELECT pg_sleep(600);';
    case 'mysql':
      return 'SELECT SLEEP(600);';
    case 'sqlite':
      return 'WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c;';
  }
}
