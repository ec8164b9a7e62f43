// The JSON report (DESIGN §6, schemaVersion 1). Scripts rely on it: add fields freely, never
// rename or drop one without bumping schemaVersion.
import type { Finding } from '../checks/finding.ts';
import type { TargetEvidence } from '../rehearsal/evidence.ts';

export type Verdict = 'pass' | 'fail' | 'error';

/** `--shard 2/3`: the second of three CI workers sharing a matrix of targets. */
export interface Shard {
  index: number;
  total: number;
}

/**
 * A shard's targets: the k-th target of the matrix (from 0) goes to shard k mod total + 1. It
 * depends only on the matrix's order, so every worker and `merge-reports` compute the same split,
 * and neighbouring targets (often the same engine) land on different workers.
 */
export function shardTargets<T>(targets: readonly T[], shard: Shard): T[] {
  return targets.filter((_, k) => k % shard.total === shard.index - 1);
}

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
  /** A sharded run's report holds that shard's targets only; `rehearse merge-reports` joins the shards. */
  shard?: Shard;
  /** Set when verdict is `error`: why rehearse could not run (`targets`: each target that could not, when others could). */
  error?: { code: string; message: string; targets?: { target: string; code: string; message: string }[] };
}

export function verdictOf(findings: Finding[]): Verdict {
  return findings.some((f) => f.severity === 'error') ? 'fail' : 'pass';
}

/** The report's `error` when targets could not run: the first one's code, every target's message. */
export function targetsError(failed: { target: string; code: string; message: string }[]): NonNullable<Report['error']> {
  const message = failed.length === 1 ? `${failed[0]!.target}: ${failed[0]!.message}` : failed.map((f) => `${f.target}: ${f.message}`).join('\n');
  return { code: failed[0]!.code, message, targets: failed };
}
