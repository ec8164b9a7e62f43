// How a MySQL/MariaDB scratch database carries its marker (who created it, on which host), and
// how leftovers of crashed runs are found. Names and markers are the PostgreSQL engine's
// (postgres/scratch-name.ts); only where the marker is stored differs:
// - MariaDB 10.5+: `CREATE DATABASE … COMMENT '<marker>'`, written atomically with the database;
// - MySQL (no database comments): a one-row table `rehearse_scratch` inside the database, written
//   right after CREATE DATABASE. A crash in between leaves an unmarked database, which the age
//   rule still removes (leftovers.ts), as on PostgreSQL.

import type { Connection, RowDataPacket } from 'mysql2/promise';
import { parseScratchName } from '../postgres/scratch-name.ts';
import type { ScratchCandidate } from '../postgres/leftovers.ts';
import { quoteIdent, quoteLiteral } from './sql-text.ts';

/** The marker table of servers without database comments. Observers leave it out of every snapshot. */
export const MARKER_TABLE = 'rehearse_scratch';

/** The clause that marks a database as it is created, where the server has database comments. */
export function markerComment(marker: string): string {
  return ` COMMENT ${quoteLiteral(marker)}`;
}

/** Marks a database on a server without database comments: a table that holds the marker. */
export async function writeMarkerTable(admin: Connection, database: string, marker: string): Promise<void> {
  const table = `${quoteIdent(database)}.${quoteIdent(MARKER_TABLE)}`;
  await admin.query(`CREATE TABLE ${table} (marker varchar(1000) NOT NULL)`);
  await admin.query(`INSERT INTO ${table} (marker) VALUES (${quoteLiteral(marker)})`);
}

/**
 * Databases named like scratch databases, with their marker and the connections using them now.
 * Connections are those whose default database it is (information_schema.PROCESSLIST.DB); without
 * the PROCESS privilege the server shows only rehearse's own user's connections.
 */
export async function listScratchCandidates(admin: Connection, databaseComments: boolean): Promise<ScratchCandidate[]> {
  const [rows] = await admin.query<RowDataPacket[]>(
    `SELECT s.SCHEMA_NAME AS name, ${databaseComments ? 's.SCHEMA_COMMENT' : 'NULL'} AS comment,
            (SELECT COUNT(*) FROM information_schema.PROCESSLIST p WHERE p.DB = s.SCHEMA_NAME) AS connections
       FROM information_schema.SCHEMATA s
      WHERE s.SCHEMA_NAME LIKE 'rehearse\\_%'
      ORDER BY s.SCHEMA_NAME`,
  );
  const candidates: ScratchCandidate[] = [];
  for (const row of rows) {
    const name = String(row.name);
    // Only names rehearse makes are looked into: a user's `rehearse_prod` is never read.
    if (!parseScratchName(name)) continue;
    const comment = row.comment ? String(row.comment) : await readMarkerTable(admin, name);
    candidates.push({ name, comment, connections: Number(row.connections) });
  }
  return candidates;
}

async function readMarkerTable(admin: Connection, database: string): Promise<string | null> {
  try {
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT marker FROM ${quoteIdent(database)}.${quoteIdent(MARKER_TABLE)} LIMIT 1`);
    return rows[0] ? String(rows[0].marker) : null;
  } catch {
    return null; // no marker table: a database comment server, or a crash before the marker was written
  }
}
