import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { splitMysqlFile } from './mysql-split.ts';

function one(sql: string) {
  const file = splitMysqlFile('one.sql', sql);
  if (file.statements.length !== 1) throw new Error(`expected one statement in: ${sql}`);
  return file.statements[0]!;
}

function syntaxError(sql: string): InputError {
  try {
    splitMysqlFile('migrations/0002_bad.up.sql', sql);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error(`expected an InputError for: ${sql}`);
}

/** `relation:mode` of every inferred lock. */
function locks(sql: string): string[] {
  return one(sql).inferredLocks.map((l) => `${l.relation}:${l.mode}`);
}

describe('splitMysqlFile: kind, summary and tables', () => {
  it.each([
    ['CREATE TABLE `orders` (id INT PRIMARY KEY, customer_id INT, FOREIGN KEY (customer_id) REFERENCES customers (id))', 'CreateStmt', 'CREATE TABLE orders', ['orders', 'customers']],
    ['CREATE TABLE IF NOT EXISTS shop.audit LIKE shop.orders', 'CreateStmt', 'CREATE TABLE shop.audit LIKE shop.orders', ['shop.audit', 'shop.orders']],
    ['CREATE TEMPORARY TABLE tmp_ids AS SELECT id FROM orders WHERE total > 100', 'CreateTableAsStmt', 'CREATE TEMPORARY TABLE tmp_ids AS SELECT', ['tmp_ids', 'orders']],
    ['ALTER TABLE orders ADD COLUMN note TEXT', 'AlterTableStmt', 'ALTER TABLE orders ADD COLUMN note', ['orders']],
    [
      'ALTER TABLE `Orders` ADD CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES `crm`.`Customers` (id), ALGORITHM=COPY',
      'AlterTableStmt',
      'ALTER TABLE Orders ADD CONSTRAINT fk_customer FOREIGN KEY REFERENCES crm.Customers, ALGORITHM=COPY',
      ['Orders', 'crm.Customers'],
    ],
    ["ALTER TABLE orders MODIFY status ENUM('new','paid') NOT NULL DEFAULT 'new', RENAME TO purchases", 'AlterTableStmt', 'ALTER TABLE orders MODIFY COLUMN status, RENAME TO purchases', ['orders', 'purchases']],
    ['CREATE INDEX orders_by_customer ON orders (customer_id)', 'IndexStmt', 'CREATE INDEX orders_by_customer ON orders', ['orders']],
    ['CREATE UNIQUE INDEX uq ON orders (number) ALGORITHM=INPLACE LOCK=NONE', 'IndexStmt', 'CREATE UNIQUE INDEX uq ON orders', ['orders']],
    ['CREATE FULLTEXT INDEX ft ON posts (body)', 'IndexStmt', 'CREATE FULLTEXT INDEX ft ON posts', ['posts']],
    ['DROP TABLE IF EXISTS orders, `order_items` CASCADE', 'DropStmt', 'DROP TABLE orders, order_items', ['orders', 'order_items']],
    ['DROP INDEX orders_by_customer ON orders', 'DropStmt', 'DROP INDEX orders_by_customer ON orders', ['orders']],
    ['DROP VIEW IF EXISTS big_orders', 'DropStmt', 'DROP VIEW big_orders', ['big_orders']],
    ['DROP TRIGGER IF EXISTS orders_bi', 'DropStmt', 'DROP TRIGGER orders_bi', []],
    ['RENAME TABLE orders TO orders_old, orders_new TO orders', 'RenameStmt', 'RENAME TABLE orders TO orders_old, orders_new TO orders', ['orders', 'orders_old', 'orders_new']],
    ['TRUNCATE TABLE sessions', 'TruncateStmt', 'TRUNCATE TABLE sessions', ['sessions']],
    ["INSERT INTO settings (name, value) VALUES ('secret', 'hunter2') ON DUPLICATE KEY UPDATE value = 'x'", 'InsertStmt', 'INSERT INTO settings', ['settings']],
    ["REPLACE INTO settings VALUES ('a', 'b')", 'InsertStmt', 'REPLACE INTO settings', ['settings']],
    ['INSERT IGNORE INTO archive SELECT * FROM orders o JOIN items i ON i.order_id = o.id', 'InsertStmt', 'INSERT IGNORE INTO archive', ['archive', 'orders', 'items']],
    ["UPDATE orders SET status = 'paid' WHERE id IN (SELECT order_id FROM payments)", 'UpdateStmt', 'UPDATE orders', ['orders', 'payments']],
    ['UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.region = c.region', 'UpdateStmt', 'UPDATE orders, customers', ['orders', 'customers']],
    ["DELETE FROM sessions WHERE created < '2020-01-01'", 'DeleteStmt', 'DELETE FROM sessions', ['sessions']],
    ['DELETE o, i FROM orders o JOIN items i ON i.order_id = o.id WHERE o.id < 10', 'DeleteStmt', 'DELETE FROM orders, items', ['orders', 'items']],
    ['DELETE FROM a USING a JOIN b ON a.id = b.id', 'DeleteStmt', 'DELETE FROM a', ['a', 'b']],
    ['SELECT EXTRACT(YEAR FROM created) FROM orders, (SELECT 1 FROM dual) d LEFT JOIN items i USING (id)', 'SelectStmt', 'SELECT FROM orders, items', ['orders', 'items']],
    ['WITH recent AS (SELECT * FROM orders) SELECT * FROM recent JOIN customers ON 1', 'SelectStmt', 'SELECT FROM customers', ['customers', 'orders']],
    ['TABLE orders ORDER BY id', 'SelectStmt', 'SELECT FROM orders', ['orders']],
    ['START TRANSACTION', 'TransactionStmt', 'START TRANSACTION', []],
    ['ROLLBACK TO SAVEPOINT before_backfill', 'TransactionStmt', 'ROLLBACK TO SAVEPOINT before_backfill', []],
    ["XA START 'xid'", 'TransactionStmt', 'XA START', []],
    ["SET NAMES utf8mb4", 'VariableSetStmt', 'SET NAMES', []],
    ["SET foreign_key_checks = 0, @@GLOBAL.max_connections = 10, @x := 'secret'", 'VariableSetStmt', 'SET foreign_key_checks, @@GLOBAL.max_connections, @x', []],
    ['CREATE OR REPLACE VIEW paid AS SELECT * FROM orders WHERE status = 1', 'ViewStmt', 'CREATE OR REPLACE VIEW paid', ['paid', 'orders']],
    ['ALTER ALGORITHM=MERGE DEFINER=`app`@`%` VIEW paid AS SELECT id FROM orders', 'ViewStmt', 'ALTER VIEW paid', ['paid', 'orders']],
    ['CREATE DEFINER=`root`@`localhost` TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.total = 0', 'CreateTrigStmt', 'CREATE TRIGGER orders_bi ON orders', ['orders']],
    ['CREATE PROCEDURE archive_orders() SELECT 1', 'CreateFunctionStmt', 'CREATE PROCEDURE archive_orders', []],
    ['CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2', 'CreateFunctionStmt', 'CREATE FUNCTION twice', []],
    ["LOAD DATA LOCAL INFILE '/tmp/orders.csv' INTO TABLE orders FIELDS TERMINATED BY ','", 'LoadDataStmt', 'LOAD DATA LOCAL INFILE INTO TABLE orders', ['orders']],
    ['LOCK TABLES orders WRITE, customers AS c READ', 'LockTablesStmt', 'LOCK TABLES orders WRITE, customers READ', ['orders', 'customers']],
    ['UNLOCK TABLES', 'LockTablesStmt', 'UNLOCK TABLES', []],
    ['OPTIMIZE TABLE orders, items', 'OptimizeStmt', 'OPTIMIZE TABLE orders, items', ['orders', 'items']],
    ['ANALYZE NO_WRITE_TO_BINLOG TABLE orders PERSISTENT FOR ALL', 'AnalyzeStmt', 'ANALYZE TABLE orders', ['orders']],
    ["CALL backfill_orders(1000, 'x')", 'CallStmt', 'CALL backfill_orders', []],
    ['/*!40000 ALTER TABLE `orders` DISABLE KEYS */', 'AlterTableStmt', 'ALTER TABLE orders DISABLE KEYS', ['orders']],
    ['SET STATEMENT max_statement_time = 60 FOR ALTER TABLE orders ADD INDEX i (a)', 'AlterTableStmt', 'ALTER TABLE orders ADD INDEX i', ['orders']],
    ['CREATE DATABASE shop', 'CreatedbStmt', 'CREATE DATABASE shop', []],
    ['USE shop', 'OtherStmt', 'USE shop', []],
    ['FLUSH PRIVILEGES', 'OtherStmt', 'FLUSH PRIVILEGES', []],
    ['DELIMITER $$\nBEGIN NOT ATOMIC UPDATE t SET a = 1; END$$', 'DoStmt', 'BEGIN NOT ATOMIC', []],
  ])('%s', (sql, kind, summary, tables) => {
    const statement = one(sql);
    expect([statement.kind, statement.summary, statement.tables]).toEqual([kind, summary, tables]);
  });

  it('keeps literal values out of summaries', () => {
    const file = splitMysqlFile('s.sql', "INSERT INTO t VALUES ('hunter2');\nUPDATE t SET pw = 'hunter2';\nSET @token = 'hunter2';\nALTER TABLE t COMMENT = 'hunter2';\nDO SLEEP(1)");
    for (const s of file.statements) expect(s.summary).not.toContain('hunter2');
  });

  it('clips long summaries to 100 characters', () => {
    const columns = Array.from({ length: 20 }, (_, i) => `ADD COLUMN column_number_${i} INT`).join(', ');
    const { summary } = one(`ALTER TABLE t ${columns}`);
    expect(summary.length).toBe(100);
    expect(summary.startsWith('ALTER TABLE t ADD COLUMN column_number_0, ADD COLUMN column_number_1')).toBe(true);
    expect(summary.endsWith('…')).toBe(true);
  });
});

describe('splitMysqlFile: metadata locks', () => {
  it.each([
    ['ALTER TABLE orders ADD COLUMN note TEXT', ['orders:MDL_SHARED_UPGRADABLE']],
    ['ALTER TABLE orders ADD INDEX i (a), ALGORITHM=INPLACE, LOCK=NONE', ['orders:MDL_SHARED_UPGRADABLE']],
    ['ALTER TABLE orders ADD INDEX i (a), LOCK=SHARED', ['orders:MDL_SHARED_NO_WRITE']],
    ['ALTER TABLE orders MODIFY total DECIMAL(12,2)', ['orders:MDL_SHARED_NO_WRITE']],
    ['ALTER TABLE orders ADD COLUMN x INT, ALGORITHM=COPY', ['orders:MDL_SHARED_NO_WRITE']],
    ['ALTER TABLE orders FORCE, LOCK=EXCLUSIVE', ['orders:MDL_EXCLUSIVE']],
    ['ALTER TABLE orders ADD FOREIGN KEY (c) REFERENCES customers (id)', ['orders:MDL_SHARED_NO_WRITE']],
    ['CREATE INDEX i ON orders (a)', ['orders:MDL_SHARED_UPGRADABLE']],
    ['DROP TABLE orders, items', ['orders:MDL_EXCLUSIVE', 'items:MDL_EXCLUSIVE']],
    ['DROP TEMPORARY TABLE tmp', []],
    ['RENAME TABLE a TO b, c TO a', ['a:MDL_EXCLUSIVE', 'c:MDL_EXCLUSIVE']],
    ['TRUNCATE orders', ['orders:MDL_EXCLUSIVE']],
    ['CREATE TABLE t2 (id INT)', []],
    ['CREATE TABLE t2 AS SELECT * FROM t1', ['t1:MDL_SHARED_READ']],
    ['CREATE TRIGGER tr AFTER UPDATE ON orders FOR EACH ROW SET @x = 1', ['orders:MDL_EXCLUSIVE']],
    ['UPDATE orders SET a = 1 WHERE id IN (SELECT id FROM flagged)', ['orders:MDL_SHARED_WRITE', 'flagged:MDL_SHARED_READ']],
    ['INSERT INTO archive SELECT * FROM orders', ['archive:MDL_SHARED_WRITE', 'orders:MDL_SHARED_READ']],
    ['DELETE FROM orders', ['orders:MDL_SHARED_WRITE']],
    ['SELECT * FROM orders', ['orders:MDL_SHARED_READ']],
    ['LOCK TABLES orders WRITE, customers READ', ['orders:MDL_SHARED_NO_READ_WRITE', 'customers:MDL_SHARED_READ_ONLY']],
    ['OPTIMIZE TABLE orders', ['orders:MDL_SHARED_UPGRADABLE']],
    ['SET foreign_key_checks = 0', []],
  ])('%s', (sql, expected) => {
    expect(locks(sql)).toEqual(expected);
  });
});

describe('splitMysqlFile: implicit commits and transaction mode', () => {
  it.each([
    ['ALTER TABLE t ADD COLUMN c INT', true],
    ['CREATE TABLE t (id INT)', true],
    ['CREATE TEMPORARY TABLE t (id INT)', false],
    ['DROP TEMPORARY TABLE t', false],
    ['CREATE INDEX i ON t (a)', true],
    ['RENAME TABLE a TO b', true],
    ['TRUNCATE t', true],
    ['LOCK TABLES t WRITE', true],
    ['UNLOCK TABLES', true],
    ['START TRANSACTION', true],
    ['BEGIN', true],
    ['COMMIT', false],
    ['SET autocommit = 1', true],
    ['SET autocommit = 0', false],
    ["GRANT SELECT ON shop.* TO 'app'@'%'", true],
    ['ANALYZE TABLE t', true],
    ['FLUSH TABLES', true],
    ["CREATE FUNCTION udf RETURNS INTEGER SONAME 'udf.so'", false],
    ['CREATE PROCEDURE p() SELECT 1', true],
    ['INSERT INTO t VALUES (1)', false],
    ['UPDATE t SET a = 1', false],
    ['SELECT 1', false],
    ["LOAD DATA INFILE 'x' INTO TABLE t", false],
  ])('%s → %s', (sql, commits) => {
    expect(one(sql).nonTransactional).toBe(commits);
  });

  it("runs a plain file statement by statement, as golang-migrate's MySQL driver sends it", () => {
    const file = splitMysqlFile('m.sql', 'ALTER TABLE t ADD COLUMN c INT;\nUPDATE t SET c = 1;\n');
    expect(file.transactionMode).toBe('none');
    expect(file.transactionModeReason).toBe("golang-migrate's MySQL driver sends the file as one multi-statement query without a transaction: each statement commits on its own");
    expect(file.statements.map((s) => s.transactionControl)).toEqual([false, false]);
  });

  it('runs a file with its own transaction as written', () => {
    const file = splitMysqlFile('m.sql', 'START TRANSACTION;\nUPDATE t SET c = 1;\nCOMMIT;\n');
    expect(file.transactionMode).toBe('file-managed');
    expect(file.transactionModeReason).toBe('the file manages its own transaction (START TRANSACTION); DDL inside it commits it implicitly');
    expect(file.statements.map((s) => s.transactionControl)).toEqual([true, false, true]);
  });

  it('runs a file that turns autocommit off as written', () => {
    expect(splitMysqlFile('m.sql', 'SET autocommit = 0;\nUPDATE t SET c = 1;\nCOMMIT;').transactionMode).toBe('file-managed');
    expect(splitMysqlFile('m.sql', "SET autocommit = OFF;\nUPDATE t SET c = 'autocommit';").transactionMode).toBe('file-managed');
    expect(splitMysqlFile('m.sql', "SET @note = 'autocommit = 0';").transactionMode).toBe('none');
  });
});

describe('splitMysqlFile: statements and positions', () => {
  it('gives zero statements for empty and comment-only files', () => {
    for (const sql of ['', '\n\n', '-- only a comment\n# another\n/* and\n more */\n']) {
      const file = splitMysqlFile('empty.sql', sql);
      expect(file.statements).toEqual([]);
      expect(file.transactionMode).toBe('none');
    }
  });

  it('splits a migration with a DELIMITER block around a trigger', () => {
    const trigger = ['CREATE TRIGGER orders_bu BEFORE UPDATE ON orders', 'FOR EACH ROW', 'BEGIN', "  SET NEW.note = CONCAT(NEW.note, '; updated');", 'END'].join('\n');
    const sql = `-- add a note column\nALTER TABLE orders ADD COLUMN note TEXT;\n\nDELIMITER //\n${trigger}//\nDELIMITER ;\n\nUPDATE orders SET note = '';\n`;
    const file = splitMysqlFile('0003_note.up.sql', sql);
    expect(file.statements.map((s) => [s.index, s.line, s.column, s.kind, s.sql])).toEqual([
      [0, 2, 1, 'AlterTableStmt', 'ALTER TABLE orders ADD COLUMN note TEXT'],
      [1, 5, 1, 'CreateTrigStmt', trigger],
      [2, 12, 1, 'UpdateStmt', "UPDATE orders SET note = ''"],
    ]);
  });

  it('follows NO_BACKSLASH_ESCAPES given by the caller', () => {
    const file = splitMysqlFile('m.sql', "INSERT INTO paths VALUES ('C:\\');\nSELECT 1;", { noBackslashEscapes: true });
    expect(file.statements.map((s) => s.sql)).toEqual(["INSERT INTO paths VALUES ('C:\\')", 'SELECT 1']);
  });
});

describe('splitMysqlFile: syntax errors', () => {
  it('names file, line and column of an unterminated quote or comment', () => {
    const quote = syntaxError("ALTER TABLE t ADD COLUMN c INT;\nUPDATE t SET c = 'oops;\n");
    expect(quote.code).toBe('SQL_SYNTAX');
    expect(quote.location).toEqual({ file: 'migrations/0002_bad.up.sql', line: 2, column: 18 });
    expect(quote.message).toBe("migrations/0002_bad.up.sql:2:18: unterminated string: the ' opened here is never closed");
    const comment = syntaxError('SELECT 1;\n\n   /* never closed');
    expect(comment.location).toEqual({ file: 'migrations/0002_bad.up.sql', line: 3, column: 4 });
  });

  it('refuses a statement that starts with no statement keyword', () => {
    const error = syntaxError('ALTER TABLE t ADD COLUMN c INT;\n  ALTR TABLE t DROP COLUMN c;');
    expect(error.code).toBe('SQL_SYNTAX');
    expect(error.message).toBe('migrations/0002_bad.up.sql:2:3: not a MySQL or MariaDB statement: it starts with "ALTR"');
    expect(syntaxError("SELECT 1;\n'oops';").location).toEqual({ file: 'migrations/0002_bad.up.sql', line: 2, column: 1 });
  });

  it('refuses a semicolon inside an executable comment', () => {
    const error = syntaxError('/*!50003 CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = 1; END */;');
    expect(error.location).toEqual({ file: 'migrations/0002_bad.up.sql', line: 1, column: 1 });
    expect(error.message).toMatch(/inside the executable comment/);
  });
});
