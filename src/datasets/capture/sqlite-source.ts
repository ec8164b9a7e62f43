// Capture source: a SQLite database file, opened read-only (SQLite itself refuses any write on
// such a connection). One read transaction holds the snapshot: in WAL mode the application's
// writers carry on; in a rollback-journal mode they wait until the capture ends (SQLite's single
// lock), so capture a WAL database or a copy. Integers come as BigInt (every digit kept), BLOB
// columns as hex.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { InputError } from '../../errors.ts';
import { loadBetterSqlite3, type SqliteFileHandle } from '../../engines/sqlite/better-sqlite3.ts';
import type { DatasetForeignKey } from '../dir/manifest.ts';
import type { Field } from '../dir/tsv.ts';
import type { SourceSnapshot, SourceTable } from './source.ts';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const HEADER = 'SQLite format 3\u0000';

/** Whether the path is a SQLite database file (by its 16-byte header). */
export function isSqliteFile(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(16);
    readSync(fd, buffer, 0, 16, 0);
    return buffer.toString('latin1') === HEADER;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

export async function openSqliteSource(path: string): Promise<SourceSnapshot> {
  if (!isSqliteFile(path)) {
    throw new InputError('DATASET_INVALID', existsSync(path) ? 'this is not a SQLite database file (no "SQLite format 3" header)' : 'no such file', { location: { file: path } });
  }
  const Database = await loadBetterSqlite3();
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5_000 });
  try {
    db.exec('BEGIN');
    const version = String((db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v);
    const tables = readTables(db);
    const foreignKeys = readForeignKeys(db, tables);
    return new SqliteSnapshot(db, { engine: 'sqlite', serverVersion: `SQLite ${version}`, database: path.split('/').pop() ?? path }, tables, foreignKeys);
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteSnapshot implements SourceSnapshot {
  constructor(
    private readonly db: SqliteFileHandle,
    readonly info: SourceSnapshot['info'],
    readonly tables: SourceTable[],
    readonly foreignKeys: DatasetForeignKey[],
  ) {}

  async *rows(table: SourceTable, options: { columns?: string[]; where?: string } = {}): AsyncIterable<Field[]> {
    const wanted = options.columns ?? table.columns.map((c) => c.name);
    const sql = `SELECT ${wanted.map(quoteIdent).join(', ')} FROM ${table.sqlName}${options.where ? ` WHERE ${options.where}` : ''}`;
    const statement = this.db.prepare(sql).raw(true).safeIntegers(true);
    for (const row of statement.iterate() as IterableIterator<unknown[]>) yield row.map(asText);
  }

  async sample(table: SourceTable, column: string, limit: number): Promise<string[]> {
    const c = quoteIdent(column);
    const rows = this.db.prepare(`SELECT DISTINCT CAST(${c} AS TEXT) AS v FROM ${table.sqlName} WHERE ${c} IS NOT NULL AND ${c} <> '' LIMIT ${limit}`).all() as { v: string }[];
    return rows.map((r) => r.v);
  }

  async tracking(): Promise<{ version: string | null; dirty: boolean }> {
    if (!this.tables.some((t) => t.name === 'schema_migrations')) return { version: null, dirty: false };
    const row = this.db.prepare('SELECT CAST(version AS TEXT) AS version, dirty FROM schema_migrations LIMIT 1').get() as { version: string; dirty: number } | undefined;
    return row ? { version: row.version, dirty: Number(row.dirty) === 1 } : { version: null, dirty: false };
  }

  async schema(): Promise<{ pre: string; post: string }> {
    const objects = this.db.prepare(`SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid`).all() as { type: string; name: string; sql: string }[];
    const pre = objects.filter((o) => o.type === 'table').map((o) => `${o.sql};`);
    const post = objects.filter((o) => o.type !== 'table').map((o) => `${o.sql};`);
    // AUTOINCREMENT counters live in sqlite_sequence: restored so new ids continue where production's do.
    const hasSequence = (this.db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'sqlite_sequence'`).get() as { n: number }).n > 0;
    if (hasSequence) {
      for (const r of this.db.prepare('SELECT name, seq FROM sqlite_sequence').safeIntegers(true).all() as { name: string; seq: bigint }[]) {
        post.push(`INSERT INTO sqlite_sequence (name, seq) VALUES ('${r.name.replaceAll("'", "''")}', ${r.seq});`);
      }
    }
    return { pre: pre.join('\n\n') + '\n', post: post.join('\n\n') + '\n' };
  }

  async close(): Promise<void> {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // No transaction left open.
    }
    this.db.close();
  }
}

function asText(v: unknown): Field {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return String(v);
}

function readTables(db: SqliteFileHandle): SourceTable[] {
  const names = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`).all() as { name: string }[];
  let sizes = new Map<string, number>();
  try {
    sizes = new Map((db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[]).map((r) => [r.name, r.bytes]));
  } catch {
    // dbstat is a compile-time option; without it sizes are unknown (0).
  }
  return names.map(({ name }) => {
    const cols = db.prepare('SELECT name, type, "notnull" AS nn, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid').all(name) as { name: string; type: string; nn: number; pk: number; hidden: number }[];
    const indexes = db.prepare('SELECT name, "unique" AS u FROM pragma_index_list(?)').all(name) as { name: string; u: number }[];
    const uniqueKeys = indexes
      .filter((i) => i.u === 1)
      .map((i) => (db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(i.name) as { name: string | null }[]).map((c) => c.name ?? ''))
      .filter((k) => k.every((c) => c !== ''));
    const indexNames = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?`).all(name) as { name: string }[]).map((r) => r.name);
    const bytes = (sizes.get(name) ?? 0) + indexNames.reduce((a, i) => a + (sizes.get(i) ?? 0), 0);
    return {
      name,
      sqlName: quoteIdent(name),
      // hidden 2 and 3: generated columns, which SQLite computes again on restore.
      columns: cols.filter((c) => c.hidden === 0).map((c) => ({ name: c.name, type: c.type, nullable: c.nn === 0 && c.pk === 0, ...(/BLOB/i.test(c.type) ? { binary: true } : {}) })),
      primaryKey: cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      uniqueKeys,
      bytes,
    };
  });
}

function readForeignKeys(db: SqliteFileHandle, tables: SourceTable[]): DatasetForeignKey[] {
  const out: DatasetForeignKey[] = [];
  for (const t of tables) {
    const rows = db.prepare('SELECT id, "table" AS parent, "from" AS col, "to" AS ref FROM pragma_foreign_key_list(?) ORDER BY id, seq').all(t.name) as { id: number; parent: string; col: string; ref: string | null }[];
    const byId = new Map<number, DatasetForeignKey>();
    for (const r of rows) {
      const parent = tables.find((x) => x.name === r.parent);
      const fk = byId.get(r.id) ?? { table: t.name, columns: [], references: r.parent, referencedColumns: [] };
      fk.columns.push(r.col);
      // A foreign key without target columns references the parent's primary key.
      fk.referencedColumns.push(r.ref ?? parent?.primaryKey[fk.columns.length - 1] ?? 'rowid');
      byId.set(r.id, fk);
    }
    out.push(...byId.values());
  }
  return out;
}
