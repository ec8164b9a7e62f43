// One fixed, realistic report for the reporters' golden tests: two targets; on a PostgreSQL server
// a change whose second migration fails on the data (line 3), a blocking-lock warning with
// production-size predictions, a skipped step and a target-wide schema-drift warning; on PGlite
// the same change passing, with a hostile migration and table name. Written out in full (no
// builders with defaults) so a golden only changes when a reporter does.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../../checks/finding.ts';
import type { StepEvidence, TargetEvidence } from '../../rehearsal/evidence.ts';
import type { Report } from '../report.ts';

/** A file name can hold anything a file system allows: markup, backticks, pipes. */
export const HOSTILE_MIGRATION = '0007_<script>alert(1)</script>|`x`';
export const HOSTILE_TABLE = 'we|ird`tbl<b>&amp;';

const SERVER = 'postgres@127.0.0.1:5432';

function base(migration: string, direction: 'up' | 'down', phase: StepEvidence['phase']): StepEvidence {
  const version = migration.slice(0, 4);
  return {
    migration,
    version,
    direction,
    phase,
    status: 'success',
    file: `db/migrations/${migration}.${direction}.sql`,
    durationMs: 12,
    transaction: 'per-file',
    statements: [{ index: 0, line: 1, column: 1, kind: 'AlterTableStmt', summary: 'ALTER TABLE …', status: 'success', durationMs: 10 }],
    locks: [],
    rewrites: [],
    rows: [],
    tablesNamed: [],
  };
}

const addHash: StepEvidence = {
  ...base('0005_add_patches_hash', 'up', 'change'),
  durationMs: 4_800,
  statements: [
    { index: 0, line: 1, column: 1, kind: 'AlterTableStmt', summary: 'ALTER TABLE patches ADD COLUMN hash text', status: 'success', durationMs: 3 },
    { index: 1, line: 2, column: 1, kind: 'UpdateStmt', summary: 'UPDATE patches SET hash = md5(body)', status: 'success', durationMs: 4_790, rowCount: 120_000, rowsProcessed: 240_000 },
  ],
  locks: [
    {
      relation: 'public.patches',
      relationKind: 'table',
      table: 'public.patches',
      mode: 'AccessExclusiveLock',
      statementIndex: 0,
      heldMs: 4_800,
      newRelation: false,
      blocks: { reads: true, writes: true },
      source: 'observed',
    },
  ],
  rewrites: [],
  rows: [{ table: 'public.patches', read: 120_000, inserted: 0, updated: 120_000, deleted: 0 }],
  blocked: [
    { table: 'public.patches', operation: 'read', attempts: 96, maxBlockedMs: 2_100, p99Ms: 2_050, errors: {}, blockedBy: ['migration'] },
    { table: 'public.patches', operation: 'insert', attempts: 90, maxBlockedMs: 2_300, p99Ms: 2_200, errors: { '55P03': 1 }, blockedBy: ['migration'] },
  ],
  walBytes: 48 * 1024 * 1024,
  tablesNamed: ['patches'],
  predicted: {
    basis: 'production-rows',
    exponent: 1,
    exponentSource: 'assumed',
    factor: 14.6,
    tables: { 'public.patches': { dataset: 120_000, production: 1_750_000, ratio: 14.6 } },
    durationMs: 70_000,
    statements: [
      { index: 0, durationMs: 3 },
      { index: 1, durationMs: 69_990 },
    ],
    locks: [{ relation: 'public.patches', table: 'public.patches', mode: 'AccessExclusiveLock', heldMs: 70_000 }],
    blocked: [
      { table: 'public.patches', operation: 'read', maxBlockedMs: 30_600 },
      { table: 'public.patches', operation: 'insert', maxBlockedMs: 33_500 },
    ],
    rowsChanged: 1_750_000,
    walBytes: 700 * 1024 * 1024,
  },
};

const backfill: StepEvidence = {
  ...base('0006_backfill_billing_interval', 'up', 'change'),
  status: 'error',
  durationMs: 830,
  statements: [
    { index: 0, line: 1, column: 1, kind: 'AlterTableStmt', summary: 'ALTER TABLE subscriptions ADD COLUMN billing_interval text', status: 'success', durationMs: 4 },
    { index: 1, line: 3, column: 1, kind: 'AlterTableStmt', summary: 'ALTER TABLE subscriptions ALTER COLUMN billing_interval SET NOT NULL', status: 'error', durationMs: 820 },
  ],
  error: {
    message: 'column "billing_interval" of relation "subscriptions" contains null values',
    sqlstate: '23502',
    statementIndex: 1,
    file: 'db/migrations/0006_backfill_billing_interval.up.sql',
    line: 3,
    column: 1,
  },
  rows: [{ table: 'public.subscriptions', read: 48_000, inserted: 0, updated: 0, deleted: 0 }],
  walBytes: 16_384,
  tablesNamed: ['subscriptions'],
  passesOnEmptyDatabase: true,
};

const server: TargetEvidence = {
  label: SERVER,
  engine: 'postgres',
  serverVersion: 'PostgreSQL 16.4',
  dataset: { path: 'datasets/shop', kind: 'dataset-dir', version: '0004', buildMs: 9_400, tableRows: { 'public.patches': 120_000, 'public.subscriptions': 48_000 } },
  productionRows: { 'public.patches': 1_750_000 },
  steps: [
    { ...base('0004_add_orders_status', 'up', 'trunk'), durationMs: 40 },
    addHash,
    backfill,
    {
      ...base(HOSTILE_MIGRATION, 'up', 'change'),
      status: 'skipped',
      skippedBecause: '0006_backfill_billing_interval failed',
      durationMs: 0,
      statements: [],
    },
  ],
  snapshots: [],
  notes: [],
  durationMs: 21_000,
};

