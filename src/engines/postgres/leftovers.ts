// Scratch databases left behind by runs that crashed or were killed. Only databases whose name
// has the exact shape rehearse gives its scratch databases are ever considered, so a user's
// `rehearse_prod` is never touched.

import { parseScratchMarker, parseScratchName, type ScratchOrigin } from './scratch-name.ts';

/** A leftover is removed on age alone only when it is older than this and nobody is connected. */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

export type ScratchCandidate = {
  name: string;
  /** The database's comment (`shobj_description`), null when it has none. */
  comment: string | null;
  /** Sessions connected to it now (pg_stat_activity). */
  connections: number;
};

export type LeftoverVerdict =
  /** Created on this host by a process that no longer exists: nothing can be using it. */
  | 'creator-gone'
  /** Older than a day with nobody connected (another host's crashed run, or an unmarked database). */
  | 'abandoned'
  | 'keep';

export interface LeftoverContext {
  host: string;
  now: Date;
  isProcessAlive(pid: number): boolean;
}

export function judgeLeftover(candidate: ScratchCandidate, context: LeftoverContext): LeftoverVerdict {
  const fromName = parseScratchName(candidate.name);
  if (!fromName) return 'keep';
  // A crash between CREATE DATABASE and COMMENT ON DATABASE leaves no marker: the name still says
  // when and by which pid, but not on which host, so only the age rule applies.
  const origin: ScratchOrigin | null = parseScratchMarker(candidate.comment);
  if (origin && origin.host === context.host && !context.isProcessAlive(origin.pid)) return 'creator-gone';
  const started = origin?.started ?? fromName.started;
  if (candidate.connections === 0 && context.now.getTime() - started.getTime() > ABANDONED_AFTER_MS) return 'abandoned';
  return 'keep';
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lists databases that look like scratch databases, with their marker and connection count. */
export const LIST_SCRATCH_CANDIDATES_SQL = `
  SELECT d.datname AS name,
         pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
         (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.datid = d.oid)::int AS connections
    FROM pg_catalog.pg_database d
   WHERE d.datname LIKE 'rehearse\\_%'
   ORDER BY d.datname`;
