// slow-step: a step, or one statement, takes longer than production can afford. A slow step is
// downtime (the deploy waits, locks are held); a statement longer than a statement_timeout or a
// proxy's idle timeout fails outright in production — Patchwork's upgrade had statements cut by
// a proxy's 5-minute idle timeout after passing on "a very small subset" of the data.
import type { Phase, StatementEvidence, StepEvidence } from '../rehearsal/evidence.ts';
import type { Limits } from './limits.ts';
import { defineCheck, type Draft } from './check.ts';
import { ADVICE, adviceTerms, type AdviceTerms, formatDuration, isDml, limitsOfStep, listing, predictionEvidence, productionBasis, statementEvidence, statementLabel } from './advice.ts';

/**
 * Durations gate the change's own ups. A timeout is a failure, reported in every phase like
 * fails-on-data and downgrade-fails are: a step that never finishes breaks the deploy (or the
 * rollback) whichever phase it is in.
 */
const DURATION_PHASES: ReadonlySet<Phase> = new Set(['change']);

const MAINTENANCE = /^\s*(VACUUM|CLUSTER|REINDEX|ANALYZE|OPTIMIZE|REFRESH\s+MATERIALIZED)/i;

function slowest(step: StepEvidence, n = 3): StatementEvidence[] {
  return [...step.statements].sort((a, b) => b.durationMs - a.durationMs).slice(0, n);
}

/** The safe alternative, by what the slow statement does. */
export function adviceFor(statement: StatementEvidence | undefined, terms: AdviceTerms = ADVICE): string {
  if (statement && isDml(statement))
    return `Move the data migration out of the schema migration and batch it. ${terms.batchedBackfill}`;
  if (statement && MAINTENANCE.test(statement.summary))
    return 'Run long maintenance (VACUUM, CLUSTER, REINDEX, ANALYZE, REFRESH MATERIALIZED VIEW) outside the deploy, online where possible (REINDEX CONCURRENTLY, REFRESH … CONCURRENTLY, pg_repack).';
  if (statement && /CREATE\s+(UNIQUE\s+)?INDEX/i.test(statement.summary)) return terms.concurrentIndex;
  return `Split the migration: keep the schema change small and fast, and move work that grows with the data into batched background jobs. ${terms.expandContract}`;
}

const slowList = (step: StepEvidence) =>
  slowest(step).map((s) => ({ statementIndex: s.index, line: s.line, statement: s.summary, durationMs: s.durationMs }));

function timedOut(step: StepEvidence, limits: Limits, terms: AdviceTerms): Draft {
  // The statement that was running when the step was cancelled.
  const running = step.statements.find((s) => s.status === 'timeout') ?? slowest(step, 1)[0];
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    message:
      `${step.migration} (${step.direction}) was cancelled after ${formatDuration(step.durationMs)} (stepTimeoutMs ${formatDuration(limits.stepTimeoutMs)}) without finishing` +
      `${running ? `, during ${statementLabel(running)}` : ''}; in production it would run at least that long`,
    evidence: {
      status: step.status,
      durationMs: step.durationMs,
      stepTimeoutMs: limits.stepTimeoutMs,
      ...statementEvidence(running),
      slowestStatements: slowList(step),
    },
    advice: adviceFor(running, terms),
  };
}

/** A step's duration as judged: at production size where known, as measured otherwise. */
function judgedDuration(step: StepEvidence): number {
  return step.predicted?.durationMs ?? step.durationMs;
}

/** A statement's duration as judged: at production size where known, as measured otherwise. */
function judgedStatement(step: StepEvidence, statement: StatementEvidence): StatementEvidence {
  const predicted = step.predicted?.statements.find((s) => s.index === statement.index)?.durationMs;
  return predicted === undefined ? statement : { ...statement, durationMs: predicted };
}

