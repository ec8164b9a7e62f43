// `rehearse merge-reports`: the blobs of a sharded run replayed into the one report the unsharded
// run would have written. A CI gate must not pass on part of its matrix: a missing, duplicated or
// unfinished shard, blobs of another matrix and shards held to other limits are refused.
import type { Finding } from '../checks/finding.ts';
import { InputError } from '../errors.ts';
import type { TargetEvidence } from '../rehearsal/evidence.ts';
import { EventStream, type RunEvent } from '../rehearsal/events.ts';
import type { Blob } from './blob.ts';
import { type Report, shardTargets, targetsError, verdictOf } from './report.ts';

/** What replaying one blob's events gives. */
interface ShardResult {
  blob: Blob;
  targets: TargetEvidence[];
  findings: Finding[];
  failed: { target: string; code: string; message: string }[];
  finished?: Report;
}

/** The merged report, and notes worth saying (e.g. shards run by different rehearse versions). */
export function mergeBlobs(blobs: Blob[]): { report: Report; notes: string[] } {
  if (blobs.length === 0) throw new InputError('BLOB_INVALID', 'no blobs to merge: expected files written by rehearse run --reporter blob');
  const matrix = blobs[0]!.header.matrix;
  checkSameMatrix(blobs, matrix);
  const ordered = checkShards(blobs, matrix);
  const results = ordered.map(replay);
  const notes: string[] = [];

  for (const r of results) {
    if (!r.finished) throw new InputError('BLOB_INVALID', `${r.blob.file}: the run did not finish (no run-finished event): the shard was interrupted or crashed; rerun it`);
  }
  const finished = results.map((r) => r.finished!);
  checkSameLimits(results);
  const versions = [...new Set(finished.map((r) => r.rehearseVersion))];
  if (versions.length > 1) notes.push(`rehearse: the shards ran different rehearse versions (${versions.join(', ')})`);

  // A shard that could not start (a usage error before any target ran) failed all of its targets.
  const failed = results.flatMap((r) => {
    const ran = new Set([...r.targets.map((t) => t.label), ...r.failed.map((f) => f.target)]);
    const own = r.blob.header.shard ? shardTargets(matrix, r.blob.header.shard) : matrix;
    const error = r.finished!.error;
    const lost = error && ran.size === 0 ? own.map((target) => ({ target, code: error.code, message: error.message })) : [];
    return [...r.failed, ...lost];
  });
  const position = (label: string) => matrix.indexOf(label);
  const targets = results.flatMap((r) => r.targets).sort((a, b) => position(a.label) - position(b.label));
  // Findings keep their order within a target; targets follow the matrix, as in an unsharded run.
  const findings = results
    .flatMap((r) => r.findings)
    .map((finding, i) => ({ finding, i }))
    .sort((a, b) => position(a.finding.target) - position(b.finding.target) || a.i - b.i)
    .map((x) => x.finding);
  failed.sort((a, b) => position(a.target) - position(b.target));

  const start = Math.min(...finished.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...finished.map((r) => Date.parse(r.startedAt) + r.durationMs));
  const learned = finished.find((r) => r.limits.learned !== undefined)?.limits.learned;
  const report: Report = {
    schemaVersion: 1,
    rehearseVersion: finished[0]!.rehearseVersion,
    verdict: failed.length > 0 ? 'error' : verdictOf(findings),
    startedAt: new Date(start).toISOString(),
    durationMs: end - start,
    targets,
    findings,
    limits: { ...finished[0]!.limits, ...(learned !== undefined ? { learned } : {}) },
    ...(failed.length > 0 ? { error: targetsError(failed) } : {}),
  };
  return { report, notes };
}

/** Replays a blob's events through an event stream, as the live run fed its reporters. */
function replay(blob: Blob): ShardResult {
  const result: ShardResult = { blob, targets: [], findings: [], failed: [] };
  const events = new EventStream();
  events.subscribe((event: RunEvent) => {
    if (event.type === 'target-finished') result.targets.push(event.evidence);
    else if (event.type === 'finding') result.findings.push(event.finding);
    else if (event.type === 'target-failed') result.failed.push({ target: event.target, ...event.error });
    else if (event.type === 'run-finished') result.finished = event.report;
  });
  for (const event of blob.events) events.emit(event);
  return result;
}

function checkSameMatrix(blobs: Blob[], matrix: string[]): void {
  const other = blobs.find((b) => JSON.stringify(b.header.matrix) !== JSON.stringify(matrix));
  if (other) {
    throw new InputError(
      'BLOB_INVALID',
      `the blobs come from different matrices: ${blobs[0]!.file} has targets ${JSON.stringify(matrix)}, ${other.file} has ${JSON.stringify(other.header.matrix)}; merge the blobs of one pipeline run`,
    );
  }
}

/** One unsharded blob, or shards 1…n of one split, each exactly once; returned in shard order. */
function checkShards(blobs: Blob[], matrix: string[]): Blob[] {
  const unsharded = blobs.filter((b) => !b.header.shard);
  if (unsharded.length > 0) {
    if (blobs.length === 1) return blobs;
    throw new InputError('BLOB_INVALID', `${unsharded[0]!.file} is an unsharded run's blob: merge either one unsharded blob or the blobs of every --shard i/n`);
  }
  const total = blobs[0]!.header.shard!.total;
  const otherSplit = blobs.find((b) => b.header.shard!.total !== total);
  if (otherSplit) throw new InputError('BLOB_INVALID', `${blobs[0]!.file} is shard ${shardName(blobs[0]!)} but ${otherSplit.file} is shard ${shardName(otherSplit)}: merge the shards of one split`);
  const byIndex = new Map<number, Blob>();
  for (const blob of blobs) {
    const seen = byIndex.get(blob.header.shard!.index);
    if (seen) throw new InputError('BLOB_INVALID', `shard ${shardName(blob)} is there twice: ${seen.file} and ${blob.file}`);
    byIndex.set(blob.header.shard!.index, blob);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const lost = missing.flatMap((index) => shardTargets(matrix, { index, total }));
    throw new InputError(
      'BLOB_INVALID',
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${total}`).join(', ')} missing${lost.length > 0 ? ` (targets ${lost.map((t) => JSON.stringify(t)).join(', ')} never reported)` : ''}: a verdict without them could pass a change no one rehearsed there`,
    );
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, blob]) => blob);
}

/** Every shard must have been held to the same limits (learned ones aside), or the verdict mixes configs. */
function checkSameLimits(results: ShardResult[]): void {
  const strip = (limits: Record<string, unknown>) => JSON.stringify({ ...limits, learned: undefined });
  const first = results[0]!;
  const other = results.find((r) => strip(r.finished!.limits) !== strip(first.finished!.limits));
  if (other) {
    throw new InputError('BLOB_INVALID', `${first.blob.file} and ${other.blob.file} were held to different limits (different configs?): rerun the shards with one config`);
  }
}

function shardName(blob: Blob): string {
  return `${blob.header.shard!.index}/${blob.header.shard!.total}`;
}
