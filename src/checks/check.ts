// A hazard check: a pure function from one target's evidence and the limits to findings.
// One check per file, its tests beside it, its docs page in docs/hazards/<id>.md.
import type { TargetEvidence } from '../rehearsal/evidence.ts';
import type { Finding, HazardId } from './finding.ts';
import type { LimitsFor } from './limits.ts';

export interface CheckContext {
  target: TargetEvidence;
  limitsFor: LimitsFor;
}

/** A finding before the registry stamps hazard id, target and docs link on it. */
export type Draft = Omit<Finding, 'hazard' | 'target' | 'docs'>;

export interface Check {
  id: HazardId;
  /** One line: what the check looks for. */
  title: string;
  run(ctx: CheckContext): Draft[];
}

export function defineCheck(check: Check): Check {
  return check;
}
