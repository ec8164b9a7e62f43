import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MDL_EXCLUSIVE,
  MDL_MODES,
  MDL_SHARED_NO_WRITE,
  MDL_SHARED_UPGRADABLE,
  mysqlBlockedBy,
  onlineDdlAdvice,
  type AlterClassification,
} from './mysql-online-ddl.ts';
import { analyzeMysqlStatement } from './mysql-summary.ts';

function classify(sql: string): AlterClassification {
  const alter = analyzeMysqlStatement(sql).alter;
  if (!alter) throw new Error(`no ALTER classification for: ${sql}`);
  return alter;
}

/** Operations on the test table `t` (see SETUP) with what MariaDB 10.11 does: [operations, algorithm, lock, rebuilds]. */
const CASES: [string, string[], string, string, boolean][] = [
  ['ADD COLUMN note TEXT', ['add-column'], 'INSTANT', 'NONE', false],
  ['ADD COLUMN note TEXT AFTER a', ['add-column-positioned'], 'INSTANT', 'NONE', false],
  ['ADD COLUMN (x INT, y INT)', ['add-column', 'add-column'], 'INSTANT', 'NONE', false],
  ['ADD COLUMN z INT AUTO_INCREMENT UNIQUE', ['add-auto-increment-column', 'add-unique'], 'INPLACE', 'SHARED', true],
  ['ADD COLUMN total INT AS (a + n) STORED', ['add-stored-generated-column'], 'COPY', 'SHARED', true],
  ['ADD COLUMN half INT AS (a DIV 2) VIRTUAL', ['add-column'], 'INSTANT', 'NONE', false],
  ['ADD COLUMN owner INT REFERENCES p (id)', ['add-column', 'add-foreign-key'], 'COPY', 'SHARED', true],
  ['DROP COLUMN b', ['drop-column'], 'INSTANT', 'NONE', false],
  ['MODIFY a BIGINT', ['modify-column'], 'COPY', 'SHARED', true],
  ['CHANGE COLUMN c c2 MEDIUMTEXT CHARACTER SET utf8mb4', ['modify-column'], 'COPY', 'SHARED', true],
  ['RENAME COLUMN b TO b2', ['rename-column'], 'INSTANT', 'NONE', false],
  ['ALTER COLUMN a SET DEFAULT 3', ['set-default'], 'INSTANT', 'NONE', false],
  ['ALTER COLUMN n DROP DEFAULT', ['drop-default'], 'INSTANT', 'NONE', false],
  ['ADD INDEX ib (b)', ['add-index'], 'INPLACE', 'NONE', false],
  ['ADD UNIQUE KEY ub (b)', ['add-unique'], 'INPLACE', 'NONE', false],
  ['ADD FULLTEXT INDEX fc (c)', ['add-fulltext-index'], 'INPLACE', 'SHARED', true],
  ['ADD SPATIAL INDEX sg (g)', ['add-spatial-index'], 'INPLACE', 'SHARED', false],
  ['DROP PRIMARY KEY', ['drop-primary-key'], 'COPY', 'SHARED', true],
  ['DROP PRIMARY KEY, ADD PRIMARY KEY (id, n)', ['drop-primary-key', 'add-primary-key'], 'INPLACE', 'NONE', true],
  ['DROP INDEX ia', ['drop-index'], 'INPLACE', 'NONE', false],
  ['RENAME INDEX ia TO ia2', ['rename-index'], 'INSTANT', 'NONE', false],
  ['ALTER INDEX ia IGNORED', ['index-visibility'], 'INSTANT', 'NONE', false],
  ['ADD CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id)', ['add-foreign-key'], 'COPY', 'SHARED', true],
  ['DROP FOREIGN KEY fk0', ['drop-foreign-key'], 'INSTANT', 'NONE', false],
  ['ADD CONSTRAINT ck CHECK (n >= 0)', ['add-check'], 'COPY', 'SHARED', true],
  ['DROP CONSTRAINT ck0', ['drop-constraint'], 'INSTANT', 'NONE', false],
  ['MODIFY n INT NULL', ['modify-column'], 'COPY', 'SHARED', true],
  ['CONVERT TO CHARACTER SET utf8mb4', ['convert-charset'], 'COPY', 'SHARED', true],
  ['DEFAULT CHARACTER SET utf8mb4', ['default-charset'], 'INSTANT', 'NONE', false],
  ['ENGINE=InnoDB', ['engine-innodb'], 'INPLACE', 'NONE', true],
  ['FORCE', ['force'], 'INPLACE', 'NONE', true],
  ['ROW_FORMAT=COMPACT', ['rebuild-option'], 'INPLACE', 'NONE', true],
  ['AUTO_INCREMENT=100', ['auto-increment'], 'INSTANT', 'NONE', false],
  ["COMMENT='orders; see wiki'", ['table-option'], 'INSTANT', 'NONE', false],
  ['RENAME TO t_renamed', ['rename-table'], 'INSTANT', 'EXCLUSIVE', false],
  // Next to an operation that cannot be instant, adding a column rebuilds the table.
  ['ADD COLUMN d INT, ADD INDEX id (d)', ['add-column', 'add-index'], 'INPLACE', 'NONE', true],
];

