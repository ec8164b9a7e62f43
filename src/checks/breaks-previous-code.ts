// breaks-previous-code: during a rolling deploy the previous app version keeps running against
// the schema the change leaves behind. rehearse compiled each of its queries (`--previous-queries`)
// before the change and after every change step (src/compat/previous-queries.ts); a query that
// compiled before and fails after a step is reported once, at the first step after which it failed.
import type { PreviousQueryFailure, StepEvidence, TargetEvidence } from '../rehearsal/evidence.ts';
import { adviceTerms } from './advice-terms.ts';
import { defineCheck, type Draft } from './check.ts';
import type { EvidenceValue } from './finding.ts';

const EXPAND_CONTRACT =
  'Change the schema in steps the running code survives (expand/contract): add the new structure beside the old one, deploy the app version that uses the new one, backfill, switch, and only drop, rename or move the old one in a later release, once no running version uses it.';

const STOP_USING_COLUMN =
  'For a dropped column, first release an app version that no longer reads or writes it (Rails: ignored_columns; other ORMs: remove it from the model), and drop it in a later release. For a renamed column, add the new column, write both, backfill in batches, switch reads, and drop the old column in a later release.';

type BreakKind = 'missing-relation' | 'missing-column' | 'other';

/** What the engine's error says is gone: a table (or view), a column, or something else (a function, a type). */
function breakKind(failure: PreviousQueryFailure): BreakKind {
  if (failure.sqlstate === '42P01' || failure.errno === 1146 || /^no such table\b/.test(failure.message)) return 'missing-relation';
  if (failure.sqlstate === '42703' || failure.errno === 1054 || /^no such column\b|has no column named\b/.test(failure.message)) return 'missing-column';
  return 'other';
}

/** The table a missing-relation error names (PostgreSQL, MySQL/MariaDB, SQLite wording). */
function missingTable(failure: PreviousQueryFailure): string | undefined {
  const m =
    /relation "([^"]+)" does not exist/.exec(failure.message) ??
    /Table '(?:[^'.]*\.)?([^']+)' doesn't exist/.exec(failure.message) ??
    /no such table: (\S+)/.exec(failure.message);
  return m?.[1];
}

/** `accounting.ledger_entries` → `ledger_entries`: the view goes where the old code looks. */
function unqualified(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function advice(kind: BreakKind, engine: string, table: string | undefined): string {
  if (kind === 'missing-relation') {
    // The terms say `old_name`; the finding knows which name the old code uses.
    const terms = adviceTerms(engine).keepOldName;
    return `${table ? terms.replaceAll('old_name', table) : terms} ${EXPAND_CONTRACT}`;
  }
  if (kind === 'missing-column') return `${STOP_USING_COLUMN} ${EXPAND_CONTRACT}`;
  return EXPAND_CONTRACT;
}

/** The start of a query for a one-line message: whole words up to ~60 characters, then ` …`. */
function clip(text: string, max = 60): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,(]+$/, '')} …`;
}

interface Break {
  failure: PreviousQueryFailure;
  step: StepEvidence;
  /** A later step after which the query compiled again. */
  fixedBy?: StepEvidence;
}

function breaks(target: TargetEvidence): Break[] {
  const checkedSteps = target.steps.filter((s) => s.phase === 'change' && s.direction === 'up' && s.previousQueries);
  const found = new Map<number, Break>();
  for (const step of checkedSteps) {
    const brokenNow = new Map(step.previousQueries!.broken.map((b) => [b.index, b]));
    for (const [index, failure] of brokenNow) if (!found.has(index)) found.set(index, { failure, step });
    for (const [index, b] of found) if (!b.fixedBy && !brokenNow.has(index)) b.fixedBy = step;
  }
  return [...found.values()].sort((a, b) => a.failure.index - b.failure.index);
}

function finding(target: TargetEvidence, { failure, step, fixedBy }: Break): Draft {
  const info = target.previousQueries;
  const query = info?.queries.find((q) => q.index === failure.index);
  const file = info?.file ?? 'the previous queries';
  const where = query ? `${file}:${query.line}: ${clip(query.text)}` : `${file}, query ${failure.index + 1}`;
  const kind = breakKind(failure);
  const table = kind === 'missing-relation' ? missingTable(failure) : undefined;
  const until = fixedBy ? ` until ${fixedBy.migration} (the deploy runs the steps in between with the previous version still serving)` : '';
  const evidence: Record<string, EvidenceValue> = {
    file,
    ...(query ? { line: query.line, query: query.text } : {}),
    queryIndex: failure.index,
    error: failure.message,
    ...(failure.sqlstate ? { sqlstate: failure.sqlstate } : {}),
    ...(failure.errno !== undefined ? { errno: failure.errno } : {}),
    brokenAfter: step.migration,
    ...(fixedBy ? { compilesAgainAfter: fixedBy.migration } : {}),
  };
  return {
    // A window between two steps of one deploy is shorter than the whole rolling deploy, but real.
    severity: fixedBy ? 'warning' : 'error',
    migration: step.migration,
    phase: 'change',
    ...(table ? { table } : {}),
    message: `After ${step.migration}, a query of the previous app version fails${until}: ${failure.message.replace(/\s+/g, ' ')} (${where})`,
    evidence,
    advice: advice(kind, target.engine, table && unqualified(table)),
  };
}

export const breaksPreviousCodeCheck = defineCheck({
  id: 'breaks-previous-code',
  title: "A change step makes a query of the previous app version fail (it no longer compiles against the new schema)",
  run: ({ target }) => breaks(target).map((b) => finding(target, b)),
});
