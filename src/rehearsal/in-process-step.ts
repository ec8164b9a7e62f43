// A step a JS/TS migration tool applies in-process (Knex, Kysely, node-pg-migrate): the tool's
// code runs on rehearse's own session through a runner that times every statement the tool sends,
// reads the locks its transaction holds after each one, and tells its BEGIN/COMMIT apart. Around
// the step, as for any step: traffic probes, storage ids (rewrites), counters and WAL.
import { performance } from 'node:perf_hooks';
import { toDatabaseError } from '../engines/engine.ts';
import type { InProcessApply } from '../migrations/migration.ts';
import { redactDataValues, redactSecrets } from '../redact.ts';
import type { StatementEvidence, StepError, StepEvidence, StepStatus } from './evidence.ts';
import { watchWholeStep } from './whole-step-observation.ts';
import { LockTracker, round } from './lock-tracker.ts';
import type { StepContext, StepOutcome, StepRequest } from './step-runner.ts';

const BEGINS = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
const ENDS = /^\s*(COMMIT|ROLLBACK|END)\b/i;

export async function runInProcessStep(ctx: StepContext, req: StepRequest, apply: InProcessApply): Promise<StepOutcome> {
  const { session, observer } = ctx;
  const file = req.direction === 'up' ? req.migration.up : req.migration.down;
  const tracked = { migration: req.migration, direction: req.direction, versionAfter: req.versionAfter };
  await ctx.tracking.beforeStep(session, tracked);
  const watch = await watchWholeStep(observer, session);
  const probing = await ctx.probes?.start({ tables: watch.tables, migrationPid: session.backendPid });
  const locks = new LockTracker(watch.storageBefore, (m) => observer.blockedBy(m));
  const statements: StatementEvidence[] = [];
  let inTransaction = false;
  let failedStatement: StatementEvidence | undefined;

  const runner = {
    dialect: ctx.engine.dialect,
    query: async (sql: string, params?: unknown[]) => {
      const index = statements.length;
      const summary = redactSecrets(oneLine(sql));
      const kind = (/^\s*([A-Za-z]+)/.exec(sql)?.[1] ?? 'statement').toUpperCase();
      const start = performance.now();
      try {
        const result = await session.query(sql, params);
        const end = performance.now();
        statements.push({ index, line: 0, column: 0, kind, summary, status: 'success', durationMs: round(end - start), ...(result.rowCount !== null && result.rowCount !== undefined ? { rowCount: result.rowCount } : {}) });
        if (BEGINS.test(sql)) inTransaction = true;
        else if (ENDS.test(sql)) {
          locks.releaseAll(end);
          inTransaction = false;
        } else if (inTransaction) locks.seenInTransaction(await observer.heldLocks(session), index, start);
        return { ...result, rows: result.rows as Record<string, unknown>[] };
      } catch (error) {
        failedStatement = { index, line: 0, column: 0, kind, summary, status: 'error', durationMs: round(performance.now() - start) };
        statements.push(failedStatement);
        throw error;
      }
    },
  };

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void ctx.engine.interrupt(ctx.db, session).catch(() => undefined);
  }, ctx.stepTimeoutMs);
  const stepStart = performance.now();
  let status: StepStatus = 'success';
  let error: StepError | undefined;
  const notes: string[] = [];
  try {
    notes.push(...(await apply(runner, req.direction)).notes);
  } catch (e) {
    status = timedOut ? 'timeout' : 'error';
    const failure = toDatabaseError(e);
    error = {
      message: timedOut ? `cancelled after ${ctx.stepTimeoutMs} ms (stepTimeoutMs)` : redactDataValues(failure.message),
      ...('sqlstate' in failure && failure.sqlstate ? { sqlstate: failure.sqlstate as string } : {}),
      ...(failedStatement ? { statementIndex: failedStatement.index } : {}),
      file: file?.path ?? '',
    };
    // The tool rolls back what it opened; a migration that threw outside the tool's transaction handling may not have.
    if (inTransaction) await session.query('ROLLBACK').catch(() => undefined);
  } finally {
    clearTimeout(timer);
  }
  const stepEnd = performance.now();
  locks.releaseAll(stepEnd);
  const probed = await probing?.stop();

  const changes = await watch.finish(probed, 'new storage after the step');
  await ctx.tracking.afterStep(session, tracked, { status: status === 'success' ? 'success' : 'error', durationMs: stepEnd - stepStart, ...(error ? { error: error.message } : {}) });

  const evidence: StepEvidence = {
    migration: req.migration.id,
    version: req.migration.version,
    direction: req.direction,
    phase: req.phase,
    status,
    file: file?.path ?? '',
    durationMs: round(stepEnd - stepStart),
    // The tool issues its own BEGIN/COMMIT (or none): the statements show which.
    transaction: 'file-managed',
    ...(error ? { error } : {}),
    statements,
    locks: locks.result(),
    // The statements are seen, but not parsed for their tables: every table counts as named.
    ...changes,
    ...(probed ? { blocked: probed.blocked } : {}),
    ...(status !== 'success' ? { leftDirty: true } : {}),
  };
  return { evidence, sessionUsable: !timedOut || ctx.engine.capabilities.cancelStatement };
}

function oneLine(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
