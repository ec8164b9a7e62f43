// What rehearse can see of a step whose statements it does not run itself (a command source's
// process) or does not parse (a JS tool's statements): the tables there are, and the relations
// whose storage changed between before and after the step.
import type { Session } from '../engines/engine.ts';
import type { Observer, StorageMap } from '../observe/observer.ts';
import type { RewriteEvidence } from './evidence.ts';

/** Every table of the database, sorted: what probes exercise and what counts as named. */
export function allTables(storage: StorageMap): string[] {
  return [...new Set([...storage.values()].filter((r) => r.kind === 'table').map((r) => r.table))].sort();
}

/** Relations whose storage id changed over the step: rewrites, with their sizes before and after. */
export async function rewritesOverStep(observer: Observer, session: Session, before: StorageMap, after: StorageMap, reason: string): Promise<RewriteEvidence[]> {
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
