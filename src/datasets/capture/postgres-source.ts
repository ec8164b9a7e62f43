// Capture source: a PostgreSQL server. One REPEATABLE READ READ ONLY transaction exports its
// snapshot; forks (parallel table reads) and pg_dump (the schema) import it, so everything is read
// at one instant. The connections default every transaction to read-only; nothing is created.
import { spawn } from 'node:child_process';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { driverReason, scrubbedCause } from '../../engines/postgres/driver-errors.ts';
import { connectReadOnly } from '../../engines/postgres/read-only-client.ts';
import { parsePostgresUrl, type ServerUrl } from '../../engines/url.ts';
import { EnvironmentError } from '../../errors.ts';
import type { DatasetForeignKey } from '../dir/manifest.ts';
import { lineBatchesOf } from '../line-reader.ts';
import { decodeRow, type Field } from '../dir/tsv.ts';
import type { SharedSnapshot, SourceSnapshot, SourceTable } from './source.ts';

const USER_TABLES = `c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const displayName = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);

async function failing<T>(url: ServerUrl, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new EnvironmentError('ENGINE_FAILED', `cannot ${what} on ${url.redacted}: ${driverReason(error, url)}`, { cause: scrubbedCause(error, url) });
  }
}

/** Another connection reading the snapshot `shared` names (a worker thread's), over the same tables. */
export async function attachPostgresSnapshot(shared: SharedSnapshot, info: SourceSnapshot['info'], tables: SourceTable[], foreignKeys: DatasetForeignKey[]): Promise<SourceSnapshot> {
  const url = parsePostgresUrl(shared.url);
  const client = await connectReadOnly(url);
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT '${shared.snapshotId.replaceAll("'", "''")}'`);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new EnvironmentError('ENGINE_FAILED', `cannot share the capture's snapshot on ${url.redacted}: ${driverReason(error, url)}`, { cause: scrubbedCause(error, url) });
  }
  return new PostgresSnapshot(url, client, shared.snapshotId, info, tables, foreignKeys);
}

