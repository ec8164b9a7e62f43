// super-linear: a change step's duration grows faster than its rows (scale runs fitted
// duration ≈ a · rows^k with k clearly above 1), so production is far worse than a linear
// extrapolation of the dataset says: ten times the rows at k = 2 is a hundred times the time.
// Patchwork's migrations were tried on "a very small subset" and took hours on 1.75 M patches.
import type { StepEvidence, StepScaleFit } from '../rehearsal/evidence.ts';
import { adviceTerms, type AdviceTerms, formatDuration, formatNumber, limitsOfStep, listing, predictionEvidence, productionBasis } from './advice.ts';
import { defineCheck, type Draft } from './check.ts';
import type { Limits } from './limits.ts';

/**
 * k from which growth counts as super-linear. Linear steps measured between 0.9 and 1.15 on a
 * PostgreSQL server (fixed per-statement cost pulls k below 1 at small sizes, cache effects push it
 * a little above); a correlated subquery without an index measures about 2. 1.3 keeps clear of
 * the noise and still catches n·log n sorts spilling to disk only when they really bend.
 */
export const SUPER_LINEAR_EXPONENT = 1.3;
/** A fit below this R² is points that disagree (plan change, cold cache), not a curve. Same bar as the predictions' (rehearsal/scale-fit.ts). */
export const SUPER_LINEAR_MIN_R2 = 0.9;

type Fitted = StepScaleFit & { exponent: number; r2: number };

function superLinearFit(step: StepEvidence): Fitted | undefined {
  const fit = step.scale;
  if (step.phase !== 'change' || step.status !== 'success' || !fit || fit.exponent === null || fit.r2 === null) return undefined;
  return fit.exponent >= SUPER_LINEAR_EXPONENT && fit.r2 >= SUPER_LINEAR_MIN_R2 ? (fit as Fitted) : undefined;
}

/** `1,000 rows 52 ms, 2,000 rows 210 ms, 4,000 rows 830 ms` */
function curve(fit: Fitted): string {
  return fit.points.map((p) => `${formatNumber(p.rows)} rows ${formatDuration(p.durationMs)}`).join(', ');
}

/** The limits the prediction at production size (with the fitted exponent) breaks. */
function brokenLimits(step: StepEvidence, limits: Limits): string[] {
  const p = step.predicted;
  if (!p || p.exponentSource !== 'scale-runs') return [];
  const broken: string[] = [];
  if (p.durationMs > limits.stepDurationMs) broken.push(`the ${formatDuration(limits.stepDurationMs)} step limit (stepDurationMs)`);
  const longest = Math.max(0, ...p.statements.map((s) => s.durationMs));
  if (limits.statementTimeoutMs !== undefined && longest > limits.statementTimeoutMs) broken.push(`production's ${formatDuration(limits.statementTimeoutMs)} statement_timeout (statementTimeoutMs)`);
  if (limits.idleTimeoutMs !== undefined && longest > limits.idleTimeoutMs) broken.push(`the proxy's ${formatDuration(limits.idleTimeoutMs)} idle timeout (idleTimeoutMs)`);
  return broken;
}

const adviceText = (terms: AdviceTerms) =>
  'Find the statement whose work grows per row: rewrite a correlated subquery (a query per row) as a join or a window function, ' +
  `${terms.missingIndex}, and batch the data migration so each batch costs the same however large the table is. ${terms.batchedBackfill}`;

function draft(step: StepEvidence, fit: Fitted, limits: Limits, terms: AdviceTerms): Draft {
  const p = step.predicted;
  const broken = brokenLimits(step, limits);
  const grows = `${step.migration} grows as rows^${fit.exponent} (R² ${fit.r2.toFixed(2)}) over ${fit.points.length} sizes: ${curve(fit)}`;
  const production =
    p && p.exponentSource === 'scale-runs'
      ? `; ${productionBasis(p)} that is about ${formatDuration(p.durationMs)}, where linear extrapolation would say ${formatDuration(p.linearDurationMs ?? p.durationMs)}` +
        (broken.length > 0 ? `: over ${listing(broken)}` : ', within the limits')
      : `; ten times the rows would take about ${formatNumber(10 ** fit.exponent)} times as long (no production row count is known for its tables: --production-rows)`;
  return {
    severity: broken.length > 0 ? 'error' : 'warning',
    migration: step.migration,
    phase: step.phase,
    message: grows + production,
    evidence: {
      exponent: fit.exponent,
      r2: fit.r2,
      points: fit.points.map((x) => ({ fraction: x.fraction, rows: x.rows, durationMs: x.durationMs })),
      durationMs: step.durationMs,
      ...(p ? { predictedDurationMs: p.durationMs, linearDurationMs: p.linearDurationMs ?? p.durationMs } : {}),
      ...predictionEvidence(p),
      exceeded: broken,
      stepDurationMs: limits.stepDurationMs,
      statementTimeoutMs: limits.statementTimeoutMs ?? null,
      idleTimeoutMs: limits.idleTimeoutMs ?? null,
    },
    advice: adviceText(terms),
  };
}

export const superLinearCheck = defineCheck({
  id: 'super-linear',
  title: 'A step grows faster than linearly with rows (scale runs)',
  run: (ctx) =>
    ctx.target.steps.flatMap((step) => {
      const fit = superLinearFit(step);
      return fit ? [draft(step, fit, limitsOfStep(ctx, step), adviceTerms(ctx.target.engine))] : [];
    }),
});
