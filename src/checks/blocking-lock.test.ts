import { describe, expect, it } from 'vitest';
import { blockingLockCheck } from './blocking-lock.ts';
import { predictTarget } from '../rehearsal/predict.ts';
import { blocked, context, lock, statement, step, target } from './test-fixtures.ts';

const addPk = statement({ index: 0, line: 2, kind: 'AlterTableStmt', summary: 'ALTER TABLE links ADD PRIMARY KEY', durationMs: 4_200 });

const links = (overrides: Parameters<typeof lock>[0] = {}) =>
  lock({ relation: 'public.links', table: 'public.links', heldMs: 4_200, ...overrides });

describe('blocking-lock', () => {
  it('reports reads and writes blocked longer than the limit, with mode, statement and how it was seen', () => {
    const s = step({ migration: '0002_links_pk', statements: [addPk], locks: [links()] });
    const [finding, ...rest] = blockingLockCheck.run(context([s]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', table: 'public.links', migration: '0002_links_pk', phase: 'change' });
    expect(finding?.message).toBe(
      "Reads and writes of public.links would wait 4.2 s (limit 1 s): ALTER TABLE links ADD PRIMARY KEY (line 2) takes ACCESS EXCLUSIVE and holds it 4.2 s — inferred from lock mode × hold time on the dataset (observed: lock seen inside the migration's transaction after each statement)",
    );
    expect(finding?.evidence).toMatchObject({
      basis: 'inferred',
      mode: 'AccessExclusiveLock',
      heldMs: 4_200,
      limitMs: 1_000,
      blocksReads: true,
      blocksWrites: true,
      source: 'observed',
      statementIndex: 0,
      line: 2,
    });
    expect(finding?.advice).toMatch(/CREATE UNIQUE INDEX CONCURRENTLY.*USING INDEX/);
    expect(finding?.advice).toMatch(/lock_timeout/);
  });

  it('does not fire at exactly the limit', () => {
    const s = step({ statements: [addPk], locks: [links({ heldMs: 1_000 })] });
    expect(blockingLockCheck.run(context([s]))).toEqual([]);
    expect(blockingLockCheck.run(context([s], { blockingLockMs: 999 }))).toHaveLength(1);
  });

  it('uses per-migration limits', () => {
    const s = step({ statements: [addPk], locks: [links()] });
    expect(blockingLockCheck.run(context([s], {}, { '0002': { blockingLockMs: 5_000 } }))).toEqual([]);
  });

  it('ignores locks that block no traffic and relations the step created', () => {
    const s = step({
      statements: [addPk],
      locks: [
        links({ mode: 'ShareUpdateExclusiveLock', blocks: { reads: false, writes: false } }),
        links({ relation: 'public.new_table', table: 'public.new_table', newRelation: true }),
      ],
    });
    expect(blockingLockCheck.run(context([s]))).toEqual([]);
  });

  it('reports one finding per table, for its longest hold', () => {
    const s = step({
      statements: [addPk],
      locks: [
        links({ heldMs: 2_000 }),
        links({ relation: 'public.links_domain_idx', relationKind: 'index', heldMs: 3_000, mode: 'ShareLock', blocks: { reads: false, writes: true } }),
      ],
    });
    const findings = blockingLockCheck.run(context([s]));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(/^Writes of public.links would wait 3 s/);
    expect(findings[0]?.message).toContain('takes SHARE on public.links_domain_idx');
  });

  it('blames a backfill in the same transaction and advises splitting it from the DDL', () => {
    const s = step({
      statements: [
        statement({ index: 0, line: 1, summary: 'ALTER TABLE patches ADD COLUMN hash', durationMs: 3 }),
        statement({ index: 1, line: 2, kind: 'UpdateStmt', summary: 'UPDATE patches', durationMs: 8_000 }),
      ],
      locks: [lock({ heldMs: 8_003 })],
    });
    const [finding] = blockingLockCheck.run(context([s]));
    expect(finding?.message).toContain('takes ACCESS EXCLUSIVE and holds it until commit, through UPDATE patches (line 2)');
    expect(finding?.advice).toMatch(/^Split the DDL and the backfill/);
    expect(finding?.evidence.heldOpenBy).toMatchObject({ statementIndex: 1, durationMs: 8_000 });
  });

  it('advises committing early when later DDL in the transaction kept the lock', () => {
    const s = step({
      statements: [
        statement({ index: 0, line: 1, summary: 'ALTER TABLE patches ADD COLUMN hash', durationMs: 3 }),
        statement({ index: 1, line: 2, kind: 'IndexStmt', summary: 'CREATE INDEX patches_hash_idx ON patches', durationMs: 4_000 }),
      ],
      locks: [lock({ heldMs: 4_003 })],
    });
    const [finding] = blockingLockCheck.run(context([s]));
    expect(finding?.message).toContain('through CREATE INDEX patches_hash_idx ON patches (line 2)');
    expect(finding?.advice).toMatch(/^Commit right after the statement that takes the lock.*CREATE INDEX CONCURRENTLY/);
    expect(finding?.advice).not.toMatch(/volatile default/);
  });

  it('stops the hold at a COMMIT the file writes, and ignores later statements for autocommit locks', () => {
    const statements = [
      statement({ index: 0, kind: 'TransactionStmt', summary: 'BEGIN' }),
      statement({ index: 1, summary: 'ALTER TABLE patches ADD COLUMN hash', durationMs: 2_000 }),
      statement({ index: 2, kind: 'TransactionStmt', summary: 'COMMIT' }),
      statement({ index: 3, kind: 'UpdateStmt', summary: 'UPDATE patches', durationMs: 60_000 }),
    ];
    const inFile = step({ transaction: 'file-managed', statements, locks: [lock({ statementIndex: 1, heldMs: 2_000 })] });
    const [a] = blockingLockCheck.run(context([inFile]));
    expect(a?.evidence.heldOpenBy).toBeNull();
    expect(a?.advice).not.toMatch(/Split the DDL/);

    const autocommit = step({
      transaction: 'none',
      statements: [statements[1]!, { ...statements[3]!, index: 2 }],
      locks: [lock({ statementIndex: 0, heldMs: 2_000, source: 'inferred' })],
    });
    const [b] = blockingLockCheck.run(context([autocommit]));
    expect(b?.evidence.heldOpenBy).toBeNull();
    expect(b?.message).toContain('(inferred: lock mode read off the statement');
  });

  it.each([
    ['AlterTableStmt', 'ALTER TABLE links ADD CONSTRAINT links_pkey PRIMARY KEY USING INDEX links_pkey_idx', /NOT NULL before attaching/],
    ['IndexStmt', 'CREATE INDEX patches_hash_idx', /CREATE INDEX CONCURRENTLY/],
    ['AlterTableStmt', 'ALTER TABLE patches ADD FOREIGN KEY', /NOT VALID.*VALIDATE CONSTRAINT/],
    ['AlterTableStmt', 'ALTER TABLE patches ADD CONSTRAINT CHECK', /NOT VALID/],
    ['AlterTableStmt', 'ALTER TABLE patches ALTER COLUMN state SET NOT NULL', /IS NOT NULL\) NOT VALID/],
  ])('advises by statement: %s %s', (kind, summary, advice) => {
    const s = step({ statements: [statement({ kind, summary, durationMs: 5_000 })], locks: [lock({ heldMs: 5_000 })] });
    expect(blockingLockCheck.run(context([s]))[0]?.advice).toMatch(advice);
  });

  it('only gates the change phase', () => {
    const s = step({ phase: 'reapply', statements: [addPk], locks: [links()] });
    expect(blockingLockCheck.run(context([s]))).toEqual([]);
  });

  describe('with traffic probes', () => {
    const createIndex = statement({ index: 0, line: 1, kind: 'IndexStmt', summary: 'CREATE INDEX patches_hash_idx ON patches', durationMs: 2_300 });
    const shareLock = lock({ mode: 'ShareLock', blocks: { reads: false, writes: true }, heldMs: 2_300 });
    const probes = (writesMs: number, readsMs = 3) => [
      blocked({ operation: 'read', maxBlockedMs: readsMs }),
      blocked({ operation: 'insert', maxBlockedMs: writesMs, errors: writesMs > 500 ? { '55P03': 4 } : {}, blockedBy: writesMs > 50 ? ['migration'] : [] }),
      blocked({ operation: 'update', maxBlockedMs: writesMs - 10, blockedBy: writesMs > 50 ? ['migration'] : [] }),
    ];

    it('reports the measured figure, and the lock trace for what caused it', () => {
      const s = step({ statements: [createIndex], locks: [shareLock], blocked: probes(2_310) });
      const [finding, ...rest] = blockingLockCheck.run(context([s]));
      expect(rest).toEqual([]);
      expect(finding?.message).toBe(
        'Writes of patches were blocked 2.3 s (limit 1 s), measured by probes (read 3 ms, insert 2.3 s, update 2.3 s): ' +
          'CREATE INDEX patches_hash_idx ON patches (line 1) takes SHARE and holds it 2.3 s',
      );
      expect(finding?.evidence).toMatchObject({
        basis: 'measured',
        readsBlockedMs: 3,
        writesBlockedMs: 2_310,
        blockedBy: ['migration'],
        mode: 'ShareLock',
        statementIndex: 0,
      });
      expect(finding?.evidence.probes).toContainEqual({ operation: 'insert', attempts: 40, maxBlockedMs: 2_310, p99Ms: 1.5, errors: { '55P03': 4 } });
      expect(finding?.advice).toMatch(/CREATE INDEX CONCURRENTLY/);
    });

    it('names the lock that explains all the traffic that waited, before a longer-held one that explains part of it', () => {
      const addPkLocks = [
        lock({ mode: 'ShareLock', blocks: { reads: false, writes: true }, heldMs: 3_200 }),
        lock({ mode: 'AccessExclusiveLock', heldMs: 3_190 }),
      ];
      const s = step({ statements: [addPk], locks: addPkLocks, blocked: [blocked({ maxBlockedMs: 3_150 }), blocked({ operation: 'update', maxBlockedMs: 3_180 })] });
      expect(blockingLockCheck.run(context([s]))[0]?.message).toContain('takes ACCESS EXCLUSIVE and holds it 3.2 s');
    });

    it('does not infer an error for a table whose probes measured no blocking above the limit', () => {
      // The trace says SHARE for 2.3 s, but the probes got through: the lock was not in their way that long.
      const s = step({ statements: [createIndex], locks: [shareLock], blocked: probes(400) });
      expect(blockingLockCheck.run(context([s]))).toEqual([]);
    });

    it('infers only the traffic no probe exercised on the table', () => {
      const readsOnly = [blocked({ operation: 'read', maxBlockedMs: 4 })];
      const exclusive = lock({ heldMs: 3_000 });
      const [finding, ...rest] = blockingLockCheck.run(context([step({ statements: [addPk], locks: [exclusive], blocked: readsOnly })]));
      expect(rest).toEqual([]);
      expect(finding?.message).toMatch(/^Writes of public.patches would wait 3 s .* inferred from lock mode × hold time/);
      expect(finding?.evidence).toMatchObject({ basis: 'inferred', blocksReads: false, blocksWrites: true });
      // Locks on tables without probes are still inferred.
      const other = lock({ relation: 'projects', table: 'projects', heldMs: 3_000 });
      expect(blockingLockCheck.run(context([step({ statements: [addPk], locks: [other], blocked: probes(3) })]))[0]?.evidence.basis).toBe('inferred');
    });

    it('counts FK-check reads as reads, and row locks of the step\'s own writes without a table lock', () => {
      const backfill = statement({ index: 0, kind: 'UpdateStmt', summary: 'UPDATE patches', durationMs: 4_000 });
      const s = step({
        statements: [backfill],
        locks: [lock({ mode: 'RowExclusiveLock', blocks: { reads: false, writes: false }, heldMs: 4_000 })],
        blocked: [blocked({ operation: 'update', maxBlockedMs: 4_000, blockedBy: ['migration'] }), blocked({ operation: 'fk-share', maxBlockedMs: 1_500, blockedBy: ['migration', 4242] })],
      });
      const [finding] = blockingLockCheck.run(context([s]));
      expect(finding?.message).toBe('Reads and writes of patches were blocked 4 s (limit 1 s), measured by probes (update 4 s, FK check 1.5 s), behind the migration');
      expect(finding?.evidence.blockedBy).toEqual(['migration', 4242]);
      expect(finding?.advice).toMatch(/stay locked until it commits.*batches/);
    });

    it('gates on the blocked time predicted at production size, and says both figures', () => {
      const fast = { ...createIndex, durationMs: 300, rowsProcessed: 10_000 };
      const s = step({
        statements: [fast],
        rows: [{ table: 'patches', read: 10_000, inserted: 0, updated: 0, deleted: 0 }],
        locks: [{ ...shareLock, heldMs: 300 }],
        blocked: probes(290),
      });
      // Under the limit on the dataset.
      expect(blockingLockCheck.run(context([s]))).toEqual([]);
      const t = target({ steps: [s] });
      t.dataset.tableRows = { patches: 10_000 };
      predictTarget(t, { patches: 1_000_000 });
      const [finding, ...rest] = blockingLockCheck.run(context(t.steps));
      expect(rest).toEqual([]);
      expect(finding?.message).toMatch(/^Writes of patches were blocked 290 ms on the dataset, about 30 s ×100 at production size \(patches: 1,000,000 rows vs 10,000/);
      expect(finding?.evidence).toMatchObject({ basis: 'measured', writesBlockedMs: 290, predictedWritesBlockedMs: 29_990, atProductionSize: true, factor: 100 });
    });

    it('tells the lock-queue story: the DDL waited for a long reader and the traffic queued behind it', () => {
      const addColumn = statement({ index: 0, line: 1, kind: 'AlterTableStmt', summary: 'ALTER TABLE patches ADD COLUMN note', durationMs: 2_010 });
      const s = step({
        statements: [addColumn],
        locks: [lock({ table: 'patches', relation: 'patches', heldMs: 2_012 })],
        blocked: [blocked({ operation: 'read', maxBlockedMs: 1_990, errors: { '55P03': 4 }, blockedBy: ['migration'] })],
        lockQueue: { tables: ['patches'], holdMs: 2_000, migrationWaitedMs: 1_995, statementIndex: 0, lockTimeoutRetries: 0 },
      });
      const [finding] = blockingLockCheck.run(context([s]));
      expect(finding?.message).toBe(
        'Reads of patches were blocked 2 s (limit 1 s), measured by probes (read 2 s): ALTER TABLE patches ADD COLUMN note (line 1) waited 2 s ' +
          'for a transaction that was reading patches when the step began (lock-queue rehearsal, reader held 2 s), and every query of the table queued behind it',
      );
      expect(finding?.evidence).toMatchObject({ lockQueue: true, migrationWaitedMs: 1_995, readerHeldMs: 2_000 });
      expect(finding?.advice).toMatch(/^Set a short lock_timeout .* retry it after a pause/);
    });

    it('uses the limit in force for the migration', () => {
      const s = step({ statements: [createIndex], locks: [shareLock], blocked: probes(2_310) });
      expect(blockingLockCheck.run(context([s], {}, { '0002': { blockingLockMs: 3_000 } }))).toEqual([]);
    });
  });
});
