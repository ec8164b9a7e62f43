// Turns lock sightings into hold times. A lock first seen after statement i of a transaction was
// taken during statement i and is held until the transaction ends, so its hold time runs from
// the start of statement i to the end of COMMIT (or ROLLBACK). A lock seen during an autocommit
// statement is held for that statement only.
import type { HeldLock, StorageMap } from '../observe/observer.ts';
import type { BlockedTraffic, LockEvidence } from './evidence.ts';

interface OpenLock {
  lock: HeldLock;
  statementIndex: number;
  startMs: number;
  source: LockEvidence['source'];
}

export class LockTracker {
  private readonly open = new Map<string, OpenLock>();
  private readonly closed: LockEvidence[] = [];

  constructor(
    private readonly before: StorageMap,
    private readonly blockedBy: (mode: string) => BlockedTraffic,
  ) {}

  /**
   * Locks the session holds inside its transaction after `statementIndex`, which started at
   * `startMs` — or, `inferred`, the locks a statement that holds them past its end implies (MySQL's
   * LOCK TABLES, held until UNLOCK TABLES).
   */
  seenInTransaction(locks: HeldLock[], statementIndex: number, startMs: number, source: LockEvidence['source'] = 'observed'): void {
    for (const lock of locks) {
      const key = `${lock.oid}:${lock.mode}`;
      if (!this.open.has(key)) this.open.set(key, { lock, statementIndex, startMs, source });
    }
  }

  /** The transaction ended at `endMs`: every lock it held is released. */
  releaseAll(endMs: number): void {
    for (const { lock, statementIndex, startMs, source } of this.open.values()) {
      this.closed.push(this.evidence(lock, statementIndex, endMs - startMs, source));
    }
    this.open.clear();
  }

  /** Locks held by one autocommit statement, for its duration. */
  seenInAutocommit(locks: HeldLock[], statementIndex: number, durationMs: number, source: 'monitored' | 'inferred'): void {
    for (const lock of locks) this.closed.push(this.evidence(lock, statementIndex, durationMs, source));
  }

  /** Every lock, one entry per relation and mode (the longest hold wins). */
  result(): LockEvidence[] {
    const best = new Map<string, LockEvidence>();
    for (const l of this.closed) {
      const key = `${l.relation}:${l.mode}`;
      const prev = best.get(key);
      if (!prev || l.heldMs > prev.heldMs) best.set(key, l);
    }
    return [...best.values()].sort((a, b) => b.heldMs - a.heldMs || a.relation.localeCompare(b.relation));
  }

  private evidence(lock: HeldLock, statementIndex: number, heldMs: number, source: LockEvidence['source']): LockEvidence {
    const existed = lock.oid ? this.before.has(lock.oid) : [...this.before.values()].some((r) => r.name === lock.name);
    return {
      relation: lock.name,
      relationKind: lock.kind,
      table: lock.table,
      mode: lock.mode,
      statementIndex,
      heldMs: round(heldMs),
      newRelation: !existed,
      blocks: this.blockedBy(lock.mode),
      source,
    };
  }
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
