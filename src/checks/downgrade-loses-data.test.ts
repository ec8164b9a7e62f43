import { describe, expect, it } from 'vitest';
import { downgradeLosesDataCheck } from './downgrade-loses-data.ts';
import { column, content, context, downStep, schema, snapshot, tableSchema, target } from './test-fixtures.ts';

const patches = tableSchema('patches', {
  columns: [column('id', { type: 'bigint', notNull: true }), column('state', { default: "'new'::text" }), column('hash')],
});
const patchesContent = content(1_200, { id: 'c-id', state: 'c-state', hash: 'c-hash' });

function run(afterReapply: Parameters<typeof snapshot>[1], afterChange: Parameters<typeof snapshot>[1] = {}, steps = [downStep()]) {
  const before = snapshot('after-change', { schema: schema([patches]), tables: { patches: patchesContent }, ...afterChange });
  const after = snapshot('after-reapply', { schema: schema([patches]), tables: { patches: patchesContent }, ...afterReapply });
  return downgradeLosesDataCheck.run(context(target({ steps, snapshots: [before, after] })));
}

describe('downgrade-loses-data', () => {
  it('finds nothing when the round trip lands where the change did', () => {
    expect(run({})).toEqual([]);
  });

  it('does nothing without both snapshots', () => {
    const only = snapshot('after-change', { schema: schema([patches]), tables: { patches: patchesContent } });
    expect(downgradeLosesDataCheck.run(context(target({ snapshots: [only] })))).toEqual([]);
  });

  it('names the columns whose values changed, never the values', () => {
    const changed = content(1_200, { id: 'c-id', state: 'c-state', hash: 'other' });
    const [finding, ...rest] = run({ tables: { patches: changed } });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', phase: 'rollback', table: 'patches', migration: '0002_change' });
    expect(finding?.message).toBe('After rollback and reapply, table patches is not what the change left: values differ in column hash');
    expect(finding?.evidence).toMatchObject({ columnsChanged: ['hash'], rowsAfterChange: 1_200, rowsAfterReapply: 1_200 });
    expect(finding?.advice).toMatch(/deterministic/);
    expect(JSON.stringify(finding)).not.toContain('other');
  });

  it('reports a changed row count', () => {
    const fewer = content(900, { id: 'x', state: 'c-state', hash: 'c-hash' });
    const [finding] = run({ tables: { patches: fewer } });
    expect(finding?.message).toContain('1,200 rows after change, 900 after reapply');
    expect(finding?.advice).toMatch(/backup table/);
  });

  it('tells values moved between rows apart from changed values', () => {
    const recombined = { ...patchesContent, checksum: 'different-whole-rows' };
    const [finding] = run({ tables: { patches: recombined } });
    expect(finding?.message).toContain('every column holds the same values, but not in the same rows');
    expect(finding?.advice).toMatch(/ORDER BY/);
  });

  it('lists every schema difference of a table in one finding', () => {
    const changed = tableSchema('patches', {
      columns: [column('id', { type: 'integer', notNull: true }), column('state', { notNull: true }), column('extra')],
      indexes: {},
      triggers: { touch: 'CREATE TRIGGER touch …' },
    });
    const reapplied = content(1_200, { id: 'c-id', state: 'c-state', extra: 'c-extra' });
    const findings = run({ schema: schema([changed]), tables: { patches: reapplied } });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence.differences).toEqual([
      'column id is integer after reapply, bigint after change',
      "column state is text NOT NULL after reapply, text DEFAULT 'new'::text after change (nullability, default differ)",
      'column hash did not come back (text)',
      'column extra appeared (text)',
      'index patches_pkey did not come back: CREATE UNIQUE INDEX patches_pkey ON public.patches USING btree (id)',
      'trigger touch appeared: CREATE TRIGGER touch …',
    ]);
    expect(findings[0]?.message).toBe(
      "After rollback and reapply, table patches is not what the change left: column id is integer after reapply, bigint after change; column state is text NOT NULL after reapply, text DEFAULT 'new'::text after change (nullability, default differ); column hash did not come back (text); and 3 more differences",
    );
    expect(findings[0]?.evidence.schemaDifferences).toEqual([
      { kind: 'column', name: 'id', change: 'changed', attributes: ['type'], expected: 'bigint NOT NULL', actual: 'integer NOT NULL' },
      { kind: 'column', name: 'state', change: 'changed', attributes: ['nullability', 'default'], expected: "text DEFAULT 'new'::text", actual: 'text NOT NULL' },
      { kind: 'column', name: 'hash', change: 'missing', expected: 'text' },
      { kind: 'column', name: 'extra', change: 'extra', actual: 'text' },
      { kind: 'index', name: 'patches_pkey', change: 'missing', expected: 'CREATE UNIQUE INDEX patches_pkey ON public.patches USING btree (id)' },
      { kind: 'trigger', name: 'touch', change: 'extra', actual: 'CREATE TRIGGER touch …' },
    ]);
    expect(findings[0]?.advice).toMatch(/exact inverse/);
  });

  it('reports a table that did not come back, and schema objects one per object', () => {
    const [tableFinding, viewFinding, fnFinding, ...rest] = run({
      schema: schema([], { functions: { 'touch(integer, text)': 'new body' } }),
      tables: {},
    }, {
      schema: schema([patches], { views: { open_patches: 'SELECT …' }, functions: { 'touch(integer, text)': 'old body' } }),
    });
    expect(rest).toEqual([]);
    expect(tableFinding?.message).toBe('After rollback and reapply, table patches is not what the change left: it did not come back (1,200 rows after change)');
    expect(tableFinding?.evidence.schemaDifferences).toEqual([{ kind: 'table', name: 'patches', change: 'missing', expected: "(id bigint NOT NULL, state text DEFAULT 'new'::text, hash text)" }]);
    expect(viewFinding?.message).toBe('After rollback and reapply, view open_patches did not come back: SELECT …');
    expect(viewFinding?.table).toBeUndefined();
    expect(viewFinding?.evidence.schemaDifferences).toEqual([{ kind: 'view', name: 'open_patches', change: 'missing', expected: 'SELECT …' }]);
    expect(fnFinding?.message).toBe('After rollback and reapply, function touch(integer, text) differs: new body after reapply, old body after change');
  });

  it('says how an index or constraint came back: INVALID, NOT VALID', () => {
    const def = patches.indexes.patches_pkey!;
    const before = tableSchema('patches', { ...patches, constraints: { ...patches.constraints, hash_len: 'CHECK ((length(hash) = 40))' } });
    const after = tableSchema('patches', {
      ...patches,
      indexes: { patches_pkey: `${def} (INVALID)` },
      constraints: { ...patches.constraints, hash_len: 'CHECK ((length(hash) = 40)) NOT VALID' },
    });
    const [finding, ...rest] = run({ schema: schema([after]) }, { schema: schema([before]) });
    expect(rest).toEqual([]);
    expect(finding?.message).toBe(
      'After rollback and reapply, table patches is not what the change left: index patches_pkey is INVALID after reapply, valid after change; constraint hash_len is NOT VALID after reapply, validated after change',
    );
  });

  it('a data-only difference has no schema differences in its evidence', () => {
    const [finding] = run({ tables: { patches: content(1_200, { id: 'c-id', state: 'c-state', hash: 'other' }) } });
    expect(finding?.evidence.schemaDifferences).toEqual([]);
  });

  it('leaves the migration unnamed when several downs ran', () => {
    const [finding] = run(
      { tables: { patches: content(1, { id: 'x', state: 'c-state', hash: 'c-hash' }) } },
      {},
      [downStep({ migration: '0003_b', version: '0003' }), downStep()],
    );
    expect(finding?.migration).toBeUndefined();
    expect(finding?.evidence.rolledBack).toEqual(['0003_b', '0002_change']);
  });

  it('ignores the tracking table', () => {
    const tracking = tableSchema('schema_migrations');
    const [before, after] = [content(1, { version: 'a' }), content(1, { version: 'b' })];
    expect(
      run(
        { schema: schema([patches, tracking]), tables: { patches: patchesContent, schema_migrations: after } },
        { schema: schema([patches]), tables: { patches: patchesContent, schema_migrations: before } },
      ),
    ).toEqual([]);
  });
});
