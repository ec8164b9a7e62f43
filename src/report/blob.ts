// A blob: one run's event stream written to a file (`--reporter blob`), so CI workers that each
// rehearsed a shard of the matrix can be merged into one verdict by replaying their streams
// (`rehearse merge-reports`, Playwright's blob/merge). JSON Lines: a header, then one event per
// line, in the order they were emitted. The header carries the event format's version; a reader of
// another version refuses the blob rather than misread it.
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { EVENTS_VERSION, type RunEvent } from '../rehearsal/events.ts';
import { REHEARSE_VERSION } from '../version.ts';
import type { Report, Shard } from './report.ts';

export const BLOB_FORMAT = 'rehearse-blob';

export interface BlobHeader {
  format: typeof BLOB_FORMAT;
  /** The event format (`EVENTS_VERSION`) the lines below are written in. */
  eventsVersion: number;
  rehearseVersion: string;
  /** Every target of the matrix, in its order: what a complete merge must hold. */
  matrix: string[];
  shard?: Shard;
  createdAt: string;
}

export interface Blob {
  /** Where it was read from, for messages. */
  file: string;
  header: BlobHeader;
  events: RunEvent[];
}

export function blobHeader(matrix: string[], shard: Shard | undefined, now = new Date()): BlobHeader {
  return { format: BLOB_FORMAT, eventsVersion: EVENTS_VERSION, rehearseVersion: REHEARSE_VERSION, matrix, ...(shard ? { shard } : {}), createdAt: now.toISOString() };
}

export function serializeBlob(header: BlobHeader, events: readonly RunEvent[]): string {
  return [header, ...events].map((line) => JSON.stringify(line)).join('\n') + '\n';
}

/**
 * The events of a finished report, for a report that was not produced by a live run (a merged
 * one, written again as a blob to be merged further up).
 */
export function eventsOfReport(report: Report, matrix: string[]): RunEvent[] {
  const labels = report.targets.map((t) => t.label);
  const events: RunEvent[] = [{ type: 'run-started', targets: [...labels, ...(report.error?.targets ?? []).map((t) => t.target)], matrix }];
  for (const target of report.targets) {
    events.push({ type: 'target-started', target: target.label });
    events.push({ type: 'target-finished', target: target.label, evidence: target });
    for (const finding of report.findings.filter((f) => f.target === target.label)) events.push({ type: 'finding', finding });
  }
  for (const failed of report.error?.targets ?? []) events.push({ type: 'target-failed', target: failed.target, error: { code: failed.code, message: failed.message } });
  events.push({ type: 'run-finished', report });
  return events;
}

/** Reads a blob; anything that is not one is an InputError naming the file and line. */
export async function readBlob(file: string, shown = file): Promise<Blob> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError('BLOB_INVALID', `cannot read blob ${shown}: ${(error as Error).message}`, { cause: error });
  }
  return parseBlob(text, shown);
}

export function parseBlob(text: string, file: string): Blob {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as unknown;
    } catch (error) {
      throw blobError(file, i + 1, `not a JSON line (${(error as Error).message}): ${line.slice(0, 60)}${line.length > 60 ? '…' : ''}`);
    }
  });
  const header = parsed[0] as Partial<BlobHeader> | undefined;
  if (!header || typeof header !== 'object' || header.format !== BLOB_FORMAT) {
    throw blobError(file, 1, `not a rehearse blob: expected a header with "format": "${BLOB_FORMAT}" (written by rehearse run --reporter blob)`);
  }
  if (header.eventsVersion !== EVENTS_VERSION) {
    throw blobError(
      file,
      1,
      `written by rehearse ${String(header.rehearseVersion)} in event format ${String(header.eventsVersion)}; this rehearse (${REHEARSE_VERSION}) reads format ${EVENTS_VERSION}: merge with the rehearse version the shards ran`,
    );
  }
  if (!Array.isArray(header.matrix) || !header.matrix.every((t) => typeof t === 'string')) throw blobError(file, 1, 'the header has no matrix (the list of targets)');
  const events = parsed.slice(1).map((event, i) => {
    if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') throw blobError(file, i + 2, 'expected an event object with a "type"');
    return event as RunEvent;
  });
  return { file, header: header as BlobHeader, events };
}

function blobError(file: string, line: number, message: string): InputError {
  return new InputError('BLOB_INVALID', message, { location: { file, line } });
}