describe('online DDL classification (MariaDB 10.11)', () => {
  it.each(CASES)('ALTER TABLE t %s', (operation, operations, algorithm, lock, rebuilds) => {
    const c = classify(`ALTER TABLE t ${operation}`);
    expect(c.operations.map((op) => op.operation)).toEqual(operations);
    expect([c.algorithm, c.lock, c.rebuildsTable]).toEqual([algorithm, lock, rebuilds]);
    expect(c.refused).toBeUndefined();
  });

  it('classifies partition maintenance, which takes no ALGORITHM/LOCK clause', () => {
    expect(classify('ALTER TABLE t PARTITION BY HASH (id) PARTITIONS 4')).toMatchObject({ algorithm: 'COPY', lock: 'SHARED', mode: MDL_SHARED_NO_WRITE });
    const drop = classify('ALTER TABLE t DROP PARTITION p0, p1');
    expect(drop.operations.map((op) => op.description)).toEqual(['DROP PARTITION p0, p1']);
    expect(drop).toMatchObject({ algorithm: 'INPLACE', lock: 'EXCLUSIVE', mode: MDL_EXCLUSIVE });
    expect(classify('ALTER TABLE t REORGANIZE PARTITION p1 INTO (PARTITION a VALUES LESS THAN (5), PARTITION b VALUES LESS THAN (9))')).toMatchObject({
      algorithm: 'COPY',
      rebuildsTable: true,
    });
  });

  it('maps the lock to the metadata lock other sessions meet', () => {
    expect(classify('ALTER TABLE t ADD INDEX i (a)').mode).toBe(MDL_SHARED_UPGRADABLE);
    expect(classify('ALTER TABLE t ADD FULLTEXT INDEX f (c)').mode).toBe(MDL_SHARED_NO_WRITE);
    expect(classify('ALTER TABLE t MODIFY a BIGINT').mode).toBe(MDL_SHARED_NO_WRITE);
    expect(classify('ALTER TABLE t RENAME TO u').mode).toBe(MDL_EXCLUSIVE);
  });

  it('says when the statement alone cannot tell (a MODIFY may only widen a VARCHAR)', () => {
    expect(classify('ALTER TABLE t MODIFY b VARCHAR(300)').certain).toBe(false);
    expect(classify('ALTER TABLE t ADD INDEX i (a)').certain).toBe(true);
  });
});

