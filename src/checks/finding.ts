// Hazards and findings (DESIGN §5). Hazard ids are stable: reports, config and docs use them.
import type { Phase } from '../rehearsal/evidence.ts';

export const HAZARD_IDS = [
  'blocking-lock',
  'table-rewrite',
  'slow-step',
  'super-linear',
  'write-volume',
  'lock-exhaustion',
  'fails-on-data',
  'downgrade-fails',
  'downgrade-loses-data',
  'data-loss',
  'schema-drift',
  'history-rewritten',
  'out-of-order',
  'breaks-previous-code',
] as const;

export type HazardId = (typeof HAZARD_IDS)[number];
export type Severity = 'error' | 'warning' | 'info';

export type EvidenceValue = number | string | boolean | null | EvidenceValue[] | { [key: string]: EvidenceValue };

export interface Finding {
  hazard: HazardId;
  severity: Severity;
  /** Target label (`pglite`, `postgres@127.0.0.1:5432`). */
  target: string;
  /** `<version>_<name>` of the migration, when the finding is about one. */
  migration?: string;
  phase?: Phase;
  table?: string;
  /** One line: what will happen. */
  message: string;
  /** The numbers behind the message. */
  evidence: Record<string, EvidenceValue>;
  /** What to do instead: the safe alternative. */
  advice: string;
  /** Relative path of the hazard's docs page. */
  docs: string;
}
