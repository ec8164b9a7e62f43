// A whole run: every target rehearsed one after another, checks applied, one report. A target that
// cannot run (its server is down) is reported and the others still run. Scratch databases are dropped
// whatever happens — success, failure, a thrown error, or an interrupt (the caller aborts the
// signal on Ctrl-C / SIGTERM).
import { performance } from 'node:perf_hooks';
import { builtinChecks, createRegistry, runChecks } from '../checks/registry.ts';
import { limitsResolver, type Limits, type SeverityOverrides } from '../checks/limits.ts';
import type { Finding } from '../checks/finding.ts';
import { createEngine } from '../engines/create-engine.ts';
import { dialectOf, type Dialect, type Engine, type EngineKind } from '../engines/engine.ts';
import { EnvironmentError, RehearseError, UsageError } from '../errors.ts';
import { redactSecrets } from '../redact.ts';
import { commandSourceModule, type CommandSourceRun } from '../migrations/command-source.ts';
import { prepareMigrations } from '../migrations/prepare.ts';
import { type MigrationSourceModule, sourceModule } from '../migrations/sources/registry.ts';
import { jsSourceModule } from '../migrations/js-source.ts';
import type { MigrationSource } from '../config/values.ts';
import type { Migration, PreparedMigration } from '../migrations/migration.ts';
import { displayPath } from '../migrations/golang-migrate.ts';
import { type GitRevision, readMigrationsAt, resolveRevision } from '../migrations/git-revision.ts';
import { compareHistory } from '../migrations/history.ts';
import { readPreviousQueries, type PreviousQuery } from '../compat/previous-queries.ts';
import { lookUpVersion, type BaseMigrations } from './scenario-plan.ts';
import { type Shard, targetsError, verdictOf, type Report } from '../report/report.ts';
import { REHEARSE_VERSION } from '../version.ts';
import type { TargetEvidence } from './evidence.ts';
import type { EventStream } from './events.ts';
import { predictTarget } from './predict.ts';
import { dialectParts } from './dialect-parts.ts';
import { rehearseTarget } from './run-target.ts';
import type { ScaleOption } from './scale-runs.ts';

/** One target: an engine with one dataset (DESIGN §2). */
export interface TargetRequest {
  /** How reports, history and `--target` name it; unique within the run. */
  label: string;
  engine: EngineKind;
  url?: string;
  dataset: { path: string; version?: string };
  /** Production row counts by table: measured figures are also predicted at that size. */
  productionRows: Record<string, number>;
  /** Per-migration limits for this target alone (the config's merged with limits learned for its engine). */
  perMigrationLimits?: Record<string, Partial<Limits>>;
}

export interface RunRequest {
  migrationsDir: string;
  /** The migration tool whose layout and tracking table the run follows. */
  source: MigrationSource;
  /** Where the project is (the config file's directory, else the current one): JS tools load from its node_modules. */
  projectDir?: string;
  /** With `source: command`: the tool's commands, and whether they run sandboxed. */
  command?: CommandSourceRun;
  /** The targets this run rehearses, one after another (with `--shard`, this worker's share). */
  targets: TargetRequest[];
  /** Every target's label in the matrix's order, this shard's and the others'. */
  matrix: string[];
  /** `--shard i/n`: which share of the matrix this run is. */
  shard?: Shard;
  limits: Limits;
  /** Keyed by version (`0005`) or `<version>_<name>`; see `limitsResolver`. */
  perMigrationLimits: Record<string, Partial<Limits>>;
  severity: SeverityOverrides;
  /** Scale runs of the change on fractions of the dataset (`auto`: when production is ≥ 10× the dataset). */
  scale: ScaleOption;
  /** Traffic probes measure blocking on engines with concurrent sessions (default true; `false` to time the steps bare). */
  probes?: boolean;
  /** The lock-queue rehearsal: a reader holds each change step's tables this long from the step's start (needs probes). */
  lockQueueMs?: number;
  /** Git revision of the trunk: the trunk and the history come from it, the change is what the head adds. */
  base?: string;
  /** Queries of the previous app version, checked after every step of the change. */
  previousQueriesPath?: string;
}

/** A target that could not be rehearsed, and why. The other targets still are. */
export interface TargetFailure {
  target: string;
  error: unknown;
}

