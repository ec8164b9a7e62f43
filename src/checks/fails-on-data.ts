// fails-on-data: an up migration errors on the production-shaped dataset. The classic cases pass
// on every empty CI database and fail only where rows exist: ADD COLUMN … NOT NULL without a
// default, a validated CHECK or FOREIGN KEY that legacy rows violate, a UNIQUE index over
// duplicates, a type conversion that meets a value it cannot convert.
import type { Phase, StepError, StepEvidence } from '../rehearsal/evidence.ts';
import { defineCheck, type Draft } from './check.ts';
import { ADVICE, count, describeError, errorClass, locateFailure, type ErrorClass } from './advice.ts';

/** Every phase that applies ups: a failing up breaks the deploy whichever phase it runs in. */
const UP_PHASES: ReadonlySet<Phase> = new Set(['trunk', 'change', 'reapply']);

const ADVICE_BY_CLASS: Record<ErrorClass, string> = {
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

export function adviceFor(error: StepError, passesOnEmptyDatabase: boolean | undefined): string {
  const advice = ADVICE_BY_CLASS[errorClass(error)];
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
  if (step.transaction !== 'none' || failingIndex === undefined || failingIndex === 0) return '';
  return failingIndex === 1
    ? '; the statement before it ran without a transaction and stays applied'
    : `; the ${count(failingIndex, 'statement')} before it ran without a transaction and stay applied`;
}

function failure(step: StepEvidence): Draft {
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
    advice: adviceFor(error, step.passesOnEmptyDatabase),
  };
}

export const failsOnDataCheck = defineCheck({
  id: 'fails-on-data',
  title: 'An up migration errors on the production-shaped dataset',
  run: ({ target }) =>
    target.steps
      // A `timeout` is not an error of the migration: slow-step reports it.
      .filter((s) => s.direction === 'up' && UP_PHASES.has(s.phase) && s.status === 'error')
      .map(failure),
});
