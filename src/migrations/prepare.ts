// Turns migrations read from disk into plans the rehearsal runs: every file split into
// statements for the target's dialect, so a syntax error stops the run before any database is
// touched, pointing at file:line:column.
import { InputError } from '../errors.ts';
import { splitFile, type SplitFileOptions } from '../sql/split.ts';
import type { Migration, PreparedMigration } from './migration.ts';
import type { ParsedSqlFile } from '../sql/statement.ts';
import { encodeDottedVersion } from './sources/version-order.ts';

export async function prepareMigrations(migrations: Migration[], opts: SplitFileOptions): Promise<PreparedMigration[]> {
  const prepared: PreparedMigration[] = [];
  // One after the other, so the error reported is that of the first broken file in order.
  for (const migration of migrations) {
    // The tool applies it (a command, or its own code in-process): its files hold no SQL to split.
    if (migration.apply || migration.applyInProcess) {
      const none = (path: string): ParsedSqlFile => ({ path, statements: [], transactionMode: 'file-managed', transactionModeReason: 'the migration tool runs it' });
      prepared.push({ ...migration, upPlan: none(migration.up.path), ...(migration.down ? { downPlan: none(migration.down.path) } : {}) });
      continue;
    }
    const upPlan = outsideTransaction(await splitFile(migration.up.path, migration.up.sql, opts), migration.noTransaction?.up);
    const downPlan = migration.down && outsideTransaction(await splitFile(migration.down.path, migration.down.sql, opts), migration.noTransaction?.down);
    prepared.push(downPlan ? { ...migration, upPlan, downPlan } : { ...migration, upPlan });
  }
  return prepared;
}

/** A file the tool runs in autocommit whatever it holds: unless it has its own BEGIN/COMMIT, so does rehearse. */
function outsideTransaction(plan: ParsedSqlFile, reason: string | undefined): ParsedSqlFile {
  if (reason === undefined || plan.transactionMode !== 'per-file') return plan;
  return { ...plan, transactionMode: 'none', transactionModeReason: reason };
}

/**
 * The migration a version names: the same text (`1.2`, `20240101120000`), else the same number
 * (`5` finds `0005`; a dotted `1.2.0` finds Flyway's `1.2`).
 */
export function findVersion<M extends Migration>(migrations: M[], version: string): M {
  const text = version.trim();
  const exact = migrations.find((m) => m.version === text);
  if (exact) return exact;
  const wanted = numberOf(text);
  if (wanted === undefined) {
    throw new InputError('MIGRATIONS_INVALID', `dataset version "${version}" is not a migration version (a whole number, or dotted like 1.2)`);
  }
  const found = migrations.find((m) => m.versionNumber === wanted.whole || m.versionNumber === wanted.dotted);
  if (found) return found;
  throw new InputError(
    'MIGRATIONS_INVALID',
    `dataset version ${text} matches no migration (${describeVersions(migrations, wanted.whole ?? wanted.dotted ?? 0n)})`,
  );
}

/** A version's number as a whole number (golang-migrate, dbmate, Prisma, Drizzle) and as Flyway packs a dotted one. */
function numberOf(text: string): { whole?: bigint; dotted?: bigint } | undefined {
  if (!/^\d+(?:[._]\d+)*$/.test(text)) return undefined;
  const parts = text.split(/[._]/).map((p) => BigInt(p));
  const dotted = encodeDottedVersion(parts);
  return { ...(parts.length === 1 ? { whole: parts[0]! } : {}), ...(typeof dotted === 'bigint' ? { dotted } : {}) };
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
