// History in a table on a PostgreSQL server the team's CI workers share (`--history
// postgres://…`). This is the user's chosen store, not a rehearsed database: rehearse creates its
// table there (unqualified, so it lands in the connection's search_path) and appends to it.
// One transaction per run; an advisory lock serialises the CREATE TABLE IF NOT EXISTS of two
// first runs, which would otherwise race on the catalog.
import pg from 'pg';
import { redactUrl } from '../engines/url.ts';
import { COLUMNS, type HistoryRow, type HistoryStore, rowFromRecord, snake } from './store.ts';

const TABLE = 'rehearse_history';
/** Key of the advisory lock held while the table is created (any constant; "rehearse" in ASCII). */
const DDL_LOCK = 0x7265_6865_6172;

const TYPES: Record<keyof HistoryRow, string> = {
  runId: 'text NOT NULL', recordedAt: 'timestamptz NOT NULL', gitCommit: 'text', engine: 'text NOT NULL', serverVersion: 'text NOT NULL',
  datasetPath: 'text NOT NULL', datasetVersion: 'text NOT NULL', datasetHash: 'text NOT NULL', migration: 'text NOT NULL',
  direction: 'text NOT NULL', phase: 'text NOT NULL', status: 'text NOT NULL', durationMs: 'double precision NOT NULL',
  statementMs: 'double precision NOT NULL', rowsChanged: 'bigint', walBytes: 'bigint', maxBlockedMs: 'double precision', verdict: 'text NOT NULL',
};

export const POSTGRES_DDL = `CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial PRIMARY KEY, ${COLUMNS.map((c) => `${snake(c)} ${TYPES[c]}`).join(', ')})`;

/** Rows per INSERT: 18 parameters each, well under the protocol's 65,535. */
const BATCH = 500;

export async function openPostgresStore(url: string): Promise<HistoryStore> {
  const client = new pg.Client({ connectionString: url, application_name: 'rehearse-history' });
  await client.connect();
  let tableKnown = false;
  const ensureTable = async () => {
    if (tableKnown) return;
    await client.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK]);
    await client.query(POSTGRES_DDL);
    tableKnown = true;
  };
  return {
    location: redactUrl(url),
    async record(rows) {
      if (rows.length === 0) return;
      await client.query('BEGIN');
      try {
        await ensureTable();
        for (let i = 0; i < rows.length; i += BATCH) {
          const batch = rows.slice(i, i + BATCH);
          const values = batch.map((_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`).join(', ');
          await client.query(`INSERT INTO ${TABLE} (${COLUMNS.map(snake).join(', ')}) VALUES ${values}`, batch.flatMap((row) => COLUMNS.map((c) => row[c])));
        }
        await client.query('COMMIT');
      } catch (error) {
        tableKnown = false;
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    async read(filter = {}) {
      const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [TABLE]);
      if (exists.rows[0]?.t == null) return [];
      const where = filter.engine !== undefined ? ' WHERE engine = $1' : '';
      const result = await client.query(`SELECT * FROM ${TABLE}${where} ORDER BY id`, filter.engine !== undefined ? [filter.engine] : []);
      return result.rows.map(rowFromRecord);
    },
    async close() {
      await client.end();
    },
  };
}
