// The registry of hazard checks: refuses two checks with one id (a hazard id names one check in
// reports, config and docs), runs them over a target, stamps what every finding carries, applies
// the configured severities and orders the findings the way a reader triages them.
import type { Phase } from '../rehearsal/evidence.ts';
import type { Check, CheckContext } from './check.ts';
import type { Finding, HazardId, Severity } from './finding.ts';
import type { SeverityOverrides } from './limits.ts';
import { blockingLockCheck } from './blocking-lock.ts';
import { dataLossCheck } from './data-loss.ts';
import { downgradeFailsCheck } from './downgrade-fails.ts';
import { downgradeLosesDataCheck } from './downgrade-loses-data.ts';
import { failsOnDataCheck } from './fails-on-data.ts';
import { slowStepCheck } from './slow-step.ts';
import { tableRewriteCheck } from './table-rewrite.ts';
import { writeVolumeCheck } from './write-volume.ts';
import { lockExhaustionCheck } from './lock-exhaustion.ts';
import { superLinearCheck } from './super-linear.ts';
import { schemaDriftCheck } from './schema-drift.ts';
import { historyRewrittenCheck } from './history-rewritten.ts';
import { outOfOrderCheck } from './out-of-order.ts';
import { breaksPreviousCodeCheck } from './breaks-previous-code.ts';

export interface Registry {
  /** In registration order, which is also the order findings of equal rank keep. */
  readonly checks: readonly Check[];
  get(id: HazardId): Check | undefined;
}

export function createRegistry(checks: readonly Check[]): Registry {
  const byId = new Map<HazardId, Check>();
  for (const check of checks) {
    // A programming mistake, not a user error: two checks would report under one id.
    if (byId.has(check.id)) throw new Error(`two hazard checks are registered with the id "${check.id}"`);
    byId.set(check.id, check);
  }
  return { checks: [...checks], get: (id) => byId.get(id) };
}

/** The checks rehearse ships, one per implemented hazard. */
export const builtinChecks: readonly Check[] = [
  failsOnDataCheck,
  downgradeFailsCheck,
  downgradeLosesDataCheck,
  dataLossCheck,
  tableRewriteCheck,
  blockingLockCheck,
  slowStepCheck,
  superLinearCheck,
  writeVolumeCheck,
  lockExhaustionCheck,
  schemaDriftCheck,
  historyRewrittenCheck,
  outOfOrderCheck,
  breaksPreviousCodeCheck,
];

export function docsPath(id: HazardId): string {
  return `docs/hazards/${id}.md`;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const PHASE_RANK: Record<Phase, number> = { trunk: 0, change: 1, rollback: 2, reapply: 3 };

/** Errors first, then by phase in scenario order, then by migration; ties keep check order. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (a.phase ? PHASE_RANK[a.phase] : 4) - (b.phase ? PHASE_RANK[b.phase] : 4) ||
    compareOptional(a.migration, b.migration)
  );
}

/** Plain code-point order (not locale), so `0010` sorts after `0009` and reports are reproducible; absent last. */
function compareOptional(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

export function runChecks(registry: Registry, ctx: CheckContext, overrides: SeverityOverrides = {}): Finding[] {
  const findings: Finding[] = [];
  for (const check of registry.checks) {
    const override = overrides[check.id];
    if (override === 'off') continue;
    for (const { severity, ...rest } of check.run(ctx)) {
      // Keys in the report's order: hazard, severity, target, migration, phase, table, message, …
      findings.push({
        hazard: check.id,
        severity: override ?? severity,
        target: ctx.target.label,
        ...rest,
        docs: docsPath(check.id),
      });
    }
  }
  // Array.prototype.sort is stable (ES2019), so equal findings keep registration order.
  return findings.sort(compareFindings);
}
