// Applies one migration file in one direction the way production's migration tool would, and
// measures what it does: per statement duration and locks, rewrites, rows, WAL. A failing
// migration is a result, never an exception; exceptions are left to rehearse's own failures.
import { performance } from 'node:perf_hooks';
import { DatabaseError, toDatabaseError, type Engine, type ScratchDatabase, type Session } from '../engines/engine.ts';
import type { GolangMigrateTracking } from '../migrations/golang-migrate-tracking.ts';
import { redactDataValues } from '../redact.ts';
import type { Direction, PreparedMigration } from '../migrations/migration.ts';
import type { HeldLock, LockMonitor, Observer, RelationStorage } from '../observe/observer.ts';
import { withoutProbeActivity } from '../probes/activity.ts';
import type { TrafficProbes } from '../probes/probes.ts';
import type { ParsedSqlFile, SqlStatement } from '../sql/statement.ts';
import type { Phase, RewriteEvidence, StatementEvidence, StepError, StepEvidence, StepStatus } from './evidence.ts';
import { LockTracker, round } from './lock-tracker.ts';

export interface StepContext {
  engine: Engine;
  db: ScratchDatabase;
  session: Session;
  observer: Observer;
  /** A second session watching autocommit statements, on engines with concurrent sessions. */
  monitor?: LockMonitor;
  /** Sessions that keep reading and writing the step's tables while it runs, on engines with concurrent sessions. */
  probes?: TrafficProbes;
  tracking: GolangMigrateTracking;
  stepTimeoutMs: number;
}

export interface StepRequest {
  migration: PreparedMigration;
  direction: Direction;
  phase: Phase;
  /** The tracking table's version once the step is done (golang-migrate marks it dirty first). */
  versionAfter: bigint | null;
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
  const plan = req.direction === 'up' ? req.migration.upPlan : req.migration.downPlan;
  const file = req.direction === 'up' ? req.migration.up : req.migration.down;
  if (!plan || !file) return { evidence: skippedStep(req, 'the migration has no down file'), sessionUsable: true };

  const { session, observer } = ctx;
  await ctx.tracking.set(session, req.versionAfter, true);
  const storageBefore = await observer.storage(session);
  const baseline = await observer.beginStep(session);
  const locks = new LockTracker(storageBefore, (m) => observer.blockedBy(m));
  const rewrites = new Map<string, RewriteEvidence>();
  const statements: StatementEvidence[] = [];
  let error: StepError | undefined;
  let status: StepStatus = 'success';
  let storage = storageBefore;
  let peakLocks = 0;
  let processedSoFar = 0;

  // From just before the first statement until the step commits, probes do what the application
  // does to the step's tables, and time how long it cannot get through.
  const probing = await ctx.probes?.start({ tables: tablesNamed(plan), migrationPid: session.backendPid });

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
    if (plan.transactionMode === 'per-file') {
      await session.query('BEGIN');
      inTransaction = true;
    }
    for (const stmt of plan.statements) {
      const watch = !inTransaction && ctx.monitor && !stmt.transactionControl ? ctx.monitor.watch(session.backendPid) : undefined;
      const start = performance.now();
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
        if (control === 'close') {
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
        if (monitored && monitored.length > 0) locks.seenInAutocommit(monitored, stmt.index, end - start, 'monitored');
        else locks.seenInAutocommit(inferredLocks(stmt), stmt.index, end - start, 'inferred');
      }
      const now = await observer.storage(session, { sizes: false });
      const changed = [...now.values()].filter((rel) => isRewrite(storage.get(rel.oid)?.storageId, rel, stmt) && !rewrites.has(rel.oid));
      const sizes = await observer.relationSizes(session, changed.map((rel) => rel.oid));
      for (const rel of changed) rewrites.set(rel.oid, rewriteEvidence(rel, storageBefore.get(rel.oid), sizes.get(rel.oid), stmt));
      storage = now;
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
    await session.query(status === 'success' ? 'COMMIT' : 'ROLLBACK');
  }
  const stepEnd = performance.now();
  locks.releaseAll(stepEnd);
  const probed = await probing?.stop();
  if (timedOut && !error) {
    error = { message: `cancelled after ${ctx.stepTimeoutMs} ms (stepTimeoutMs)`, file: file.path };
  }

  let rows: StepEvidence['rows'] = [];
  let walBytes: number | undefined;
  if (sessionUsable) {
    ({ rows, walBytes } = await observer.endStep(session, baseline));
    // The counters are shared by all sessions and count rolled-back writes: the probes' are taken out.
    if (probed) rows = withoutProbeActivity(rows, probed.activity);
    if (status === 'success') await ctx.tracking.set(session, req.versionAfter, false);
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
      ...(walBytes !== undefined ? { walBytes } : {}),
      ...(peakLocks > 0 ? { peakLocks } : {}),
      tablesNamed: tablesNamed(plan),
      ...(status !== 'success' ? { leftDirty: true } : {}),
    },
  };
}

function statementEvidence(stmt: SqlStatement, status: StepStatus, ms: number, rowCount?: number | null): StatementEvidence {
  return {
    index: stmt.index,
    line: stmt.line,
    column: stmt.column,
    kind: stmt.kind,
    summary: stmt.summary,
    status,
    durationMs: round(ms),
    ...(rowCount !== null && rowCount !== undefined ? { rowCount } : {}),
  };
}

function stepError(failure: Error, stmt: SqlStatement, file: string, timedOut: boolean, timeoutMs: number): StepError {
  const db = failure instanceof DatabaseError ? failure : undefined;
  // Server texts quote data values ("Failing row contains (…)"): they never reach a report.
  const message = redactDataValues(failure.message);
  return {
    message: timedOut ? `cancelled after ${timeoutMs} ms (stepTimeoutMs): ${message}` : message,
    ...(db?.sqlstate ? { sqlstate: db.sqlstate } : {}),
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

function inferredLocks(stmt: SqlStatement): HeldLock[] {
  return stmt.inferredLocks.map((l) => {
    const name = l.relation.startsWith('public.') ? l.relation.slice('public.'.length) : l.relation;
    return { oid: '', name, kind: 'table', table: name, mode: l.mode };
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
    reason: `new storage after statement ${stmt.index + 1} (${stmt.summary})`,
  };
}

export function tablesNamed(plan: ParsedSqlFile): string[] {
  const names = new Set<string>();
  for (const stmt of plan.statements) {
    for (const t of stmt.tables) names.add(t.startsWith('public.') ? t.slice('public.'.length) : t);
  }
  return [...names].sort();
}
