import { describe, expect, it } from 'vitest';
import { tableRewriteCheck } from './table-rewrite.ts';
import { context, lock, rewrite, statement, step, target } from './test-fixtures.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const alterType = statement({ index: 0, line: 3, summary: 'ALTER TABLE patches ALTER COLUMN id TYPE bigint' });

describe('table-rewrite', () => {
  it('reports a table rewrite as an error, with its indexes folded into the same finding', () => {
    const s = step({
      statements: [alterType],
      locks: [lock({ heldMs: 40_000 })],
      rewrites: [
        rewrite({ bytesBefore: 1.2 * GiB, bytesAfter: 1.5 * GiB, reason: 'relfilenode changed' }),
        rewrite({ relation: 'public.patches_pkey', relationKind: 'index', bytesBefore: 300 * MiB, bytesAfter: 400 * MiB }),
      ],
    });
    const [finding, ...rest] = tableRewriteCheck.run(context([s]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', table: 'public.patches', phase: 'change' });
    expect(finding?.message).toBe(
      'ALTER TABLE patches ALTER COLUMN id TYPE bigint (line 3) rewrites public.patches (1.2 GiB, plus 1 index of 300 MiB) under ACCESS EXCLUSIVE: every row is copied, the disk briefly holds both copies and replicas replay it all (relfilenode changed)',
    );
    expect(finding?.evidence).toMatchObject({ statementIndex: 0, line: 3, lockMode: 'AccessExclusiveLock', bytesBefore: 1.2 * GiB + 300 * MiB });
    expect(finding?.advice).toMatch(/new column/);
  });

  it('does not count indexes twice where the table size already holds them (InnoDB tablespace files)', () => {
    const s = step({
      statements: [statement({ summary: 'ALTER TABLE block_device_mapping MODIFY connection_info' })],
      rewrites: [
        rewrite({ relation: 'block_device_mapping', table: 'block_device_mapping', bytesBefore: 52 * MiB, bytesIncludeIndexes: true }),
        rewrite({ relation: 'block_device_mapping.bdm_instance_idx', table: 'block_device_mapping', relationKind: 'index', bytesBefore: 21 * MiB }),
      ],
    });
    const [finding] = tableRewriteCheck.run(context(target({ engine: 'mysql', steps: [s] })));
    expect(finding?.message).toContain('rewrites block_device_mapping (52 MiB, with its 1 index)');
    expect(finding?.evidence).toMatchObject({ bytesBefore: 52 * MiB });
    expect(finding?.advice).toMatch(/pt-online-schema-change/);
  });

  it('reports an index-only rebuild as a warning', () => {
    const s = step({
      statements: [statement({ kind: 'ReindexStmt', summary: 'REINDEX INDEX patches_pkey' })],
      rewrites: [rewrite({ relation: 'public.patches_pkey', relationKind: 'index', bytesBefore: 300 * MiB })],
    });
    const [finding] = tableRewriteCheck.run(context([s]));
    expect(finding?.severity).toBe('warning');
    expect(finding?.message).toContain('rebuilds 1 index of public.patches (300 MiB)');
    expect(finding?.advice).toMatch(/REINDEX INDEX CONCURRENTLY/);
  });

  it('does not repeat the statement when the reason is the statement', () => {
    const s = step({
      statements: [alterType],
      rewrites: [rewrite({ reason: 'new storage after statement 1 (ALTER TABLE patches ALTER COLUMN id TYPE bigint)' })],
    });
    const [finding] = tableRewriteCheck.run(context([s]));
    expect(finding?.message).toMatch(/\(the relation got new storage\)$/);
    expect(finding?.message).not.toContain('under');
    expect(finding?.evidence.relations).toEqual([
      expect.objectContaining({ reason: 'new storage after statement 1 (ALTER TABLE patches ALTER COLUMN id TYPE bigint)' }),
    ]);
  });

  it('does not report relations that held no data (boundary: 0 bytes before)', () => {
    const s = step({ rewrites: [rewrite({ bytesBefore: 0, bytesAfter: 8192 })] });
    expect(tableRewriteCheck.run(context([s]))).toEqual([]);
  });

  it('only gates the change phase', () => {
    const s = step({ phase: 'rollback', direction: 'down', rewrites: [rewrite()] });
    expect(tableRewriteCheck.run(context([s]))).toEqual([]);
  });

  it.each([
    ['VACUUM FULL patches', /pg_repack/],
    ['CLUSTER patches USING patches_pkey', /pg_repack/],
    ['ALTER TABLE patches ADD COLUMN token', /without the default/],
    ['ALTER TABLE orders MODIFY state NOT NULL', /SET NOT NULL alone only scans/],
    ['ALTER TABLE patches SET TABLESPACE archive', /pg_repack/],
    ['ALTER TABLE messages DROP PRIMARY KEY, ADD PRIMARY KEY (conversation_id, message_id)', /gh-ost/],
  ])('advises by cause: %s', (summary, advice) => {
    const s = step({ statements: [statement({ summary })], rewrites: [rewrite()] });
    expect(tableRewriteCheck.run(context([s]))[0]?.advice).toMatch(advice);
  });
});
