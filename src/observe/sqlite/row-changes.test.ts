import { expect, test } from 'vitest';
import { rowChanges, type TableCount } from './row-changes.ts';
import type { LoggedWrite } from './write-log.ts';

const counts = (entries: Record<string, number>) =>
  new Map<string, TableCount>(Object.entries(entries).map(([table, rows]) => [table.toLowerCase(), { table, rows }]));
let seq = 1;
const write = (sql: string, changes: number, dml = true): LoggedWrite => ({ seq: seq++, sql, changes, dml });

test("the log gives each statement's own table and kind of change", () => {
  const rows = rowChanges(counts({ Orders: 10 }), counts({ Orders: 11 }), [
    write('UPDATE orders SET total = 0 WHERE total IS NULL', 4),
    write('INSERT INTO Orders (id) VALUES (?)', 1),
    write('DELETE FROM orders WHERE id = 1', 1),
    write('INSERT INTO orders (id) VALUES (?)', 1),
    write('CREATE INDEX o ON orders (total)', 0, false),
  ]);
  expect(rows).toEqual([{ table: 'Orders', read: 0, inserted: 2, updated: 4, deleted: 1 }]);
});

test('rows gone from a table no statement touched are deletes (a cascade)', () => {
  const rows = rowChanges(counts({ parent: 3, child: 7 }), counts({ parent: 2, child: 2 }), [write('DELETE FROM parent WHERE id = 1', 1)]);
  expect(rows).toEqual([
    { table: 'child', read: 0, inserted: 0, updated: 0, deleted: 5 },
    { table: 'parent', read: 0, inserted: 0, updated: 0, deleted: 1 },
  ]);
});

test('the naive rebuild: copied rows count for the new table, the cascade shows on the child, the swap itself is not a change', () => {
  const rows = rowChanges(counts({ parent: 3, child: 7 }), counts({ parent: 3, child: 0 }), [
    write('CREATE TABLE new_parent (id INTEGER PRIMARY KEY)', 0, false),
    write('INSERT INTO new_parent SELECT id FROM parent', 3),
    write('DROP TABLE parent', 3, false),
    write('ALTER TABLE new_parent RENAME TO parent', 0, false),
  ]);
  expect(rows).toEqual([
    { table: 'child', read: 0, inserted: 0, updated: 0, deleted: 7 },
    { table: 'new_parent', read: 0, inserted: 3, updated: 0, deleted: 0 },
  ]);
});

test('an upsert that changed existing rows counts them as updated, not as inserts offset by deletes', () => {
  const rows = rowChanges(counts({ t: 5 }), counts({ t: 6 }), [write('INSERT INTO t VALUES (1), (2), (9) ON CONFLICT (id) DO UPDATE SET n = n + 1', 3)]);
  expect(rows).toEqual([{ table: 't', read: 0, inserted: 1, updated: 2, deleted: 0 }]);
});

test('a table filled without a logged statement counts its new rows as inserts; a dropped table counts nothing', () => {
  const rows = rowChanges(counts({ gone: 100 }), counts({ copy: 40 }), []);
  expect(rows).toEqual([{ table: 'copy', read: 0, inserted: 40, updated: 0, deleted: 0 }]);
});
