// A whole run: every target rehearsed, checks applied, one report. Scratch databases are dropped
// whatever happens — success, failure, a thrown error, or an interrupt (the caller aborts the
// signal on Ctrl-C / SIGTERM).
import { performance } from 'node:perf_hooks';
import { builtinChecks, createRegistry, runChecks } from '../checks/registry.ts';
import { limitsResolver, type Limits, type SeverityOverrides } from '../checks/limits.ts';
import type { Finding } from '../checks/finding.ts';
import { createEngine } from '../engines/create-engine.ts';
import { dialectOf, type Dialect, type Engine, type EngineKind } from '../engines/engine.ts';
import { redactUrl } from '../engines/url.ts';
import { EnvironmentError, RehearseError } from '../errors.ts';
import { readGolangMigrateDir } from '../migrations/golang-migrate.ts';
import { prepareMigrations } from '../migrations/prepare.ts';
import { displayPath } from '../migrations/golang-migrate.ts';
import { readMigrationsAt, resolveRevision } from '../migrations/git-revision.ts';
import { compareHistory } from '../migrations/history.ts';
import { readPreviousQueries } from '../compat/previous-queries.ts';
import { lookUpVersion, type BaseMigrations } from './scenario-plan.ts';
import { verdictOf, type Report } from '../report/report.ts';
import { REHEARSE_VERSION } from '../version.ts';
import type { TargetEvidence } from './evidence.ts';
import type { EventStream } from './events.ts';
import { predictTarget } from './predict.ts';
import { dialectParts } from './dialect-parts.ts';
import { rehearseTarget } from './run-target.ts';
import type { ScaleOption } from './scale-runs.ts';

export interface RunRequest {
  migrationsDir: string;
  engine: EngineKind;
  url?: string;
  dataset: { path: string; version?: string };
  limits: Limits;
  /** Keyed by version (`0005`) or `<version>_<name>`; see `limitsResolver`. */
  perMigrationLimits: Record<string, Partial<Limits>>;
  severity: SeverityOverrides;
  /** Production row counts by table: measured figures are also predicted at that size. */
  productionRows: Record<string, number>;
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

export async function runRehearsal(req: RunRequest, events: EventStream, signal?: AbortSignal): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  const limitsFor = limitsResolver(req.limits, req.perMigrationLimits);
  const dialect = dialectOf(req.engine);
  const migrations = await readGolangMigrateDir(req.migrationsDir);
  // Fail fast on unparseable SQL (the base's too), an unknown dataset version and an unreadable
  // queries file, before any database is touched.
  const prepared = await prepareMigrations(migrations, { dialect });
  const base = req.base ? await readBase(req.migrationsDir, req.base, prepared, dialect) : undefined;
  if (req.dataset.version !== undefined) lookUpVersion(prepared, base, req.dataset.version);
  const previousQueries = req.previousQueriesPath
    ? { file: displayPath(req.previousQueriesPath), queries: await readPreviousQueries(req.previousQueriesPath, dialect, displayPath(req.previousQueriesPath)) }
    : undefined;
  const engine = createEngine({ kind: req.engine, url: req.url });
  const label = targetLabel(req);
  events.emit({ type: 'run-started', targets: [label] });
  events.emit({ type: 'target-started', target: label });

  const onAbort = () => void engine.close().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  let target: TargetEvidence;
  try {
    target = await rehearseTarget({
      label,
      engine,
      ...dialectParts(engine.dialect),
      migrations: prepared,
      dataset: req.dataset,
      stepTimeoutMs: (m) => limitsFor({ version: m.version, id: m.id }).stepTimeoutMs,
      events,
      scale: req.scale,
      probes: req.probes ?? true,
      ...(req.lockQueueMs ? { lockQueueMs: req.lockQueueMs } : {}),
      productionRows: req.productionRows,
      ...(base ? { base } : {}),
      ...(previousQueries ? { previousQueries } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw new EnvironmentError('INTERRUPTED', 'interrupted: scratch databases were dropped', { cause: error });
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await closeQuietly(engine);
  }
  // rehearseTarget chose the production sizes: the flag or config, else the dataset's manifest.
  predictTarget(target, target.productionRows ?? {});
  events.emit({ type: 'target-finished', target: label, evidence: target });

  const findings: Finding[] = runChecks(createRegistry(builtinChecks), { target, limitsFor }, req.severity);
  for (const finding of findings) events.emit({ type: 'finding', finding });
  const report: Report = {
    schemaVersion: 1,
    rehearseVersion: REHEARSE_VERSION,
    verdict: verdictOf(findings),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    targets: [target],
    findings,
    limits: { ...req.limits, migrations: req.perMigrationLimits },
  };
  events.emit({ type: 'run-finished', report });
  return report;
}

/** The report of a run that could not run: verdict `error`, with why. */
export function errorReport(error: unknown, startedAt: Date, limits: Limits): Report {
  const code = error instanceof RehearseError ? error.code : 'ENGINE_FAILED';
  return {
    schemaVersion: 1,
    rehearseVersion: REHEARSE_VERSION,
    verdict: 'error',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    targets: [],
    findings: [],
    limits: { ...limits },
    error: { code, message: error instanceof Error ? error.message : String(error) },
  };
}

/** The migrations on the base revision, split for the engine, and how the head differs from them. */
async function readBase(migrationsDir: string, rev: string, head: Awaited<ReturnType<typeof prepareMigrations>>, dialect: Dialect): Promise<BaseMigrations> {
  const revision = await resolveRevision(migrationsDir, rev);
  const migrations = await prepareMigrations(await readMigrationsAt(revision), { dialect });
  return { revision, migrations, comparison: compareHistory(migrations, head) };
}

function targetLabel(req: RunRequest): string {
  if (!req.url) return req.engine;
  try {
    const u = new URL(redactUrl(req.url));
    return `${req.engine}@${u.host}`;
  } catch {
    return req.engine;
  }
}

async function closeQuietly(engine: Engine): Promise<void> {
  try {
    await engine.close();
  } catch {
    // Dropping scratch databases is retried by the next run's leftover cleanup.
  }
}
