import { describe, expect, it } from 'vitest';
import { lockExhaustionCheck } from './lock-exhaustion.ts';
import { context, step, stepError, target } from './test-fixtures.ts';

const capacity = { locks: 6_400, derivation: 'max_locks_per_transaction 64 × (max_connections 100 + max_prepared_transactions 0)' };

describe('lock-exhaustion', () => {
  it('is an error when the step ran out of lock table space', () => {
    const s = step({
      status: 'error',
      error: stepError({ sqlstate: '53200', message: 'out of shared memory', hint: 'You might need to increase max_locks_per_transaction.' }),
    });
    const [finding] = lockExhaustionCheck.run(context(target({ steps: [s], lockCapacity: capacity })));
    expect(finding).toMatchObject({ severity: 'error', migration: '0002_change' });
    expect(finding?.message).toMatch(/runs out of lock table space \(SQLSTATE 53200/);
    expect(finding?.message).toContain('6,400');
  });

  it('warns past half of the lock table, and not at half', () => {
    const atHalf = step({ peakLocks: 3_200 });
    expect(lockExhaustionCheck.run(context(target({ steps: [atHalf], lockCapacity: capacity })))).toEqual([]);
    const over = step({ peakLocks: 4_100 });
    const [finding] = lockExhaustionCheck.run(context(target({ steps: [over], lockCapacity: capacity })));
    expect(finding).toMatchObject({ severity: 'warning', evidence: { peakLocks: 4_100, lockCapacity: 6_400 } });
    expect(finding?.message).toMatch(/holds 4,100 locks at once in one transaction, 64% of the lock table/);
  });

  it('is an error when InnoDB runs out of lock memory (MySQL error 1206, SQLSTATE HY000)', () => {
    const s = step({ status: 'error', error: stepError({ sqlstate: 'HY000', errno: 1206, message: 'The total number of locks exceeds the lock table size', hint: undefined }) });
    const [finding] = lockExhaustionCheck.run(context(target({ engine: 'mysql', steps: [s] })));
    expect(finding).toMatchObject({ severity: 'error', evidence: { errno: 1206 } });
    expect(finding?.message).toMatch(/MySQL error 1206/);
    expect(finding?.advice).toMatch(/innodb_buffer_pool_size/);
  });

  it('ignores other out-of-memory errors and steps with few locks', () => {
    const oom = step({ status: 'error', error: stepError({ sqlstate: '53200', message: 'out of memory', hint: undefined }) });
    const few = step({ peakLocks: 12 });
    expect(lockExhaustionCheck.run(context(target({ steps: [oom, few], lockCapacity: capacity })))).toEqual([]);
  });
});