const pglite: TargetEvidence = {
  label: 'pglite',
  engine: 'pglite',
  serverVersion: 'PostgreSQL 17.5',
  dataset: { path: 'db/seed.sql', kind: 'seed-script', version: '0004', buildMs: 1_200, tableRows: { patches: 500, subscriptions: 40, [HOSTILE_TABLE]: 3 } },
  steps: [
    { ...base('0005_add_patches_hash', 'up', 'change'), durationMs: 35, rows: [{ table: 'patches', read: 500, inserted: 0, updated: 500, deleted: 0 }], walBytes: 204_800 },
    { ...base('0006_backfill_billing_interval', 'up', 'change'), durationMs: 9 },
    {
      ...base(HOSTILE_MIGRATION, 'up', 'change'),
      durationMs: 22,
      rewrites: [
        { relation: HOSTILE_TABLE, relationKind: 'table', table: HOSTILE_TABLE, statementIndex: 0, bytesBefore: 8_192, bytesAfter: 8_192, reason: 'relfilenode changed' },
      ],
      locks: [
        {
          relation: HOSTILE_TABLE,
          relationKind: 'table',
          table: HOSTILE_TABLE,
          mode: 'AccessExclusiveLock',
          statementIndex: 0,
          heldMs: 21,
          newRelation: false,
          blocks: { reads: true, writes: true },
          source: 'inferred',
        },
      ],
    },
    { ...base(HOSTILE_MIGRATION, 'down', 'rollback'), durationMs: 6 },
    { ...base('0006_backfill_billing_interval', 'down', 'rollback'), durationMs: 5 },
    { ...base('0005_add_patches_hash', 'down', 'rollback'), durationMs: 7 },
  ],
  snapshots: [],
  notes: ['traffic probes need concurrent sessions, which PGlite has not: blocking is inferred from lock mode × hold time'],
  durationMs: 3_100,
};

const findings: Finding[] = [
  {
    hazard: 'fails-on-data',
    severity: 'error',
    target: SERVER,
    migration: '0006_backfill_billing_interval',
    phase: 'change',
    table: 'public.subscriptions',
    message: 'SET NOT NULL fails on the dataset: column "billing_interval" of relation "subscriptions" contains null values (it passes on an empty database)',
    evidence: { sqlstate: '23502', line: 3, passesOnEmptyDatabase: true },
    advice: 'Backfill billing_interval in batches before SET NOT NULL, or add a CHECK (billing_interval IS NOT NULL) NOT VALID constraint and VALIDATE it first.',
    docs: 'docs/hazards/fails-on-data.md',
  },
  {
    hazard: 'blocking-lock',
    severity: 'warning',
    target: SERVER,
    migration: '0005_add_patches_hash',
    phase: 'change',
    table: 'public.patches',
    message: 'reads and writes of patches blocked 2.3 s (measured), 34 s at production size (1,750,000 rows)',
    evidence: { measuredMs: 2_300, predictedMs: 33_500, lockMode: 'AccessExclusiveLock' },
    advice: 'Add the column without a default, then backfill in batches of 10,000 rows in separate transactions.',
    docs: 'docs/hazards/blocking-lock.md',
  },
  {
    hazard: 'schema-drift',
    severity: 'warning',
    target: SERVER,
    message: 'the dataset has an index the migrations do not create: patches_created_at_idx',
    evidence: { differences: 1 },
    advice: 'Add a migration that creates the index (CREATE INDEX CONCURRENTLY), or drop it from production.',
    docs: 'docs/hazards/schema-drift.md',
  },
  {
    hazard: 'table-rewrite',
    severity: 'info',
    target: 'pglite',
    migration: HOSTILE_MIGRATION,
    phase: 'change',
    table: HOSTILE_TABLE,
    message: `${HOSTILE_TABLE} was rewritten (8 KiB)\nsecond line`,
    evidence: { bytes: 8_192 },
    advice: 'Tables this small rewrite in no time; at production size, prefer an online alternative.',
    docs: 'docs/hazards/table-rewrite.md',
  },
];

export const fixtureReport: Report = {
  schemaVersion: 1,
  rehearseVersion: '0.1.0',
  verdict: 'fail',
  startedAt: '2025-01-15T10:20:30.000Z',
  durationMs: 65_000,
  targets: [server, pglite],
  findings,
  limits: {},
};

/** What `errorReport` gives when rehearse could not run. */
export const fixtureErrorReport: Report = {
  schemaVersion: 1,
  rehearseVersion: '0.1.0',
  verdict: 'error',
  startedAt: '2025-01-15T10:20:30.000Z',
  durationMs: 1_500,
  targets: [],
  findings: [],
  limits: {},
  error: { code: 'ENGINE_UNREACHABLE', message: 'cannot connect to postgres://postgres@127.0.0.1:5432/postgres: connection refused <&>' },
};

/**
 * The golden text for `name` in `__golden__/`, to compare `actual` with exactly. With
 * `UPDATE_GOLDEN=1` the file is (re)written from `actual` first: review the diff by eye.
 */
export function golden(name: string, actual: string): string {
  const path = fileURLToPath(new URL(`./__golden__/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing: run the test once with UPDATE_GOLDEN=1 and review it`);
  return readFileSync(path, 'utf8');
}
