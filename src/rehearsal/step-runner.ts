// Applies one migration file in one direction the way production's migration tool would, and
// measures what it does: per statement duration and locks, rewrites, rows, WAL. A failing
// migration is a result, never an exception; exceptions are left to rehearse's own failures.
import { performance } from 'node:perf_hooks';
import { DatabaseError, toDatabaseError, type Engine, type ScratchDatabase, type Session } from '../engines/engine.ts';
import type { MigrationTracking } from '../migrations/tracking.ts';
import { redactDataValues, redactSecrets } from '../redact.ts';
import type { Direction, PreparedMigration } from '../migrations/migration.ts';
import type { HeldLock, LockMonitor, Observer, RelationStorage, StorageMap } from '../observe/observer.ts';
import { withoutProbeActivity } from '../probes/activity.ts';
import type { LockQueueOutcome, TrafficProbes } from '../probes/probes.ts';
import type { ParsedSqlFile, SqlStatement } from '../sql/statement.ts';
import type { LockQueueEvidence, Phase, RewriteEvidence, StatementEvidence, StepError, StepEvidence, StepStatus } from './evidence.ts';
import { LockTracker, round } from './lock-tracker.ts';
import { runExternalStep } from './external-step.ts';
import { runInProcessStep } from './in-process-step.ts';

export interface StepContext {
  engine: Engine;
  db: ScratchDatabase;
  session: Session;
  observer: Observer;
  /** A second session watching autocommit statements, on engines with concurrent sessions. */
  monitor?: LockMonitor;
  /** Sessions that keep reading and writing the step's tables while it runs, on engines with concurrent sessions. */
  probes?: TrafficProbes;
  tracking: MigrationTracking;
  stepTimeoutMs: number;
}

export interface StepRequest {
  migration: PreparedMigration;
  direction: Direction;
  phase: Phase;
  /** The tracking table's version once the step is done (golang-migrate marks it dirty first). */
  versionAfter: bigint | null;
  /** The lock-queue rehearsal: a reader holds the step's tables this long from its start (needs traffic probes). */
  lockQueueMs?: number;
}

/** Whether, after a step, the scratch database can still be used. */
export interface StepOutcome {
  evidence: StepEvidence;
  sessionUsable: boolean;
}

export function skippedStep(req: StepRequest, because: string): StepEvidence {
  const file = req.direction === 'up' ? req.migration.up : req.migration.down;
  const plan = req.direction === 'up' ? req.migration.upPlan : req.migration.downPlan;
  return {
    migration: req.migration.id,
    version: req.migration.version,
    direction: req.direction,
    phase: req.phase,
    status: 'skipped',
    skippedBecause: because,
    file: file?.path ?? '',
    durationMs: 0,
    transaction: plan?.transactionMode ?? 'per-file',
    statements: [],
    locks: [],
    rewrites: [],
    rows: [],
    tablesNamed: plan ? tablesNamed(plan) : [],
  };
}

