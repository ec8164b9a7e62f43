// Shared wording of findings: how numbers, lock modes, statements and tables read in a message,
// and the safe alternatives several checks recommend. Keeping them in one place keeps the report
// consistent (a duration always reads `2.3 s`, the NOT VALID recipe is always the same recipe).
import { redactDataValues } from '../redact.ts';
import type { StatementEvidence, StepEvidence, StepPrediction } from '../rehearsal/evidence.ts';
import type { CheckContext } from './check.ts';
import type { EvidenceValue } from './finding.ts';
import type { Limits } from './limits.ts';

// ---------------------------------------------------------------------------------------------
// Numbers

/** `340 ms`, `2.3 s`, `45 s`, `4 min 12 s`, `1 h 5 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = ms / 1_000;
  if (s < 60) return `${trimDecimal(s)} s`;
  const totalSeconds = Math.round(s);
  if (totalSeconds < 3_600) {
    const min = Math.floor(totalSeconds / 60);
    const sec = totalSeconds % 60;
    return sec === 0 ? `${min} min` : `${min} min ${sec} s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  const h = Math.floor(totalMinutes / 60);
  const min = totalMinutes % 60;
  return min === 0 ? `${h} h` : `${h} h ${min} min`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Binary units, as PostgreSQL's pg_size_pretty and most DBAs count: `512 B`, `1.2 GiB`, `340 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${trimDecimal(value)} ${BYTE_UNITS[unit]}`;
}

/** `340,000` */
export function formatNumber(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `1 row`, `340,000 rows`. */
export function count(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${formatNumber(n)} ${n === 1 ? noun : pluralNoun}`;
}

/** One decimal below 10 (`2.3`), whole numbers above (`45`, `340`); never `2.0`. */
function trimDecimal(value: number): string {
  const rounded = Math.abs(value) < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  return String(rounded);
}

/** `a`, `a and b`, `a, b and c` */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A list capped for a one-line message: `a, b, c and 4 more`. The evidence keeps the full list. */
export function shortListing(items: readonly string[], max = 4): string {
  if (items.length <= max) return listing(items);
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

// ---------------------------------------------------------------------------------------------
// Lock modes

/**
 * PostgreSQL's internal lock name as its documentation and DBAs write it:
 * `AccessExclusiveLock` -> `ACCESS EXCLUSIVE`. Other engines' mode names pass through unchanged.
 */
/** Lock modes of the other engines, as a sentence names them. */
const OTHER_LOCK_NAMES: Record<string, string> = {
  SQLITE_RESERVED: "SQLite's database write lock",
  SQLITE_EXCLUSIVE: "SQLite's exclusive database lock",
  MDL_EXCLUSIVE: 'an exclusive metadata lock',
  MDL_SHARED_NO_READ_WRITE: 'a metadata lock that blocks reads and writes',
  MDL_SHARED_NO_WRITE: 'a metadata lock that blocks writes',
  MDL_SHARED_READ_ONLY: 'a metadata lock that blocks writes',
  MDL_SHARED_UPGRADABLE: 'a shared upgradable metadata lock',
  MDL_SHARED_WRITE: 'a shared write metadata lock',
  MDL_SHARED_READ: 'a shared read metadata lock',
};

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`; other engines' modes in words. */
export function lockModeName(mode: string): string {
  const other = OTHER_LOCK_NAMES[mode];
  if (other) return other;
  const m = /^([A-Z][a-z]+(?:[A-Z][a-z]+)*)Lock$/.exec(mode);
  if (!m?.[1]) return mode;
  return m[1].replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Steps and statements

/** The limits in force for a step's migration (global, then by version, then by `<version>_<name>`). */
export function limitsOfStep(ctx: CheckContext, step: StepEvidence): Limits {
  return ctx.limitsFor({ version: step.version, id: step.migration });
}

export function statementAt(step: StepEvidence, index: number | undefined): StatementEvidence | undefined {
  if (index === undefined) return undefined;
  return step.statements.find((s) => s.index === index) ?? step.statements[index];
}

/** `migrations/0005_x.up.sql:12` (the line only when known: 0 for a statement a tool's code sent). */
export function fileLine(file: string, line: number | undefined): string {
  return line === undefined || line === 0 ? file : `${file}:${line}`;
}

/** How a message names a statement: `ALTER TABLE links ADD PRIMARY KEY (line 2)`, or `statement 3` without a summary. */
export function statementLabel(statement: StatementEvidence | undefined, index?: number): string {
  if (!statement) return index === undefined ? 'the step' : `statement ${index + 1}`;
  const what = statement.summary.trim() || `statement ${statement.index + 1}`;
  return `${what} (line ${statement.line})`;
}

/** The statement's position for evidence: 0-based index, 1-based line, kind and summary. */
export function statementEvidence(statement: StatementEvidence | undefined, index?: number): Record<string, EvidenceValue> {
  if (!statement) return { statementIndex: index ?? null };
  return {
    statementIndex: statement.index,
    line: statement.line,
    statementKind: statement.kind,
    statement: statement.summary,
  };
}

/** Statement kinds (parse-tree node types) that write rows rather than change the schema. */
const DML_KINDS = new Set(['UpdateStmt', 'DeleteStmt', 'InsertStmt', 'MergeStmt', 'CopyStmt']);

export function isDml(statement: StatementEvidence): boolean {
  return DML_KINDS.has(statement.kind) || /^\s*(UPDATE|DELETE|INSERT|MERGE|REPLACE|COPY)\b/i.test(statement.summary);
}

// ---------------------------------------------------------------------------------------------
// Tables

/** golang-migrate's tracking table: a step always writes one row of it, which is not a hazard. */
export const TRACKING_TABLE = 'schema_migrations';

/**
 * One spelling per table so names from the parser, the catalog and the row counters compare:
 * quotes dropped, lower-cased, PostgreSQL's default `public.` schema removed (`public.x` is `x`).
 */
export function normalizeTable(name: string): string {
  const plain = name.replace(/"/g, '').trim().toLowerCase();
  return plain.startsWith('public.') ? plain.slice('public.'.length) : plain;
}

export function isTrackingTable(name: string): boolean {
  return normalizeTable(name) === TRACKING_TABLE;
}

// ---------------------------------------------------------------------------------------------
// Server messages


// ---------------------------------------------------------------------------------------------
// Safe alternatives: in the terms of the target's engine (advice-terms.ts)

export { ADVICE, adviceTerms, type AdviceTerms } from './advice-terms.ts';

// ---------------------------------------------------------------------------------------------
// Errors

/** What kind of data problem an error is, for choosing advice. */
export type ErrorClass = 'not-null' | 'check' | 'unique' | 'foreign-key' | 'data' | 'other';

/**
 * Classifies by SQLSTATE where the engine gives a precise one (PostgreSQL), else by the message:
 * MySQL reports most integrity errors as 23000 or HY000, SQLite has no SQLSTATE at all.
 */
export function errorClass(error: { sqlstate?: string; message: string; errno?: number }): ErrorClass {
  // MySQL/MariaDB error numbers, where SQLSTATE is 23000 or HY000 for several kinds.
  switch (error.errno) {
    case 1048: // ER_BAD_NULL_ERROR: column cannot be null
    case 1138: // ER_INVALID_USE_OF_NULL: MODIFY … NOT NULL over NULLs
      return 'not-null';
    case 3819: // MySQL 8 ER_CHECK_CONSTRAINT_VIOLATED
    case 4025: // MariaDB ER_CONSTRAINT_FAILED
      return 'check';
    case 1062: // ER_DUP_ENTRY
    case 1169:
      return 'unique';
    case 1216:
    case 1452: // ER_NO_REFERENCED_ROW_2
      return 'foreign-key';
  }
  switch (error.sqlstate) {
    case '23502':
      return 'not-null';
    case '23514':
      return 'check';
    case '23505':
      return 'unique';
    case '23503':
      return 'foreign-key';
  }
  if (error.sqlstate?.startsWith('22')) return 'data';
  const m = error.message;
  if (/cannot be null|NOT NULL constraint failed|contains null values|violates not-null|Cannot add a NOT NULL column|invalid use of NULL value/i.test(m)) return 'not-null';
  if (/check constraint|CONSTRAINT .* failed for/i.test(m)) return 'check';
  if (/duplicate entry|duplicate key|UNIQUE constraint failed/i.test(m)) return 'unique';
  if (/foreign key constraint/i.test(m)) return 'foreign-key';
  if (/data truncated|incorrect \w+ value|out of range value|data too long|truncated incorrect/i.test(m)) return 'data';
  return 'other';
}

/** `SQLSTATE 23502: column "x" of relation "y" contains null values` (`MySQL error 1265, SQLSTATE 01000: …`), values redacted. */
export function describeError(error: { sqlstate?: string; message: string; errno?: number }): string {
  const text = redactDataValues(error.message.split('\n')[0] ?? '').trim();
  const code = [error.errno !== undefined ? `MySQL error ${error.errno}` : '', error.sqlstate ? `SQLSTATE ${error.sqlstate}` : ''].filter(Boolean).join(', ');
  return code ? `${code}: ${text}` : text;
}

/** Where a failed step failed, for the message (`ALTER TABLE … at file:line`) and the evidence. */
export function locateFailure(step: StepEvidence) {
  const error = step.error ?? { message: 'the step failed without an error message' };
  const failing = statementAt(step, error.statementIndex);
  const file = error.file ?? step.file;
  const line = error.line ?? failing?.line;
  const where = fileLine(file, line);
  return {
    error,
    statement: failing,
    /** `ALTER TABLE subscriptions ADD COLUMN billing_interval at migrations/0002_x.up.sql:1` */
    text: failing ? `${failing.summary || `statement ${failing.index + 1}`} at ${where}` : where,
    evidence: {
      sqlstate: error.sqlstate ?? null,
      errno: error.errno ?? null,
      error: redactDataValues(error.message),
      errorClass: errorClass(error),
      file,
      line: line ?? null,
      column: error.column ?? failing?.column ?? null,
      statementIndex: error.statementIndex ?? null,
      statement: failing?.summary ?? null,
      statementKind: failing?.kind ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Production size

/** `×17.5 at production size (patches: 1,750,000 rows vs 100,000 in the dataset; linear growth)` */
export function productionBasis(p: StepPrediction): string {
  const tables = Object.entries(p.tables)
    .sort((a, b) => b[1].ratio - a[1].ratio)
    .slice(0, 3)
    .map(([t, x]) => `${t}: ${formatNumber(x.production)} rows vs ${formatNumber(x.dataset)} in the dataset`);
  return `×${p.factor} at production size (${tables.join('; ')}; ${p.exponent === 1 ? 'linear growth assumed' : `growth exponent ${p.exponent} measured by scale runs`})`;
}

/** The evidence fields every production-size finding carries. */
export function predictionEvidence(p: StepPrediction | undefined): Record<string, EvidenceValue> {
  if (!p) return { basis: 'dataset' };
  return { basis: 'production size', factor: p.factor, exponent: p.exponent, exponentSource: p.exponentSource ?? 'assumed', productionTables: p.tables };
}
