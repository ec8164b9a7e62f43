// fails-on-data: an up migration errors on the production-shaped dataset. The classic cases pass
// on every empty CI database and fail only where rows exist: ADD COLUMN … NOT NULL without a
// default, a validated CHECK or FOREIGN KEY that legacy rows violate, a UNIQUE index over
// duplicates, a type conversion that meets a value it cannot convert.
import type { Phase, StepError, StepEvidence } from '../rehearsal/evidence.ts';
import { dialectOfName, type Dialect } from '../engines/engine.ts';
import { defineCheck, type Draft } from './check.ts';
import { ADVICE, count, describeError, errorClass, locateFailure, type ErrorClass } from './advice.ts';

/** Every phase that applies ups: a failing up breaks the deploy whichever phase it runs in. */
const UP_PHASES: ReadonlySet<Phase> = new Set(['trunk', 'change', 'reapply']);

const POSTGRES_ADVICE: Record<ErrorClass, string> = {
  'not-null':
    `Add the column nullable, or with a constant default (PostgreSQL 11+ stores a non-volatile default in the catalog without rewriting the table); backfill existing rows in batches; then enforce NOT NULL online. ${ADVICE.setNotNull}`,
  check:
    'Add the constraint with NOT VALID, so existing rows are not checked while new and updated rows are; fix or quarantine the legacy rows that violate it in a data migration agreed with the data owners; then ALTER TABLE … VALIDATE CONSTRAINT in a later migration (SHARE UPDATE EXCLUSIVE: reads and writes continue).',
  unique:
    `Resolve the duplicates first, in a data migration that merges or removes them as the data owners decide; then build the index with CREATE UNIQUE INDEX CONCURRENTLY in its own non-transactional migration and, if a constraint is needed, ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX.`,
  'foreign-key':
    'Add the foreign key with NOT VALID (new rows are checked at once), clean up the orphaned rows (delete them, re-parent them, or set the reference to NULL), then ALTER TABLE … VALIDATE CONSTRAINT in a later migration.',
  data:
    "The conversion meets values it cannot handle. Write it for the values that really exist: ALTER COLUMN … TYPE … USING an expression that maps or nulls the ones that do not convert (e.g. CASE WHEN col ~ '^[0-9]+$' THEN col::integer END), or convert into a new column in batches and review the rows that did not convert before switching.",
  other:
    'Make the migration handle every state production data can be in (rows written by older releases, hand-edited rows, NULLs, legacy formats), and rehearse it on a production-shaped dataset before merging.',
};

// MySQL/MariaDB: no NOT VALID constraints (existing rows are checked when a constraint is added),
// strict SQL mode refuses values a conversion cannot represent, and DDL commits implicitly.
const MYSQL_ADVICE: Record<ErrorClass, string> = {
  'not-null':
    'Backfill the NULLs in batches first (about 10,000 rows per transaction), then MODIFY the column NOT NULL (ALGORITHM=INPLACE, LOCK=NONE lets reads and writes continue during the rebuild). A new column: add it with a DEFAULT (ALGORITHM=INSTANT), or nullable and backfill.',
  check:
    'MySQL and MariaDB check every existing row when a CHECK constraint is added (there is no NOT VALID): fix or quarantine the rows that violate it in a data migration agreed with the data owners first, then add the constraint in a migration of its own.',
  unique:
    'Resolve the duplicates first, in a data migration that merges or removes them as the data owners decide; then ADD UNIQUE INDEX …, ALGORITHM=INPLACE, LOCK=NONE in a migration of its own.',
  'foreign-key':
    'Clean up the orphaned rows first (delete them, re-parent them, or set the reference to NULL); then add the foreign key in a migration of its own. With SET foreign_key_checks = 0 InnoDB adds it in place without checking existing rows — only after a query has shown there are no orphans.',
  data:
    "The conversion meets values it cannot handle (strict SQL mode refuses '' or 'True' for a number or a boolean, and truncation). Write it for the values that really exist: add a new column, fill it in batches with an explicit CASE mapping (NULL for what does not convert), review the rows that did not convert, then switch and drop the old column in a later release.",
  other: POSTGRES_ADVICE.other,
};

