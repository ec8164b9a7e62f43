// Binlog bytes written during a step: the difference of two binlog positions (file, offset),
// across file rotations. Like PostgreSQL's WAL position, the binlog is the server's: other
// databases' writes in the same period are counted too.
import type { Session } from '../../engines/engine.ts';
import type { MysqlServerFeatures } from '../../engines/mysql/server-features.ts';

export interface BinlogPosition {
  file: string;
  offset: number;
}

/** `mysql-bin.000042:1234`: how a position travels in StepBaseline.walPosition. */
export function formatBinlogPosition(position: BinlogPosition): string {
  return `${position.file}:${position.offset}`;
}

export function parseBinlogPosition(text: string): BinlogPosition | undefined {
  const colon = text.lastIndexOf(':');
  const offset = Number(text.slice(colon + 1));
  return colon > 0 && Number.isSafeInteger(offset) ? { file: text.slice(0, colon), offset } : undefined;
}

export async function readBinlogPosition(session: Session, statement: NonNullable<MysqlServerFeatures['binlogStatus']>): Promise<BinlogPosition | undefined> {
  try {
    const { rows } = await session.query<{ File: string; Position: string | number }>(statement);
    const row = rows[0];
    return row ? { file: row.File, offset: Number(row.Position) } : undefined;
  } catch {
    return undefined; // privilege revoked, binlog turned off meanwhile: not measured
  }
}

/** Bytes from `start` to the current position, or undefined when a file in between is gone (purged). */
export async function binlogBytesSince(session: Session, statement: NonNullable<MysqlServerFeatures['binlogStatus']>, start: BinlogPosition): Promise<number | undefined> {
  const end = await readBinlogPosition(session, statement);
  if (!end) return undefined;
  if (end.file === start.file) return Math.max(0, end.offset - start.offset);
  try {
    const { rows } = await session.query<{ Log_name: string; File_size: string | number }>('SHOW BINARY LOGS');
    return binlogBytesBetween(start, end, rows.map((r) => ({ name: r.Log_name, size: Number(r.File_size) })));
  } catch {
    return undefined;
  }
}

/**
 * Bytes between two positions given the binlog files and their sizes: the rest of the start
 * file, every file in between, and the end file up to its offset. File names sort in creation
 * order (`name.000001`, `name.000002`, … zero-padded).
 */
export function binlogBytesBetween(start: BinlogPosition, end: BinlogPosition, logs: { name: string; size: number }[]): number | undefined {
  if (start.file === end.file) return Math.max(0, end.offset - start.offset);
  const names = logs.map((l) => l.name).sort();
  const from = names.indexOf(start.file);
  const to = names.indexOf(end.file);
  if (from < 0 || to < 0 || to < from) return undefined;
  const size = new Map(logs.map((l) => [l.name, l.size]));
  let bytes = size.get(start.file)! - start.offset;
  for (const name of names.slice(from + 1, to)) bytes += size.get(name)!;
  return bytes + end.offset;
}
