// out-of-order: the change adds a migration whose version sorts below one production already has
// (the newest on the base revision, or the dataset's version). golang-migrate only applies
// versions above the current one, so in production the migration is silently never applied;
// tools that do apply it (Flyway outOfOrder, Rails) run it after migrations written later than
// it, an order no developer database ever saw. rehearse applied it anyway, after the trunk, so the
// rest of what it does is measured.
import { defineCheck } from './check.ts';

export const outOfOrderCheck = defineCheck({
  id: 'out-of-order',
  title: 'The change adds a migration whose version sorts below one production already has',
  run: ({ target }) =>
    (target.history?.outOfOrder ?? []).map((o) => {
      const where = o.belowSource === 'base' ? `the newest migration on ${target.history?.base ?? 'the base revision'}` : "the dataset's (production's) version";
      return {
        severity: 'error' as const,
        migration: o.migration,
        phase: 'change' as const,
        message:
          `${o.migration} sorts below ${o.below}, ${where}: golang-migrate never applies it in production (it only applies versions above the current one), ` +
          `and tools that do apply it run it after migrations written later than it`,
        evidence: { version: o.version, below: o.below, belowSource: o.belowSource, file: o.file, base: target.history?.base ?? null },
        advice:
          `Give the migration a version above ${o.below}: rebase the change on the target branch and rename both files (e.g. to the current timestamp), ` +
          'then check that it still makes sense after the migrations that now come before it.',
      };
    }),
});
