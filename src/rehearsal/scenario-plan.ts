// Which migration files each phase of the scenario runs (DESIGN §3), once the dataset's version
// is known. Without a git base: the history is the head's files up to the dataset's version and
// the change is everything above it. With `--base`: production ran the base revision's files, so
// the history (what builds a seed dataset and the schema-drift reference) and the trunk (base
// migrations the dataset does not have yet) come from the base, and the change is what the head
// adds — whatever its version, since a version below production's is exactly what out-of-order
// is about.
import type { PreparedMigration } from '../migrations/migration.ts';
import type { HistoryComparison } from '../migrations/history.ts';
import type { GitRevision } from '../migrations/git-revision.ts';
import { findVersion } from '../migrations/prepare.ts';
import type { HistoryEvidence } from './evidence.ts';

/** The base revision's migrations and how the head differs from them. */
export interface BaseMigrations {
  revision: GitRevision;
  migrations: PreparedMigration[];
  comparison: HistoryComparison;
}

export interface ScenarioPlan {
  /** What production ran up to the dataset's version, in order. */
  history: PreparedMigration[];
  /** On the base, above the dataset's version: production gets them before the change. */
  trunk: PreparedMigration[];
  /** The change's migrations, in version order. */
  change: PreparedMigration[];
}

/**
 * The migration a version names: on the base first (that is what production ran), then on the
 * head. Throws the usage error `findVersion` throws when neither has it.
 */
export function lookUpVersion(head: PreparedMigration[], base: BaseMigrations | undefined, version: string): PreparedMigration {
  if (base) {
    try {
      return findVersion(base.migrations, version);
    } catch {
      // Not on the base: a version only the head has (findVersion on the head says what is wrong).
    }
  }
  return findVersion(head, version);
}

/** What production ran up to (and including) `version`. */
export function historyUpTo(head: PreparedMigration[], base: BaseMigrations | undefined, version: bigint): PreparedMigration[] {
  return (base ? base.migrations : head).filter((m) => m.versionNumber <= version);
}

export function planScenario(head: PreparedMigration[], base: BaseMigrations | undefined, datasetVersion: bigint): ScenarioPlan {
  const history = historyUpTo(head, base, datasetVersion);
  if (!base) return { history, trunk: [], change: head.filter((m) => m.versionNumber > datasetVersion) };
  return {
    history,
    trunk: base.migrations.filter((m) => m.versionNumber > datasetVersion),
    change: base.comparison.added,
  };
}

/** The report's account of the history: rewritten applied migrations and out-of-order additions. */
export function historyEvidence(base: BaseMigrations, plan: ScenarioPlan, datasetVersion: PreparedMigration): HistoryEvidence {
  const latest = base.comparison.baseLatest;
  const outOfOrder: HistoryEvidence['outOfOrder'] = [];
  for (const m of plan.change) {
    if (latest && m.versionNumber < latest.versionNumber) {
      outOfOrder.push({ migration: m.id, version: m.version, below: latest.id, belowSource: 'base', file: m.up.path });
    } else if (m.versionNumber <= datasetVersion.versionNumber) {
      outOfOrder.push({ migration: m.id, version: m.version, below: datasetVersion.id, belowSource: 'dataset', file: m.up.path });
    }
  }
  return {
    base: base.revision.rev,
    baseCommit: base.revision.commit,
    ...(latest ? { baseLatest: latest.version } : {}),
    rewritten: base.comparison.rewritten.map((r) => ({
      ...r,
      appliedBecause: versionNumberIn(base.migrations, r.version) <= datasetVersion.versionNumber ? ('dataset' as const) : ('base' as const),
    })),
    outOfOrder,
    trunk: plan.trunk.map((m) => m.id),
    change: plan.change.map((m) => m.id),
  };
}

/**
 * golang-migrate's version after undoing `undone` (the change's migrations undone so far, in
 * rollback order): the newest version still applied, or null when nothing is.
 */
export function versionAfterRollback(plan: ScenarioPlan, undone: Set<string>): bigint | null {
  let newest: bigint | null = null;
  for (const m of [...plan.history, ...plan.trunk, ...plan.change]) {
    if (undone.has(m.id)) continue;
    if (newest === null || m.versionNumber > newest) newest = m.versionNumber;
  }
  return newest;
}

/** The number of a version the base has (a rewritten migration's); Flyway's dotted versions are packed, not parsed. */
function versionNumberIn(migrations: PreparedMigration[], version: string): bigint {
  return migrations.find((m) => m.version === version)?.versionNumber ?? findVersion(migrations, version).versionNumber;
}
