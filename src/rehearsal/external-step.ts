// A step the migration tool applies itself, in a process of its own (a command source: Alembic,
// Django, Rails…): rehearse cannot see its statements, so it watches the database from the
// outside — traffic probes on every table while it runs, storage ids before and after
// (rewrites), the counters and the WAL position (rows, WAL bytes) — and measures the process:
// duration, exit status, output, peak memory. Schema and content snapshots around the phases are
// taken by run-target as for any step, so drift and lossy downgrades are judged the same way.
import { performance } from 'node:perf_hooks';
import { UsageError } from '../errors.ts';
import type { ExternalApply } from '../migrations/migration.ts';
import { redactDataValues } from '../redact.ts';
import type { CommandEvidence, StepEvidence, StepStatus } from './evidence.ts';
import { watchWholeStep } from './whole-step-observation.ts';
import { LockTracker, round } from './lock-tracker.ts';
import type { StepContext, StepOutcome, StepRequest } from './step-runner.ts';

/** How much of a failed command's output the report keeps (the end: where the error is). */
const OUTPUT_KEPT = 4_000;

export async function runExternalStep(ctx: StepContext, req: StepRequest, apply: ExternalApply): Promise<StepOutcome> {
  const { session, observer } = ctx;
  const connection = ctx.engine.connectionInfo?.(ctx.db);
  if (!connection) {
    throw new UsageError('USAGE', `${req.migration.id} is applied by its tool in a process of its own, which cannot reach a ${ctx.engine.kind} database (it runs inside rehearse): use engine postgres, mysql or sqlite`);
  }
  const file = req.direction === 'up' ? req.migration.up : req.migration.down;
  const watch = await watchWholeStep(observer, session);
  // The tool may touch any table: the probes exercise all of them.
  const probing = await ctx.probes?.start({ tables: watch.tables, migrationPid: -1 });
  // The tool's own session is another backend: where the engine can, a monitor polls the locks of
  // every session but rehearse's and the probes' while the command runs.
  const watching = ctx.monitor?.watchOthers?.([session.backendPid]);

  const start = performance.now();
  const ran = await apply({ direction: req.direction, connection, timeoutMs: ctx.stepTimeoutMs });
  const end = performance.now();
  const seenLocks = (await watching?.stop()) ?? [];
  const locks = new LockTracker(watch.storageBefore, (m) => observer.blockedBy(m));
  for (const { lock, heldMs } of seenLocks) locks.seenInAutocommit([lock], 0, heldMs, 'monitored');
  const failed = ran.timedOut || ran.exitCode !== 0;
  const command: CommandEvidence = {
    argv: ran.argv,
    exitCode: ran.exitCode,
    signal: ran.signal,
    peakRssBytes: ran.peakRssBytes,
    // A passing step's output is noise; a failing one's end says why (server errors may quote data: redacted).
    stdout: failed ? redactDataValues(ran.stdout.slice(-OUTPUT_KEPT)) : '',
    stderr: failed ? redactDataValues(ran.stderr.slice(-OUTPUT_KEPT)) : '',
    sandboxed: ran.sandboxed,
  };
  const probed = await probing?.stop();

  const status: StepStatus = ran.timedOut ? 'timeout' : ran.exitCode === 0 ? 'success' : 'error';
  const changes = await watch.finish(probed, 'new storage after the command (its statements are not seen one by one)');

  const evidence: StepEvidence = {
    migration: req.migration.id,
    version: req.migration.version,
    direction: req.direction,
    phase: req.phase,
    status,
    file: file?.path ?? '',
    durationMs: round(end - start),
    // The tool decides its transactions; rehearse sees neither them nor its statements.
    transaction: 'file-managed',
    ...(status !== 'success' ? { error: commandError(command, ran.timedOut, file?.path ?? '', ctx.stepTimeoutMs) } : {}),
    statements: [],
    locks: locks.result(),
    // The tool's statements are not seen: every table counts as named, so data-loss (rows lost in
    // tables a step did not name) does not judge what it cannot tell; the snapshots still do.
    ...changes,
    ...(probed ? { blocked: probed.blocked } : {}),
    command,
    ...(status !== 'success' ? { leftDirty: true } : {}),
  };
  return { evidence, sessionUsable: true };
}

function commandError(c: CommandEvidence, timedOut: boolean, file: string, timeoutMs: number): StepEvidence['error'] {
  if (timedOut) return { message: `the command was killed after ${timeoutMs} ms (stepTimeoutMs)`, file };
  const how = c.exitCode !== null ? `exited with status ${c.exitCode}` : `was killed by ${c.signal ?? 'a signal'}`;
  // The last lines of stderr say why; server errors in them may quote data values.
  const tail = lastLines(c.stderr || c.stdout, 6);
  return { message: redactDataValues(`${c.argv.join(' ')} ${how}${tail ? `:\n${tail}` : ''}`), file };
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