export interface RunOutcome {
  report: Report;
  /** Targets that could not run (the verdict is then `error`). */
  failures: TargetFailure[];
}

/** What a dialect needs from the migration files; read once per dialect, whatever the number of targets. */
interface DialectInputs {
  prepared: PreparedMigration[];
  base?: BaseMigrations;
  previousQueries?: { file: string; queries: PreviousQuery[] };
}

export async function runRehearsal(req: RunRequest, events: EventStream, signal?: AbortSignal): Promise<RunOutcome> {
  const startedAt = new Date();
  const t0 = performance.now();
  const source = runSource(req);
  const { migrations, notes } = await source.read(req.migrationsDir);
  // Fail fast on unparseable SQL (the base's too), an unknown dataset version and an unreadable
  // queries file, for every target's dialect, before any database is touched.
  // The base's files are read from git once; each dialect splits them its own way.
  const baseFiles = req.base && req.targets.length > 0 ? await readBaseFiles(req.migrationsDir, req.base, source) : undefined;
  const inputs = new Map<Dialect, DialectInputs>();
  for (const target of req.targets) {
    const dialect = dialectOf(target.engine);
    if (!inputs.has(dialect)) inputs.set(dialect, await readInputs(req, migrations, baseFiles, dialect));
    const { prepared, base } = inputs.get(dialect)!;
    // A tool that lists its own migrations does so on the target's engine: its versions are checked there.
    if (target.dataset.version !== undefined && !source.listOn) lookUpVersion(prepared, base, target.dataset.version);
  }
  events.emit({ type: 'run-started', targets: req.targets.map((t) => t.label), matrix: req.matrix, ...(req.shard ? { shard: req.shard } : {}) });

  const targets: TargetEvidence[] = [];
  const findings: Finding[] = [];
  const failures: TargetFailure[] = [];
  for (const request of req.targets) {
    if (signal?.aborted) throw new EnvironmentError('INTERRUPTED', 'interrupted: scratch databases were dropped');
    events.emit({ type: 'target-started', target: request.label });
    try {
      const target = await rehearseOne(req, source, notes, request, inputs.get(dialectOf(request.engine))!, events, signal);
      events.emit({ type: 'target-finished', target: request.label, evidence: target });
      const limitsFor = limitsResolver(req.limits, request.perMigrationLimits ?? req.perMigrationLimits);
      const found = runChecks(createRegistry(builtinChecks), { target, limitsFor }, req.severity);
      for (const finding of found) events.emit({ type: 'finding', finding });
      targets.push(target);
      findings.push(...found);
    } catch (error) {
      if (signal?.aborted) throw new EnvironmentError('INTERRUPTED', 'interrupted: scratch databases were dropped', { cause: error });
      failures.push({ target: request.label, error });
      events.emit({ type: 'target-failed', target: request.label, error: describeError(error) });
    }
  }

  const report: Report = {
    schemaVersion: 1,
    rehearseVersion: REHEARSE_VERSION,
    verdict: failures.length > 0 ? 'error' : verdictOf(findings),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    targets,
    findings,
    limits: { ...req.limits, migrations: perMigrationInForce(req) },
    ...(req.shard ? { shard: req.shard } : {}),
    ...(failures.length > 0 ? { error: targetsError(failures.map((f) => ({ target: f.target, ...describeError(f.error) }))) } : {}),
  };
  events.emit({ type: 'run-finished', report });
  return { report, failures };
}

/**
 * The per-migration limits the report says were in force: the targets' own (learned limits merged
 * in) when they all share them, as targets of one engine do; else the configured ones, and
 * `limits.learned` says per engine what history added.
 */
function perMigrationInForce(req: RunRequest): Record<string, Partial<Limits>> {
  const inForce = new Set(req.targets.map((t) => t.perMigrationLimits ?? req.perMigrationLimits));
  return inForce.size === 1 ? [...inForce][0]! : req.perMigrationLimits;
}

