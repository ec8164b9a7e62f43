import { describe, expect, it } from 'vitest';
import { affinityOf, probeTargets, type ColumnShape, type TableShape } from './statements.ts';

const col = (name: string, overrides: Partial<ColumnShape> = {}): ColumnShape => ({ name, type: 'TEXT', notNull: false, generated: false, ...overrides });

function shape(overrides: Partial<TableShape> = {}): TableShape {
  return {
    table: 'patches',
    qualified: 'main."patches"',
    columns: [col('id', { type: 'INTEGER' }), col('name', { notNull: true }), col('project_id', { type: 'INT' })],
    primaryKey: ['id'],
    keyCollations: {},
    rowidAlias: true,
    withoutRowid: false,
    uniques: [],
    foreignKeyColumns: ['project_id'],
    referencedColumns: [],
    ...overrides,
  };
}

const statementsOf = (s: TableShape, samples: string[][] = [['7']], writes = true) => {
  const { targets, notes } = probeTargets(s, samples, { writes });
  return { notes, ...Object.fromEntries(targets.map((t) => [t.operation, t.statements])) } as Record<string, string[]> & { notes: string[] };
};

describe('probeTargets (sqlite)', () => {
  it('reads by key, updates a plain column, and inserts a copy under a rowid SQLite picks', () => {
    const s = statementsOf(shape(), [['7'], ['90210']]);
    expect(s.read).toEqual([`SELECT 1 FROM main."patches" WHERE "id" = 7`, `SELECT 1 FROM main."patches" WHERE "id" = 90210`]);
    expect(s.update?.[0]).toBe(`UPDATE OR ROLLBACK main."patches" SET "name" = "name" WHERE "id" = 7`);
    expect(s.insert?.[0]).toBe(`INSERT OR ROLLBACK INTO main."patches" ("id", "name", "project_id") SELECT NULL, "name", "project_id" FROM main."patches" WHERE "id" = 7`);
    expect(s['fk-share']).toBeUndefined();
    expect(s.notes).toEqual([]);
  });

  it('never updates a column a foreign key points at', () => {
    const referenced = statementsOf(shape({ columns: [col('id', { type: 'INTEGER' }), col('code', { notNull: true })], foreignKeyColumns: [], referencedColumns: ['id', 'code'] }));
    expect(referenced.update).toBeUndefined();
    expect(referenced.notes[0]).toMatch(/^no update probe on patches: every column is one other tables' foreign keys point at/);
    // Its own foreign key column is fine when nothing else is left.
    const own = statementsOf(shape({ columns: [col('id', { type: 'INTEGER' }), col('project_id', { type: 'INT' })], referencedColumns: ['id'] }));
    expect(own.update?.[0]).toBe(`UPDATE OR ROLLBACK main."patches" SET "project_id" = "project_id" WHERE "id" = 7`);
  });

  it('makes a new key past the largest value where the key is not the rowid', () => {
    const int = statementsOf(shape({ rowidAlias: false, columns: [col('id', { type: 'BIGINT' }), col('name')] }));
    expect(int.insert?.[0]).toBe(
      `INSERT OR ROLLBACK INTO main."patches" ("id", "name") SELECT (SELECT coalesce(max("id"), 0) + 1 FROM main."patches" WHERE typeof("id") IN ('integer', 'real')), "name" FROM main."patches" WHERE "id" = 7`,
    );
    const text = statementsOf(shape({ rowidAlias: false, withoutRowid: true, columns: [col('slug'), col('name')], primaryKey: ['slug'], keyCollations: { slug: 'NOCASE' } }), [["'a''b'"]]);
    expect(text.read?.[0]).toBe(`SELECT 1 FROM main."patches" WHERE "slug" = 'a''b'`);
    expect(text.insert?.[0]).toContain(`SELECT (SELECT coalesce(max("slug"), '') || '~' FROM main."patches" WHERE typeof("slug") = 'text'), "name" FROM`);
    const custom = statementsOf(shape({ rowidAlias: false, columns: [col('slug'), col('name')], primaryKey: ['slug'], keyCollations: { slug: 'UNICODE_CI' } }));
    expect(custom.insert).toBeUndefined();
    expect(custom.notes[0]).toMatch(/^no insert probe on patches: no column of its primary key \(slug\) can take a value sure not to collide/);
  });

  it('changes the one key column of a composite key that no foreign key uses', () => {
    const s = statementsOf(
      shape({ rowidAlias: false, withoutRowid: true, columns: [col('project_id', { type: 'INT' }), col('seq', { type: 'INT' })], primaryKey: ['project_id', 'seq'] }),
      [['1', '2']],
    );
    expect(s.read?.[0]).toBe(`SELECT 1 FROM main."patches" WHERE ("project_id", "seq") = (1, 2)`);
    expect(s.insert?.[0]).toContain(`SELECT "project_id", (SELECT coalesce(max("seq"), 0) + 1 FROM`);
    const allForeign = statementsOf(shape({ rowidAlias: false, columns: [col('a', { type: 'INT' }), col('b', { type: 'INT' })], primaryKey: ['a', 'b'], foreignKeyColumns: ['a', 'b'] }));
    expect(allForeign.insert).toBeUndefined();
  });

  it('uses the rowid without a primary key, under another name where a column took it', () => {
    const s = statementsOf(shape({ primaryKey: [], rowidAlias: false }), [['3']]);
    expect(s.read?.[0]).toBe(`SELECT 1 FROM main."patches" WHERE rowid = 3`);
    expect(s.insert?.[0]).toBe(`INSERT OR ROLLBACK INTO main."patches" ("id", "name", "project_id") SELECT "id", "name", "project_id" FROM main."patches" WHERE rowid = 3`);
    const taken = statementsOf(shape({ primaryKey: [], rowidAlias: false, columns: [col('rowid', { type: 'INT' }), col('name')] }), [['3']]);
    expect(taken.read?.[0]).toBe(`SELECT 1 FROM main."patches" WHERE _rowid_ = 3`);
  });

  it('takes the locks only on an empty table', () => {
    const s = statementsOf(shape(), []);
    expect(s.read).toEqual([`SELECT 1 FROM main."patches" WHERE 0`]);
    expect(s.insert?.[0]).toMatch(/WHERE 0$/);
  });

  it('writes NULL into a nullable unique column, and skips the insert where a unique value cannot be avoided', () => {
    const email = { name: 'patches_email', columns: ['email'], collations: ['NOCASE'] };
    const nullable = statementsOf(shape({ columns: [...shape().columns, col('email')], uniques: [email] }));
    expect(nullable.insert?.[0]).toContain(`SELECT NULL, "name", "project_id", NULL FROM`);
    // NOT NULL: a value past the largest, as for a key.
    const required = statementsOf(shape({ columns: [...shape().columns, col('email', { notNull: true })], uniques: [email] }));
    expect(required.insert?.[0]).toContain(`SELECT NULL, "name", "project_id", (SELECT coalesce(max("email"), '') || '~' FROM main."patches" WHERE typeof("email") = 'text') FROM`);
    const custom = statementsOf(shape({ columns: [...shape().columns, col('email', { notNull: true })], uniques: [{ ...email, collations: ['ICU_DE'] }] }));
    expect(custom.insert).toBeUndefined();
    expect(custom.notes[0]).toMatch(/unique index patches_email \(email\) has no column that can be NULL or take a value sure not to collide/);
    const expression = statementsOf(shape({ uniques: [{ name: 'patches_lower_name', columns: [null], collations: ['BINARY'] }] }));
    expect(expression.notes[0]).toMatch(/unique index patches_lower_name is on an expression/);
    // A unique index that contains the new key cannot collide.
    expect(statementsOf(shape({ uniques: [{ name: 'patches_id_name', columns: ['id', 'name'], collations: ['BINARY', 'BINARY'] }] })).insert).toHaveLength(1);
  });

  it('never writes generated columns, and only reads when writes are off', () => {
    const s = statementsOf(shape({ columns: [...shape().columns, col('name_len', { type: 'INT', generated: true })] }));
    expect(s.insert?.[0]).not.toContain('name_len');
    const readOnly = statementsOf(shape(), [['7']], false);
    expect(Object.keys(readOnly).sort()).toEqual(['notes', 'read']);
  });

  it('follows SQLite\'s affinity rules', () => {
    expect(['INTEGER', 'BIGINT', 'VARCHAR(10)', 'BLOB', '', 'DOUBLE PRECISION', 'DECIMAL(10,2)', 'FLOATING POINT'].map(affinityOf)).toEqual([
      'INTEGER', 'INTEGER', 'TEXT', 'BLOB', 'BLOB', 'REAL', 'NUMERIC', 'INTEGER',
    ]);
  });
});
