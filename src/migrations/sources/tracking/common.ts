// What the history tables of dbmate, Flyway, Prisma and drizzle have in common on rehearse's three
// engine families: quoting, placeholders, "does the table exist", a transaction around a few
// statements, and finding a table after a PostgreSQL dump was restored (pg_dump leaves the session's
// search_path empty, so only schema-qualified names resolve).
import type { Dialect, Session } from '../../../engines/engine.ts';
import type { Migration, PreparedMigration } from '../../migration.ts';
import type { TransactionMode } from '../../../sql/statement.ts';
import type { MigrationTracking, TrackedStep } from '../../tracking.ts';

/** What `afterStep` is told (MigrationTracking's `result`); `error` is what Prisma writes into `logs`. */
export type StepResult = Parameters<MigrationTracking['afterStep']>[2];

/** The `n`th (1-based) parameter placeholder of the dialect's drivers. */
export function param(dialect: Dialect, n: number): string {
  return dialect === 'postgres' ? `$${n}` : '?';
}

/** An identifier quoted as the dialect quotes it (backticks on MySQL/MariaDB, double quotes elsewhere). */
export function quoteIdent(dialect: Dialect, name: string): string {
  return dialect === 'mysql' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

/**
 * Whether `table` exists where the tool looks for it: PostgreSQL in `schema` (default: the
 * session's current schema, where an unqualified CREATE TABLE puts it), MySQL/MariaDB in the
 * connection's database, SQLite in `main` (names compare case-insensitively there).
 */
export async function tableExists(session: Session, dialect: Dialect, table: string, schema?: string): Promise<boolean> {
  switch (dialect) {
    case 'postgres': {
      const { rows } = await session.query(
        `SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND n.nspname = ${schema === undefined ? 'pg_catalog.current_schema()' : '$2'}`,
        schema === undefined ? [table] : [table, schema],
      );
      return rows.length > 0;
    }
    case 'mysql': {
      const { rows } = await session.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table]);
      return rows.length > 0;
    }
    case 'sqlite': {
      const { rows } = await session.query(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE`, [table]);
      return rows.length > 0;
    }
  }
}

/**
 * The schema-qualified, quoted name of `table` on PostgreSQL right after a dump was restored through
 * `session`: the first of `preferredSchemas` that has it, else the first schema of the session's
 * search_path, else `public` (which a pg_dump script leaves off the search_path). The table must have
 * every column of `columns`, so another tool's table of the same name (golang-migrate and dbmate
 * both default to `schema_migrations`) is not taken for it. Null when there is none.
 */
export async function findRestoredPostgresTable(
  session: Session,
  table: string,
  columns: readonly string[],
  preferredSchemas: readonly string[] = [],
): Promise<string | null> {
  const { rows } = await session.query<{ qualified: string }>(
    `SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS qualified
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1
        AND c.relkind IN ('r', 'p')
        AND (n.nspname = ANY (pg_catalog.string_to_array($2, ',')) OR n.nspname = ANY (pg_catalog.current_schemas(false)) OR n.nspname = 'public')
        AND (SELECT count(*) FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = ANY (pg_catalog.string_to_array($3, ',')) AND a.attnum > 0 AND NOT a.attisdropped)
            = pg_catalog.cardinality(pg_catalog.string_to_array($3, ','))
      ORDER BY pg_catalog.array_position(pg_catalog.string_to_array($2, ','), n.nspname::text) NULLS LAST,
               pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname) NULLS LAST
      LIMIT 1`,
    // Lists as comma-separated text: the names rehearse passes hold no comma, and every driver binds text.
    [table, preferredSchemas.join(','), columns.join(',')],
  );
  return rows[0]?.qualified ?? null;
}

/** Runs `work` in a transaction of its own (the tools write their few history statements so). */
export async function inTransaction<T>(session: Session, dialect: Dialect, work: () => Promise<T>): Promise<T> {
  await session.query(dialect === 'mysql' ? 'START TRANSACTION' : 'BEGIN');
  try {
    const result = await work();
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Text of a value a driver returned (bigint, number, string) for a column read as text. */
export function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return String(value);
}

/** A boolean column as each engine returns it (PostgreSQL boolean, MySQL TINYINT 1/0, SQLite 1/0 or text). */
export function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value === '1' || value.toLowerCase() === 'true' || value.toLowerCase() === 't';
  if (typeof value === 'bigint') return value !== 0n;
  return Boolean(Number(value));
}

/**
 * The step's migration as the tool's reader returned it, or a clear error: the history rows need
 * what only the reader knows (Flyway's checksum and script, Prisma's directory name, …).
 */
export function toolMigration<M extends Migration>(step: TrackedStep, tool: string, type: string, is: (m: Migration) => m is M): M {
  if (is(step.migration)) return step.migration;
  throw new TypeError(
    `${tool} tracking needs the migration as the ${tool} reader returns it (a ${type}, with what the history table records); ` +
      `${step.migration.id} is a plain migration: read the migrations with the ${tool} reader (src/migrations/sources/)`,
  );
}

/** The tool has no down migrations: a caller must not run one. */
export function refuseDown(tool: string, step: TrackedStep): void {
  if (step.direction === 'down') {
    throw new TypeError(`${tool} has no down migrations: there is no history row to record for a down of ${step.migration.id}`);
  }
}

/**
 * How the step's statements ran, when the step runner passed a prepared migration (its plan for
 * the direction): `per-file` (one transaction), `none` (autocommit) or `file-managed`. Undefined
 * for a migration without a plan.
 */
export function transactionModeOf(step: TrackedStep): TransactionMode | undefined {
  const prepared = step.migration as Partial<PreparedMigration>;
  return (step.direction === 'up' ? prepared.upPlan : prepared.downPlan)?.transactionMode;
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC: a MySQL DATETIME(3) value as a driver writes a UTC instant. */
export function mysqlUtcDatetime(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}