/** One target, on its own engine, whose scratch databases are dropped whatever happens. */
async function rehearseOne(
  req: RunRequest,
  source: MigrationSourceModule,
  sourceNotes: string[],
  request: TargetRequest,
  inputs: DialectInputs,
  events: EventStream,
  signal?: AbortSignal,
): Promise<TargetEvidence> {
  const limitsFor = limitsResolver(req.limits, request.perMigrationLimits ?? req.perMigrationLimits);
  const engine = createEngine({ kind: request.engine, url: request.url });
  const onAbort = () => void engine.close().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  let target: TargetEvidence;
  try {
    target = await rehearseTarget({
      label: request.label,
      engine,
      ...dialectParts(engine.dialect, source),
      source: { id: source.id, hasDowns: source.hasDowns, notes: sourceNotes },
      migrations: inputs.prepared,
      ...(source.listOn ? { listMigrations: source.listOn } : {}),
      dataset: request.dataset,
      stepTimeoutMs: (m) => limitsFor({ version: m.version, id: m.id }).stepTimeoutMs,
      events,
      scale: req.scale,
      probes: req.probes ?? true,
      ...(req.lockQueueMs ? { lockQueueMs: req.lockQueueMs } : {}),
      productionRows: request.productionRows,
      ...(inputs.base ? { base: inputs.base } : {}),
      ...(inputs.previousQueries ? { previousQueries: inputs.previousQueries } : {}),
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await closeQuietly(engine);
  }
  // rehearseTarget chose the production sizes: the flag or config, else the dataset's manifest.
  predictTarget(target, target.productionRows ?? {});
  return target;
}

function runSource(req: RunRequest): MigrationSourceModule {
  if (req.source === 'knex' || req.source === 'kysely' || req.source === 'node-pg-migrate') return jsSourceModule(req.source, req.projectDir ?? process.cwd());
  if (req.source !== 'command') return sourceModule(req.source);
  if (!req.command) throw new UsageError('USAGE', 'source: command needs a command: block in the config (a preset like alembic or django, or up/down/list commands)');
  if (req.base) throw new UsageError('USAGE', '--base with a command source: the tool lists its migrations from the working tree only; rehearse without --base');
  return commandSourceModule(req.command);
}

async function readInputs(req: RunRequest, migrations: Migration[], baseFiles: BaseFiles | undefined, dialect: Dialect): Promise<DialectInputs> {
  const prepared = await prepareMigrations(migrations, { dialect });
  const base = baseFiles ? await prepareBase(baseFiles, prepared, dialect) : undefined;
  const previousQueries = req.previousQueriesPath
    ? { file: displayPath(req.previousQueriesPath), queries: await readPreviousQueries(req.previousQueriesPath, dialect, displayPath(req.previousQueriesPath)) }
    : undefined;
  return { prepared, ...(base ? { base } : {}), ...(previousQueries ? { previousQueries } : {}) };
}

/** A thrown error as the report and the event stream carry it. */
export function describeError(error: unknown): { code: string; message: string } {
  // A syntax error quotes the migration near the fault: a credential written there stays out of reports.
  return { code: error instanceof RehearseError ? error.code : 'ENGINE_FAILED', message: redactSecrets(error instanceof Error ? error.message : String(error)) };
}

/** The report of a run that could not run: verdict `error`, with why. */
export function errorReport(error: unknown, startedAt: Date, limits: Limits): Report {
  return {
    schemaVersion: 1,
    rehearseVersion: REHEARSE_VERSION,
    verdict: 'error',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    targets: [],
    findings: [],
    limits: { ...limits },
    error: describeError(error),
  };
}

/** The base revision and its migrations as read from git, before any dialect splits them. */
interface BaseFiles {
  revision: GitRevision;
  migrations: Migration[];
}

async function readBaseFiles(migrationsDir: string, rev: string, source: MigrationSourceModule): Promise<BaseFiles> {
  const revision = await resolveRevision(migrationsDir, rev);
  return { revision, migrations: (await readMigrationsAt(revision, source)).migrations };
}

/** The base's migrations split for the dialect, and how the head differs from them. */
async function prepareBase(files: BaseFiles, head: PreparedMigration[], dialect: Dialect): Promise<BaseMigrations> {
  const migrations = await prepareMigrations(files.migrations, { dialect });
  return { revision: files.revision, migrations, comparison: compareHistory(migrations, head) };
}

async function closeQuietly(engine: Engine): Promise<void> {
  try {
    await engine.close();
  } catch {
    // Dropping scratch databases is retried by the next run's leftover cleanup.
  }
}
