// cloneScratch copies a database inside the server: data, foreign keys, views, triggers,
// routines, AUTO_INCREMENT counters; and the copy refers to itself, never to its source.

import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Session } from '../engine.ts';
import type { MysqlServerEngine } from './server-engine.ts';
import { createTestEngine, numbersUpTo } from './test-server.ts';

let engine: MysqlServerEngine;

beforeAll(async () => {
  engine = createTestEngine();
  await engine.open();
});

afterAll(async () => {
  await engine.close();
});

const SOURCE_SCHEMA = `
  CREATE TABLE parent (id int PRIMARY KEY AUTO_INCREMENT, code varchar(10) NOT NULL UNIQUE, note text, CHECK (code <> ''));
  CREATE TABLE child (
    id int PRIMARY KEY AUTO_INCREMENT,
    parent_id int,
    amount decimal(20, 2),
    doubled decimal(21, 2) AS (amount * 2) VIRTUAL,
    CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE
  );
  CREATE TABLE audit (id int PRIMARY KEY AUTO_INCREMENT, what varchar(50));
  INSERT INTO parent (code, note) VALUES ('a', 'x'), ('b', NULL), ('c', 'z'), ('d', ''), ('e', 'gone');
  DELETE FROM parent WHERE id IN (4, 5);
  INSERT INTO child (parent_id, amount) VALUES (1, 10.5), (1, 20), (2, NULL), (3, 7);
  CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2;
  CREATE PROCEDURE add_parent(IN c varchar(10)) BEGIN INSERT INTO parent (code) VALUES (c); END;
  CREATE VIEW big_children AS SELECT id, parent_id, twice(id) AS id2 FROM child WHERE amount > 8;
  CREATE VIEW big_children_of_a AS SELECT b.id FROM big_children b JOIN parent p ON p.id = b.parent_id WHERE p.code = 'a';
  CREATE TRIGGER parent_audit AFTER INSERT ON parent FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('parent ', NEW.code));
  CREATE TRIGGER parent_audit_second AFTER INSERT ON parent FOR EACH ROW INSERT INTO audit (what) VALUES ('second');`;

/** The first column of the first row, as a number (COUNT(*) is a BIGINT, which arrives as a string). */
async function scalar(session: Session, sql: string): Promise<number> {
  const { rows } = await session.query<Record<string, unknown>>(sql);
  return Number(Object.values(rows[0] ?? {})[0]);
}

test('a clone has the same rows, foreign keys, views, triggers, routines and AUTO_INCREMENT counters', async () => {
  const source = await engine.createScratch('clone_source');
  const original = await engine.connect(source);
  await original.exec(SOURCE_SCHEMA);

  const clone = await engine.cloneScratch(source, 'clone_copy');
  const copy = await engine.connect(clone);
  const content = 'SELECT p.id, p.code, p.note, c.id AS cid, c.amount, c.doubled FROM parent p LEFT JOIN child c ON c.parent_id = p.id ORDER BY 1, 4';
  expect((await copy.query(content)).rows).toEqual((await original.query(content)).rows);
  expect(await scalar(copy, 'SELECT COUNT(*) FROM big_children_of_a')).toBe(2);

  // AUTO_INCREMENT continues after the deleted rows, as in the source (not at max(id) + 1 = 4).
  await copy.query('CALL add_parent(?)', ['f']);
  expect(await scalar(copy, `SELECT id FROM parent WHERE code = 'f'`)).toBe(6);
  // Both triggers fire, in their order.
  expect((await copy.query('SELECT what FROM audit ORDER BY id')).rows).toEqual([{ what: 'parent f' }, { what: 'second' }]);

  // The foreign key cascades inside the copy and the source is untouched.
  await copy.query('DELETE FROM parent WHERE id = 1');
  expect(await scalar(copy, 'SELECT COUNT(*) FROM child')).toBe(2);
  expect(await scalar(original, 'SELECT COUNT(*) FROM child')).toBe(4);
  const fk = await copy.query(
    `SELECT REFERENCED_TABLE_SCHEMA AS s, DELETE_RULE AS d FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'child_parent'`,
  ).catch(() => copy.query(`SELECT UNIQUE_CONSTRAINT_SCHEMA AS s, DELETE_RULE AS d FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()`));
  expect(fk.rows).toEqual([{ s: clone.name, d: 'CASCADE' }]);

  // Views read the copy's tables, not the source's (the cascade took both big children of 'a').
  await copy.query('INSERT INTO child (parent_id, amount) VALUES (2, 100)');
  expect(await scalar(copy, 'SELECT COUNT(*) FROM big_children')).toBe(1);
  expect(await scalar(original, 'SELECT COUNT(*) FROM big_children')).toBe(2);
  expect(await scalar(copy, 'SELECT MAX(id2) FROM big_children')).toBe(10);
  // The CHECK constraint came along with CREATE TABLE … LIKE.
  await expect(copy.query(`INSERT INTO parent (code) VALUES ('')`)).rejects.toMatchObject({ sqlstate: '23000' });

  await engine.dropScratch(clone);
  await engine.dropScratch(source);
});

test('cloning 200,000 rows', async () => {
  const source = await engine.createScratch('clone_timing');
  const session = await engine.connect(source);
  await session.exec(`
    CREATE TABLE events (id bigint PRIMARY KEY AUTO_INCREMENT, account int NOT NULL, kind varchar(20) NOT NULL, payload varchar(200), created datetime NOT NULL, KEY (account), KEY (created));
    INSERT INTO events (account, kind, payload, created)
      SELECT n % 1000, ELT(1 + n % 3, 'open', 'close', 'move'), REPEAT('x', n % 100), '2024-01-01' + INTERVAL n SECOND FROM ${numbersUpTo(200_000)} AS numbers;`);
  await session.close();
  const started = performance.now();
  const clone = await engine.cloneScratch(source, 'clone_timing_copy');
  const ms = performance.now() - started;
  const copy = await engine.connect(clone);
  expect(await scalar(copy, 'SELECT COUNT(*) FROM events')).toBe(200_000);
  console.info(`[mysql clone] 200,000 rows (2 secondary indexes) cloned in ${Math.round(ms)} ms`);
  expect(ms).toBeLessThan(20_000);
  await engine.dropScratch(clone);
  await engine.dropScratch(source);
});
