// downgrade-loses-data: the round trip rollback + reapply must land exactly where `change` did.
// If it does not, the downs destroyed something the ups cannot rebuild (a column's values, rows
// moved to another table), or the ups are not deterministic (now(), random(), visit order), so a
// rollback in production silently leaves different data behind. Compares the snapshot taken after
// `change` with the one taken after `reapply`: the schema models with schema/diff.ts (which column,
// index, constraint or trigger did not come back, and how), data by row count and
// order-independent checksums (whole row and per column), naming tables and columns, never values.
import type { StateSnapshot, StepEvidence, TableContent } from '../rehearsal/evidence.ts';
import { differenceRecord, diffSchemas, objectLabel, oneLine, textWithinTable } from '../schema/diff.ts';
import type { DiffLabels, SchemaDifference } from '../schema/model.ts';
import type { EvidenceValue } from './finding.ts';
import { defineCheck, type Draft } from './check.ts';
import { formatNumber, isTrackingTable, shortListing } from './advice.ts';

export const BEFORE_LABEL = 'after-change';
export const AFTER_LABEL = 'after-reapply';

/** How the schema diff names the two states in its lines. */
export const ROUND_TRIP_LABELS: DiffLabels = { expected: 'after change', actual: 'after reapply' };

/** What a difference says about the migrations, for choosing advice. */
type Cause =
  /** Schema: the down removed something the up does not recreate, or the up created something new. */
  | 'schema'
  /** Rows appeared or disappeared. */
  | 'rows'
  /** Same rows, different values in some columns. */
  | 'values'
  /** Every column holds the same values, but not in the same rows (order-dependent backfill). */
  | 'recombined';