function tooLong(step: StepEvidence, limits: Limits, terms: AdviceTerms): Draft {
  const top = slowest(step, 1)[0];
  const p = step.predicted;
  const took = p
    ? `takes ${formatDuration(step.durationMs)} on the dataset and about ${formatDuration(p.durationMs)} ${productionBasis(p)}`
    : `takes ${formatDuration(step.durationMs)} on the dataset`;
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    message:
      `${step.migration} ${took}, over the ${formatDuration(limits.stepDurationMs)} step limit (stepDurationMs)` +
      `${top ? `; slowest statement: ${statementLabel(top)}, ${formatDuration(top.durationMs)}${p ? ` (about ${formatDuration(judgedStatement(step, top).durationMs)} at production size)` : ''}` : ''}`,
    evidence: {
      durationMs: step.durationMs,
      ...(p ? { predictedDurationMs: p.durationMs } : {}),
      ...predictionEvidence(p),
      stepDurationMs: limits.stepDurationMs,
      slowestStatements: slowList(step),
    },
    advice: adviceFor(top, terms),
  };
}

/** Which configured statement limits a statement exceeds. */
export function exceededTimeouts(statement: StatementEvidence, limits: Limits): ('statementTimeoutMs' | 'idleTimeoutMs')[] {
  const out: ('statementTimeoutMs' | 'idleTimeoutMs')[] = [];
  if (limits.statementTimeoutMs !== undefined && statement.durationMs > limits.statementTimeoutMs) out.push('statementTimeoutMs');
  if (limits.idleTimeoutMs !== undefined && statement.durationMs > limits.idleTimeoutMs) out.push('idleTimeoutMs');
  return out;
}

function cutOff(step: StepEvidence, measured: StatementEvidence, limits: Limits, terms: AdviceTerms): Draft | undefined {
  const statement = judgedStatement(step, measured);
  const exceeded = exceededTimeouts(statement, limits);
  if (exceeded.length === 0) return undefined;
  const consequences = exceeded.map((l) =>
    l === 'statementTimeoutMs'
      ? `production's statement_timeout of ${formatDuration(limits.statementTimeoutMs ?? 0)} (statementTimeoutMs) cancels it`
      : `a proxy that cuts connections idle for ${formatDuration(limits.idleTimeoutMs ?? 0)} (idleTimeoutMs) drops the connection while it waits`,
  );
  const specific = exceeded.includes('idleTimeoutMs')
    ? 'Run migrations on a direct connection that bypasses the proxy or pooler (or give the migration connection a longer idle timeout and TCP keepalives).'
    : `If the work truly must be one statement, raise the timeout for the migration session only (${terms.sessionTimeout}).`;
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    message: `${statementLabel(statement)} runs ${step.predicted ? `${formatDuration(measured.durationMs)} on the dataset and about ${formatDuration(statement.durationMs)} ${productionBasis(step.predicted)}` : formatDuration(statement.durationMs)}: ${listing(consequences)}, failing the migration mid-way`,
    evidence: {
      ...statementEvidence(measured),
      durationMs: measured.durationMs,
      ...(step.predicted ? { predictedDurationMs: statement.durationMs } : {}),
      ...predictionEvidence(step.predicted),
      exceeded,
      statementTimeoutMs: limits.statementTimeoutMs ?? null,
      idleTimeoutMs: limits.idleTimeoutMs ?? null,
    },
    advice: `${adviceFor(statement, terms)} ${specific}`,
  };
}

export const slowStepCheck = defineCheck({
  id: 'slow-step',
  title: 'A step or statement takes longer than its time limit',
  run: (ctx) =>
    ctx.target.steps.flatMap((step) => {
      const limits = limitsOfStep(ctx, step);
      const terms = adviceTerms(ctx.target.engine);
      if (step.status === 'timeout') {
        const statements = DURATION_PHASES.has(step.phase) ? step.statements.map((s) => cutOff(step, s, limits, terms)) : [];
        return [timedOut(step, limits, terms), ...statements].filter((d): d is Draft => d !== undefined);
      }
      if (!DURATION_PHASES.has(step.phase) || step.status === 'skipped') return [];
      const drafts = [judgedDuration(step) > limits.stepDurationMs ? tooLong(step, limits, terms) : undefined];
      drafts.push(...step.statements.map((s) => cutOff(step, s, limits, terms)));
      return drafts.filter((d): d is Draft => d !== undefined);
    }),
});
