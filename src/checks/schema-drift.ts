// schema-drift: the dataset's schema is not what the migrations build at its version. Production
// was changed by hand (a hotfix index, a widened column, a dropped constraint), so the change's
// migrations were written against a schema production does not have: they may fail there, or
// silently undo the hand-made change (MODIFY restates a whole column). The rehearsal migrates an
// empty database to the dataset's version with the migrations alone and compares the two
// normalized models (`target.schemaDrift`, schema/diff.ts); this check turns the differences into
// findings: one per table (and one per view, sequence, type or function), an error when a
// migration of the change names the drifted object, a warning otherwise.
import type { SchemaDriftEvidence, StepEvidence } from '../rehearsal/evidence.ts';
import { differenceRecord, objectLabel } from '../schema/diff.ts';
import type { SchemaDifference } from '../schema/model.ts';
import { adviceTerms, isTrackingTable, listing, normalizeTable } from './advice.ts';
import { defineCheck, type Draft } from './check.ts';

interface Subject {
  /** How the message names it: the table (`support_tickets`) or the object (`view open_tickets`). */
  label: string;
  /** The name a migration's SQL would use for it (a function without its arguments). */
  name: string;
  table?: string;
  differences: SchemaDifference[];
}

/** Differences grouped by table (in the diff's order); views, sequences, types and functions each on their own. */
export function driftSubjects(drift: SchemaDriftEvidence): Subject[] {
  const subjects: Subject[] = [];
  const byTable = new Map<string, Subject>();
  for (const d of drift.differences) {
    if (d.table !== undefined) {
      if (isTrackingTable(d.table)) continue;
      let subject = byTable.get(d.table);
      if (!subject) {
        subject = { label: d.table, name: d.table, table: d.table, differences: [] };
        byTable.set(d.table, subject);
        subjects.push(subject);
      }
      subject.differences.push(d);
    } else {
      subjects.push({ label: objectLabel(d), name: d.kind === 'function' ? d.name.replace(/\(.*$/s, '') : d.name, differences: [d] });
    }
  }
  return subjects;
}

/** The change's up steps that name the object: they were written against the migrations' schema. */
export function touchingSteps(steps: readonly StepEvidence[], name: string): StepEvidence[] {
  const wanted = normalizeTable(name);
  return steps.filter(
    (s) => s.phase === 'change' && s.direction === 'up' && s.status !== 'skipped' && s.tablesNamed.some((t) => normalizeTable(t) === wanted),
  );
}

/** A difference's line with the subject named as `it` or, within a table, the object without its table. */
function clause(d: SchemaDifference, subject: Subject): string {
  const full = objectLabel(d);
  if (!d.text.startsWith(full)) return d.text;
  const short = subject.table !== undefined && d.kind !== 'table' ? objectLabel(d, { withinTable: true }) : 'it';
  return short + d.text.slice(full.length);
}

/** `a; b; c; and 2 more differences`: one line however much differs; the evidence lists all. */
function clauses(texts: string[], max = 3): string {
  if (texts.length <= max) return texts.join('; ');
  const more = texts.length - max;
  return `${texts.slice(0, max).join('; ')}; and ${more} more ${more === 1 ? 'difference' : 'differences'}`;
}

function draft(subject: Subject, drift: SchemaDriftEvidence, steps: readonly StepEvidence[], engine: string): Draft {
  const touching = touchingSteps(steps, subject.name);
  const touchedBy = [...new Set(touching.map((s) => s.migration))];
  const terms = adviceTerms(engine);
  const first = touching[0];
  const alters = touchedBy.length === 0 ? '' : `; ${listing(touchedBy)} ${touchedBy.length === 1 ? 'alters' : 'alter'} it`;
  return {
    severity: first ? 'error' : 'warning',
    ...(first ? { migration: first.migration, phase: 'change' as const } : {}),
    ...(subject.table !== undefined ? { table: subject.table } : {}),
    message: `${subject.label} differs from what the migrations build at version ${drift.version}: ${clauses(subject.differences.map((d) => clause(d, subject)))}${alters}`,
    evidence: {
      version: drift.version,
      reference: drift.reference,
      differences: subject.differences.map((d) => d.text),
      schemaDifferences: subject.differences.map(differenceRecord),
      touchedBy,
    },
    advice: first ? `${terms.codifyDrift} ${terms.restateDrifted}` : terms.codifyDrift,
  };
}

export const schemaDriftCheck = defineCheck({
  id: 'schema-drift',
  title: "The dataset's schema differs from what the migrations build at its version",
  run: ({ target }) => {
    const drift = target.schemaDrift;
    if (!drift) return [];
    return driftSubjects(drift).map((subject) => draft(subject, drift, target.steps, target.engine));
  },
});