export async function openPostgresSource(url: ServerUrl): Promise<SourceSnapshot> {
  const client = await connectReadOnly(url);
  try {
    await failing(url, 'start a read-only snapshot', () => client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY'));
    const snapshot = (await failing(url, 'export the snapshot', () => client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id'))).rows[0]!.id;
    const { rows: v } = await client.query<{ version: string; database: string }>(`SELECT current_setting('server_version') AS version, current_database() AS database`);
    const tables = await failing(url, 'read the tables', () => readTables(client));
    const foreignKeys = await failing(url, 'read the foreign keys', () => readForeignKeys(client));
    return new PostgresSnapshot(url, client, snapshot, { engine: 'postgres', serverVersion: `PostgreSQL ${v[0]!.version}`, database: v[0]!.database }, tables, foreignKeys);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

class PostgresSnapshot implements SourceSnapshot {
  constructor(
    private readonly url: ServerUrl,
    private readonly client: pg.Client,
    private readonly snapshotId: string,
    readonly info: SourceSnapshot['info'],
    readonly tables: SourceTable[],
    readonly foreignKeys: DatasetForeignKey[],
  ) {}

  share(): SharedSnapshot {
    return { engine: 'postgres', url: this.url.href, snapshotId: this.snapshotId };
  }

  lineBatches(table: SourceTable): AsyncIterable<string[]> {
    const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
    return this.copyLines(`COPY ${table.sqlName} (${cols}) TO STDOUT`);
  }

  async *rows(table: SourceTable, options: { columns?: string[]; where?: string } = {}): AsyncIterable<Field[]> {
    const cols = (options.columns ?? table.columns.map((c) => c.name)).map(quoteIdent).join(', ');
    const sql = options.where ? `COPY (SELECT ${cols} FROM ${table.sqlName} WHERE ${options.where}) TO STDOUT` : `COPY ${table.sqlName} (${cols}) TO STDOUT`;
    for await (const lines of this.copyLines(sql)) for (const line of lines) yield decodeRow(line);
  }

  /** COPY … TO STDOUT as batches of whole lines (a chunk's worth each: one await per chunk, not per row). */
  private async *copyLines(sql: string): AsyncIterable<string[]> {
    try {
      yield* lineBatchesOf(this.client.query(copyTo(sql)) as AsyncIterable<Buffer>);
    } catch (error) {
      throw new EnvironmentError('ENGINE_FAILED', `cannot read on ${this.url.redacted}: ${driverReason(error, this.url)} (${sql.slice(0, 120)})`, { cause: scrubbedCause(error, this.url) });
    }
  }

  async sample(table: SourceTable, column: string, limit: number): Promise<string[]> {
    const { rows } = await failing(this.url, `sample ${table.name}.${column}`, () =>
      this.client.query<{ v: string }>(
        `SELECT DISTINCT v FROM (SELECT ${quoteIdent(column)}::text AS v FROM ${table.sqlName} TABLESAMPLE BERNOULLI (${samplePercent(table, limit)}) REPEATABLE (42)) s
          WHERE v IS NOT NULL AND v <> '' LIMIT ${limit}`,
      ),
    );
    return rows.map((r) => r.v);
  }

  async tracking(): Promise<{ version: string | null; dirty: boolean }> {
    const { rows: found } = await this.client.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
    if (!found[0]?.t) return { version: null, dirty: false };
    const { rows } = await this.client.query<{ version: string; dirty: boolean }>('SELECT version::text AS version, dirty FROM schema_migrations LIMIT 1');
    return rows[0] ? { version: rows[0].version, dirty: rows[0].dirty } : { version: null, dirty: false };
  }

  async schema(): Promise<{ pre: string; post: string }> {
    await checkPgDump(this.info.serverVersion);
    const pre = await this.pgDump('pre-data');
    const post = await this.pgDump('post-data');
    // pg_dump refreshes materialized views in its data section, which capture replaces.
    const { rows: views } = await this.client.query<{ name: string }>(`SELECT format('%I.%I', schemaname, matviewname) AS name FROM pg_matviews WHERE ispopulated ORDER BY 1`);
    const refresh = views.map((v) => `REFRESH MATERIALIZED VIEW ${v.name};`).join('\n');
    return { pre, post: `${await this.sequenceValues()}\n${post}\n${refresh}\n` };
  }

  /** Where each sequence stood in the snapshot (pg_dump puts these in its data section, which capture replaces). */
  private async sequenceValues(): Promise<string> {
    const { rows } = await this.client.query<{ name: string; value: string; called: boolean }>(
      `SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text AS value, true AS called FROM pg_sequences WHERE last_value IS NOT NULL`,
    );
    return rows.map((r) => `SELECT pg_catalog.setval(${literal(r.name)}, ${r.value}, ${r.called});`).join('\n');
  }

  private pgDump(section: 'pre-data' | 'post-data'): Promise<string> {
    const url = new URL(this.url.href);
    const password = url.password ? decodeURIComponent(url.password) : undefined;
    url.password = '';
    const args = ['--schema-only', `--section=${section}`, `--snapshot=${this.snapshotId}`, '--no-owner', '--no-privileges', `--dbname=${url.toString()}`];
    return new Promise((resolve, reject) => {
      // The password goes through the environment, never the command line (ps shows that).
      const child = spawn('pg_dump', args, { env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('error', (e) => reject(new EnvironmentError('ENGINE_FAILED', `cannot run pg_dump for the schema: ${e.message}`, { cause: e })));
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
        else reject(new EnvironmentError('ENGINE_FAILED', `pg_dump --section=${section} failed on ${this.url.redacted}: ${err.replaceAll(password ?? '\u0000', '***').trim()}`));
      });
    });
  }

  async close(): Promise<void> {
    await this.client.query('ROLLBACK').catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

function samplePercent(table: SourceTable & { estimatedRows?: number }, limit: number): number {
  const rows = table.estimatedRows ?? 0;
  if (rows <= limit * 4) return 100;
  return Math.max(0.01, Math.min(100, ((limit * 4) / rows) * 100));
}

/** pg_dump must be at least the server's major version. */
async function checkPgDump(serverVersion: string): Promise<void> {
  const version = await new Promise<string>((resolve, reject) => {
    const child = spawn('pg_dump', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', () => reject(new EnvironmentError('ENGINE_FAILED', 'capturing from PostgreSQL needs pg_dump (for the schema) on PATH: install the PostgreSQL client of the server\'s major version (Debian: postgresql-client)')));
    child.on('close', () => resolve(out));
  });
  const mine = Number(/(\d+)(?:\.\d+)?/.exec(version)?.[1]);
  const server = Number(/PostgreSQL (\d+)/.exec(serverVersion)?.[1]);
  if (mine && server && mine < server) {
    throw new EnvironmentError('ENGINE_FAILED', `pg_dump ${mine} cannot dump a PostgreSQL ${server} server: install pg_dump ${server} or newer (Debian: postgresql-client-${server})`);
  }
}

interface TableRow {
  oid: string;
  schema: string;
  name: string;
  bytes: string;
  estimate: string;
}

async function readTables(client: pg.Client): Promise<(SourceTable & { estimatedRows: number })[]> {
  const { rows } = await client.query<TableRow>(`
    SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes, greatest(c.reltuples, 0)::bigint::text AS estimate
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_TABLES} ORDER BY n.nspname, c.relname`);
  const { rows: cols } = await client.query<{ oid: string; name: string; type: string; notnull: boolean; maxlen: number | null }>(`
    SELECT a.attrelid::text AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
           CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4 THEN a.atttypmod - 4 END AS maxlen
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_TABLES} AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    ORDER BY a.attrelid, a.attnum`);
  const { rows: keys } = await client.query<{ oid: string; primary: boolean; cols: string[] }>(`
    SELECT i.indrelid::text AS oid, i.indisprimary AS primary,
           array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS cols
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_TABLES} AND i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL`);
  return rows.map((t) => {
    const own = keys.filter((k) => k.oid === t.oid);
    return {
      name: displayName(t.schema, t.name),
      sqlName: `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`,
      columns: cols.filter((c) => c.oid === t.oid).map((c) => ({ name: c.name, type: c.type, nullable: !c.notnull, ...(c.maxlen ? { maxLength: c.maxlen } : {}) })),
      primaryKey: own.find((k) => k.primary)?.cols ?? [],
      uniqueKeys: own.map((k) => k.cols),
      bytes: Number(t.bytes),
      estimatedRows: Number(t.estimate),
    };
  });
}

async function readForeignKeys(client: pg.Client): Promise<DatasetForeignKey[]> {
  const { rows } = await client.query<{ schema: string; name: string; rschema: string; rname: string; cols: string[]; rcols: string[] }>(`
    SELECT n.nspname AS schema, c.relname AS name, rn.nspname AS rschema, r.relname AS rname,
           array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY x(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.attnum ORDER BY x.ord)::text[] AS cols,
           array(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY x(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.attnum ORDER BY x.ord)::text[] AS rcols
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
    WHERE k.contype = 'f' AND ${USER_TABLES}
    ORDER BY 1, 2, k.conname`);
  return rows.map((r) => ({ table: displayName(r.schema, r.name), columns: r.cols, references: displayName(r.rschema, r.rname), referencedColumns: r.rcols }));
}