export async function runStep(ctx: StepContext, req: StepRequest): Promise<StepOutcome> {
  if (req.migration.apply) {
    if (req.direction === 'down' && !req.migration.down) return { evidence: skippedStep(req, 'the tool cannot undo this migration (no down command)'), sessionUsable: true };
    return runExternalStep(ctx, req, req.migration.apply);
  }
  if (req.migration.applyInProcess) {
    if (req.direction === 'down' && !req.migration.down) return { evidence: skippedStep(req, 'the migration has no down'), sessionUsable: true };
    return runInProcessStep(ctx, req, req.migration.applyInProcess);
  }
  const plan = req.direction === 'up' ? req.migration.upPlan : req.migration.downPlan;
  const file = req.direction === 'up' ? req.migration.up : req.migration.down;
  if (!plan || !file) return { evidence: skippedStep(req, 'the migration has no down file'), sessionUsable: true };

  const { session, observer } = ctx;
  const tracked = { migration: req.migration, direction: req.direction, versionAfter: req.versionAfter };
  await ctx.tracking.beforeStep(session, tracked);
  const storageBefore = await observer.storage(session);
  const baseline = await observer.beginStep(session);
  let locks = new LockTracker(storageBefore, (m) => observer.blockedBy(m));
  const rewrites = new Map<string, RewriteEvidence>();
  let statements: StatementEvidence[] = [];
  /** When each statement of the last run started (performance.now()), by position. */
  let startedAt: number[] = [];
  let error: StepError | undefined;
  let status: StepStatus = 'success';
  /** The last storage seen of every relation, the dropped ones included. */
  let storage: StorageMap = new Map(storageBefore);
  let peakLocks = 0;
  let processedSoFar = 0;
  let lockTimeoutRetries = 0;
  /** How long the statement that hit its lock_timeout had waited, when the step was retried. */
  let gaveUpAfterMs: number | undefined;

  // From just before the first statement until the step commits, probes do what the application
  // does to the step's tables, and time how long it cannot get through.
  const probing = await ctx.probes?.start({
    tables: tablesNamed(plan),
    migrationPid: session.backendPid,
    ...(req.lockQueueMs ? { lockQueue: { holdMs: req.lockQueueMs } } : {}),
  });

  // A hung statement is stopped at the step timeout: cancelled where the engine can, otherwise
  // the scratch database is destroyed and this target's rehearsal ends with what was measured.
  let timedOut = false;
  const stepStart = performance.now();
  const timer = setTimeout(() => {
    timedOut = true;
    void ctx.engine.interrupt(ctx.db, session).catch(() => undefined);
  }, ctx.stepTimeoutMs);

  let inTransaction = false;
  try {
    for (let run = 0; ; run++) {
      if (plan.transactionMode === 'per-file') {
        await session.query('BEGIN');
        inTransaction = true;
      }
      for (const stmt of plan.statements) {
        const watch = !inTransaction && ctx.monitor && !stmt.transactionControl ? ctx.monitor.watch(session.backendPid) : undefined;
        const start = performance.now();
        startedAt.push(start);
        let rowCount: number | null = null;
        let failure: Error | undefined;
        try {
          rowCount = (await session.query(stmt.sql)).rowCount;
        } catch (e) {
          failure = toDatabaseError(e);
        }
        const end = performance.now();
        const monitored = watch ? await watch.stop() : undefined;

        if (failure) {
          status = timedOut ? 'timeout' : 'error';
          statements.push(statementEvidence(stmt, status, end - start));
          error = stepError(failure, stmt, file.path, timedOut, ctx.stepTimeoutMs);
          break;
        }
        statements.push(statementEvidence(stmt, 'success', end - start, rowCount));

        if (plan.transactionMode === 'file-managed') {
          const control = transactionControl(stmt);
          if (control === 'open') {
            inTransaction = true;
            processedSoFar = (await observer.transactionCounters(session)).rowsProcessed;
          }
          // Where DDL is not transactional (MySQL), a DDL statement commits the open transaction
          // before it runs: the file's BEGIN no longer holds anything after it.
          const implicitCommit = !ctx.engine.capabilities.transactionalDdl && stmt.nonTransactional && !stmt.transactionControl;
          if (control === 'close' || (implicitCommit && inTransaction)) {
            locks.releaseAll(end);
            inTransaction = false;
          }
        }
        if (inTransaction) {
          locks.seenInTransaction(await observer.heldLocks(session), stmt.index, start);
          const counters = await observer.transactionCounters(session);
          peakLocks = Math.max(peakLocks, counters.sharedLocks);
          statements.at(-1)!.rowsProcessed = counters.rowsProcessed - processedSoFar;
          processedSoFar = counters.rowsProcessed;
        } else if (!stmt.transactionControl) {
          // A statement shorter than the monitor's poll interval may finish unseen: then the locks
          // its parse tree implies stand in for what the monitor missed.
          if (stmt.kind === 'LockTablesStmt') {
            // MySQL's LOCK TABLES holds its locks until UNLOCK TABLES (or the session's next LOCK TABLES).
            locks.releaseAll(start);
            if (!/^\s*UNLOCK\b/i.test(stmt.sql)) {
              const held = monitored && monitored.length > 0 ? monitored : inferredLocks(stmt, storage);
              locks.seenInTransaction(held, stmt.index, start, monitored && monitored.length > 0 ? 'monitored' : 'inferred');
            }
          } else if (monitored && monitored.length > 0) locks.seenInAutocommit(monitored, stmt.index, end - start, 'monitored');
          else locks.seenInAutocommit(inferredLocks(stmt, storage), stmt.index, end - start, 'inferred');
          if (observer.countsOutsideTransactions) {
            const { rowsProcessed } = await observer.transactionCounters(session);
            statements.at(-1)!.rowsProcessed = rowsProcessed - processedSoFar;
            processedSoFar = rowsProcessed;
          }
        }
        const now = await observer.storage(session, { sizes: false });
        // Against the last storage seen under each id, not only the previous statement's: a table
        // rebuilt by DROP + RENAME (SQLite's 12 steps, on engines that key storage by name) is
        // missing in between.
        const changed = [...now.values()].filter((rel) => isRewrite(storage.get(rel.oid)?.storageId, rel, stmt) && !rewrites.has(rel.oid));
        const sizes = await observer.relationSizes(session, changed.map((rel) => rel.oid));
        for (const rel of changed) rewrites.set(rel.oid, rewriteEvidence(rel, storageBefore.get(rel.oid), sizes.get(rel.oid), stmt));
        for (const [oid, rel] of now) storage.set(oid, rel);
      }
      // The step gave up on its own lock timeout while the lock-queue reader held on: a migration
      // tool would retry, and the retry finds the reader gone. Only a step that left nothing
      // applied can run again from the start: a per-file transaction, or a file whose first
      // statement that changes anything is the one that gave up (MySQL runs files statement by statement).
      const retry = run === 0 && status === 'error' && gaveUpOnLock(error) && leftNothingApplied(plan, statements, ctx.engine.capabilities.transactionalDdl) && probing?.lockQueueHolding;
      if (!retry) break;
      if (inTransaction) await session.query('ROLLBACK');
      inTransaction = false;
      await probing.lockQueueReleased();
      lockTimeoutRetries++;
      gaveUpAfterMs = statements.at(-1)?.durationMs;
      status = 'success';
      error = undefined;
      statements = [];
      startedAt = [];
      locks = new LockTracker(storageBefore, (m) => observer.blockedBy(m));
      rewrites.clear();
      storage = new Map(storageBefore);
      processedSoFar = 0;
    }
  } catch (e) {
    // The engine itself failed (connection lost, worker gone): a timeout if we caused it.
    if (!timedOut) throw e;
    status = 'timeout';
  } finally {
    clearTimeout(timer);
  }

  const sessionUsable = !timedOut || ctx.engine.capabilities.cancelStatement;
  if (sessionUsable && inTransaction) {
    if (status === 'success') {
      try {
        await session.query('COMMIT');
      } catch (e) {
        // The commit itself can fail: SQLite in a rollback-journal mode waits for readers to leave
        // and gives up at its busy_timeout. The migration failed, as it would in production.
        const failure = toDatabaseError(e);
        if (!(failure instanceof DatabaseError)) throw failure;
        status = 'error';
        error = { message: `COMMIT failed: ${redactDataValues(failure.message)}`, ...(failure.sqlstate ? { sqlstate: failure.sqlstate } : {}), file: file.path };
        await session.query('ROLLBACK').catch(() => undefined);
      }
    } else {
      await session.query('ROLLBACK');
    }
  }
  const stepEnd = performance.now();
  locks.releaseAll(stepEnd);
  const probed = await probing?.stop();
  const lockQueue = probed?.lockQueue ? lockQueueEvidence(probed.lockQueue, startedAt, lockTimeoutRetries, gaveUpAfterMs) : undefined;
  if (timedOut && !error) {
    error = { message: `cancelled after ${ctx.stepTimeoutMs} ms (stepTimeoutMs)`, file: file.path };
  }

  let rows: StepEvidence['rows'] = [];
  let walBytes: number | undefined;
  let sessionRows: StepEvidence['sessionRows'];
  if (sessionUsable) {
    ({ rows, walBytes, sessionRows } = await observer.endStep(session, baseline));
    // The counters are shared by all sessions and count rolled-back writes: the probes' are taken out.
    if (probed) rows = withoutProbeActivity(rows, probed.activity);
    await ctx.tracking.afterStep(session, tracked, {
      status: status === 'success' ? 'success' : 'error',
      durationMs: performance.now() - stepStart,
      ...(error ? { error: error.message } : {}),
    });
  }

  return {
    sessionUsable,
    evidence: {
      migration: req.migration.id,
      version: req.migration.version,
      direction: req.direction,
      phase: req.phase,
      status,
      file: file.path,
      durationMs: round(stepEnd - stepStart),
      transaction: plan.transactionMode,
      ...(error ? { error } : {}),
      statements,
      locks: locks.result(),
      rewrites: [...rewrites.values()],
      rows,
      ...(probed ? { blocked: probed.blocked } : {}),
      ...(lockQueue ? { lockQueue } : {}),
      ...(sessionRows ? { sessionRows } : {}),
      ...(walBytes !== undefined ? { walBytes } : {}),
      ...(peakLocks > 0 ? { peakLocks } : {}),
      tablesNamed: tablesNamed(plan),
      ...(status !== 'success' ? { leftDirty: true } : {}),
    },
  };
}

