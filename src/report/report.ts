// The JSON report (DESIGN §6, schemaVersion 1). Scripts rely on it: add fields freely, never
// rename or drop one without bumping schemaVersion.
import type { Finding } from '../checks/finding.ts';
import type { TargetEvidence } from '../rehearsal/evidence.ts';

export type Verdict = 'pass' | 'fail' | 'error';

export interface Report {
  schemaVersion: 1;
  rehearseVersion: string;
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  targets: TargetEvidence[];
  findings: Finding[];
  /** Limits in force (defaults merged with config), so a reader knows what the findings were held to. */
  limits: Record<string, unknown>;
  /** Set when verdict is `error`: why rehearse could not run. */
  error?: { code: string; message: string };
}

export function verdictOf(findings: Finding[]): Verdict {
  return findings.some((f) => f.severity === 'error') ? 'fail' : 'pass';
}
