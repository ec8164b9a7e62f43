// PostgreSQL's table-level lock conflicts (https://www.postgresql.org/docs/current/explicit-locking.html),
// reduced to what matters for application traffic: a plain SELECT takes AccessShareLock, and
// INSERT/UPDATE/DELETE take RowExclusiveLock. A mode blocks reads when it conflicts with
// AccessShareLock and writes when it conflicts with RowExclusiveLock.
import type { BlockedTraffic } from '../../rehearsal/evidence.ts';

const BLOCKS: Record<string, BlockedTraffic> = {
  AccessShareLock: { reads: false, writes: false },
  RowShareLock: { reads: false, writes: false },
  RowExclusiveLock: { reads: false, writes: false },
  ShareUpdateExclusiveLock: { reads: false, writes: false },
  ShareLock: { reads: false, writes: true },
  ShareRowExclusiveLock: { reads: false, writes: true },
  ExclusiveLock: { reads: false, writes: true },
  AccessExclusiveLock: { reads: true, writes: true },
};

export function postgresBlockedBy(mode: string): BlockedTraffic {
  return BLOCKS[mode] ?? { reads: false, writes: false };
}

/** Lock strength order, weakest first: used to keep the strongest mode per relation. */
export const LOCK_STRENGTH = Object.keys(BLOCKS);
