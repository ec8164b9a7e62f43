import { describe, expect, it } from 'vitest';
import { adviceTerms } from './advice-terms.ts';
import { blockingLockCheck } from './blocking-lock.ts';
import { slowStepCheck } from './slow-step.ts';
import { context, lock, statement, step, target } from './test-fixtures.ts';

const createIndex = statement({ index: 0, kind: 'IndexStmt', summary: 'CREATE INDEX orders_customer_idx ON orders', durationMs: 90_000 });
const shareLock = lock({ relation: 'orders', table: 'orders', mode: 'ShareLock', blocks: { reads: false, writes: true }, heldMs: 90_000 });

const adviceOn = (engine: string) => {
  const t = target({ engine, steps: [step({ statements: [createIndex], locks: [shareLock], durationMs: 90_000 })] });
  return {
    blocking: blockingLockCheck.run(context(t))[0]?.advice,
    slow: slowStepCheck.run(context(t))[0]?.advice,
  };
};

describe('advice in the terms of the engine', () => {
  it('speaks PostgreSQL on postgres and pglite', () => {
    for (const engine of ['postgres', 'pglite']) {
      const { blocking, slow } = adviceOn(engine);
      expect(blocking).toMatch(/CREATE INDEX CONCURRENTLY/);
      expect(blocking).toMatch(/lock_timeout/);
      expect(slow).toMatch(/CREATE INDEX CONCURRENTLY/);
    }
  });

  it('speaks InnoDB online DDL on mysql', () => {
    const { blocking, slow } = adviceOn('mysql');
    expect(blocking).toMatch(/ALGORITHM=INPLACE, LOCK=NONE/);
    expect(blocking).toMatch(/lock_wait_timeout/);
    expect(blocking).not.toMatch(/CONCURRENTLY|lock_timeout =/);
    expect(slow).toMatch(/pt-online-schema-change \(or gh-ost, for tables without foreign keys\)/);
  });

  it('speaks of the single writer on sqlite', () => {
    const { blocking } = adviceOn('sqlite');
    expect(blocking).toMatch(/write lock/);
    expect(blocking).toMatch(/busy_timeout/);
    expect(blocking).not.toMatch(/CONCURRENTLY|ALGORITHM/);
  });

  it('has the same advice keys for every engine', () => {
    const keys = (engine: string) => Object.keys(adviceTerms(engine)).sort();
    expect(keys('mysql')).toEqual(keys('postgres'));
    expect(keys('sqlite')).toEqual(keys('postgres'));
  });
});
