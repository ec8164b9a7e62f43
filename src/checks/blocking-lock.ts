// blocking-lock: while a step holds a lock that conflicts with plain reads (AccessShareLock) or
// writes (RowExclusiveLock) on an existing table, the application's queries on that table queue
// behind it. Where traffic probes ran (engines with concurrent sessions), how long they could not
// get through is measured (`steps[].blocked`), and that figure decides. Elsewhere — and for
// traffic no probe exercised — the wait is inferred from the lock mode (PostgreSQL's conflict
// table, `blocks`) times how long the step held it on the dataset: a lock is held until commit,
// so a fast ALTER followed by a slow UPDATE in the same transaction blocks for the UPDATE too.
// Where production sizes are known, both figures are taken at production size (predict.ts) and
// the finding says so. With the lock-queue rehearsal, a DDL that waited for a long reader shows
// the queue that formed behind it, and the advice is lock_timeout with retries.
import type { BlockedTraffic, LockEvidence, StatementEvidence, StepEvidence } from '../rehearsal/evidence.ts';
import { defineCheck, type Draft } from './check.ts';
import type { EvidenceValue } from './finding.ts';
import { measuredPerTable, OPERATION_LABEL, probesAtProductionSize, unmeasuredPart, type MeasuredTraffic } from './measured-blocking.ts';
import {
  ADVICE,
  adviceTerms,
  type AdviceTerms,
  formatDuration,
  isDml,
  limitsOfStep,
  lockModeName,
  normalizeTable,
  predictionEvidence,
  productionBasis,
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
  observed: "lock seen inside the migration's transaction after each statement",
  monitored: 'lock seen by a monitoring session during the statement',
  inferred: 'lock mode read off the statement, as the engine could not show its locks',
};

function whoWaits(blocks: BlockedTraffic): string {
  if (blocks.reads && blocks.writes) return 'Reads and writes';
  return blocks.reads ? 'Reads' : 'Writes';
}