/** PostgreSQL's lock_not_available (a lock_timeout expired), MySQL's lock wait timeout (lock_wait_timeout, innodb_lock_wait_timeout). */
function gaveUpOnLock(error: StepError | undefined): boolean {
  return error?.sqlstate === '55P03' || error?.errno === 1205;
}

/**
 * Nothing the step ran stayed applied: a per-file transaction rolled back, or (MySQL, statement by
 * statement) only settings ran before the statement that gave up waiting for its metadata lock,
 * which had not started. A PostgreSQL autocommit statement that gave up (CREATE INDEX
 * CONCURRENTLY) can leave an INVALID index behind: not retried.
 */
function leftNothingApplied(plan: ParsedSqlFile, ran: StatementEvidence[], transactionalDdl: boolean): boolean {
  if (plan.transactionMode === 'per-file') return true;
  if (transactionalDdl) return false;
  return ran.slice(0, -1).every((s) => s.kind === 'TransactionStmt' || s.kind === 'VariableSetStmt');
}

/** The statement that was waiting when the reader ended: the last one started before that moment. */
function lockQueueEvidence(outcome: LockQueueOutcome, startedAt: number[], lockTimeoutRetries: number, gaveUpAfterMs: number | undefined): LockQueueEvidence {
  const waiting = outcome.migrationWaitedMs === null ? -1 : startedAt.findLastIndex((t) => t <= outcome.releasedAt);
  return {
    tables: outcome.tables,
    holdMs: outcome.holdMs,
    migrationWaitedMs: outcome.migrationWaitedMs,
    ...(waiting >= 0 ? { statementIndex: waiting } : {}),
    lockTimeoutRetries,
    ...(gaveUpAfterMs !== undefined ? { gaveUpAfterMs } : {}),
  };
}

