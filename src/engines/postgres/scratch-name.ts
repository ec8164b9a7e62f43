// Names and markers of scratch databases. A name says when and by which process a database was
// created (`rehearse_<yyyymmddhhmmss>_<pid>_<random4>_<purpose>`), and a JSON comment on the
// database adds the host, so that a later run can tell a leftover of a crashed run from a
// database that a live run on another machine is still using.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { SCRATCH_PREFIX } from '../engine.ts';

/** PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1). */
const MAX_NAME_BYTES = 63;

const NAME_PATTERN = /^rehearse_(\d{14})_(\d+)_([0-9a-f]{4})_([a-z0-9_]*)$/;

export interface ScratchOrigin {
  host: string;
  pid: number;
  started: Date;
}

export function currentOrigin(now = new Date()): ScratchOrigin {
  return { host: hostname(), pid: process.pid, started: now };
}

/** A fresh scratch database name: lower-case, `[a-z0-9_]`, at most 63 bytes. */
export function scratchDatabaseName(purpose: string, origin: ScratchOrigin = currentOrigin()): string {
  const stamp = origin.started.toISOString().replace(/\D/g, '').slice(0, 14);
  const head = `${SCRATCH_PREFIX}${stamp}_${origin.pid}_${randomBytes(2).toString('hex')}_`;
  const cleanPurpose = purpose.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return head + cleanPurpose.slice(0, Math.max(0, MAX_NAME_BYTES - head.length));
}

/** What a scratch database name says about its creator, or null when the name is not one rehearse makes. */
export function parseScratchName(name: string): { pid: number; started: Date; purpose: string } | null {
  const match = NAME_PATTERN.exec(name);
  if (!match) return null;
  const [, stamp, pid, , purpose] = match as unknown as [string, string, string, string, string];
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(8, 10)}:${stamp.slice(10, 12)}:${stamp.slice(12, 14)}Z`;
  const started = new Date(iso);
  if (Number.isNaN(started.getTime())) return null;
  return { pid: Number(pid), started, purpose };
}

/** The text of `COMMENT ON DATABASE` that marks a scratch database. */
export function scratchMarker(origin: ScratchOrigin): string {
  return JSON.stringify({ rehearse: 1, host: origin.host, pid: origin.pid, started: origin.started.toISOString() });
}

/** Reads a marker comment back; null when the comment is missing or not rehearse's. */
export function parseScratchMarker(comment: string | null): ScratchOrigin | null {
  if (!comment) return null;
  try {
    const value = JSON.parse(comment) as { rehearse?: unknown; host?: unknown; pid?: unknown; started?: unknown };
    if (value.rehearse !== 1 || typeof value.host !== 'string' || typeof value.pid !== 'number' || typeof value.started !== 'string') {
      return null;
    }
    const started = new Date(value.started);
    return Number.isNaN(started.getTime()) ? null : { host: value.host, pid: value.pid, started };
  } catch {
    return null;
  }
}