describe('explicit ALGORITHM= and LOCK=', () => {
  it('honours a stronger LOCK and ALGORITHM=COPY', () => {
    expect(classify('ALTER TABLE t ADD INDEX i (a), ALGORITHM=COPY')).toMatchObject({ algorithm: 'COPY', lock: 'SHARED', rebuildsTable: true, mode: MDL_SHARED_NO_WRITE });
    expect(classify('ALTER TABLE t ADD INDEX i (a), LOCK=EXCLUSIVE')).toMatchObject({ algorithm: 'INPLACE', lock: 'EXCLUSIVE', mode: MDL_EXCLUSIVE });
    expect(classify('ALTER TABLE t ADD INDEX i (a), ALGORITHM = INPLACE, LOCK = SHARED')).toMatchObject({ lock: 'SHARED', requested: { algorithm: 'INPLACE', lock: 'SHARED' } });
  });

  it('keeps an INSTANT operation INSTANT under ALGORITHM=INPLACE (MariaDB reads it as the least efficient accepted)', () => {
    expect(classify('ALTER TABLE t ADD COLUMN c INT, ALGORITHM=INPLACE')).toMatchObject({ algorithm: 'INSTANT', lock: 'NONE' });
  });

  it('takes an explicit ALGORITHM / LOCK as the bound of an operation the statement alone cannot classify', () => {
    // MODIFY may only append an ENUM value (instant) or change the type (copy): the server enforces what was asked.
    expect(classify("ALTER TABLE t MODIFY s ENUM('a','b','c') NOT NULL, ALGORITHM=INSTANT")).toMatchObject({
      certain: false,
      algorithm: 'INSTANT',
      lock: 'NONE',
      rebuildsTable: false,
      mode: 'MDL_SHARED_UPGRADABLE',
    });
    // If the worst case holds (a type change), the server refuses it: `refused` says so.
    expect(classify('ALTER TABLE t MODIFY a BIGINT, LOCK=NONE')).toMatchObject({
      certain: false,
      algorithm: 'INPLACE',
      lock: 'NONE',
      refused: 'LOCK=NONE is not available: the operations need LOCK=SHARED',
    });
    // Without a clause, the worst case stands.
    expect(classify('ALTER TABLE t MODIFY a BIGINT')).toMatchObject({ certain: false, algorithm: 'COPY' });
  });

  it('says why the server refuses an ALGORITHM or LOCK the operations cannot run under', () => {
    expect(classify('ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id), ALGORITHM=INPLACE').refused).toBe(
      'ALGORITHM=INPLACE is not available: the operations need COPY',
    );
    expect(classify('ALTER TABLE t ADD INDEX i (a), ALGORITHM=INSTANT').refused).toBe('ALGORITHM=INSTANT is not available: the operations need INPLACE');
    expect(classify('ALTER TABLE t FORCE, ALGORITHM=NOCOPY').refused).toBe('ALGORITHM=NOCOPY is not available: the operations rebuild the table');
    expect(classify('ALTER ONLINE TABLE t ADD FULLTEXT INDEX f (c)').refused).toBe('LOCK=NONE is not available: the operations need LOCK=SHARED');
  });

  it('reads ALGORITHM and LOCK in CREATE INDEX and DROP INDEX', () => {
    expect(analyzeMysqlStatement('CREATE INDEX i ON t (a) ALGORITHM=INPLACE LOCK=SHARED').alter).toMatchObject({ lock: 'SHARED', mode: MDL_SHARED_NO_WRITE });
    expect(analyzeMysqlStatement('CREATE FULLTEXT INDEX f ON t (c)').alter).toMatchObject({ algorithm: 'INPLACE', lock: 'SHARED' });
    expect(analyzeMysqlStatement('DROP INDEX i ON t LOCK=EXCLUSIVE').alter).toMatchObject({ mode: MDL_EXCLUSIVE });
  });
});

describe('mysqlBlockedBy', () => {
  it('says which modes make reads and writes wait', () => {
    expect(Object.fromEntries(MDL_MODES.map((mode) => [mode, mysqlBlockedBy(mode)]))).toEqual({
      MDL_SHARED_READ: { reads: false, writes: false },
      MDL_SHARED_WRITE: { reads: false, writes: false },
      MDL_SHARED_UPGRADABLE: { reads: false, writes: false },
      MDL_SHARED_READ_ONLY: { reads: false, writes: true },
      MDL_SHARED_NO_WRITE: { reads: false, writes: true },
      MDL_SHARED_NO_READ_WRITE: { reads: true, writes: true },
      MDL_EXCLUSIVE: { reads: true, writes: true },
    });
    expect(mysqlBlockedBy('AccessExclusiveLock')).toEqual({ reads: false, writes: false });
  });
});