function statementEvidence(stmt: SqlStatement, status: StepStatus, ms: number, rowCount?: number | null): StatementEvidence {
  return {
    index: stmt.index,
    line: stmt.line,
    column: stmt.column,
    kind: stmt.kind,
    // The summary can be the statement's own text: credentials in it are masked.
    summary: redactSecrets(stmt.summary),
    status,
    durationMs: round(ms),
    ...(rowCount !== null && rowCount !== undefined ? { rowCount } : {}),
    ...(stmt.work === 'rows' ? { growsWithRows: true } : {}),
  };
}

function stepError(failure: Error, stmt: SqlStatement, file: string, timedOut: boolean, timeoutMs: number): StepError {
  const db = failure instanceof DatabaseError ? failure : undefined;
  // Server texts quote data values ("Failing row contains (…)"): they never reach a report.
  const message = redactDataValues(failure.message);
  return {
    message: timedOut ? `cancelled after ${timeoutMs} ms (stepTimeoutMs): ${message}` : message,
    ...(db?.sqlstate ? { sqlstate: db.sqlstate } : {}),
    ...(db?.details.errno !== undefined ? { errno: db.details.errno } : {}),
    ...(db?.details.detail ? { detail: redactDataValues(db.details.detail) } : {}),
    ...(db?.details.hint ? { hint: redactDataValues(db.details.hint) } : {}),
    statementIndex: stmt.index,
    file,
    ...positionInFile(stmt, db?.details.position),
  };
}