interface Difference {
  text: string;
  cause: Cause;
  /** The structured schema difference behind a `schema` one. */
  schema?: SchemaDifference;
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

/**
 * A schema difference as a clause of the round trip's message, the object named within its table:
 * `column hash did not come back (text)`, `index patches_pkey appeared: CREATE …`,
 * `column id is integer after reapply, bigint after change`.
 */
export function roundTripText(d: SchemaDifference, rowsAfterChange?: number): string {
  if (d.change === 'changed') return textWithinTable(d);
  const label = objectLabel(d, { withinTable: true });
  if (d.kind === 'table') {
    return d.change === 'missing' ? `${label} did not come back${rowsAfterChange !== undefined ? ` (${formatNumber(rowsAfterChange)} rows after change)` : ''}` : `${label} appeared`;
  }
  const definition = d.change === 'missing' ? d.expected : d.actual;
  const shown = definition === undefined || definition === d.name ? '' : d.kind === 'column' ? ` (${oneLine(definition)})` : `: ${oneLine(definition)}`;
  return `${label} ${d.change === 'missing' ? 'did not come back' : 'appeared'}${shown}`;
}

/** Data differences of one table, comparing only columns both states have (the schema diff names the rest). */
export function diffContent(before: TableContent, after: TableContent, sharedColumns: string[]): Difference[] {
  const out: Difference[] = [];
  if (before.rows !== after.rows) {
    out.push({
      text: `${formatNumber(before.rows)} rows after change, ${formatNumber(after.rows)} after reapply`,
      cause: 'rows',
    });
  }
  const changed = sharedColumns.filter((c) => before.columns[c] !== after.columns[c]);
  if (changed.length > 0) {
    out.push({ text: `values differ in ${changed.length === 1 ? 'column' : 'columns'} ${shortListing(changed)}`, cause: 'values' });
  } else if (before.rows === after.rows && before.checksum !== after.checksum && sameColumnSet(before, after)) {
    // Each column holds the same multiset of values, yet whole rows differ: values moved between rows.
    out.push({ text: 'every column holds the same values, but not in the same rows', cause: 'recombined' });
  }
  return out;
}

function sameColumnSet(a: TableContent, b: TableContent): boolean {
  const ka = Object.keys(a.columns).sort();
  const kb = Object.keys(b.columns).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

const ADVICE_BY_CAUSE: Record<Cause, string> = {
  schema:
    'Make the down the exact inverse of the up: it must drop only what the up created and recreate exactly what the up dropped (same names, types, defaults, constraints, indexes), so the up applies again to the same schema.',
  rows: 'Make the down preserve what the up destroys: before the up drops or moves data, copy it into a backup table (CREATE TABLE … AS SELECT id, col FROM …) that the down restores from, and make the up\'s inserts idempotent (INSERT … ON CONFLICT DO NOTHING); if the information cannot come back, make the migration forward-only and say so in it.',
  values:
    'Make the down restore the values the up overwrites or drops (keep them in a backup table keyed by primary key), and make backfills deterministic: compute each value from the row itself, not from now(), random(), a sequence or the order rows are visited; if the information cannot come back, make the migration forward-only and say so in it.',
  recombined:
    'Make the backfill deterministic: numbering or assigning values in the order rows happen to be visited (row_number() without a total ORDER BY, UPDATE … FROM without a unique join) gives different rows different values on every run; order by a unique key.',
};

export function adviceFor(causes: Iterable<Cause>): string {
  const set = new Set(causes);
  // values subsumes recombined: both ask for a deterministic backfill.
  if (set.has('values')) set.delete('recombined');
  return (['schema', 'rows', 'values', 'recombined'] as const)
    .filter((c) => set.has(c))
    .map((c) => ADVICE_BY_CAUSE[c])
    .join(' ');
}

interface Subject {
  /** `table patches`, `view active_users` */
  name: string;
  table?: string;
  differences: Difference[];
  evidence: Record<string, EvidenceValue>;
}

function tableSubjects(before: StateSnapshot, after: StateSnapshot, schemaDiff: SchemaDifference[]): Subject[] {
  const names = sorted([
    ...Object.keys(before.schema.tables),
    ...Object.keys(after.schema.tables),
    ...Object.keys(before.tables),
    ...Object.keys(after.tables),
  ]).filter((t) => !isTrackingTable(t));
  const out: Subject[] = [];
  for (const table of names) {
    const cb = before.tables[table];
    const ca = after.tables[table];
    const differences: Difference[] = schemaDiff
      .filter((d) => d.table === table)
      .map((d) => ({ text: roundTripText(d, cb?.rows), cause: 'schema', schema: d }));
    if (cb && ca) {
      const shared = Object.keys(cb.columns).filter((c) => c in ca.columns).sort();
      differences.push(...diffContent(cb, ca, shared));
    }
    if (differences.length === 0) continue;
    out.push({
      name: `table ${table}`,
      table,
      differences,
      evidence: {
        rowsAfterChange: cb?.rows ?? null,
        rowsAfterReapply: ca?.rows ?? null,
        columnsChanged: cb && ca ? Object.keys(cb.columns).filter((c) => c in ca.columns && cb.columns[c] !== ca.columns[c]).sort() : [],
      },
    });
  }
  return out;
}

export function compareSnapshots(before: StateSnapshot, after: StateSnapshot): Subject[] {
  const schemaDiff = diffSchemas(before.schema, after.schema, ROUND_TRIP_LABELS, { ignoreTables: isTrackingTable });
  // One finding per view, sequence, type or function: they have no table to group under.
  const objects: Subject[] = schemaDiff
    .filter((d) => d.table === undefined)
    .map((d) => ({ name: objectLabel(d), differences: [{ text: roundTripText(d), cause: 'schema', schema: d }], evidence: {} }));
  return [...tableSubjects(before, after, schemaDiff), ...objects];
}

/** `a; b; c; and 2 more differences` — one line however much differs; the evidence lists all. */
function clauses(texts: string[], max = 3): string {
  if (texts.length <= max) return texts.join('; ');
  const more = texts.length - max;
  return `${texts.slice(0, max).join('; ')}; and ${more} more ${more === 1 ? 'difference' : 'differences'}`;
}

function draft(subject: Subject, rolledBack: StepEvidence[]): Draft {
  // The round trip is the change's downs as a whole; name the migration when there is just one.
  const only = rolledBack.length === 1 ? rolledBack[0] : undefined;
  const texts = subject.differences.map((d) => d.text);
  return {
    severity: 'error',
    phase: 'rollback',
    ...(only ? { migration: only.migration } : {}),
    ...(subject.table ? { table: subject.table } : {}),
    message: subject.table
      ? `After rollback and reapply, ${subject.name} is not what the change left: ${clauses(texts)}`
      : `After rollback and reapply, ${texts[0]}`,
    evidence: {
      compared: [BEFORE_LABEL, AFTER_LABEL],
      differences: texts,
      schemaDifferences: subject.differences.flatMap((d) => (d.schema ? [differenceRecord(d.schema)] : [])),
      ...subject.evidence,
      rolledBack: rolledBack.map((s) => s.migration),
    },
    advice: adviceFor(subject.differences.map((d) => d.cause)),
  };
}

export const downgradeLosesDataCheck = defineCheck({
  id: 'downgrade-loses-data',
  title: 'After rollback and reapply, schema or data differ from the state after change',
  run: ({ target }) => {
    const before = target.snapshots.find((s) => s.label === BEFORE_LABEL);
    const after = target.snapshots.find((s) => s.label === AFTER_LABEL);
    if (!before || !after) return [];
    const rolledBack = target.steps.filter((s) => s.phase === 'rollback' && s.direction === 'down' && s.status !== 'skipped');
    return compareSnapshots(before, after).map((subject) => draft(subject, rolledBack));
  },
});
