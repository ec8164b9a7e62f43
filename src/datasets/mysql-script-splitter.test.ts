import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { classifyMysqlStatement, mysqlScriptStatements, withoutDefiner, type MysqlScriptOptions, type MysqlScriptStatement } from './mysql-script-splitter.ts';

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield line;
}

async function all(source: string | AsyncIterable<string>, options?: MysqlScriptOptions): Promise<MysqlScriptStatement[]> {
  const out: MysqlScriptStatement[] = [];
  for await (const statement of mysqlScriptStatements(source, options)) out.push(statement);
  return out;
}

async function refusal(text: string, options?: MysqlScriptOptions): Promise<InputError> {
  const error = await all(linesOf(text), { file: 'seed.sql', ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  return error;
}

const role = (text: string, options: { database?: string } = {}) => classifyMysqlStatement(text, {}, options).role;

describe('classifyMysqlStatement', () => {
  it.each([
    '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */',
    '/*!40101 SET NAMES utf8mb4 */',
    '/*!50003 SET character_set_client  = utf8mb3 */',
    '/*!40101 SET character_set_client = @saved_cs_client */',
    "/*!40103 SET TIME_ZONE='+00:00' */",
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */",
    'LOCK TABLES `orders` WRITE',
    '/*!40000 ALTER TABLE `orders` DISABLE KEYS */',
    "INSERT INTO `orders` VALUES (1,'a;b')",
    'UNLOCK TABLES',
    'DROP TABLE IF EXISTS `orders`',
    'CREATE TABLE `orders` (`id` int(11) NOT NULL)',
    'START TRANSACTION',
    'CALL refresh_totals()',
  ])('runs %s', (text) => {
    expect(role(text)).toEqual({ kind: 'plain' });
  });

  it.each([
    ["SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5'", 'GTID_PURGED is replication state of the server the dump came from'],
    ['SET @@SESSION.SQL_LOG_BIN= 0', 'SQL_LOG_BIN needs SUPER and only decides whether the restore is binary-logged'],
    ["GRANT SELECT ON shop.* TO 'app'@'%'", 'privileges are skipped, as the users they name need not exist here'],
  ])('skips %s', (text, reason) => {
    expect(role(text)).toEqual({ kind: 'skipped', reason });
  });

  it.each([
    ['CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 */', 'statements on databases reach beyond the scratch database (dump without --databases / --all-databases)'],
    ['DROP DATABASE shop', 'statements on databases reach beyond the scratch database (dump without --databases / --all-databases)'],
    ['USE `shop`', 'USE switches to another database, outside the scratch database (dump without --databases / --all-databases)'],
    ['SET GLOBAL max_connections = 1000', 'SET GLOBAL max_connections changes the whole server, not the scratch database'],
    ["SET @@GLOBAL.sql_mode = ''", 'SET @@GLOBAL.sql_mode changes the whole server, not the scratch database'],
    ["SET PASSWORD FOR 'app'@'%' = PASSWORD('x')", 'users and roles belong to the whole server, not to the scratch database (create them on the server beforehand)'],
    ["CREATE USER 'app'@'%' IDENTIFIED BY 'x'", 'users and roles belong to the whole server, not to the scratch database (create them on the server beforehand)'],
    ["CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000001', MASTER_LOG_POS=4", 'replication settings belong to the whole server'],
    ['FLUSH PRIVILEGES', 'it changes the whole server, not the scratch database'],
    ["LOAD DATA INFILE '/tmp/orders.txt' INTO TABLE orders", 'LOAD DATA reads a file outside the script (dump without --tab)'],
    ["SELECT * FROM orders INTO OUTFILE '/tmp/x'", 'SELECT … INTO OUTFILE writes a file on the server'],
    ["INSERT INTO `other`.`orders` VALUES (1,'a')", 'other.orders names a table in another database'],
    ['UPDATE prod.orders SET a = 1', 'prod.orders names a table in another database'],
    ['SET NAMES latin1', 'rehearse sends scripts as UTF-8, so NAMES latin1 would garble the text (dump with --default-character-set=utf8mb4)'],
    ["CREATE FUNCTION udf RETURNS STRING SONAME 'evil.so'", 'CREATE FUNCTION … SONAME loads a library into the server'],
  ])('refuses %s', (text, reason) => {
    expect(role(text)).toEqual({ kind: 'refused', reason });
  });

  it('allows USE of, and names qualified with, the scratch database', () => {
    expect(role('USE `rehearse_x`', { database: 'rehearse_x' })).toEqual({ kind: 'plain' });
    expect(role('INSERT INTO rehearse_x.t VALUES (1)', { database: 'rehearse_x' })).toEqual({ kind: 'plain' });
  });

  it('reads the first word through executable comments', () => {
    expect(classifyMysqlStatement('/*!40000 ALTER TABLE `t` DISABLE KEYS */').firstWord).toBe('alter');
    expect(classifyMysqlStatement("INSERT INTO t VALUES (1)").firstWord).toBe('insert');
  });
});

describe('withoutDefiner', () => {
  it.each([
    [
      "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`127.0.0.1`*/ /*!50003 TRIGGER t BEFORE INSERT ON o FOR EACH ROW SET NEW.a = 'DEFINER=x' */",
      "/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER t BEFORE INSERT ON o FOR EACH ROW SET NEW.a = 'DEFINER=x' */",
    ],
    [
      '/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`%` SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select 1 AS `1` */',
      '/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013  SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select 1 AS `1` */',
    ],
    ["CREATE DEFINER='app'@'%' PROCEDURE p() SELECT 1", 'CREATE  PROCEDURE p() SELECT 1'],
    ['CREATE DEFINER = app@localhost FUNCTION f() RETURNS INT RETURN 1', 'CREATE  FUNCTION f() RETURNS INT RETURN 1'],
    ['CREATE DEFINER=CURRENT_USER() EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1', 'CREATE  EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1'],
    ['CREATE TABLE t (definer INT)', 'CREATE TABLE t (definer INT)'],
  ])('%s', (text, expected) => {
    expect(withoutDefiner(text)).toBe(expected);
  });

  it('is applied to what a restore sends, not to the text as written', () => {
    const text = 'CREATE DEFINER=`root`@`%` PROCEDURE p() SELECT 1';
    expect(classifyMysqlStatement(text)).toEqual({ sql: 'CREATE  PROCEDURE p() SELECT 1', firstWord: 'create', role: { kind: 'plain' } });
  });
});

describe('mysqlScriptStatements', () => {
  it('streams statements with their lines from lines, DELIMITER blocks followed', async () => {
    const script = ['/*!40101 SET NAMES utf8mb4 */;', 'DELIMITER ;;', 'CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN SELECT 1; SELECT 2; END ;;', 'DELIMITER ;', "INSERT INTO t VALUES (1,'x;y');"].join('\n');
    const statements = await all(linesOf(script));
    expect(statements.map((s) => [s.line, s.column, s.firstWord, s.role.kind, s.sql])).toEqual([
      [1, 1, 'set', 'plain', '/*!40101 SET NAMES utf8mb4 */'],
      [3, 1, 'create', 'plain', 'CREATE  PROCEDURE p() BEGIN SELECT 1; SELECT 2; END'],
      [5, 1, 'insert', 'plain', "INSERT INTO t VALUES (1,'x;y')"],
    ]);
  });

  it('refuses with file and line, after yielding what came before', async () => {
    const seen: number[] = [];
    const error = await (async () => {
      try {
        for await (const s of mysqlScriptStatements(linesOf('SELECT 1;\n\n  CREATE DATABASE shop;\nSELECT 2;'), { file: 'seed.sql' })) seen.push(s.line);
      } catch (e) {
        return e as InputError;
      }
      throw new Error('expected a refusal');
    })();
    expect(seen).toEqual([1]);
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.location).toEqual({ file: 'seed.sql', line: 3, column: 3 });
    expect(error.message).toBe(
      'seed.sql:3:3: statements on databases reach beyond the scratch database (dump without --databases / --all-databases): rehearse does not run this statement',
    );
  });

  it('reports an unterminated quote as an invalid dataset at the quote', async () => {
    const error = await refusal("INSERT INTO t VALUES (1);\nINSERT INTO t VALUES ('oops);\n");
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.location).toEqual({ file: 'seed.sql', line: 2, column: 23 });
  });

  it('reads a file by path in chunks, characters split across chunks and all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-split-'));
    try {
      const path = join(dir, 'dump.sql');
      // 3 MiB of rows, so the 1 MiB reads cut through rows and multi-byte characters.
      const rows = Array.from({ length: 40_000 }, (_, i) => `(${i},'é😀 ${'x'.repeat(i % 50)}; \\'q\\'')`).join(',\n');
      writeFileSync(path, `LOCK TABLES \`t\` WRITE;\nINSERT INTO \`t\` VALUES ${rows};\nUNLOCK TABLES;\n`);
      const statements = await all(path);
      expect(statements.map((s) => [s.line, s.firstWord])).toEqual([
        [1, 'lock'],
        [2, 'insert'],
        [40_002, 'unlock'],
      ]);
      expect(statements[1]!.text).toBe(`INSERT INTO \`t\` VALUES ${rows}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A real mysqldump, split and restored into a second database.

const url = new URL(process.env.REHEARSE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
const connectionOptions = {
  host: url.hostname,
  port: Number(url.port || 3306),
  user: decodeURIComponent(url.username),
  password: decodeURIComponent(url.password),
};
const server = await mysql.createConnection({ ...connectionOptions, multipleStatements: true }).catch(() => undefined);
const hasMysqldump = spawnSync('mysqldump', ['--version']).status === 0;
if (!server || !hasMysqldump) console.warn(`mysqldump round trip did not run: ${server ? 'mysqldump is not installed' : `no server at ${url.host} (set REHEARSE_TEST_MYSQL_URL)`}`);

const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const source = `rehearse_test_split_${suffix}`;
const copy = `rehearse_test_split_${suffix}_copy`;

const NAMES = [
  'O\'Brien; "x"',
  'back\\slash\nnew line',
  'semi;colon -- not a comment /* nor */ # this',
  'DELIMITER ;;\nCREATE TABLE nope (id INT);;',
  "tab\tcr\r\nnul\0end",
  'é 😀 ☕',
  "'; DROP TABLE customers; --",
];

function dump(...args: string[]): string {
  const result = spawnSync(
    'mysqldump',
    ['-h', connectionOptions.host, '-P', String(connectionOptions.port), '-u', connectionOptions.user, '--routines', '--triggers', ...args],
    { encoding: 'utf8', env: { ...process.env, MYSQL_PWD: connectionOptions.password }, maxBuffer: 64 << 20 },
  );
  if (result.status !== 0) throw new Error(`mysqldump failed: ${result.stderr}`);
  return result.stdout;
}

describe.skipIf(!server || !hasMysqldump)('a mysqldump of a real database', () => {
  let dir: string;
  let path: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rehearse-mysqldump-'));
    path = join(dir, 'dump.sql');
    await server!.query(`CREATE DATABASE \`${source}\`; USE \`${source}\``);
    await server!.query(`
      CREATE TABLE customers (id INT PRIMARY KEY AUTO_INCREMENT, name TEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, note VARCHAR(200),
        KEY orders_by_customer (customer_id), CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB;
      CREATE VIEW big_orders AS SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id;
      CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW BEGIN SET NEW.note = CONCAT(IFNULL(NEW.note, ''), ';'); END;
      CREATE PROCEDURE count_orders(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM orders; -- a comment; here
      END;
      CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;`);
    for (const name of NAMES) await server!.query('INSERT INTO customers (name) VALUES (?)', [name]);
    await server!.query("INSERT INTO orders (id, customer_id, note) VALUES (1, 1, 'a'), (2, 2, NULL), (3, 7, 'it''s')");
    writeFileSync(path, dump(source));
  });

  afterAll(async () => {
    await server!.query(`DROP DATABASE IF EXISTS \`${source}\`; DROP DATABASE IF EXISTS \`${copy}\``);
    await server!.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('splits it where the mysql client would, DEFINERs removed', async () => {
    const statements = await all(path);
    const text = readFileSync(path, 'utf8');
    // Every statement starts where the file says it does.
    for (const s of statements) expect(text.split('\n')[s.line - 1]!.slice(s.column - 1).startsWith(s.text.split('\n')[0]!)).toBe(true);
    const created = statements.filter((s) => /^(\/\*!\d+ )?CREATE/.test(s.text)).map((s) => s.sql.replace(/\s+/g, ' ').slice(0, 60));
    expect(created).toEqual([
      '/*!50001 CREATE VIEW `big_orders` AS SELECT NULL AS `id`, NU',
      'CREATE TABLE `customers` ( `id` int(11) NOT NULL AUTO_INCREM',
      'CREATE TABLE `orders` ( `id` int(11) NOT NULL, `customer_id`',
      '/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER orders_bi BEF',
      'CREATE FUNCTION `twice`(x INT) RETURNS int(11) DETERMINISTIC',
      'CREATE PROCEDURE `count_orders`(OUT n INT) BEGIN SELECT COUN',
      '/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 SQL SECURITY',
    ]);
    expect(statements.some((s) => /DEFINER\s*=/.test(s.sql))).toBe(false);
    expect(statements.filter((s) => s.firstWord === 'insert')).toHaveLength(2);
    expect(statements.every((s) => s.role.kind === 'plain')).toBe(true);
  });

  it('gives statements that restore the database exactly', async () => {
    await server!.query(`CREATE DATABASE \`${copy}\``);
    const restore = await mysql.createConnection({ ...connectionOptions, database: copy });
    try {
      for (const s of await all(linesOf(readFileSync(path, 'utf8')), { database: copy })) {
        if (s.role.kind === 'plain') await restore.query(s.sql);
      }
      const names = async (db: string) => ((await server!.query(`SELECT id, name FROM \`${db}\`.customers ORDER BY id`)) as unknown as [unknown[]])[0];
      expect(await names(copy)).toEqual(await names(source));
      expect(((await restore.query('SELECT id, note FROM orders ORDER BY id')) as unknown as [unknown[]])[0]).toEqual([
        { id: 1, note: 'a;' },
        { id: 2, note: ';' },
        { id: 3, note: "it's;" },
      ]);
      await restore.query("INSERT INTO orders VALUES (4, 3, 'new')");
      expect(((await restore.query('SELECT note, twice(21) AS answer FROM orders WHERE id = 4')) as unknown as [unknown[]])[0]).toEqual([{ note: 'new;', answer: 42 }]);
      await restore.query('CALL count_orders(@n)');
      expect(((await restore.query('SELECT @n AS n, (SELECT COUNT(*) FROM big_orders) AS viewed')) as unknown as [unknown[]])[0]).toEqual([{ n: 4, viewed: 4 }]);
    } finally {
      await restore.end();
    }
  });

  it('refuses a dump made with --databases at its CREATE DATABASE line', async () => {
    const text = dump('--databases', source);
    const line = text.split('\n').findIndex((l) => l.startsWith('CREATE DATABASE')) + 1;
    const error = await refusal(text);
    expect(line).toBeGreaterThan(1);
    expect(error.location).toEqual({ file: 'seed.sql', line, column: 1 });
    expect(error.message).toMatch(/statements on databases reach beyond the scratch database/);
  });
});
