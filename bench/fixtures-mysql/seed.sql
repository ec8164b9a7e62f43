-- Seed for the MySQL/MariaDB overhead benchmark (bench/change-vs-mysql.ts), at dataset version
-- 0002. Deterministic (no RAND(), no UUID()): every value is computed from its row number, so the
-- bench's mysql-client baseline and rehearse build exactly the same data. Portable to MySQL 8 and
-- MariaDB (no sequence engine, no recursive CTE and its recursion limit). The bench rewrites the
-- numbers marked /* rows */ for --rows (at most 10,000,000); invoices are a fifth of accounts.

-- Row numbers 1..N, from a cross join of digits (helper tables, dropped at the end).
CREATE TABLE seed_digits (d int NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO seed_digits (d) VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
CREATE TABLE seed_numbers (n int NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO seed_numbers (n)
SELECT n FROM (
  SELECT 1 + d0.d + 10 * d1.d + 100 * d2.d + 1000 * d3.d + 10000 * d4.d + 100000 * d5.d + 1000000 * d6.d AS n
  FROM seed_digits d0, seed_digits d1, seed_digits d2, seed_digits d3, seed_digits d4, seed_digits d5, seed_digits d6
  WHERE 1000000 * d6.d < 500000 /* rows */
) numbers
WHERE n <= 500000 /* rows */;

-- Accounts, inserted in primary-key order.
INSERT INTO accounts (id, email, name, country, status, balance_cents, created_at)
SELECT n,
       CONCAT('user', n, '@example.', ELT(n % 4 + 1, 'com', 'org', 'net', 'io')),
       CONCAT('customer ', LEFT(MD5(n), 12)),
       ELT(n % 7 + 1, 'FR', 'DE', 'US', 'GB', 'JP', 'BR', 'IN'),
       ELT(n % 5 + 1, 'active', 'active', 'active', 'suspended', 'closed'),
       (n * 7919) % 1000000,
       TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (n * 37) SECOND
FROM seed_numbers
ORDER BY n;

-- Invoices: a fifth as many, spread over the accounts.
INSERT INTO invoices (id, account_id, amount_cents, state, issued_at)
SELECT n,
       (n * 37) % (500000 /* rows */) + 1,
       (n * 104729) % 50000 + 100,
       ELT(n % 4 + 1, 'paid', 'paid', 'open', 'void'),
       TIMESTAMP '2021-01-01 00:00:00' + INTERVAL (n * 3) MINUTE
FROM seed_numbers
WHERE n <= (500000 /* rows */) DIV 5
ORDER BY n;

DROP TABLE seed_numbers;
DROP TABLE seed_digits;

-- Index statistics now, so both sides plan the change alike.
ANALYZE TABLE accounts, invoices;
