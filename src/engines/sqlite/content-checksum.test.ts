// The content checksum: FNV-1a 64 against its published test vectors, and through SQL on real
// tables — order independence, and NULL, '', 0, 0.0, '0' and x'' all telling apart.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Session } from '../engine.ts';
import { feedValue, Fnv1a64 } from './content-checksum.mjs';
import { describeSqlite, openTestEngine, type TestSqliteEngine } from './testing.ts';

function fnv(text: string): string {
  const h = new Fnv1a64();
  for (const byte of Buffer.from(text, 'latin1')) h.byte(byte);
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

test('FNV-1a 64 in 16-bit limbs matches the reference values', () => {
  expect(fnv('')).toBe('cbf29ce484222325');
  expect(fnv('a')).toBe('af63dc4c8601ec8c');
  expect(fnv('foobar')).toBe('85944171f73967e8');
});

test('a value is hashed with its storage class', () => {
  const hash = (v: null | bigint | number | string | Uint8Array) => {
    const h = new Fnv1a64();
    feedValue(h, v);
    return `${h.hi}:${h.lo}`;
  };
  const values = [null, '', 0n, 0, -0, '0', new Uint8Array(), 1n, 1.5, 'NULL'];
  expect(new Set(values.map(hash)).size).toBe(values.length);
});

describeSqlite('rehearse_checksum', () => {
  let t: TestSqliteEngine;
  let s: Session;

  beforeAll(async () => {
    t = await openTestEngine();
    s = await t.engine.connect(await t.engine.createScratch('checksums'));
  });

  afterAll(async () => {
    await s.close();
    await t.cleanup();
  });

  const checksum = async (table: string, columns = 'a, b') => {
    const { rows } = await s.query<{ c: string }>(`SELECT rehearse_checksum(1, ${columns}) AS c FROM ${table}`);
    return JSON.parse(rows[0]!.c) as { row: string; columns: string[] };
  };

  test('the same rows in any order give the same sums; one changed value changes the row sum and its column sum only', async () => {
    await s.exec(`
      CREATE TABLE x (a, b); INSERT INTO x VALUES (1, 'one'), (2, 'two'), (3, NULL);
      CREATE TABLE y (a, b); INSERT INTO y VALUES (3, NULL), (1, 'one'), (2, 'two');
      CREATE TABLE z (a, b); INSERT INTO z VALUES (3, NULL), (1, 'one'), (2, 'too');`);
    const [x, y, z] = [await checksum('x'), await checksum('y'), await checksum('z')];
    expect(y).toEqual(x);
    expect(x.row).toMatch(/^[0-9a-f]{16}$/);
    expect(z.row).not.toBe(x.row);
    expect(z.columns[0]).toBe(x.columns[0]);
    expect(z.columns[1]).not.toBe(x.columns[1]);
  });

  test("NULL, '', 0, 0.0, '0' and x'' each give a different checksum, in a column and as a row", async () => {
    const values = ['NULL', "''", '0', '0.0', "'0'", "x''"];
    const sums = new Set<string>();
    for (const [i, v] of values.entries()) {
      await s.exec(`CREATE TABLE v${i} (a, b); INSERT INTO v${i} VALUES (${v}, 1)`);
      const c = await checksum(`v${i}`);
      sums.add(c.row);
      sums.add(`column:${c.columns[0]}`);
    }
    expect(sums.size).toBe(values.length * 2);
  });

  test('values moved between columns change the row checksum', async () => {
    await s.exec("CREATE TABLE m1 (a, b); INSERT INTO m1 VALUES ('p', 'q'); CREATE TABLE m2 (a, b); INSERT INTO m2 VALUES ('q', 'p')");
    expect((await checksum('m1')).row).not.toBe((await checksum('m2')).row);
  });

  test('a duplicated row does not cancel out, and no rows sum to zero', async () => {
    await s.exec("CREATE TABLE d1 (a, b); INSERT INTO d1 VALUES (1, 'x'); CREATE TABLE d2 (a, b); INSERT INTO d2 VALUES (1, 'x'), (1, 'x'); CREATE TABLE e (a, b)");
    expect((await checksum('d1')).row).not.toBe((await checksum('d2')).row);
    expect(await checksum('e')).toEqual({ row: '0000000000000000', columns: [] });
  });
});
