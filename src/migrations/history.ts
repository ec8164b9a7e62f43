// What the change does to the migration history, read from the base revision (what production
// ran) and the head (the working tree). Pure: git and the files are read elsewhere.
//
// golang-migrate records only the current version, so production never notices an edited,
// renamed or deleted applied migration: the edit reaches every fresh database and never
// production. A new migration below production's version is never applied by golang-migrate
// (it starts above the current version); tools that do apply it apply it out of order.
import { createTwoFilesPatch } from 'diff';
import type { RewrittenMigration } from '../rehearsal/evidence.ts';
import type { Direction, PreparedMigration } from './migration.ts';

/** The longest diff kept in evidence, in lines: enough to see an edit, short enough to read in a report. */
const MAX_DIFF_LINES = 40;

export interface HistoryComparison {
  /** Base migrations the head edits, renames or deletes (`appliedBecause` is settled once the dataset's version is known). */
  rewritten: Omit<RewrittenMigration, 'appliedBecause'>[];
  /** Head migrations whose version the base does not have: what the change adds. */
  added: PreparedMigration[];
  /** The newest version on the base revision. */
  baseLatest?: PreparedMigration;
}

export function compareHistory(base: PreparedMigration[], head: PreparedMigration[]): HistoryComparison {
  const headByVersion = new Map(head.map((m) => [m.versionNumber, m]));
  const baseVersions = new Set(base.map((m) => m.versionNumber));
  const added = head.filter((m) => !baseVersions.has(m.versionNumber));
  const rewritten: HistoryComparison['rewritten'] = [];
  for (const b of base) {
    const same = headByVersion.get(b.versionNumber);
    // A file moved to another version: the same up, under a version the base does not have
    // (the same name first, so two look-alike files are not paired by accident).
    const lookAlikes = same ? [] : added.filter((h) => sameStatements(b, h, 'up'));
    const moved = lookAlikes.find((h) => h.name === b.name) ?? lookAlikes[0];
    const h = same ?? moved;
    if (!h) {
      rewritten.push({
        migration: b.id,
        version: b.version,
        change: 'deleted',
        files: directions(b).map((d) => ({ direction: d, basePath: fileOf(b, d)!.path, change: 'deleted' as const })),
      });
      continue;
    }
    const renamed = h.id !== b.id;
    const files: RewrittenMigration['files'] = [];
    for (const d of directions(b)) {
      const bf = fileOf(b, d)!;
      const hf = fileOf(h, d);
      if (!hf) {
        files.push({ direction: d, basePath: bf.path, change: 'deleted' });
        continue;
      }
      if (!renamed && bf.sql === hf.sql) continue;
      const edited = bf.sql !== hf.sql;
      files.push({
        direction: d,
        basePath: bf.path,
        headPath: hf.path,
        change: renamed ? 'renamed' : 'edited',
        ...(edited ? { onlyCommentsOrWhitespace: sameStatements(b, h, d), diff: shortDiff(bf.path, hf.path, bf.sql, hf.sql) } : {}),
      });
    }
    if (files.length > 0) rewritten.push({ migration: b.id, version: b.version, change: renamed ? 'renamed' : 'edited', files });
  }
  return { rewritten, added, ...(base.length > 0 ? { baseLatest: base[base.length - 1] } : {}) };
}

const directions = (m: PreparedMigration): Direction[] => (m.down ? ['up', 'down'] : ['up']);
const fileOf = (m: PreparedMigration, d: Direction) => (d === 'up' ? m.up : m.down);
const planOf = (m: PreparedMigration, d: Direction) => (d === 'up' ? m.upPlan : m.downPlan);

/**
 * The two files run the same statements the same way: they differ only in comments between
 * statements and in whitespace. (A comment inside a statement counts as a change: rehearse does
 * not second-guess what a tool that checksums files would say either.)
 */
function sameStatements(a: PreparedMigration, b: PreparedMigration, d: Direction): boolean {
  const pa = planOf(a, d);
  const pb = planOf(b, d);
  if (!pa || !pb || pa.transactionMode !== pb.transactionMode || pa.statements.length !== pb.statements.length) return false;
  const norm = (sql: string) => sql.replace(/\s+/g, ' ').trim();
  return pa.statements.every((s, i) => norm(s.sql) === norm(pb.statements[i]!.sql));
}

/** A unified diff with two lines of context, cut to MAX_DIFF_LINES. */
export function shortDiff(basePath: string, headPath: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(basePath, headPath, before, after, undefined, undefined, { context: 2 });
  // The first line is the `Index:`/`===` banner jsdiff writes; the ---/+++ header stays.
  const lines = patch.split('\n').filter((l) => !/^={3,}$/.test(l) && !l.startsWith('Index: ') && l !== '\\ No newline at end of file');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length <= MAX_DIFF_LINES) return lines.join('\n');
  return [...lines.slice(0, MAX_DIFF_LINES), `… ${lines.length - MAX_DIFF_LINES} more diff lines`].join('\n');
}