describe('onlineDdlAdvice', () => {
  it('names the copy and the online alternatives, with the operation’s own way out', () => {
    const advice = onlineDdlAdvice(classify('ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)'))!;
    expect(advice).toMatch(/^This ALTER rebuilds the table \(ALGORITHM=COPY\): writes wait for the whole copy\. Add the foreign key under SET foreign_key_checks=0/);
    expect(advice).toContain('ALGORITHM=INPLACE, LOCK=NONE');
    expect(advice).toContain('gh-ost, pt-online-schema-change');
  });

  it('warns of a write-blocking in-place build and of an online rebuild; says nothing for instant or online changes', () => {
    expect(onlineDdlAdvice(classify('ALTER TABLE t ADD FULLTEXT INDEX f (c)'))).toMatch(/^This ALTER blocks writes while it runs \(LOCK=SHARED\)/);
    expect(onlineDdlAdvice(classify('ALTER TABLE t FORCE'))).toMatch(/^This ALTER rebuilds the table in place \(ALGORITHM=INPLACE, LOCK=NONE\)/);
    expect(onlineDdlAdvice(classify('ALTER TABLE t ADD COLUMN c INT'))).toBeUndefined();
    expect(onlineDdlAdvice(classify('ALTER TABLE t ADD INDEX i (a)'))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The table above, checked against a real server: each operation runs with the algorithm and lock
// it is classified under, and the server refuses one step better.

const SETUP = [
  'CREATE TABLE p (id INT PRIMARY KEY)',
  'CREATE TABLE t (id INT NOT NULL, a INT, b VARCHAR(20), c TEXT, n INT NOT NULL DEFAULT 0, pid INT, g POINT NOT NULL,' +
    ' PRIMARY KEY (id), KEY ia (a), CONSTRAINT fk0 FOREIGN KEY (pid) REFERENCES p (id), CONSTRAINT ck0 CHECK (n >= 0)) ENGINE=InnoDB DEFAULT CHARSET=latin1',
  'INSERT INTO p VALUES (1)',
  "INSERT INTO t VALUES (1, 1, 'x', 'y', 0, 1, POINT(1, 1)), (2, NULL, 'z', 'w', 3, NULL, POINT(2, 2))",
];

/** Uncertain classifications give the worst case; on the test table these do better (NOT NULL to NULL is INPLACE). */
const BETTER_THAN_WORST_CASE = new Set(['MODIFY n INT NULL']);

const url = new URL(process.env.REHEARSE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
const database = `rehearse_test_ddl_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const server = await mysql
  .createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), multipleStatements: true })
  .catch(() => undefined);
const isMariaDb = server ? /MariaDB/i.test(String(((await server.query('SELECT VERSION() AS v')) as unknown as [{ v: string }[]])[0][0]!.v)) : false;
if (!server || !isMariaDb) console.warn(`online DDL server check did not run: no MariaDB server at ${url.host} (set REHEARSE_TEST_MYSQL_URL)`);

describe.skipIf(!server || !isMariaDb)('online DDL classification against MariaDB', () => {
  beforeAll(async () => {
    await server!.query(`CREATE DATABASE \`${database}\``);
  });
  afterAll(async () => {
    await server!.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await server!.end();
  });

  const attempt = async (operation: string, algorithm: string, lock?: string) => {
    const clauses = [`ALGORITHM=${algorithm}`, ...(lock ? [`LOCK=${lock}`] : [])].join(', ');
    return server!.query(`ALTER TABLE \`${database}\`.t ${operation}, ${clauses}`).then(
      () => 'accepted',
      (error: Error) => `refused: ${error.message}`,
    );
  };

  it('runs every operation as classified, and no better (but where the worst case is classified and the test table is better)', async () => {
    const mismatches: string[] = [];
    for (const [operation] of CASES) {
      await server!.query(`DROP TABLE IF EXISTS \`${database}\`.t, \`${database}\`.t_renamed, \`${database}\`.p; USE \`${database}\`; ${SETUP.join('; ')}`);
      const c = classify(`ALTER TABLE t ${operation}`);
      const algorithm = c.algorithm === 'INPLACE' && !c.rebuildsTable ? 'NOCOPY' : c.algorithm;
      const better = { COPY: 'INPLACE', INPLACE: 'NOCOPY', NOCOPY: 'INSTANT', INSTANT: undefined }[algorithm];
      const weaker = { EXCLUSIVE: 'SHARED', SHARED: 'NONE', NONE: undefined }[c.lock];
      // Refused statements change nothing, so the table is still as set up for the last attempt.
      const strict = !BETTER_THAN_WORST_CASE.has(operation);
      if (better && strict && !(await attempt(operation, better)).startsWith('refused')) mismatches.push(`${operation}: ALGORITHM=${better} is accepted`);
      if (weaker && strict && !(await attempt(operation, algorithm, weaker)).startsWith('refused')) mismatches.push(`${operation}: LOCK=${weaker} is accepted`);
      const result = await attempt(operation, algorithm, c.algorithm === 'INSTANT' && c.lock === 'NONE' ? undefined : c.lock);
      if (result !== 'accepted') mismatches.push(`${operation}: ALGORITHM=${algorithm}, LOCK=${c.lock} ${result}`);
    }
    expect(mismatches).toEqual([]);
  });
});