/** The error's position inside the statement, mapped to the file; the statement start otherwise. */
function positionInFile(stmt: SqlStatement, position: number | undefined): { line: number; column: number } {
  if (!position || position < 1) return { line: stmt.line, column: stmt.column };
  const before = stmt.sql.slice(0, position - 1);
  const lines = before.split('\n');
  const extraLines = lines.length - 1;
  return extraLines === 0
    ? { line: stmt.line, column: stmt.column + before.length }
    : { line: stmt.line + extraLines, column: (lines.at(-1)?.length ?? 0) + 1 };
}

function transactionControl(stmt: SqlStatement): 'open' | 'close' | undefined {
  if (!stmt.transactionControl) return undefined;
  const word = stmt.sql.trim().split(/\s+/, 2).map((w) => w.toLowerCase());
  if (word[0] === 'begin' || word[0] === 'start') return 'open';
  if (word[0] === 'rollback' && word[1] === 'to') return undefined;
  if (['commit', 'end', 'rollback', 'abort'].includes(word[0] ?? '')) return 'close';
  if (word[0] === 'prepare') return 'close';
  return undefined;
}

/** The locks the statement implies; an index it names (DROP INDEX) counts toward its table, as the storage map says. */
function inferredLocks(stmt: SqlStatement, storage: StorageMap): HeldLock[] {
  return stmt.inferredLocks.map((l) => {
    const name = l.relation.startsWith('public.') ? l.relation.slice('public.'.length) : l.relation;
    const index = [...storage.values()].find((r) => r.kind === 'index' && (r.name === name || r.name.endsWith(`.${name}`)));
    return index ? { oid: index.oid, name: index.name, kind: 'index', table: index.table, mode: l.mode } : { oid: '', name, kind: 'table', table: name, mode: l.mode };
  });
}

/** A relation that existed before the statement and has new storage after it. */
function isRewrite(previousStorageId: string | undefined, rel: RelationStorage, stmt: SqlStatement): boolean {
  if (previousStorageId === undefined || previousStorageId === rel.storageId) return false;
  // Sequences get new storage on RESTART; TRUNCATE empties a table on purpose: neither is a rewrite.
  return rel.kind !== 'sequence' && stmt.kind !== 'TruncateStmt';
}

function rewriteEvidence(rel: RelationStorage, atStepStart: RelationStorage | undefined, bytesAfter: number | undefined, stmt: SqlStatement): RewriteEvidence {
  return {
    relation: rel.name,
    relationKind: rel.kind === 'table' || rel.kind === 'index' || rel.kind === 'materialized view' ? rel.kind : 'other',
    table: rel.table,
    statementIndex: stmt.index,
    bytesBefore: atStepStart?.bytes ?? 0,
    bytesAfter: bytesAfter ?? 0,
    ...(rel.sizeIncludesIndexes ? { bytesIncludeIndexes: true } : {}),
    reason: `new storage after statement ${stmt.index + 1} (${redactSecrets(stmt.summary)})`,
  };
}

export function tablesNamed(plan: ParsedSqlFile): string[] {
  const names = new Set<string>();
  for (const stmt of plan.statements) {
    for (const t of stmt.tables) names.add(t.startsWith('public.') ? t.slice('public.'.length) : t);
  }
  return [...names].sort();
}
