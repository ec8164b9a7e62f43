// downgrade-loses-data: the round trip rollback + reapply must land exactly where `change` did.
// If it does not, the downs destroyed something the ups cannot rebuild (a column's values, rows
// moved to another table), or the ups are not deterministic (now(), random(), visit order), so a
// rollback in production silently leaves different data behind. Compares the snapshot taken after
// `change` with the one taken after `reapply`: schema object by object, data by row count and
// order-independent checksums (whole row and per column), naming tables and columns, never values.
import type { StateSnapshot, StepEvidence, TableContent, TableSchema } from '../rehearsal/evidence.ts';
import type { EvidenceValue } from './finding.ts';
import { defineCheck, type Draft } from './check.ts';
import { formatNumber, isTrackingTable, shortListing } from './advice.ts';

export const BEFORE_LABEL = 'after-change';
export const AFTER_LABEL = 'after-reapply';

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
  /** `view active_users`: the object a schema-level difference is about. */
  object?: string;
}

const schemaDiff = (text: string, object?: string): Difference => ({ text, cause: 'schema', ...(object ? { object } : {}) });

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

/** Named definitions (indexes, constraints, triggers, views, types, functions) that differ. */
export function diffDefinitions(kind: string, before: Record<string, string>, after: Record<string, string>): Difference[] {
  const out: Difference[] = [];
  for (const name of sorted([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[name];
    const b = after[name];
    if (a === b) continue;
    const object = `${kind} ${name}`;
    if (b === undefined) out.push(schemaDiff(`${object} did not come back`, object));
    else if (a === undefined) out.push(schemaDiff(`${object} appeared`, object));
    else out.push(schemaDiff(`${object} has a different definition`, object));
  }
  return out;
}

export function diffColumns(before: TableSchema, after: TableSchema): Difference[] {
  const out: Difference[] = [];
  const afterByName = new Map(after.columns.map((c) => [c.name, c]));
  const beforeNames = new Set(before.columns.map((c) => c.name));
  for (const col of before.columns) {
    const other = afterByName.get(col.name);
    if (!other) {
      out.push(schemaDiff(`column ${col.name} did not come back`));
      continue;
    }
    if (col.type !== other.type) out.push(schemaDiff(`column ${col.name} is ${other.type} instead of ${col.type}`));
    if (col.notNull !== other.notNull)
      out.push(schemaDiff(`column ${col.name} ${other.notNull ? 'became NOT NULL' : 'lost its NOT NULL'}`));
    if (col.default !== other.default) out.push(schemaDiff(`column ${col.name} has a different default`));
  }
  for (const col of after.columns) if (!beforeNames.has(col.name)) out.push(schemaDiff(`column ${col.name} appeared`));
  return out;
}

export function diffTableSchema(before: TableSchema, after: TableSchema): Difference[] {
  return [
    ...diffColumns(before, after),
    ...diffDefinitions('index', before.indexes, after.indexes),
    ...diffDefinitions('constraint', before.constraints, after.constraints),
    ...diffDefinitions('trigger', before.triggers, after.triggers),
  ];
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

function tableSubjects(before: StateSnapshot, after: StateSnapshot): Subject[] {
  const names = sorted([
    ...Object.keys(before.schema.tables),
    ...Object.keys(after.schema.tables),
    ...Object.keys(before.tables),
    ...Object.keys(after.tables),
  ]).filter((t) => !isTrackingTable(t));
  const out: Subject[] = [];
  for (const table of names) {
    const sb = before.schema.tables[table];
    const sa = after.schema.tables[table];
    const cb = before.tables[table];
    const ca = after.tables[table];
    const differences: Difference[] = [];
    if (sb && !sa) differences.push(schemaDiff(`it did not come back${cb ? ` (${formatNumber(cb.rows)} rows after change)` : ''}`));
    else if (!sb && sa) differences.push(schemaDiff('it appeared'));
    else if (sb && sa) differences.push(...diffTableSchema(sb, sa));
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

function objectSubjects(before: StateSnapshot, after: StateSnapshot): Subject[] {
  const b = before.schema;
  const a = after.schema;
  const asRecord = (names: string[]) => Object.fromEntries(names.map((n) => [n, n]));
  const differences = [
    ...diffDefinitions('view', b.views, a.views),
    ...diffDefinitions('type', b.types, a.types),
    ...diffDefinitions('function', b.functions, a.functions),
    ...diffDefinitions('sequence', asRecord(b.sequences), asRecord(a.sequences)),
  ];
  // One finding per object (a view, type, function or sequence has no table to group under).
  return differences.map((d) => ({ name: d.object ?? d.text, differences: [d], evidence: {} }));
}

export function compareSnapshots(before: StateSnapshot, after: StateSnapshot): Subject[] {
  return [...tableSubjects(before, after), ...objectSubjects(before, after)];
}

/** `a; b; c; and 2 more differences` — one line however much differs; the evidence lists all. */
function clauses(texts: string[], max = 3): string {
  if (texts.length <= max) return texts.join('; ');
  return `${texts.slice(0, max).join('; ')}; and ${texts.length - max} more differences`;
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
