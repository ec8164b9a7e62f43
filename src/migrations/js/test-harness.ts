// Test support for the JS/TS tool suites (imported by tests only): scratch databases of their own
// (`rehearse_test_js_<random>` on the PostgreSQL and MySQL/MariaDB test servers, a temporary file
// for SQLite), a session that records every statement and answers like rehearse's sessions
// ({ rows, rowCount }, nothing more), schema and history-table snapshots to compare two databases,
// and the statements of the real tool's own migrator, with its bookkeeping taken out.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, ResultSetHeader } from 'mysql2/promise';
import type { Client } from 'pg';
import type { Dialect, QueryResult, Row, Session } from '../../engines/engine.ts';
import { splitFile } from '../../sql/split.ts';
import { applyJsMigration, sessionRunner, trackingFor } from './index.ts';
import type { JsMigration, JsTool, SqlRunner } from './types.ts';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/js', import.meta.url));

const require = createRequire(import.meta.url);

export interface Recorded {
  sql: string;
  params: unknown[];
}

/** A database of the test's own, with a recording session on it. */
export interface TestDatabase {
  dialect: Dialect;
  /** Every statement the session ran, in order. */
  log: Recorded[];
  session: Session;
  runner: SqlRunner;
  /** How the tool's own driver reaches the database: a URL (PostgreSQL, MySQL) or a file (SQLite). */
  url: string;
  file?: string;
  close(): Promise<void>;
}

function randomName(): string {
  return `rehearse_test_js_${randomBytes(5).toString('hex')}`;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  switch (dialect) {
    case 'postgres':
      return createPostgres();
    case 'mysql':
      return createMysql();
    case 'sqlite':
      return createSqlite();
  }
}

