// lock-exhaustion: a step's transaction runs out of, or comes near, the engine's lock table.
// PostgreSQL keeps one shared lock table for the whole server, sized for max_locks_per_transaction
// × (max_connections + max_prepared_transactions) objects. A migration that touches thousands of
// partitions (or tables, or their indexes) in one transaction takes a lock on each and keeps them
// until commit; when the table is full, that transaction — or any other session's — fails with
// "out of shared memory" (SQLSTATE 53200). Near the limit, production's own traffic, which needs
// locks too, is what fails.
import type { StepEvidence, TargetEvidence } from '../rehearsal/evidence.ts';
import { defineCheck, type Draft } from './check.ts';
import { formatNumber } from './advice.ts';

/** SQLSTATE 53200 out_of_memory: what PostgreSQL reports when the shared lock table is full. */
const OUT_OF_SHARED_MEMORY = '53200';
/** MySQL/MariaDB ER_LOCK_TABLE_FULL: InnoDB's row locks outgrew the buffer pool's share for them. */
const LOCK_TABLE_FULL = 1206;

/** Share of the lock table past which the step leaves too little room for everyone else. */
export const WARN_SHARE = 0.5;

const ADVICE =
  'Touch fewer objects per transaction: split the migration so each transaction alters a bounded batch of partitions or tables (e.g. a few hundred), attach/detach partitions one per transaction, or change the partitioned parent once where PostgreSQL propagates it. If the work truly needs one transaction, raise max_locks_per_transaction on every server that will run it (a restart is needed) before deploying.';

const ADVICE_INNODB =
  'Lock fewer rows per transaction: InnoDB keeps a lock structure for every page of rows a statement locks (an UPDATE or DELETE without a usable index locks every row it scans), in the buffer pool. Batch the data change (about 10,000 rows per transaction, keyset pagination on the primary key), give the statement an index to find its rows, or raise innodb_buffer_pool_size before deploying.';

function outOfLocks(step: StepEvidence): boolean {
  if (step.status !== 'error' || !step.error) return false;
  if (step.error.errno === LOCK_TABLE_FULL) return true;
  return step.error.sqlstate === OUT_OF_SHARED_MEMORY && /lock/i.test(`${step.error.message} ${step.error.hint ?? ''}`);
}

/** How the server said it: SQLSTATE 53200 "out of shared memory", or MySQL error 1206. */
function outOfLocksCode(step: StepEvidence): string {
  return step.error?.errno === LOCK_TABLE_FULL ? `MySQL error ${LOCK_TABLE_FULL}, "The total number of locks exceeds the lock table size"` : `SQLSTATE ${OUT_OF_SHARED_MEMORY}, "out of shared memory"`;
}

function draft(step: StepEvidence, target: TargetEvidence): Draft | undefined {
  const capacity = target.lockCapacity;
  const evidence = {
    peakLocks: step.peakLocks ?? null,
    lockCapacity: capacity?.locks ?? null,
    capacityFrom: capacity?.derivation ?? null,
    sqlstate: step.error?.sqlstate ?? null,
    errno: step.error?.errno ?? null,
  };
  if (outOfLocks(step)) {
    return {
      severity: 'error',
      migration: step.migration,
      phase: step.phase,
      message: `${step.migration} runs out of lock table space (${outOfLocksCode(step)}): its transaction asked for more locks than ${capacity ? `the ${formatNumber(capacity.locks)} the server has room for (${capacity.derivation})` : 'the server has room for'}`,
      evidence,
      advice: step.error?.errno === LOCK_TABLE_FULL ? ADVICE_INNODB : ADVICE,
    };
  }
  if (!capacity || step.peakLocks === undefined || step.peakLocks <= capacity.locks * WARN_SHARE) return undefined;
  const share = Math.round((step.peakLocks / capacity.locks) * 100);
  // The table is sized for `capacity` but may borrow spare shared memory beyond it: past 100 %
  // the step only succeeded on what was left over on this server.
  const size =
    share > 100
      ? `more than the ${formatNumber(capacity.locks)} the lock table is sized for (${capacity.derivation}); it only succeeded on spare shared memory`
      : `${share}% of the lock table (${formatNumber(capacity.locks)}: ${capacity.derivation})`;
  return {
    severity: 'warning',
    migration: step.migration,
    phase: step.phase,
    message: `${step.migration} holds ${formatNumber(step.peakLocks)} locks at once in one transaction, ${size}; production's own sessions need room in the same table, and a server with fewer connections configured has less`,
    evidence: { ...evidence, share: step.peakLocks / capacity.locks },
    advice: ADVICE,
  };
}

export const lockExhaustionCheck = defineCheck({
  id: 'lock-exhaustion',
  title: 'A step runs out of, or comes near, the lock table capacity',
  run: (ctx) =>
    ctx.target.steps
      .filter((s) => s.status !== 'skipped')
      .map((s) => draft(s, ctx.target))
      // Running out fails any phase; coming near is said once for the ups (change, not reapply) and once for the downs.
      .filter((d): d is Draft => d !== undefined && (d.severity === 'error' || d.phase !== 'reapply')),
});
