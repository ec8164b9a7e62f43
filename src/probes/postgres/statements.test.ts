import { describe, expect, it } from 'vitest';
import { probeTargets, type ColumnShape, type TableShape } from './statements.ts';

const col = (name: string, overrides: Partial<ColumnShape> = {}): ColumnShape => ({ name, type: 'text', notNull: false, identity: '', generated: false, ...overrides });

function shape(overrides: Partial<TableShape> = {}): TableShape {
  return {
    oid: '16384',
    table: 'patches',
    qualified: '"public"."patches"',
    partitioned: false,
    columns: [col('id', { type: 'bigint', notNull: true }), col('name', { notNull: true }), col('project_id', { type: 'integer' })],
    primaryKey: ['id'],
    uniques: [],
    hasExclusionConstraint: false,
    referenced: false,
    ...overrides,
  };
}

const statementsOf = (s: TableShape, samples: string[][] = [['7']]) => {
  const { targets, notes } = probeTargets(s, samples);
  return { notes, ...Object.fromEntries(targets.map((t) => [t.operation, t.statements])) } as Record<string, string[]> & { notes: string[] };
};

describe('probeTargets', () => {
  it('reads and updates by primary key, and inserts a copy under a key at the top of the range', () => {
    const s = statementsOf(shape({ referenced: true }), [['7'], ['90210']]);
    expect(s.read).toEqual([`SELECT 1 FROM "public"."patches" WHERE "id" = '7'::bigint`, `SELECT 1 FROM "public"."patches" WHERE "id" = '90210'::bigint`]);
    expect(s.update?.[0]).toBe(`UPDATE "public"."patches" SET "id" = "id" WHERE "id" = '7'::bigint`);
    expect(s.insert?.[0]).toBe(
      `INSERT INTO "public"."patches" ("id", "name", "project_id") SELECT '9223372036854775807'::bigint, "name", "project_id" FROM "public"."patches" WHERE "id" = '7'::bigint`,
    );
    expect(s['fk-share']?.[1]).toBe(`SELECT 1 FROM "public"."patches" WHERE "id" = '90210'::bigint FOR KEY SHARE`);
    expect(s.notes).toEqual([]);
  });

  it('takes the FK-check probe only on a table some foreign key references', () => {
    expect(statementsOf(shape())['fk-share']).toBeUndefined();
  });

  it('quotes sample values as literals of the key type, composite keys as a row', () => {
    const s = statementsOf(shape({ primaryKey: ['domain', 'code'], columns: [col('domain', { notNull: true }), col('code', { type: 'character varying(12)', notNull: true })] }), [["o'hara.ie", 'x1']]);
    expect(s.read?.[0]).toBe(`SELECT 1 FROM "public"."patches" WHERE ("domain", "code") = ('o''hara.ie'::text, 'x1'::character varying(12))`);
    expect(s.insert).toBeUndefined();
    expect(s.notes).toEqual(['no insert probe on patches: its primary key (domain, code) is not a single integer or uuid column, so no new key is sure not to collide']);
  });

  it('uses the physical row address without a primary key, and copies rows as they are when nothing is unique', () => {
    const s = statementsOf(shape({ primaryKey: [] }), [['(0,1)']]);
    expect(s.read?.[0]).toBe(`SELECT 1 FROM "public"."patches" WHERE ctid = '(0,1)'::tid`);
    expect(s.update?.[0]).toBe(`UPDATE "public"."patches" SET "id" = "id" WHERE ctid = '(0,1)'::tid`);
    expect(s.insert?.[0]).toBe(`INSERT INTO "public"."patches" ("id", "name", "project_id") SELECT "id", "name", "project_id" FROM "public"."patches" WHERE ctid = '(0,1)'::tid`);
  });

  it('takes table locks only on an empty table', () => {
    expect(statementsOf(shape(), []).read).toEqual([`SELECT 1 FROM "public"."patches" WHERE false`]);
  });

  it('writes NULL into a nullable unique column, and skips the insert where a unique value cannot be avoided', () => {
    const email = { name: 'patches_email_key', columns: ['email'], nullsNotDistinct: false };
    const nullable = statementsOf(shape({ columns: [...shape().columns, col('email')], uniques: [email] }));
    expect(nullable.insert?.[0]).toContain(`SELECT '9223372036854775807'::bigint, "name", "project_id", NULL FROM`);

    const required = statementsOf(shape({ columns: [...shape().columns, col('email', { notNull: true })], uniques: [email] }));
    expect(required.insert).toBeUndefined();
    expect(required.notes[0]).toMatch(/unique index patches_email_key \(email\) has no column that can be NULL/);

    const notDistinct = statementsOf(shape({ columns: [...shape().columns, col('email')], uniques: [{ ...email, nullsNotDistinct: true }] }));
    expect(notDistinct.insert).toBeUndefined();

    const expression = statementsOf(shape({ uniques: [{ name: 'patches_lower_name', columns: [null], nullsNotDistinct: false }] }));
    expect(expression.notes[0]).toMatch(/unique index patches_lower_name is on an expression/);

    // A unique index that contains the new key cannot collide.
    const withKey = statementsOf(shape({ uniques: [{ name: 'patches_id_name', columns: ['id', 'name'], nullsNotDistinct: false }] }));
    expect(withKey.insert).toHaveLength(1);
  });

  it('handles identity, generated and uuid keys', () => {
    const identity = statementsOf(
      shape({ columns: [col('id', { type: 'integer', notNull: true, identity: 'a' }), col('name'), col('name_len', { type: 'integer', generated: true })] }),
    );
    expect(identity.insert?.[0]).toBe(
      `INSERT INTO "public"."patches" ("id", "name") OVERRIDING SYSTEM VALUE SELECT '2147483647'::integer, "name" FROM "public"."patches" WHERE "id" = '7'::integer`,
    );
    // An identity key cannot be set, not even to itself: the update sets the next writable column.
    expect(identity.update?.[0]).toBe(`UPDATE "public"."patches" SET "name" = "name" WHERE "id" = '7'::integer`);

    const uuid = statementsOf(shape({ columns: [col('id', { type: 'uuid', notNull: true }), col('name')] }));
    expect(uuid.insert?.[0]).toContain('SELECT gen_random_uuid(), "name" FROM');
  });

  it('does not insert into partitioned tables or tables with exclusion constraints', () => {
    expect(statementsOf(shape({ partitioned: true })).notes[0]).toMatch(/no insert probe on patches: it is partitioned/);
    expect(statementsOf(shape({ hasExclusionConstraint: true })).notes[0]).toMatch(/exclusion constraint/);
  });
});
