// A command source's migrations as rehearse steps (docs/command-sources.md): the tool lists its
// versions, each becomes a migration that carries how it is applied (the tool's up or down
// command, in the sandbox, given the scratch database's connection), and the tool keeps its own
// history table, so rehearse's tracking only names it.
import type { Dialect, Engine } from '../engines/engine.ts';
import { UsageError } from '../errors.ts';
import type { ParsedSqlFile } from '../sql/statement.ts';
import { listVersions, runCommandStep, sideDatabases, type CommandSourceSpec } from './command/index.ts';
import type { Direction, ExternalApply, Migration, PreparedMigration } from './migration.ts';
import type { MigrationTracking, TrackingState } from './tracking.ts';
import type { MigrationSourceModule } from './sources/registry.ts';

export interface CommandSourceRun {
  spec: CommandSourceSpec;
  /** false: `--no-sandbox` (the commands get the machine's network). */
  sandbox: boolean;
}

/** A command source as the run sees any source: its migrations are listed per target, by the tool. */
export function commandSourceModule(run: CommandSourceRun): MigrationSourceModule {
  return {
    id: 'command',
    layout: `the ${run.spec.preset ?? 'configured'} commands (command: in the config)`,
    defaultDir: '.',
    hasDowns: run.spec.down !== undefined,
    read: async () => ({ migrations: [], notes: [`migrations applied by ${run.spec.preset ?? 'the configured commands'} in a process of their own${run.sandbox ? ', with no network but the scratch database' : ' (--no-sandbox: with the network)'}: their statements are not seen one by one (locks: polled from the tool's session on PostgreSQL; blocking: measured by the traffic probes), data-loss is not judged (every table counts as named)`] }),
    fromFiles: async () => {
      throw new UsageError('USAGE', '--base with a command source: the tool lists its migrations from the working tree only; rehearse without --base (the change is everything above the dataset\'s version)');
    },
    tracking: (dialect) => new ToolManagedTracking(run.spec, dialect),
    listOn: (engine) => listCommandMigrations(run, engine),
  };
}

/** The history table each preset's tool keeps (left alone by probes and snapshots). */
const TOOL_TABLES: Record<string, string> = {
  alembic: 'alembic_version',
  django: 'django_migrations',
  rails: 'schema_migrations',
  sqitch: 'sqitch.changes',
  'nova-manage': 'migrate_version',
};

/**
 * The tool's migrations in apply order, listed by the tool itself on a scratch database of
 * `engine` (Django reads its migration graph through a connection). versionNumber is the position
 * in that order: the tool's versions (Alembic's revision ids, Django's `app.0002_name`) do not sort.
 */
export async function listCommandMigrations(run: CommandSourceRun, engine: Engine): Promise<PreparedMigration[]> {
  if (!engine.connectionInfo) {
    throw new UsageError('USAGE', `a command source runs its tool in a process of its own, which cannot reach ${engine.kind} (it runs inside rehearse): use engine postgres, mysql or sqlite`);
  }
  const db = await engine.createScratch('list-migrations');
  try {
    const connection = engine.connectionInfo(db);
    // rehearse drops only the databases it created; a registry beside them would be left behind.
    const beside = sideDatabases(run.spec, connection);
    if (beside.length > 0) {
      throw new UsageError('USAGE', `${run.spec.preset} on ${engine.kind} keeps its registry in a database beside the scratch one (${beside.join(', ')}), which rehearse would leave behind: rehearse it on PostgreSQL or SQLite, or set command.up/down/current with a registry inside {database}`);
    }
    const versions = await listVersions(run.spec, connection, { sandbox: run.sandbox });
    return versions.map((v, i): PreparedMigration => {
      const path = `${run.spec.preset ?? 'command'}:${v.version}`;
      const apply: ExternalApply = async ({ direction, connection, timeoutMs }) => {
        const r = await runCommandStep(run.spec, { version: v.version, previous: v.previous, direction }, connection, { sandbox: run.sandbox }, { timeoutMs });
        return { argv: r.command, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, peakRssBytes: r.peakRssBytes, stdout: r.stdout, stderr: r.stderr, sandboxed: run.sandbox };
      };
      const migration: Migration = {
        version: v.version,
        versionNumber: BigInt(i + 1),
        name: v.name ?? v.version,
        id: v.name ? `${v.version}_${slug(v.name)}` : v.version,
        up: { path, sql: '' },
        ...(run.spec.down ? { down: { path, sql: '' } } : {}),
        apply,
      };
      return { ...migration, upPlan: noSql(path), ...(run.spec.down ? { downPlan: noSql(path) } : {}) };
    });
  } finally {
    await engine.dropScratch(db).catch(() => undefined);
  }
}

/** The plan of a file rehearse does not run: the tool applies it (the step runner sees `apply`). */
function noSql(path: string): ParsedSqlFile {
  return { path, statements: [], transactionMode: 'file-managed', transactionModeReason: 'the migration tool runs it' };
}

/** `Add price to widget` → `add_price_to_widget`: ids that read like file names. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60);
}

/**
 * The tool records its own history as it applies each step: rehearse writes nothing. A dump's
 * version is not read here (the tool's table layout is the tool's): the config gives it.
 */
export class ToolManagedTracking implements MigrationTracking {
  readonly table: string;
  readonly toolManaged = true;

  constructor(spec: CommandSourceSpec, _dialect: Dialect) {
    this.table = TOOL_TABLES[spec.preset ?? ''] ?? '';
  }

  async ensure(): Promise<void> {}

  async read(): Promise<TrackingState | null> {
    return null;
  }

  async readRestored(): Promise<{ version: string | null; dirty: boolean } | null> {
    return null;
  }

  async beforeStep(): Promise<void> {}

  async afterStep(_s: unknown, _step: { direction: Direction }): Promise<void> {}
}