/** The safe alternative for the statement that takes the lock. */
export function statementAdvice(statement: StatementEvidence | undefined, terms: AdviceTerms = ADVICE): string {
  if (!statement) return terms.expandContract;
  const s = statement.summary.toUpperCase();
  if (statement.kind === 'ReindexStmt' || /^\s*REINDEX\b/.test(s)) return terms.reindexConcurrently;
  if (statement.kind === 'LockTablesStmt' || /^\s*LOCK\s+TABLES?\b/.test(s))
    return 'Do not hold LOCK TABLES across a migration\'s work: every other session waits for the tables until UNLOCK TABLES. Let each statement take its own locks, and batch the work in short transactions.';
  if ((statement.kind === 'IndexStmt' || /CREATE\s+(UNIQUE\s+)?INDEX/.test(s)) && !/CONCURRENTLY/.test(s))
    return terms.concurrentIndex;
  // Attaching a prebuilt index is quick, unless the key columns are nullable: then PRIMARY KEY
  // scans the table under ACCESS EXCLUSIVE to set NOT NULL.
  if (/PRIMARY\s+KEY/.test(s) && /USING\s+INDEX/.test(s))
    return `Make the key columns NOT NULL before attaching the index, so the ALTER need not scan the table. ${terms.setNotNull}`;
  if (/PRIMARY\s+KEY|\bUNIQUE\b/.test(s)) return terms.uniqueUsingIndex;
  if (/FOREIGN\s+KEY|\bREFERENCES\b/.test(s)) return terms.foreignKeyNotValid;
  if (/\bCHECK\b/.test(s)) return terms.checkNotValid;
  if (/SET\s+NOT\s+NULL/.test(s)) return terms.setNotNull;
  if (/\bTYPE\b|\bMODIFY\b|\bCHANGE\b/.test(s)) return terms.newColumnSwap;
  // ADD COLUMN itself is instant; holding its lock long means the table was rewritten for a default.
  if (/ADD\s+COLUMN/.test(s)) return terms.addColumnWithoutVolatileDefault;
  if (/VACUUM\s+\(?.*FULL|\bCLUSTER\b/.test(s))
    return 'Run VACUUM FULL / CLUSTER outside the deploy, or use pg_repack, which rebuilds online and locks only briefly.';
  if (isDml(statement)) return terms.batchedBackfill;
  return 'Keep the statement that takes this lock alone in a short transaction and move slow work out of it.';
}

export function adviceFor(step: StepEvidence, lock: LockEvidence, limitMs: number, terms: AdviceTerms = ADVICE): string {
  const taker = statementAt(step, lock.statementIndex);
  const later = statementsUnderLock(step, lock);
  const slowestLater = [...later].sort((a, b) => b.durationMs - a.durationMs)[0];
  const takerSlow = !taker || taker.durationMs > limitMs || !slowestLater;
  const parts: string[] = [];
  // Advise on the taker only when it is what took the time: a fast DDL held open by what follows
  // it needs a commit, not a different DDL.
  if (takerSlow) parts.push(statementAdvice(taker, terms));
  if (later.some(isDml)) parts.push(terms.splitDdlAndBackfill);
  else if (slowestLater) {
    parts.push('Commit right after the statement that takes the lock: everything after it in the same transaction runs with the table locked.');
    if (slowestLater.durationMs > limitMs) parts.push(statementAdvice(slowestLater, terms));
  }
  parts.push(terms.lockTimeout);
  return [...new Set(parts)].join(' ');
}

/** How a lock was held: the statement that took it, and the later one that kept it until commit, if any. */
function lockStory(step: StepEvidence, lock: LockEvidence) {
  const taker = statementAt(step, lock.statementIndex);
  const later = statementsUnderLock(step, lock);
  // The statement that kept the lock longest after it was taken, when it is not the taker itself.
  const longestLater = [...later].sort((a, b) => b.durationMs - a.durationMs)[0];
  const heldOpenBy = longestLater && (!taker || longestLater.durationMs > taker.durationMs) ? longestLater : undefined;
  const holding = heldOpenBy ? `holds it until commit, through ${statementLabel(heldOpenBy)}` : `holds it ${formatDuration(lock.heldMs)}`;
  return {
    text: `${statementLabel(taker, lock.statementIndex)} takes ${lockModeName(lock.mode)}${lock.relation === lock.table ? '' : ` on ${lock.relation}`} and ${holding}`,
    evidence: {
      relation: lock.relation,
      relationKind: lock.relationKind,
      mode: lock.mode,
      heldMs: lock.heldMs,
      source: lock.source,
      ...statementEvidence(taker, lock.statementIndex),
      heldOpenBy: heldOpenBy
        ? { statementIndex: heldOpenBy.index, line: heldOpenBy.line, statement: heldOpenBy.summary, durationMs: heldOpenBy.durationMs }
        : null,
    } satisfies Record<string, EvidenceValue>,
  };
}

/** The prediction's fields, under names that leave `basis` (measured / inferred) alone. */
function productionEvidence(step: StepEvidence): Record<string, EvidenceValue> {
  if (!step.predicted) return {};
  const { basis: _dataset, ...fields } = predictionEvidence(step.predicted);
  return { atProductionSize: true, ...fields };
}

/** "2.0 s" or "0.2 s on the dataset, about 20 s ×100 at production size (…)". */
function figure(step: StepEvidence, measuredMs: number, predictedMs: number): string {
  return step.predicted ? `${formatDuration(measuredMs)} on the dataset, about ${formatDuration(predictedMs)} ${productionBasis(step.predicted)}` : formatDuration(measuredMs);
}

/** A lock as it would be held at production size (the measured hold where nothing is predicted). */
interface JudgedLock extends LockEvidence {
  measuredHeldMs: number;
}

function judgedLocks(step: StepEvidence): JudgedLock[] {
  return step.locks.map((lock, i) => ({ ...lock, measuredHeldMs: lock.heldMs, heldMs: step.predicted?.locks[i]?.heldMs ?? lock.heldMs }));
}

/** Inferred: no probe timed this traffic on this table, so the wait is the hold time of a conflicting lock. */
function inferredDraft(step: StepEvidence, lock: JudgedLock, limitMs: number, terms: AdviceTerms): Draft {
  const story = lockStory(step, { ...lock, heldMs: lock.measuredHeldMs });
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    table: lock.table,
    message:
      `${whoWaits(lock.blocks)} of ${lock.table} would wait ${figure(step, lock.measuredHeldMs, lock.heldMs)} (limit ${formatDuration(limitMs)}): ${story.text}` +
      ` — inferred from lock mode × hold time${step.predicted ? '' : ' on the dataset'} (${lock.source}: ${SOURCE[lock.source]})`,
    evidence: {
      basis: 'inferred',
      limitMs,
      ...(step.predicted ? { predictedHeldMs: lock.heldMs } : {}),
      ...productionEvidence(step),
      blocksReads: lock.blocks.reads,
      blocksWrites: lock.blocks.writes,
      ...story.evidence,
      transaction: step.transaction,
    },
    advice: adviceFor(step, lock, limitMs, terms),
  };
}

/**
 * Measured: probes could not get through for longer than the limit. The lock trace names the
 * statement and lock behind it where one explains it (the longest-held lock on the table that
 * blocks that traffic); row locks of the step's own writes block writes without any table lock.
 */
