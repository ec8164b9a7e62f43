// blocking-lock: while a step holds a lock that conflicts with plain reads (AccessShareLock) or
// writes (RowExclusiveLock) on an existing table, the application's queries on that table queue
// behind it. How long they would wait is inferred from the lock mode (PostgreSQL's conflict
// table, `blocks`) times how long the step held it on the dataset: a lock is held until commit,
// so a fast ALTER followed by a slow UPDATE in the same transaction blocks for the UPDATE too.
import type { LockEvidence, StatementEvidence, StepEvidence } from '../rehearsal/evidence.ts';
import { defineCheck, type Draft } from './check.ts';
import {
  ADVICE,
  formatDuration,
  isDml,
  limitsOfStep,
  lockModeName,
  statementAt,
  statementEvidence,
  statementLabel,
} from './advice.ts';

/** Locks that make other sessions wait: on a relation they could already use, conflicting with reads or writes. */
export function blocksTraffic(lock: LockEvidence, limitMs: number): boolean {
  return !lock.newRelation && (lock.blocks.reads || lock.blocks.writes) && lock.heldMs > limitMs;
}

/** The longest-held blocking lock per table: one finding per table, about its worst moment. */
export function worstPerTable(locks: LockEvidence[], limitMs: number): LockEvidence[] {
  const worst = new Map<string, LockEvidence>();
  for (const lock of locks) {
    if (!blocksTraffic(lock, limitMs)) continue;
    const current = worst.get(lock.table);
    if (!current || lock.heldMs > current.heldMs) worst.set(lock.table, lock);
  }
  return [...worst.values()];
}

/**
 * Statements that ran after the one taking the lock while it was still held: the rest of the
 * transaction, up to a COMMIT/ROLLBACK the file writes itself. A lock seen outside a transaction
 * (`monitored`, `inferred`) was released when its statement ended.
 */
export function statementsUnderLock(step: StepEvidence, lock: LockEvidence): StatementEvidence[] {
  if (lock.source !== 'observed') return [];
  const out: StatementEvidence[] = [];
  for (const s of step.statements) {
    if (s.index <= lock.statementIndex) continue;
    if (s.kind === 'TransactionStmt') break;
    out.push(s);
  }
  return out;
}

const SOURCE: Record<LockEvidence['source'], string> = {
  observed: "lock seen in pg_locks inside the migration's transaction",
  monitored: 'lock seen by a monitoring session during the statement',
  inferred: 'lock mode read off the statement, as the engine could not show its locks',
};

function whoWaits(lock: LockEvidence): string {
  if (lock.blocks.reads && lock.blocks.writes) return 'Reads and writes';
  return lock.blocks.reads ? 'Reads' : 'Writes';
}

