// history-rewritten: the change edits, renames or deletes a migration production has already
// applied (with `--base`: at or below the dataset's version, or on the base revision). Migration
// tools do not re-run applied migrations, so the edit reaches every fresh database and never
// production, and the two diverge silently. The rehearsal itself ran production's original (the
// base's file): what the rest of the change does is still measured.
import type { RewrittenMigration, TargetEvidence } from '../rehearsal/evidence.ts';
import { defineCheck, type Draft } from './check.ts';
import type { Severity } from './finding.ts';

/**
 * How serious one rewritten migration is:
 * - error: the up was edited (beyond comments and whitespace), the migration was deleted, or it
 *   moved to another version (golang-migrate runs it again there);
 * - warning: only its down was edited (production's rollback will run the new down against what
 *   the original up built), or only its name changed;
 * - info: comments and whitespace only (golang-migrate does not care; tools that checksum files do).
 */
export function severityOf(r: RewrittenMigration): Severity {
  if (r.change === 'deleted') return 'error';
  const up = r.files.find((f) => f.direction === 'up');
  if (r.change === 'renamed') return movedVersion(r) || (up?.diff !== undefined && !up.onlyCommentsOrWhitespace) ? 'error' : 'warning';
  if (up && up.change === 'deleted') return 'error';
  if (up && !up.onlyCommentsOrWhitespace) return 'error';
  if (r.files.some((f) => f.direction === 'down' && (f.change === 'deleted' || !f.onlyCommentsOrWhitespace))) return 'warning';
  return 'info';
}

/** The renamed file's version differs from the original's. */
function movedVersion(r: RewrittenMigration): boolean {
  const up = r.files.find((f) => f.direction === 'up');
  const version = (path: string | undefined) => (path ? /(?:^|[/:])(\d+)_[^/]*$/.exec(path)?.[1] : undefined);
  const moved = version(up?.headPath);
  return moved !== undefined && BigInt(moved) !== BigInt(r.version);
}

function whyApplied(r: RewrittenMigration, target: TargetEvidence): string {
  return r.appliedBecause === 'dataset'
    ? `at or below the dataset's version ${target.dataset.version}`
    : `on ${target.history?.base ?? 'the base revision'}, so production has or will have it`;
}

/** `was deleted by the change`, `was renamed by the change (a → b)`, `has its up file edited by the change`. */
function whatHappened(r: RewrittenMigration): string {
  if (r.change === 'deleted') return 'was deleted by the change';
  if (r.change === 'renamed') {
    const up = r.files.find((f) => f.direction === 'up') ?? r.files[0];
    const edited = r.files.some((f) => f.diff !== undefined);
    return `was renamed by the change (${up?.basePath} → ${up?.headPath ?? 'deleted'}${edited ? ', and edited' : ''})`;
  }
  const parts = r.files.map((f) => (f.change === 'deleted' ? `its ${f.direction} file deleted` : `its ${f.direction} file edited${f.onlyCommentsOrWhitespace ? ' (comments and whitespace only)' : ''}`));
  return `has ${parts.join(' and ')} by the change`;
}

function consequence(r: RewrittenMigration, severity: Severity): string {
  if (r.change === 'deleted') return 'fresh databases no longer get what production has, and the record of how production got its schema is gone';
  if (r.change === 'renamed' && movedVersion(r)) return 'golang-migrate sees a new version and applies the same migration again in production';
  if (severity === 'info') return 'golang-migrate ignores it, but tools that checksum applied migrations (Flyway validate) refuse to migrate';
  if (severity === 'warning' && r.change === 'renamed') return 'golang-migrate tracks only the version, but tools that record names or checksums see a different migration';
  if (severity === 'warning') return "production's rollback will run the edited down against what the original up built";
  return 'production keeps what the original built, while every fresh database (CI, development, new installs) gets the edit';
}

const ADVICE: Record<Severity, string> = {
  error:
    'Restore the applied migration exactly as production ran it (git checkout <base> -- <file>) and make the change a new migration with a version above the newest one on the base: ' +
    'production then gets it too, and every database ends up the same. On SQLite, a constraint change is a new migration that rebuilds the table (create, copy, drop, rename), not an edit of the CREATE TABLE.',
  warning:
    'Keep applied migrations byte for byte as production ran them. If the down was wrong, fix it in a new migration pair, or state in the change that the new down was rehearsed against what the original up built (rehearse rolled the change back with it).',
  info: 'Leave applied migration files untouched, comments included, if any environment uses a tool that checksums them (Flyway, Liquibase, Atlas); otherwise this is harmless.',
};

export const historyRewrittenCheck = defineCheck({
  id: 'history-rewritten',
  title: 'The change edits, renames or deletes a migration production has already applied',
  run: ({ target }) =>
    (target.history?.rewritten ?? []).map((r): Draft => {
      const severity = severityOf(r);
      const diffs = r.files.filter((f) => f.diff).map((f) => f.diff!);
      return {
        severity,
        migration: r.migration,
        message: `${r.migration}, applied in production (${whyApplied(r, target)}), ${whatHappened(r)}: ${consequence(r, severity)}`,
        evidence: {
          base: target.history?.base ?? null,
          baseCommit: target.history?.baseCommit ?? null,
          appliedBecause: r.appliedBecause,
          change: r.change,
          files: r.files.map((f) => ({
            direction: f.direction,
            change: f.change,
            basePath: f.basePath,
            headPath: f.headPath ?? null,
            onlyCommentsOrWhitespace: f.onlyCommentsOrWhitespace ?? false,
          })),
          diff: diffs.join('\n'),
          rehearsedWith: 'the original (the base revision\'s file): production will not run the edit',
        },
        advice: ADVICE[severity],
      };
    }),
});
