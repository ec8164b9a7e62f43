// downgrade-fails: a down migration errors on a database that holds data. Downs are written
// against the developer's empty database and rarely run until the night they are needed; the
// typical break re-adds a dropped column exactly as it was declared (NOT NULL, no default), which
// every table with a row refuses.
import type { StepEvidence } from '../rehearsal/evidence.ts';
import { dialectOfName } from '../engines/engine.ts';
import { defineCheck, type Draft } from './check.ts';
import { describeError, errorClass, locateFailure, type ErrorClass } from './advice.ts';

const GENERAL =
  'The down must reverse the up on a database that holds data: recreate what the up dropped in a form existing rows satisfy, put back the data from a copy the up kept (a backup table written before the DROP), and only then restore constraints. Rehearse the round trip (up, down, up) on a production-shaped dataset with rehearse.';

/** The first sentence, by what the failure is about; the general rule follows it. */
const SPECIFIC: Partial<Record<ErrorClass, string>> = {
  'not-null':
    'Re-add dropped columns nullable or with a default, restore their values from the copy the up kept, and only then SET NOT NULL.',
  unique:
    'Rows written since the up broke the uniqueness the down restores: resolve the duplicates before recreating the unique index or constraint.',
  'foreign-key':
    'Rows written since the up reference nothing the down restores: re-add the foreign key NOT VALID, clean up, then VALIDATE CONSTRAINT.',
  check:
    'Rows written since the up violate the constraint the down restores: re-add it NOT VALID and VALIDATE CONSTRAINT after fixing them.',
  data: 'Rows written since the up hold values the old type cannot store: convert with a USING expression that handles them.',
};

/** Where constraints cannot be added NOT VALID (MySQL/MariaDB, SQLite), the order is: fix the rows, then constrain. */
const SPECIFIC_WITHOUT_NOT_VALID: Partial<Record<ErrorClass, string>> = {
  'not-null': 'Re-add dropped columns nullable or with a default, restore their values from the copy the up kept, and only then make them NOT NULL.',
  unique: SPECIFIC.unique!,
  'foreign-key': 'Rows written since the up reference nothing the down restores: clean them up (delete, re-parent or set NULL) before re-adding the foreign key.',
  check: 'Rows written since the up violate the constraint the down restores: fix them before re-adding it.',
  data: 'Rows written since the up hold values the old type cannot store: convert them explicitly (a CASE mapping in batches) before changing the type back.',
};

export function adviceFor(error: { sqlstate?: string; message: string; errno?: number }, engine = 'postgres'): string {
  const byClass = { postgres: SPECIFIC, mysql: SPECIFIC_WITHOUT_NOT_VALID, sqlite: SPECIFIC_WITHOUT_NOT_VALID }[dialectOfName(engine)];
  const specific = byClass[errorClass(error)];
  return specific ? `${specific} ${GENERAL}` : GENERAL;
}


/** A down run without a transaction (MySQL DDL) leaves the statements before the failure applied. */
function partialNote(step: StepEvidence): string {
  const failing = step.error?.statementIndex;
  if (step.transaction !== 'none' || failing === undefined) return '';
  const applied = step.statements.filter((s) => s.index < failing && s.status === 'success' && s.kind !== 'TransactionStmt');
  if (applied.length === 0) return '';
  return `; ${applied.length === 1 ? 'the statement' : `the ${applied.length} statements`} before it (line ${applied.map((s) => s.line).join(', ')}) ran without a transaction and stay applied, leaving the database half rolled back`;
}

function failure(step: StepEvidence, engine: string): Draft {
  const { error, text, evidence } = locateFailure(step);
  const table = step.tablesNamed.length === 1 ? step.tablesNamed[0] : undefined;
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    ...(table ? { table } : {}),
    message: `The down of ${step.migration} fails with data present: ${describeError(error)} (${text}); the release cannot be rolled back${partialNote(step)}`,
    evidence: { ...evidence, transaction: step.transaction, leftDirty: step.leftDirty ?? false, durationMs: step.durationMs },
    advice: adviceFor(error, engine),
  };
}

export const downgradeFailsCheck = defineCheck({
  id: 'downgrade-fails',
  title: 'A down migration errors on a database that holds data',
  run: ({ target }) =>
    target.steps.filter((s) => s.direction === 'down' && s.phase === 'rollback' && s.status === 'error').map((s) => failure(s, target.engine)),
});