function measuredDraft(step: StepEvidence, judged: MeasuredTraffic, measured: MeasuredTraffic, limitMs: number, terms: AdviceTerms): Draft {
  const over: BlockedTraffic = { reads: (judged.readsMs ?? 0) > limitMs, writes: (judged.writesMs ?? 0) > limitMs };
  const worst = (m: MeasuredTraffic) => Math.max(over.reads ? (m.readsMs ?? 0) : 0, over.writes ? (m.writesMs ?? 0) : 0);
  // A lock that explains all the traffic that waited comes first, then the longest held.
  const explains = (l: LockEvidence) => Number(over.reads && l.blocks.reads) + Number(over.writes && l.blocks.writes);
  const lock = step.locks
    .filter((l) => normalizeTable(l.table) === normalizeTable(measured.table) && !l.newRelation && explains(l) > 0)
    .sort((a, b) => explains(b) - explains(a) || b.heldMs - a.heldMs)[0];
  const blockedBy = [...new Set(measured.probes.flatMap((p) => p.blockedBy))];
  const figures = measured.probes.map((p) => `${OPERATION_LABEL[p.operation]} ${formatDuration(p.maxBlockedMs)}`).join(', ');
  const queue = queuedBehindReader(step, blockedBy);
  const story = lock ? lockStory(step, lock) : undefined;
  const behind = blockedBy.includes('migration') ? ', behind the migration' : blockedBy.length > 0 ? `, behind backend ${blockedBy.join(', ')}` : '';
  const predicted = step.predicted ? { readsMs: judged.readsMs ?? null, writesMs: judged.writesMs ?? null } : undefined;
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    table: measured.table,
    message:
      `${whoWaits(over)} of ${measured.table} were blocked ${figure(step, worst(measured), worst(judged))} (limit ${formatDuration(limitMs)}), measured by probes (${figures})` +
      (queue ? `: ${queue.text}` : story ? `: ${story.text}` : behind),
    evidence: {
      basis: 'measured',
      limitMs,
      readsBlockedMs: measured.readsMs ?? null,
      writesBlockedMs: measured.writesMs ?? null,
      ...(predicted ? { predictedReadsBlockedMs: predicted.readsMs, predictedWritesBlockedMs: predicted.writesMs } : {}),
      ...productionEvidence(step),
      probes: measured.probes.map((p) => ({ operation: p.operation, attempts: p.attempts, maxBlockedMs: p.maxBlockedMs, p99Ms: p.p99Ms, errors: p.errors })),
      blockedBy,
      ...(story?.evidence ?? {}),
      ...(queue?.evidence ?? {}),
      transaction: step.transaction,
    },
    advice: queue
      ? terms.lockQueue
      : lock
        ? adviceFor(step, lock, limitMs, terms)
        : step.statements.some(isDml)
          ? `The rows the step writes stay locked until it commits. ${terms.batchedBackfill}`
          : terms.lockTimeout,
  };
}

/**
 * The lock-queue story, when the migration waited for the reader and the probes waited behind the
 * migration: the queue, not the statement's own work, is what blocked the traffic.
 */
function queuedBehindReader(step: StepEvidence, blockedBy: ('migration' | number)[]) {
  const q = step.lockQueue;
  if (!q || q.migrationWaitedMs === null || !blockedBy.includes('migration')) return undefined;
  const waiting = q.statementIndex === undefined ? undefined : statementAt(step, q.statementIndex);
  return {
    text:
      `${statementLabel(waiting, q.statementIndex ?? 0)} waited ${formatDuration(q.migrationWaitedMs)} for a transaction that was reading ${q.tables.join(', ')} ` +
      `when the step began (lock-queue rehearsal, reader held ${formatDuration(q.holdMs)}), and every query of the table queued behind it`,
    evidence: {
      lockQueue: true,
      migrationWaitedMs: q.migrationWaitedMs,
      readerHeldMs: q.holdMs,
      lockTimeoutRetries: q.lockTimeoutRetries,
      ...statementEvidence(waiting, q.statementIndex ?? 0),
    } satisfies Record<string, EvidenceValue>,
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
        const terms = adviceTerms(ctx.target.engine);
        const measured = measuredPerTable(step.blocked);
        // At production size where it is known: the gate is on what production would see.
        const judged = measuredPerTable(probesAtProductionSize(step));
        const fromProbes = [...judged]
          .filter(([, m]) => (m.readsMs ?? 0) > limitMs || (m.writesMs ?? 0) > limitMs)
          .map(([key, m]) => measuredDraft(step, m, measured.get(key)!, limitMs, terms));
        // Measured beats inferred: a lock counts only for the traffic no probe timed on its table.
        const unmeasured = judgedLocks(step).flatMap((lock) => {
          const part = unmeasuredPart(lock, measured);
          return part ? [{ ...lock, blocks: part.blocks }] : [];
        });
        return [...fromProbes, ...(worstPerTable(unmeasured, limitMs) as JudgedLock[]).map((lock) => inferredDraft(step, lock, limitMs, terms))];
      }),
});
