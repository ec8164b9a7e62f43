// For the history-table suites (imported by tests only): one scratch database per engine, the
// dumps the real tools' tables were captured in (test/fixtures/sources/tracking/) restored as each
// engine's client would restore them, and each table's shape as the catalog reports it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dialect, Engine, ScratchDatabase, Session } from '../../../engines/engine.ts';
import { loadDatasetScript } from '../../../datasets/load-script.ts';
import type { Direction, Migration } from '../../migration.ts';
import type { TrackedStep } from '../../tracking.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../../test/fixtures/sources/tracking');

/** An engine, one scratch database on it and one session (PGlite allows one at a time). */
export class Scratch {
  engine!: Engine;
  db!: ScratchDatabase;
  session!: Session;

  constructor(
    readonly dialect: Dialect,
    readonly create: () => Engine,
  ) {}

  async open(purpose: string): Promise<void> {
    this.engine = this.create();
    await this.engine.open();
    this.db = await this.engine.createScratch(purpose);
    this.session = await this.engine.connect(this.db);
  }

  /** A new session: what a caller does after restoring a dump (pg_dump leaves the search_path empty). */
  async reconnect(): Promise<Session> {
    await this.session.close();
    this.session = await this.engine.connect(this.db);
    return this.session;
  }

  async close(): Promise<void> {
    await this.session?.close().catch(() => undefined);
    await this.engine?.close();
  }

  /**
   * Restores `<tool>/<engine>.sql` of the fixtures as the engine's client would: a pg_dump script
   * through rehearse's restore (the session's search_path is empty afterwards), a mysqldump
   * statement by statement, an `sqlite3 .dump` as one script.
   */
  async restoreFixture(tool: string): Promise<void> {
    const file = path.join(FIXTURES, tool, `${this.dialect === 'postgres' ? 'postgres' : this.dialect}.sql`);
    if (this.dialect === 'sqlite') {
      await this.session.exec(await readFile(file, 'utf8'));
      return;
    }
    await loadDatasetScript(this.dialect, this.session, file, this.db.name);
  }

  /** Drops a table if it is there (and, on PostgreSQL, schema `drizzle` with drizzle's). */
  async drop(table: string): Promise<void> {
    if (this.dialect === 'postgres' && table.startsWith('drizzle.')) {
      await this.session.query('DROP SCHEMA IF EXISTS drizzle CASCADE');
      return;
    }
    await this.session.query(`DROP TABLE IF EXISTS ${table}`);
  }

  /**
   * The table's definition as the catalog has it: PostgreSQL and MySQL one line per column
   * (`name type NULL|NOT NULL [default …] [key]`), SQLite the CREATE statements it keeps.
   */
  async shape(table: string, schema?: string): Promise<string[]> {
    const s = this.session;
    switch (this.dialect) {
      case 'postgres': {
        const { rows } = await s.query<{ line: string }>(
          `SELECT a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                  || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END
                  || COALESCE(' default ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') AS line
             FROM pg_catalog.pg_attribute a
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relname = $1 AND n.nspname = COALESCE($2, pg_catalog.current_schema()) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum`,
          [table, schema ?? null],
        );
        const { rows: constraints } = await s.query<{ line: string }>(
          `SELECT i.relname || CASE WHEN x.indisprimary THEN ' PRIMARY KEY ' ELSE ' INDEX ' END || pg_catalog.pg_get_indexdef(x.indexrelid, 1, true) AS line
             FROM pg_catalog.pg_index x
             JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
             JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = $1 AND n.nspname = COALESCE($2, pg_catalog.current_schema())
            ORDER BY i.relname`,
          [table, schema ?? null],
        );
        return [...rows, ...constraints].map((r) => r.line);
      }
      case 'mysql': {
        const { rows } = await s.query<{ line: string }>(
          `SELECT CONCAT_WS(' ', COLUMN_NAME, COLUMN_TYPE, IF(IS_NULLABLE = 'YES', 'NULL', 'NOT NULL'),
                            IF(COLUMN_DEFAULT IS NULL, NULL, CONCAT('default ', COLUMN_DEFAULT)), NULLIF(COLUMN_KEY, ''), NULLIF(EXTRA, '')) AS line
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
          [table],
        );
        const { rows: indexes } = await s.query<{ line: string }>(
          `SELECT CONCAT(INDEX_NAME, ' ', IF(NON_UNIQUE = 0, 'UNIQUE ', ''), GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) AS line
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME`,
          [table],
        );
        const { rows: options } = await s.query<{ line: string }>(
          `SELECT CONCAT('collation ', TABLE_COLLATION) AS line FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
          [table],
        );
        return [...rows, ...indexes, ...options].map((r) => r.line);
      }
      case 'sqlite': {
        const { rows } = await s.query<{ sql: string }>(`SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC, name`, [table]);
        return rows.map((r) => r.sql);
      }
    }
  }
}

export function step(migration: Migration, direction: Direction, versionAfter: bigint | null): TrackedStep {
  return { migration, direction, versionAfter };
}

/** A migration with the plan the step runner would pass: only its transaction mode matters here. */
export function prepared<M extends Migration>(migration: M, transactionMode: 'per-file' | 'none' | 'file-managed', direction: Direction = 'up'): M {
  const plan = { path: migration.up.path, statements: [], transactionMode };
  return { ...migration, ...(direction === 'up' ? { upPlan: plan } : { downPlan: plan }) };
}

/** A migration as no tool's reader returns it. */
export function plainMigration(version: string): Migration {
  return { version, versionNumber: BigInt(version), name: 'plain', id: `${version}_plain`, up: { path: `${version}_plain.sql`, sql: 'SELECT 1' } };
}

/** `value` as text (drivers return bigint columns as strings or numbers, booleans as 1/0 or true). */
export function asText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
