// Builders of evidence for the checks' tests: a plausible default for every field, overridden by
// what a test is about, so each test states only the numbers that matter to it.
import type {
  BlockedEvidence,
  ColumnSchema,
  LockEvidence,
  RewriteEvidence,
  SchemaSnapshot,
  StateSnapshot,
  StatementEvidence,
  StepError,
  StepEvidence,
  TableContent,
  TableRows,
  TableSchema,
  TargetEvidence,
} from '../rehearsal/evidence.ts';
import type { CheckContext } from './check.ts';
import { DEFAULT_LIMITS, limitsResolver, type Limits } from './limits.ts';

export function statement(overrides: Partial<StatementEvidence> = {}): StatementEvidence {
  const index = overrides.index ?? 0;
  return {
    index,
    line: index + 1,
    column: 1,
    kind: 'AlterTableStmt',
    summary: 'ALTER TABLE patches ADD COLUMN hash',
    status: 'success',
    durationMs: 5,
    ...overrides,
  };
}

export function stepError(overrides: Partial<StepError> = {}): StepError {
  return {
    message: 'column "billing_interval" of relation "subscriptions" contains null values',
    sqlstate: '23502',
    statementIndex: 0,
    file: 'migrations/0002_change.up.sql',
    line: 1,
    column: 1,
    ...overrides,
  };
}

export function lock(overrides: Partial<LockEvidence> = {}): LockEvidence {
  return {
    relation: 'public.patches',
    relationKind: 'table',
    table: 'public.patches',
    mode: 'AccessExclusiveLock',
    statementIndex: 0,
    heldMs: 10,
    newRelation: false,
    blocks: { reads: true, writes: true },
    source: 'observed',
    ...overrides,
  };
}

/** What one traffic probe measured: by default a read of patches that was never held up. */
export function blocked(overrides: Partial<BlockedEvidence> = {}): BlockedEvidence {
  return { table: 'patches', operation: 'read', attempts: 40, maxBlockedMs: 2, p99Ms: 1.5, errors: {}, blockedBy: [], ...overrides };
}

export function rewrite(overrides: Partial<RewriteEvidence> = {}): RewriteEvidence {
  return {
    relation: 'public.patches',
    relationKind: 'table',
    table: 'public.patches',
    statementIndex: 0,
    bytesBefore: 64 * 1024 * 1024,
    bytesAfter: 64 * 1024 * 1024,
    reason: 'relfilenode changed',
    ...overrides,
  };
}

export function rows(table: string, counts: Partial<Omit<TableRows, 'table'>> = {}): TableRows {
  return { table, read: 0, inserted: 0, updated: 0, deleted: 0, ...counts };
}

/** A step of the `change` phase applying `0002_change` up, successfully, with no side effects. */
export function step(overrides: Partial<StepEvidence> = {}): StepEvidence {
  const version = overrides.version ?? '0002';
  const migration = overrides.migration ?? `${version}_change`;
  const direction = overrides.direction ?? 'up';
  return {
    migration,
    version,
    direction,
    phase: 'change',
    status: 'success',
    file: `migrations/${migration}.${direction}.sql`,
    durationMs: 50,
    transaction: 'per-file',
    statements: [statement()],
    locks: [],
    rewrites: [],
    rows: [],
    tablesNamed: ['patches'],
    ...overrides,
  };
}

/** A down step of the rollback phase. */
export function downStep(overrides: Partial<StepEvidence> = {}): StepEvidence {
  return step({ direction: 'down', phase: 'rollback', ...overrides });
}

export function column(name: string, overrides: Partial<ColumnSchema> = {}): ColumnSchema {
  return { name, type: 'text', notNull: false, default: null, ...overrides };
}

export function tableSchema(name: string, overrides: Partial<TableSchema> = {}): TableSchema {
  return {
    name,
    columns: [column('id', { type: 'bigint', notNull: true })],
    indexes: { [`${name}_pkey`]: `CREATE UNIQUE INDEX ${name}_pkey ON public.${name} USING btree (id)` },
    constraints: { [`${name}_pkey`]: 'PRIMARY KEY (id)' },
    triggers: {},
    ...overrides,
  };
}

export function schema(tables: TableSchema[], overrides: Partial<SchemaSnapshot> = {}): SchemaSnapshot {
  return {
    tables: Object.fromEntries(tables.map((t) => [t.name, t])),
    views: {},
    sequences: [],
    types: {},
    functions: {},
    ...overrides,
  };
}

export function content(rowCount: number, columns: Record<string, string>, checksum?: string): TableContent {
  // A whole-row checksum derived from the column checksums, unless a test needs them to disagree.
  const derived = `${rowCount}:${Object.entries(columns)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;
  return { rows: rowCount, checksum: checksum ?? derived, columns };
}

export function snapshot(label: string, overrides: Partial<StateSnapshot> = {}): StateSnapshot {
  return {
    label,
    schema: schema([]),
    tables: {},
    tracking: { version: '0002', dirty: false },
    ...overrides,
  };
}

export function target(overrides: Partial<TargetEvidence> = {}): TargetEvidence {
  return {
    label: 'pglite',
    engine: 'pglite',
    serverVersion: 'PostgreSQL 17.5',
    dataset: {
      path: 'datasets/seed.sql',
      kind: 'seed-script',
      version: '0001',
      buildMs: 1_000,
      tableRows: {},
    },
    steps: [],
    snapshots: [],
    notes: [],
    durationMs: 2_000,
    ...overrides,
  };
}

/**
 * A check context for `steps` (or a whole target), with the default limits changed by `limits`
 * and per-migration overrides keyed by version or `<version>_<name>`.
 */
export function context(
  evidence: StepEvidence[] | TargetEvidence,
  limits: Partial<Limits> = {},
  perMigration: Record<string, Partial<Limits>> = {},
): CheckContext {
  const t = Array.isArray(evidence) ? target({ steps: evidence }) : evidence;
  return { target: t, limitsFor: limitsResolver({ ...DEFAULT_LIMITS, ...limits }, perMigration) };
}