// SQLite: ALTER TABLE can only rename and add or drop columns; constraints are checked when a
// rebuild copies the rows; type affinity converts silently rather than failing.
const SQLITE_ADVICE: Record<ErrorClass, string> = {
  'not-null':
    "SQLite's ADD COLUMN … NOT NULL needs a non-NULL DEFAULT. Add the column with a default, or nullable, backfill it in batches, and make it NOT NULL with the 12-step table rebuild (a new table with the constraint, INSERT … SELECT, swap) once no row is NULL.",
  check:
    'The rebuilt table checks every copied row against its CHECK constraints: fix or quarantine the rows that violate them in a data migration first, or copy only the rows that pass and review the rest.',
  unique: 'Resolve the duplicates first, in a data migration that merges or removes them as the data owners decide; then CREATE UNIQUE INDEX.',
  'foreign-key':
    'Clean up the orphaned rows first (PRAGMA foreign_key_check lists them), then rebuild the table with the foreign key; run the rebuild with foreign_keys off outside the transaction and PRAGMA foreign_key_check before COMMIT.',
  data:
    'The new definition meets values it cannot hold (a generated column, a CHECK, or a conversion in the INSERT … SELECT of a rebuild). Write the conversion for the values that really exist, and review the rows that do not convert before switching.',
  other: POSTGRES_ADVICE.other,
};

const ADVICE_BY_DIALECT: Record<Dialect, Record<ErrorClass, string>> = { postgres: POSTGRES_ADVICE, mysql: MYSQL_ADVICE, sqlite: SQLITE_ADVICE };

export function adviceFor(error: StepError, passesOnEmptyDatabase: boolean | undefined, engine = 'postgres'): string {
  const advice = ADVICE_BY_DIALECT[dialectOfName(engine)][errorClass(error)];
  // Failing without any data is a bug in the statement, not a data problem: say that first.
  return passesOnEmptyDatabase === false
    ? `The migration fails even without data: fix the statement itself first. ${advice}`
    : advice;
}

function whenItRan(phase: Phase): string {
  if (phase === 'trunk') return ' (a trunk migration production has not applied yet)';
  if (phase === 'reapply') return ' when reapplied after the rollback';
  return '';
}

function emptyDatabaseNote(passes: boolean | undefined): string {
  if (passes === true) return '; it passes on an empty database, so it is the data that breaks it';
  if (passes === false) return '; it fails on an empty database too, so the migration itself is broken';
  return '';
}

/** Without a transaction, statements before the failing one stay applied: production is left half-migrated. */
function partialNote(step: StepEvidence, failingIndex: number | undefined): string {
  const applied = appliedBefore(step, failingIndex);
  if (applied.length === 0) return '';
  const lines = applied.map((s) => s.line).join(', ');
  return applied.length === 1
    ? `; the statement before it (line ${lines}) ran without a transaction and stays applied`
    : `; the ${count(applied.length, 'statement')} before it (lines ${lines}) ran without a transaction and stay applied`;
}

/** The statements of a step without a transaction (MySQL DDL, autocommit files) that ran before the failing one. */
function appliedBefore(step: StepEvidence, failingIndex: number | undefined) {
  if (step.transaction !== 'none' || failingIndex === undefined) return [];
  return step.statements.filter((s) => s.index < failingIndex && s.status === 'success' && s.kind !== 'TransactionStmt');
}

function partialAdvice(step: StepEvidence, failingIndex: number | undefined): string {
  if (appliedBefore(step, failingIndex).length === 0) return '';
  return ' Production would be left half-migrated with the tracking table dirty: keep one DDL statement per migration file where DDL is not transactional (MySQL/MariaDB commit each DDL at once), so a failure leaves nothing to repair by hand.';
}

function failure(step: StepEvidence, engine: string): Draft {
  const { error, text, evidence } = locateFailure(step);
  const dirty = step.leftDirty ? '; the tracking table is left dirty' : '';
  // The step names exactly one table: that is the table the error is about.
  const table = step.tablesNamed.length === 1 ? step.tablesNamed[0] : undefined;
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    ...(table ? { table } : {}),
    message:
      `${step.migration} fails on the dataset${whenItRan(step.phase)} with ${describeError(error)} (${text})` +
      `${emptyDatabaseNote(step.passesOnEmptyDatabase)}${partialNote(step, error.statementIndex)}${dirty}`,
    evidence: {
      ...evidence,
      passesOnEmptyDatabase: step.passesOnEmptyDatabase ?? null,
      transaction: step.transaction,
      leftDirty: step.leftDirty ?? false,
      durationMs: step.durationMs,
    },
    advice: `${adviceFor(error, step.passesOnEmptyDatabase, engine)}${partialAdvice(step, error.statementIndex)}`,
  };
}

export const failsOnDataCheck = defineCheck({
  id: 'fails-on-data',
  title: 'An up migration errors on the production-shaped dataset',
  run: ({ target }) =>
    target.steps
      // A `timeout` is not an error of the migration: slow-step reports it.
      .filter((s) => s.direction === 'up' && UP_PHASES.has(s.phase) && s.status === 'error')
      .map((s) => failure(s, target.engine)),
});