/** The safe alternative for the statement that takes the lock. */
export function statementAdvice(statement: StatementEvidence | undefined): string {
  if (!statement) return ADVICE.expandContract;
  const s = statement.summary.toUpperCase();
  if (statement.kind === 'ReindexStmt' || /^\s*REINDEX\b/.test(s)) return ADVICE.reindexConcurrently;
  if ((statement.kind === 'IndexStmt' || /CREATE\s+(UNIQUE\s+)?INDEX/.test(s)) && !/CONCURRENTLY/.test(s))
    return ADVICE.concurrentIndex;
  // Attaching a prebuilt index is quick, unless the key columns are nullable: then PRIMARY KEY
  // scans the table under ACCESS EXCLUSIVE to set NOT NULL.
  if (/PRIMARY\s+KEY/.test(s) && /USING\s+INDEX/.test(s))
    return `Make the key columns NOT NULL before attaching the index, so the ALTER need not scan the table. ${ADVICE.setNotNull}`;
  if (/PRIMARY\s+KEY|\bUNIQUE\b/.test(s)) return ADVICE.uniqueUsingIndex;
  if (/FOREIGN\s+KEY|\bREFERENCES\b/.test(s)) return ADVICE.foreignKeyNotValid;
  if (/\bCHECK\b/.test(s)) return ADVICE.checkNotValid;
  if (/SET\s+NOT\s+NULL/.test(s)) return ADVICE.setNotNull;
  if (/\bTYPE\b/.test(s)) return ADVICE.newColumnSwap;
  // ADD COLUMN itself is instant; holding its lock long means the table was rewritten for a default.
  if (/ADD\s+COLUMN/.test(s)) return ADVICE.addColumnWithoutVolatileDefault;
  if (/VACUUM\s+\(?.*FULL|\bCLUSTER\b/.test(s))
    return 'Run VACUUM FULL / CLUSTER outside the deploy, or use pg_repack, which rebuilds online and locks only briefly.';
  if (isDml(statement)) return ADVICE.batchedBackfill;
  return 'Keep the statement that takes this lock alone in a short transaction and move slow work out of it.';
}

export function adviceFor(step: StepEvidence, lock: LockEvidence, limitMs: number): string {
  const taker = statementAt(step, lock.statementIndex);
  const later = statementsUnderLock(step, lock);
  const slowestLater = [...later].sort((a, b) => b.durationMs - a.durationMs)[0];
  const takerSlow = !taker || taker.durationMs > limitMs || !slowestLater;
  const parts: string[] = [];
  // Advise on the taker only when it is what took the time: a fast DDL held open by what follows
  // it needs a commit, not a different DDL.
  if (takerSlow) parts.push(statementAdvice(taker));
  if (later.some(isDml)) parts.push(ADVICE.splitDdlAndBackfill);
  else if (slowestLater) {
    parts.push('Commit right after the statement that takes the lock: everything after it in the same transaction runs with the table locked.');
    if (slowestLater.durationMs > limitMs) parts.push(statementAdvice(slowestLater));
  }
  parts.push(ADVICE.lockTimeout);
  return [...new Set(parts)].join(' ');
}

function draft(step: StepEvidence, lock: LockEvidence, limitMs: number): Draft {
  const taker = statementAt(step, lock.statementIndex);
  const later = statementsUnderLock(step, lock);
  // The statement that kept the lock longest after it was taken, when it is not the taker itself.
  const longestLater = [...later].sort((a, b) => b.durationMs - a.durationMs)[0];
  const heldOpenBy = longestLater && (!taker || longestLater.durationMs > taker.durationMs) ? longestLater : undefined;
  const holding = heldOpenBy
    ? `holds it until commit, through ${statementLabel(heldOpenBy)}`
    : `holds it ${formatDuration(lock.heldMs)}`;
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    table: lock.table,
    message:
      `${whoWaits(lock)} of ${lock.table} would wait ${formatDuration(lock.heldMs)} (limit ${formatDuration(limitMs)}): ` +
      `${statementLabel(taker, lock.statementIndex)} takes ${lockModeName(lock.mode)}${lock.relation === lock.table ? '' : ` on ${lock.relation}`} and ${holding}` +
      ` — inferred from lock mode × hold time on the dataset (${lock.source}: ${SOURCE[lock.source]})`,
    evidence: {
      relation: lock.relation,
      relationKind: lock.relationKind,
      mode: lock.mode,
      heldMs: lock.heldMs,
      limitMs,
      blocksReads: lock.blocks.reads,
      blocksWrites: lock.blocks.writes,
      source: lock.source,
      // No probe sessions measured the wait: it is the hold time of a conflicting lock.
      blocking: 'inferred',
      ...statementEvidence(taker, lock.statementIndex),
      transaction: step.transaction,
      heldOpenBy: heldOpenBy
        ? { statementIndex: heldOpenBy.index, line: heldOpenBy.line, statement: heldOpenBy.summary, durationMs: heldOpenBy.durationMs }
        : null,
    },
    advice: adviceFor(step, lock, limitMs),
  };
}

export const blockingLockCheck = defineCheck({
  id: 'blocking-lock',
  title: "A step holds a lock that blocks other sessions' reads or writes longer than the limit",
  run: (ctx) =>
    ctx.target.steps
      .filter((s) => s.phase === 'change')
      .flatMap((step) => {
        const limitMs = limitsOfStep(ctx, step).blockingLockMs;
        return worstPerTable(step.locks, limitMs).map((lock) => draft(step, lock, limitMs));
      }),
});
