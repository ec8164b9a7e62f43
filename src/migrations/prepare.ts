// Turns migrations read from disk into plans the rehearsal runs: every file split into
// statements for the target's dialect, so a syntax error stops the run before any database is
// touched, pointing at file:line:column.
import { InputError } from '../errors.ts';
import { splitFile, type SplitFileOptions } from '../sql/split.ts';
import type { Migration, PreparedMigration } from './migration.ts';

export async function prepareMigrations(migrations: Migration[], opts: SplitFileOptions): Promise<PreparedMigration[]> {
  const prepared: PreparedMigration[] = [];
  // One after the other, so the error reported is that of the first broken file in order.
  for (const migration of migrations) {
    const upPlan = await splitFile(migration.up.path, migration.up.sql, opts);
    const downPlan = migration.down && (await splitFile(migration.down.path, migration.down.sql, opts));
    prepared.push(downPlan ? { ...migration, upPlan, downPlan } : { ...migration, upPlan });
  }
  return prepared;
}

/** The migration whose version has the numeric value of `version` (`5` finds `0005`). */
export function findVersion<M extends Migration>(migrations: M[], version: string): M {
  const wanted = /^\s*\d+\s*$/.test(version) ? BigInt(version.trim()) : undefined;
  if (wanted === undefined) {
    throw new InputError('MIGRATIONS_INVALID', `dataset version "${version}" is not a migration version (a whole number)`);
  }
  const found = migrations.find((m) => m.versionNumber === wanted);
  if (found) return found;
  throw new InputError(
    'MIGRATIONS_INVALID',
    `dataset version ${version.trim()} matches no migration (${describeVersions(migrations, wanted)})`,
  );
}

/** The versions there are, short enough to read however many: `versions: 0001 … 0042; nearest: 0007 and 0009`. */
function describeVersions(migrations: Migration[], wanted: bigint): string {
  const sorted = [...migrations].sort((a, b) => (a.versionNumber < b.versionNumber ? -1 : 1));
  if (sorted.length === 0) return 'there are no migrations';
  if (sorted.length <= 3) return `versions: ${sorted.map((m) => m.version).join(', ')}`;
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const range = `versions: ${first.version} … ${last.version}`;
  if (wanted < first.versionNumber || wanted > last.versionNumber) return range;
  // Inside the range: a gap, so the neighbours are what the user is most likely to have meant.
  const above = sorted.findIndex((m) => m.versionNumber > wanted);
  return `${range}; nearest: ${sorted[above - 1]!.version} and ${sorted[above]!.version}`;
}
