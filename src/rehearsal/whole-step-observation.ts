// What rehearse can see of a step whose statements it does not run itself (a command source's
// process) or does not parse (a JS tool's statements): taken before and after the step, every
// relation's storage (rewrites), the counters (rows, WAL), and the tables there are — the probes
// exercise all of them, and all count as named.
import type { Session } from '../engines/engine.ts';
import type { Observer, StepBaseline, StorageMap } from '../observe/observer.ts';
import { withoutProbeActivity } from '../probes/activity.ts';
import type { ProbeOutcome } from '../probes/probes.ts';
import type { RewriteEvidence, StepEvidence } from './evidence.ts';

export interface WholeStepWatch {
  storageBefore: StorageMap;
  /** Every table of the database, sorted. */
  tables: string[];
  /** After the step (and the probes) ended: what changed over it. */
  finish(probed: ProbeOutcome | undefined, rewriteReason: string): Promise<WholeStepChanges>;
}

export type WholeStepChanges = Pick<StepEvidence, 'rewrites' | 'rows' | 'walBytes' | 'sessionRows' | 'tablesNamed'>;

export async function watchWholeStep(observer: Observer, session: Session): Promise<WholeStepWatch> {
  const storageBefore = await observer.storage(session);
  const baseline: StepBaseline = await observer.beginStep(session);
  return {
    storageBefore,
    tables: allTables(storageBefore),
    async finish(probed, rewriteReason) {
      const storageAfter = await observer.storage(session);
      const rewrites = await rewritesOverStep(observer, session, storageBefore, storageAfter, rewriteReason);
      const { rows, walBytes, sessionRows } = await observer.endStep(session, baseline);
      return {
        rewrites,
        // The counters are shared by all sessions: the probes' activity is taken out.
        rows: probed ? withoutProbeActivity(rows, probed.activity) : rows,
        ...(walBytes !== undefined ? { walBytes } : {}),
        ...(sessionRows ? { sessionRows } : {}),
        tablesNamed: allTables(storageAfter),
      };
    },
  };
}

function allTables(storage: StorageMap): string[] {
  return [...new Set([...storage.values()].filter((r) => r.kind === 'table').map((r) => r.table))].sort();
}

/** Relations whose storage id changed over the step: rewrites, with their sizes before and after. */
async function rewritesOverStep(observer: Observer, session: Session, before: StorageMap, after: StorageMap, reason: string): Promise<RewriteEvidence[]> {
  const rewritten = [...after.values()].filter((rel) => {
    const was = before.get(rel.oid);
    return was !== undefined && was.storageId !== rel.storageId;
  });
  const sizes = await observer.relationSizes(session, rewritten.map((r) => r.oid));
  return rewritten.map((rel) => ({
    relation: rel.name,
    relationKind: rel.kind === 'table' || rel.kind === 'index' || rel.kind === 'materialized view' ? rel.kind : 'other',
    table: rel.table,
    bytesBefore: before.get(rel.oid)?.bytes ?? 0,
    bytesAfter: sizes.get(rel.oid) ?? 0,
    ...(rel.sizeIncludesIndexes ? { bytesIncludeIndexes: true } : {}),
    reason,
  }));
}
