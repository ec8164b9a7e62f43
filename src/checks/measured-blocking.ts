// Measured blocking per table, from the traffic probes' figures (steps[].blocked), in the two
// kinds of traffic the lock conflict table speaks of: reads (plain reads, and the key-share reads
// of foreign-key checks) and writes (inserts and updates). Shared by blocking-lock and the
// console summary.
import type { BlockedEvidence, BlockedTraffic, LockEvidence, ProbeOperation, StepEvidence } from '../rehearsal/evidence.ts';
import { normalizeTable } from './advice.ts';

export const TRAFFIC_OF: Record<ProbeOperation, keyof BlockedTraffic> = { read: 'reads', 'fk-share': 'reads', insert: 'writes', update: 'writes' };

/** How an operation reads in a message. */
export const OPERATION_LABEL: Record<ProbeOperation, string> = { read: 'read', 'fk-share': 'FK check', insert: 'insert', update: 'update' };

export interface MeasuredTraffic {
  table: string;
  /** The longest blocked window of the probes of that traffic; absent where none ran. */
  readsMs?: number;
  writesMs?: number;
  probes: BlockedEvidence[];
}

/** By table, keyed by `normalizeTable` so `public.x` and `x` meet. */
export function measuredPerTable(blocked: readonly BlockedEvidence[] | undefined): Map<string, MeasuredTraffic> {
  const out = new Map<string, MeasuredTraffic>();
  for (const b of blocked ?? []) {
    if (b.attempts === 0) continue;
    const m = out.get(normalizeTable(b.table)) ?? { table: b.table, probes: [] };
    const key = TRAFFIC_OF[b.operation] === 'reads' ? 'readsMs' : 'writesMs';
    m[key] = Math.max(m[key] ?? 0, b.maxBlockedMs);
    m.probes.push(b);
    out.set(normalizeTable(b.table), m);
  }
  return out;
}

/**
 * The part of a lock's blocking that no probe measured: where probes timed a kind of traffic on
 * the table, their figure stands, and the lock no longer counts for it. Undefined when nothing is left.
 */
export function unmeasuredPart(lock: LockEvidence, perTable: ReadonlyMap<string, MeasuredTraffic>): LockEvidence | undefined {
  const measured = perTable.get(normalizeTable(lock.table));
  if (!measured) return lock;
  const blocks = { reads: lock.blocks.reads && measured.readsMs === undefined, writes: lock.blocks.writes && measured.writesMs === undefined };
  return blocks.reads || blocks.writes ? { ...lock, blocks } : undefined;
}

/** The probes' figures at production size where they were predicted, else as measured. */
export function probesAtProductionSize(step: StepEvidence): BlockedEvidence[] {
  const predicted = step.predicted?.blocked;
  return (step.blocked ?? []).map((b) => {
    const p = predicted?.find((x) => x.table === b.table && x.operation === b.operation);
    return p ? { ...b, maxBlockedMs: p.maxBlockedMs } : b;
  });
}