function recordingSession(query: (sql: string, params: unknown[]) => Promise<QueryResult>, log: Recorded[]): Session {
  return {
    backendPid: 0,
    async query<R = Row>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      log.push({ sql, params: params ?? [] });
      return (await query(sql, params ?? [])) as QueryResult<R>;
    },
    async exec(sql: string) {
      log.push({ sql, params: [] });
      await query(sql, []);
    },
    async prepare() {},
    async close() {},
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const { default: pg } = await import('pg');
  const server = process.env.REHEARSE_TEST_PG_URL!;
  const name = randomName();
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const client: Client = new pg.Client({ connectionString: url.href });
  await client.connect();
  const log: Recorded[] = [];
  const session = recordingSession(async (sql, params) => {
    const result = await client.query(sql, params);
    return { rows: result.rows, rowCount: result.rowCount };
  }, log);
  return {
    dialect: 'postgres',
    log,
    session,
    runner: sessionRunner(session, 'postgres'),
    url: url.href,
    async close() {
      await client.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

async function createMysql(): Promise<TestDatabase> {
  const { default: mysql } = await import('mysql2/promise');
  const server = new URL(process.env.REHEARSE_TEST_MYSQL_URL!);
  const name = randomName();
  const options = { host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username || 'root'), password: decodeURIComponent(server.password) };
  const admin = await mysql.createConnection(options);
  await admin.query(`CREATE DATABASE ${name}`);
  const connection: Connection = await mysql.createConnection({ ...options, database: name });
  const log: Recorded[] = [];
  const session = recordingSession(async (sql, params) => {
    const [result] = await connection.query(sql, params);
    if (Array.isArray(result)) return { rows: result as Row[], rowCount: result.length };
    return { rows: [], rowCount: (result as ResultSetHeader).affectedRows };
  }, log);
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  return {
    dialect: 'mysql',
    log,
    session,
    runner: sessionRunner(session, 'mysql'),
    url: url.href,
    async close() {
      await connection.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
      await admin.end();
    },
  };
}

interface BetterSqlite3Database {
  prepare(sql: string): { reader: boolean; all(...params: unknown[]): Row[]; run(...params: unknown[]): { changes: number } };
  pragma(sql: string): unknown;
  close(): void;
}

async function createSqlite(): Promise<TestDatabase> {
  const Database = require('better-sqlite3') as new (file: string) => BetterSqlite3Database;
  const file = path.join(os.tmpdir(), `${randomName()}.sqlite3`);
  const db = new Database(file);
  // As rehearse's SQLite sessions open a database: like an app's connection.
  db.pragma('foreign_keys = ON');
  const log: Recorded[] = [];
  const session = recordingSession(async (sql, params) => {
    const statement = db.prepare(sql);
    if (statement.reader) {
      const rows = statement.all(...params);
      return { rows, rowCount: rows.length };
    }
    return { rows: [], rowCount: statement.run(...params).changes };
  }, log);
  return {
    dialect: 'sqlite',
    log,
    session,
    runner: sessionRunner(session, 'sqlite'),
    url: file,
    file,
    async close() {
      db.close();
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
    },
  };
}

/** The database's schema, normalised enough to compare two databases built the same way. */
export async function schemaSnapshot(db: TestDatabase): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => (await db.session.query(sql)).rows;
  switch (db.dialect) {
    case 'postgres':
      return {
        columns: await q(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`),
        indexes: await q(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname`),
        constraints: await q(`SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`),
        comments: await q(
          `SELECT c.relname, a.attname, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
            WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1, 2`,
        ),
      };
    case 'mysql':
      return {
        columns: await q(
          `SELECT table_name AS t, column_name AS c, column_type AS type, is_nullable AS nullable, column_default AS dflt, extra FROM information_schema.columns WHERE table_schema = database() ORDER BY table_name, ordinal_position`,
        ),
        indexes: await q(
          `SELECT table_name AS t, index_name AS i, seq_in_index AS n, column_name AS c, non_unique AS nu FROM information_schema.statistics WHERE table_schema = database() ORDER BY table_name, index_name, seq_in_index`,
        ),
        foreignKeys: await q(
          `SELECT constraint_name AS name, table_name AS t, referenced_table_name AS r, delete_rule AS del FROM information_schema.referential_constraints WHERE constraint_schema = database() ORDER BY 1`,
        ),
      };
    case 'sqlite':
      return { objects: await q(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`) };
  }
}

/** The tool's history tables' rows, timestamps left out. */
export async function historyRows(db: TestDatabase, tool: JsTool): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => (await db.session.query(sql)).rows;
  const quote = (name: string) => (db.dialect === 'postgres' ? `"${name}"` : `\`${name}\``);
  switch (tool) {
    case 'knex':
      return {
        migrations: await q(`SELECT id, name, batch, migration_time IS NOT NULL AS timed FROM knex_migrations ORDER BY id`),
        lock: await q(`SELECT ${quote('index')}, is_locked FROM knex_migrations_lock`),
      };
    case 'kysely':
      return {
        migrations: await q(`SELECT name, ${quote('timestamp')} LIKE '20%Z' AS timed FROM kysely_migration ORDER BY name`),
        lock: await q(`SELECT id, is_locked FROM kysely_migration_lock`),
      };
    case 'node-pg-migrate':
      return { migrations: await q(`SELECT id, name, run_on IS NOT NULL AS timed FROM pgmigrations ORDER BY id`) };
  }
}

/** Statements as rehearse records them: PostgreSQL strings of several statements cut as the adapters cut them. */
export async function splitLikeTheAdapters(statements: string[], dialect: Dialect): Promise<string[]> {
  if (dialect !== 'postgres') return statements;
  const out: string[] = [];
  for (const s of statements) {
    const parsed = await splitFile('<tool>', s, { dialect: 'postgres' }).catch(() => undefined);
    if (parsed && parsed.statements.length > 1) out.push(...parsed.statements.map((p) => p.sql));
    else out.push(s);
  }
  return out;
}

const TRANSACTION_START = /^\s*(BEGIN|START TRANSACTION)\b/i;
const TRANSACTION_END = /^\s*(COMMIT|ROLLBACK)\b/i;

/**
 * A migrator's statements for one step without its bookkeeping: statements matching `bookkeeping`
 * (its history and lock tables, catalog lookups, advisory locks) dropped, then the transactions
 * left empty (its lock's own transaction, node-pg-migrate's COMMIT; … BEGIN; around a migration
 * without a transaction).
 */
export function withoutBookkeeping(statements: string[], bookkeeping: RegExp): string[] {
  const kept = statements.filter((s) => !bookkeeping.test(s));
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i + 1 < kept.length; i++) {
      if (TRANSACTION_START.test(kept[i]!) && TRANSACTION_END.test(kept[i + 1]!)) {
        kept.splice(i, 2);
        changed = true;
        break;
      }
    }
  }
  return kept;
}

export interface StepRecord {
  id: string;
  direction: 'up' | 'down';
  /** What reached the database for the migration itself. */
  statements: string[];
  /** Whether the tool ran it in a transaction (rehearse's side only). */
  transaction?: boolean;
  notes?: string[];
  schema: Record<string, unknown[]>;
  history: Record<string, unknown[]>;
}

export interface StepPlan<M> {
  migration: M;
  direction: 'up' | 'down';
}

/** Every migration up, then every one down in reverse: the steps both sides take. */
export function upThenDown<M>(migrations: readonly M[]): StepPlan<M>[] {
  return [...migrations.map((migration) => ({ migration, direction: 'up' as const })), ...[...migrations].reverse().map((migration) => ({ migration, direction: 'down' as const }))];
}

/**
 * rehearse's side: the tracking table ensured, then each step as the step runner takes it
 * (beforeStep, the migration through the runner, afterStep), snapshots after each.
 */
export async function rehearseSteps(tool: JsTool, db: TestDatabase, migrations: JsMigration[]): Promise<StepRecord[]> {
  const tracking = trackingFor(tool, db.dialect, { migrations });
  await tracking.ensure(db.session);
  const records: StepRecord[] = [];
  for (const { migration, direction } of upThenDown(migrations)) {
    const step = { migration, direction, versionAfter: direction === 'up' ? migration.versionNumber : null };
    await tracking.beforeStep(db.session, step);
    const start = db.log.length;
    const result = await applyJsMigration(migration, direction, db.runner);
    const statements = db.log.slice(start).map((r) => r.sql);
    await tracking.afterStep(db.session, step, { status: 'success', durationMs: 1 });
    records.push({ id: migration.id, direction, statements, transaction: result.transaction, notes: result.notes, schema: await schemaSnapshot(db), history: await historyRows(db, tool) });
  }
  return records;
}

/** The tool's side: `step` runs the tool's own migrator one step and returns the statements it sent. */
export async function toolSteps<M extends { id: string }>(tool: JsTool, db: TestDatabase, migrations: M[], step: (direction: 'up' | 'down') => Promise<string[]>): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  for (const { migration, direction } of upThenDown(migrations)) {
    const statements = await step(direction);
    records.push({ id: migration.id, direction, statements, schema: await schemaSnapshot(db), history: await historyRows(db, tool) });
  }
  return records;
}

/** The tables a schema snapshot holds. */
export function tableNames(schema: Record<string, unknown[]>): string[] {
  const names = new Set<string>();
  for (const row of (schema.columns ?? []) as Record<string, unknown>[]) names.add(String(row.table_name ?? row.t));
  for (const row of (schema.objects ?? []) as Record<string, unknown>[]) if (row.type === 'table') names.add(String(row.name));
  return [...names].sort();
}
