// The scenario for one target (DESIGN §3): build the dataset once, then `change`
// (every migration above the dataset's version), `rollback` (downs back to the dataset's
// version) and `reapply` (ups again), snapshotting schema and content between phases.
import { performance } from 'node:perf_hooks';
import type { Engine, EngineInfo, ScratchDatabase, Session } from '../engines/engine.ts';
import { InputError, UsageError } from '../errors.ts';
import { detectDatasetKind } from '../datasets/detect-kind.ts';
import { loadDatasetScript } from '../datasets/load-script.ts';
import type { DatasetManifest } from '../datasets/dir/manifest.ts';
import { readManifest } from '../datasets/dir/reader.ts';
import { restoreDatasetDir } from '../datasets/dir/restore.ts';
import type { MigrationTracking } from '../migrations/tracking.ts';
import type { Migration, PreparedMigration } from '../migrations/migration.ts';
import { prepareMigrations } from '../migrations/prepare.ts';
import { splitDependsOnServer } from '../sql/split.ts';
import type { Observer } from '../observe/observer.ts';
import { createTrafficProbes, probesNote } from '../probes/create-probes.ts';
import type { DatasetEvidence, Phase, SchemaSnapshot, StepEvidence, TargetEvidence } from './evidence.ts';
import { diffSchemas } from '../schema/diff.ts';
import { baselinePreviousQueries, checkPreviousQueries, previousQueriesEvidence, skippedQueries, type PreviousQuery } from '../compat/previous-queries.ts';
import { historyEvidence, historyUpTo, lookUpVersion, planScenario, versionAfterRollback, type BaseMigrations, type ScenarioPlan } from './scenario-plan.ts';
import type { EventStream } from './events.ts';
import { round } from './lock-tracker.ts';
import { runStep, skippedStep, tablesNamed, type StepContext, type StepRequest } from './step-runner.ts';
import { normalizeTableName, type ProductionRows } from './predict.ts';
import { MIN_FIT_DURATION_MS } from './scale-fit.ts';
import {
  attachScaleFits,
  AUTO_SCALE_RATIO,
  DEFAULT_SCALE_FRACTIONS,
  largestRatio,
  runScaleRuns,
  scaleTrigger,
  type ScaleOption,
  type ScaleRunsResult,
} from './scale-runs.ts';

export interface TargetOptions {
  label: string;
  engine: Engine;
  observer: Observer;
  /** The migration tool's tracking table, as the engine family's driver keeps it. */
  tracking: MigrationTracking;
  /** Split assuming a current server; re-split here when the server is older than that. */
  migrations: PreparedMigration[];
  dataset: { path: string; version?: string };
  stepTimeoutMs: (m: Migration) => number;
  events: EventStream;
  /** Traffic probes during change, rollback and reapply, where the engine has concurrent sessions (default on). */
  probes?: boolean;
  /** Scale runs: on, off, or automatic when production is much larger (scale-runs.ts). Default off. */
  scale?: ScaleOption;
  /** The lock-queue rehearsal: a reader holds each change step's tables this long (needs traffic probes). */
  lockQueueMs?: number;
  /** Production row counts, for the automatic scale-run rule. */
  productionRows?: ProductionRows;
  /** `--base`: the base revision's migrations (what production ran) and how the head differs. */
  base?: BaseMigrations;
  /** `--previous-queries`: the previous app version's queries, checked after every change step. */
  previousQueries?: { file: string; queries: PreviousQuery[] };
  /** Tools that list their own migrations (command sources): asked on this target's engine, replacing `migrations`. */
  listMigrations?: (engine: Engine) => Promise<PreparedMigration[]>;
  /** The migration tool's name and what it has to say (e.g. Flyway's repeatables, not rehearsed). */
  source?: { id: string; hasDowns: boolean; notes: string[] };
}

export async function rehearseTarget(opts: TargetOptions): Promise<TargetEvidence> {
  const started = performance.now();
  const { engine, observer, events, label } = opts;
  const notes: string[] = [...(opts.source?.notes ?? [])];
  const task = async <T>(name: string, fn: () => Promise<T>, detail?: (t: T) => string): Promise<T> => {
    events.emit({ type: 'task-started', target: label, task: name });
    const t0 = performance.now();
    const result = await fn();
    events.emit({ type: 'task-finished', target: label, task: name, durationMs: round(performance.now() - t0), detail: detail?.(result) });
    return result;
  };

  const info: EngineInfo & { removedLeftovers: string[] } = await task(`connect to ${engine.location}`, () => engine.open(), (i) => i.serverVersion);
  if (info.removedLeftovers.length > 0) {
    notes.push(`removed ${info.removedLeftovers.length} scratch database(s) left by a crashed run: ${info.removedLeftovers.join(', ')}`);
  }
  if (!engine.capabilities.concurrentSessions) {
    notes.push(
      `${engine.kind} allows one connection, so locks of autocommit statements are inferred from the statement, and blocking is inferred from lock mode × hold time`,
    );
  }
  // Which statements cannot run in a transaction can depend on the server's version.
  const resplit = splitDependsOnServer(engine.dialect, info.serverVersionNum);
  const resplitFor = (list: PreparedMigration[]) => prepareMigrations(list, { dialect: engine.dialect, serverVersionNum: info.serverVersionNum });
  const listed = opts.listMigrations ? await task('list the migrations (the tool)', () => opts.listMigrations!(engine), (l) => `${l.length} migrations`) : opts.migrations;
  const migrations = resplit && !opts.listMigrations ? await resplitFor(listed) : listed;
  const base = opts.base && resplit ? await resplitBase(opts.base, resplitFor) : opts.base;
  const { tracking } = opts;

  const built = await task('build dataset', () => buildDataset(opts, migrations, base, tracking));
  const plan = planScenario(migrations, base, built.version.versionNumber);
  // A dump's reference: an empty database migrated to the dump's version with the migrations alone.
  const reference =
    built.reference ?? (await task('migrate an empty database for the schema-drift reference', () => referenceSchema(opts, plan.history, tracking, built.version)));
  if (base) notes.push(baseNote(base, plan));
  // The dataset is built once; every use but the last gets a clone of it (a template copy, a
  // data-dir clone), and the last use takes the built database itself. The scale runs, when they
  // run, are the earlier uses (one reduced clone per fraction); the rehearsal is always the last,
  // so without scale runs no copy is paid for — on PGlite a clone of a few hundred MB costs seconds.
  // The trunk runs first at every size: the change meets the schema production will have.
  const scaleUps = [
    ...plan.trunk.map((m): StepRequest => ({ migration: m, direction: 'up', phase: 'trunk', versionAfter: m.versionNumber })),
    ...plan.change.map((m): StepRequest => ({ migration: m, direction: 'up', phase: 'change', versionAfter: m.versionNumber })),
  ];
  // Production sizes given on the command line or in the config win over the manifest's.
  const fromManifest = Object.keys(opts.productionRows ?? {}).length === 0 && built.productionRows !== undefined;
  const productionRows = fromManifest ? built.productionRows : opts.productionRows;
  if (fromManifest) notes.push(`production row counts from the dataset's manifest (recorded at capture): ${Object.keys(built.productionRows!).length} tables`);
  const scale = plan.change.length > 0 ? await scaleRunsBeforeRehearsal({ ...opts, productionRows }, built.golden, scaleUps, tracking, notes, task) : undefined;
  const db = built.golden;

  const session = await engine.connect(db);
  await observer.prepareSession(session);
  let monitor: StepContext['monitor'];
  if (engine.capabilities.concurrentSessions) {
    const monitorSession = await engine.connect(db);
    await observer.prepareSession(monitorSession);
    monitor = observer.lockMonitor(monitorSession);
  }

  // Blocking is measured where other sessions can run beside the migration; elsewhere it is
  // inferred from lock mode × hold time (the note above).
  const probes =
    engine.capabilities.concurrentSessions && opts.probes !== false
      ? createTrafficProbes(engine.dialect, () => engine.connect(db), { trackingTable: tracking.table })
      : undefined;
  if (probes) notes.push(probesNote(engine.dialect));
  else if (engine.capabilities.concurrentSessions) notes.push('traffic probes are off (probes: false / --no-probes): blocking is inferred from lock mode × hold time');
  // The queue is measured by the probes: without them there is nothing to see it with.
  const lockQueueMs = probes ? opts.lockQueueMs : undefined;
  if (lockQueueMs) notes.push(lockQueueNote(lockQueueMs));
  else if (opts.lockQueueMs) notes.push('the lock-queue rehearsal (--lock-queue) needs traffic probes, which did not run on this target: it was not rehearsed');

  const ctx: StepContext = { engine, db, session, observer, monitor, probes, tracking, stepTimeoutMs: 0 };
  const datasetVersion = built.version;
  const pending = plan.change;
  if (pending.length === 0) {
    notes.push(base ? `the head adds no migration to ${base.revision.rev}: nothing to rehearse` : `no migration above the dataset's version ${datasetVersion.version}: nothing to rehearse`);
  }

  const datasetSnapshot = await task('snapshot dataset', () => observer.snapshot(session, 'dataset', { columnChecksums: false }));
  const lockCapacity = await observer.lockCapacity(session);
  const snapshots = [datasetSnapshot];
  const dataset: DatasetEvidence = {
    path: opts.dataset.path,
    kind: built.kind,
    version: datasetVersion.version,
    buildMs: built.buildMs,
    tableRows: Object.fromEntries(Object.entries(datasetSnapshot.tables).map(([t, c]) => [t, c.rows])),
    ...(built.productionRows ? { productionRows: built.productionRows } : {}),
  };
  const schemaDrift = {
    version: datasetVersion.version,
    reference: `an empty database migrated to ${datasetVersion.version} with the migrations alone${base ? ` (as of ${base.revision.rev})` : ''}`,
    // The tool's history table is the tool's: its DDL differs between the tool's versions
    // (dbmate 2.24 `varchar(128)`, 2.36 `varchar`), which is no drift of the application's schema.
    differences: diffSchemas(reference, datasetSnapshot.schema, { expected: 'the migrations', actual: 'the dataset' }).filter(
      (d) => !isTrackingTable(d.table, tracking.table),
    ),
  };

  const steps: StepEvidence[] = [];
  let usable = true;
  let previousQueries: TargetEvidence['previousQueries'];
  let skipQueries = new Set<number>();
  let querySession: Session | undefined;
  const runPhase = async (phase: Phase, requests: StepRequest[]): Promise<boolean> => {
    events.emit({ type: 'phase-started', target: label, phase, steps: requests.length });
    // The trunk is already reviewed and merged: it runs as production will run it, without
    // traffic probes (nothing gates on its blocking) so the change's measurements start sooner.
    ctx.probes = phase === 'trunk' ? undefined : probes;
    let ok = true;
    let stoppedBecause = 'an earlier step of this phase failed';
    for (const req of requests) {
      let step: StepEvidence;
      if (!ok || !usable) {
        step = skippedStep(req, usable ? stoppedBecause : 'the scratch database was destroyed to stop a hung step');
      } else {
        events.emit({ type: 'step-started', target: label, phase, migration: req.migration.id, direction: req.direction });
        ctx.stepTimeoutMs = opts.stepTimeoutMs(req.migration);
        const outcome = await runStep(ctx, req);
        step = outcome.evidence;
        usable = outcome.sessionUsable;
        ok = step.status === 'success';
        // A migration the tool cannot undo (no down, Flyway without its U file): nothing before it can be undone either.
        if (step.status === 'skipped') stoppedBecause = `${req.migration.id} cannot be undone (no down migration), so the migrations before it cannot be either`;
        // The previous app version keeps running while the change deploys: check its queries
        // after every step of the change, so a break is pinned to the step that caused it.
        if (ok && usable && phase === 'change' && opts.previousQueries && querySession) {
          step.previousQueries = await checkPreviousQueries(querySession, opts.previousQueries.queries, skipQueries);
        }
      }
      steps.push(step);
      events.emit({ type: 'step-finished', target: label, step });
    }
    // downgrade-loses-data compares the states after change and after reapply column by column.
    const columnChecksums = phase === 'change' || phase === 'reapply';
    if (usable && requests.length > 0 && phase !== 'trunk') snapshots.push(await observer.snapshot(session, `after-${phase}`, { columnChecksums }));
    return ok;
  };

  try {
    const ups = (phase: Phase): StepRequest[] =>
      pending.map((m) => ({ migration: m, direction: 'up', phase, versionAfter: m.versionNumber }));
    const undone = new Set<string>();
    const downs: StepRequest[] = [...pending].reverse().map((m) => {
      undone.add(m.id);
      return { migration: m, direction: 'down', phase: 'rollback', versionAfter: versionAfterRollback(plan, undone) };
    });

    const trunkOk = await runPhase(
      'trunk',
      plan.trunk.map((m): StepRequest => ({ migration: m, direction: 'up', phase: 'trunk', versionAfter: m.versionNumber })),
    );
    if (!trunkOk) {
      const failed = steps.find((s) => s.phase === 'trunk' && s.status === 'error');
      if (failed) failed.passesOnEmptyDatabase = await passesOnEmpty(opts, plan, tracking, failed);
      skipPhases(steps, [...ups('change'), ...downs, ...ups('reapply')], 'a trunk migration failed: the change cannot meet the schema production will have', events, label);
    } else {
      // Predictions scale what the change meets: the dataset as the trunk left it.
      if (plan.trunk.length > 0 && usable) dataset.tableRows = await observer.tableRows(session);
      if (opts.previousQueries && usable) {
        // The app's own connection, not the migration's: a migration's session-level settings
        // (search_path) must not make a broken query resolve. PGlite has only the one session.
        querySession = engine.capabilities.concurrentSessions ? await engine.connect(db) : session;
        const before = await baselinePreviousQueries(querySession, opts.previousQueries.queries);
        previousQueries = previousQueriesEvidence(opts.previousQueries.file, opts.previousQueries.queries, before);
        skipQueries = skippedQueries(before);
      }
      // The deploy is where the queue matters: production traffic meets the change's ups.
      const changeOk = await runPhase('change', ups('change').map((r) => (lockQueueMs ? { ...r, lockQueueMs } : r)));
      if (!changeOk) {
        const failed = steps.find((s) => s.phase === 'change' && s.status === 'error');
        if (failed) failed.passesOnEmptyDatabase = await passesOnEmpty(opts, plan, tracking, failed);
        skipPhases(steps, [...downs, ...ups('reapply')], 'the change phase failed', events, label);
      } else if (opts.source && !opts.source.hasDowns) {
        // Not a failure: the tool cannot roll back, so production cannot either; the report says so.
        const why = `${opts.source.id} keeps no down migrations: a bad deploy is undone by a new migration, not a rollback`;
        notes.push(`rollback and reapply not rehearsed: ${why}`);
        skipPhases(steps, [...downs, ...ups('reapply')], why, events, label);
      } else {
        const rollbackOk = await runPhase('rollback', downs);
        if (rollbackOk) await runPhase('reapply', ups('reapply'));
        else skipPhases(steps, ups('reapply'), 'the rollback did not get back to the dataset\'s version', events, label);
      }
    }
  } finally {
    await probes?.close().catch(() => undefined);
    if (probes) notes.push(...probes.notes());
    await monitor?.close().catch(() => undefined);
    if (querySession && querySession !== session) await querySession.close().catch(() => undefined);
    await session.close().catch(() => undefined);
  }
  if (scale) attachScaleFits(steps, dataset.tableRows, scale, tracking.table);
  // What the server hides from the observer (MySQL: no per-table counters, no lock view, …).
  notes.push(...(observer.notes?.() ?? []));

  return {
    label,
    engine: engine.kind,
    serverVersion: info.serverVersion,
    dataset,
    ...(lockCapacity ? { lockCapacity } : {}),
    ...(scale ? { scaleRuns: scale.evidence } : {}),
    schemaDrift,
    // The sizes the predictions use (run.ts): the flag or config, else the dataset's manifest.
    ...(productionRows && Object.keys(productionRows).length > 0 ? { productionRows } : {}),
    ...(base ? { history: historyEvidence(base, plan, datasetVersion) } : {}),
    ...(previousQueries ? { previousQueries } : {}),
    steps,
    snapshots,
    notes,
    durationMs: round(performance.now() - started),
  };
}

/**
 * Decides on scale runs and runs them on clones of the built dataset, before the rehearsal takes
 * it over. The automatic rule needs the dataset's row counts of the change's tables: they are
 * counted in a session closed again before cloning (PostgreSQL copies a database nobody is on).
 */
async function scaleRunsBeforeRehearsal(
  opts: TargetOptions,
  golden: ScratchDatabase,
  ups: StepRequest[],
  tracking: MigrationTracking,
  notes: string[],
  task: <T>(name: string, fn: () => Promise<T>, detail?: (t: T) => string) => Promise<T>,
): Promise<ScaleRunsResult | undefined> {
  const option = opts.scale ?? { mode: 'off', fractions: [...DEFAULT_SCALE_FRACTIONS] };
  if (option.mode === 'off' || ups.length === 0) return undefined;
  let ratio: number | undefined;
  if (option.mode === 'auto') {
    const tables = [...new Set(ups.flatMap((u) => (u.migration.upPlan ? tablesNamed(u.migration.upPlan) : [])))];
    const session = await opts.engine.connect(golden);
    try {
      await opts.observer.prepareSession(session);
      const counts = await opts.observer.tableRows(session);
      ratio = largestRatio(tables, Object.fromEntries(Object.entries(counts).map(([t, n]) => [normalizeTableName(t), n])), opts.productionRows ?? {});
    } finally {
      await session.close().catch(() => undefined);
    }
  }
  const trigger = scaleTrigger(option, ratio);
  if ('skip' in trigger) {
    if (option.mode === 'auto' && ratio !== undefined) notes.push(trigger.skip);
    return undefined;
  }
  const result = await task(
    `scale runs at ${option.fractions.map((f) => `${Math.round(f * 100)} %`).join(', ')}`,
    () => runScaleRuns({ engine: opts.engine, observer: opts.observer, tracking, golden, ups, fractions: option.fractions, trigger: trigger.run, stepTimeoutMs: opts.stepTimeoutMs }),
    (r) => ('skipped' in r ? 'skipped' : r.evidence.runs.map((x) => `${Math.round(x.fraction * 100)} % reduced in ${x.reduceMs} ms`).join(', ')),
  );
  if ('skipped' in result) {
    notes.push(result.skipped);
    return undefined;
  }
  notes.push(
    `scale runs (${trigger.run === 'automatic' ? `automatic: production is ×${round(ratio ?? 0)} the dataset on a table the change names, ≥ ×${AUTO_SCALE_RATIO}` : 'requested'}): ` +
      `the change's ups ran again on ${result.evidence.runs.map((r) => `${Math.round(r.fraction * 100)} %`).join(' and ')} of the dataset ` +
      `(rows kept by primary-key hash, orphans deleted along every foreign key, shrunk tables compacted and analysed; ` +
      `${result.evidence.runs.map((r) => `${formatMs(r.reduceMs)} to clone and reduce to ${Math.round(r.fraction * 100)} %`).join(', ')}); ` +
      `steps of at least ${MIN_FIT_DURATION_MS} ms at full size are fitted duration ≈ a · rows^k`,
  );
  return result;
}

const formatMs = (ms: number) => (ms < 1_000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`);

function skipPhases(steps: StepEvidence[], requests: StepRequest[], because: string, events: EventStream, label: string) {
  for (const req of requests) {
    const step = skippedStep(req, because);
    steps.push(step);
    events.emit({ type: 'step-finished', target: label, step });
  }
}

interface BuiltDataset {
  golden: ScratchDatabase;
  kind: DatasetEvidence['kind'];
  version: PreparedMigration;
  buildMs: number;
  /** A seed script's schema before the seed ran: what the migrations alone build (schema drift's reference). */
  reference?: SchemaSnapshot;
  /** A dataset directory's production row counts (its manifest). */
  productionRows?: Record<string, number>;
}

/**
 * Builds the dataset once: a restored dump, or production's history migrated on an empty database
 * plus a seed script. For a seed script it also keeps the schema-drift reference: the schema
 * before the seed runs (a seed may hold hand-made DDL: that is drift).
 */
async function buildDataset(opts: TargetOptions, migrations: PreparedMigration[], base: BaseMigrations | undefined, tracking: MigrationTracking): Promise<BuiltDataset> {
  const t0 = performance.now();
  const { engine, dataset, observer } = opts;
  const kind = await detectDatasetKind(dataset.path);
  const dumpDialect = kind === 'pg-dump' ? 'postgres' : kind === 'mysql-dump' ? 'mysql' : undefined;
  if (dumpDialect && dumpDialect !== engine.dialect) {
    throw new InputError('DATASET_INVALID', `this is a ${kind === 'pg-dump' ? 'pg_dump' : 'mysqldump'} file: it restores on ${dumpDialect === 'postgres' ? 'the postgres and pglite engines' : 'the mysql engine'}, not on ${engine.kind}`, {
      location: { file: dataset.path },
    });
  }
  const golden = await engine.createScratch('golden');
  const session = await engine.connect(golden);
  try {
    let version: PreparedMigration;
    let reference: SchemaSnapshot | undefined;
    let manifest: DatasetManifest | undefined;
    if (kind === 'seed-script') {
      if (dataset.version === undefined) {
        throw new UsageError(
          'USAGE',
          `${dataset.path} is a seed script: pass --dataset-version V (the migration version production has, which the seed's data fits)`,
        );
      }
      version = lookUpVersion(migrations, base, dataset.version);
      await migrateEmpty(opts, session, golden, historyUpTo(migrations, base, version.versionNumber), tracking, version);
      reference = await observer.schema(session);
      await loadDatasetScript(engine.dialect, session, dataset.path, golden.name);
    } else if (kind === 'dataset-dir') {
      // Loaded at full speed (data before indexes and constraints, several sessions on a server);
      // every file is checked against the manifest's checksums on the way, and a bad one fails the
      // build: the half-loaded golden database is dropped with the run, never used.
      manifest = await readManifest(dataset.path);
      const connect = engine.capabilities.concurrentSessions ? () => engine.connect(golden) : undefined;
      await restoreDatasetDir(engine.dialect, session, dataset.path, manifest, { ...(connect ? { connect } : {}) });
      version = await versionOfDump(dataset, session, migrations, base, tracking);
    } else {
      await loadDatasetScript(engine.dialect, session, dataset.path, golden.name);
      version = await versionOfDump(dataset, session, migrations, base, tracking);
    }
    const productionRows = manifest ? Object.fromEntries(manifest.tables.map((t) => [normalizeTableName(t.name), t.production.rows])) : undefined;
    return { golden, kind, version, buildMs: round(performance.now() - t0), ...(reference ? { reference } : {}), ...(productionRows ? { productionRows } : {}) };
  } finally {
    // A pg_dump script leaves search_path empty in its session: never reuse it.
    await session.close().catch(() => undefined);
  }
}

/** The schema an empty database gets from the migrations alone, up to `version`. */
async function referenceSchema(opts: TargetOptions, history: PreparedMigration[], tracking: MigrationTracking, version: PreparedMigration): Promise<SchemaSnapshot> {
  const db = await opts.engine.createScratch('schema-reference');
  try {
    const session = await opts.engine.connect(db);
    try {
      await migrateEmpty(opts, session, db, history, tracking, version);
      return await opts.observer.schema(session);
    } finally {
      await session.close().catch(() => undefined);
    }
  } finally {
    await opts.engine.dropScratch(db).catch(() => undefined);
  }
}

/** `schema_migrations`, `public.schema_migrations` and `drizzle.__drizzle_migrations` name the tracking table alike. */
function isTrackingTable(table: string | undefined, tracking: string): boolean {
  if (table === undefined || tracking === '') return false;
  const bare = (name: string) => name.replace(/^public\./, '').replace(/"/g, '');
  return bare(table) === bare(tracking);
}

async function versionOfDump(
  dataset: TargetOptions['dataset'],
  session: Session,
  migrations: PreparedMigration[],
  base: BaseMigrations | undefined,
  tracking: MigrationTracking,
): Promise<PreparedMigration> {
  // A tool that keeps its history its own way (command sources): the dump's version is what the config says.
  if (tracking.toolManaged) {
    if (dataset.version === undefined) throw new UsageError('USAGE', `${dataset.path}: with a command source, give the dump's migration version (dataset.version / --dataset-version): the tool's history table is the tool's to read`);
    return lookUpVersion(migrations, base, dataset.version);
  }
  const tracked = await tracking.readRestored(session);
  if (!tracked) {
    throw new InputError(
      'DATASET_INVALID',
      `${dataset.path} has no tracking table (${tracking.table}), so its migration version is unknown: dump it with the table, or use a seed script with --dataset-version`,
    );
  }
  if (tracked.dirty) {
    throw new InputError(
      'DATASET_INVALID',
      `${dataset.path} is dirty at version ${tracked.version}: production's last migration failed halfway; fix production's state before rehearsing on it`,
    );
  }
  if (tracked.version === null) throw new InputError('DATASET_INVALID', `${dataset.path}: ${tracking.table} is empty (no migration applied)`);
  const version = lookUpVersion(migrations, base, tracked.version);
  if (dataset.version !== undefined && lookUpVersion(migrations, base, dataset.version).versionNumber !== version.versionNumber) {
    throw new UsageError('USAGE', `--dataset-version ${dataset.version} contradicts the dump, whose ${tracking.table} says ${tracked.version}`);
  }
  return version;
}

/** Applies `history` (production's migrations up to `version`) on an empty database, the way production did. */
async function migrateEmpty(
  opts: TargetOptions,
  session: Session,
  db: ScratchDatabase,
  history: PreparedMigration[],
  tracking: MigrationTracking,
  version: PreparedMigration,
  observer = opts.observer,
): Promise<void> {
  await observer.prepareSession(session);
  await tracking.ensure(session);
  const ctx: StepContext = { engine: opts.engine, db, session, observer, tracking, stepTimeoutMs: 0 };
  for (const m of history) {
    ctx.stepTimeoutMs = opts.stepTimeoutMs(m);
    const { evidence } = await runStep(ctx, { migration: m, direction: 'up', phase: 'trunk', versionAfter: m.versionNumber });
    if (evidence.status !== 'success') {
      throw new InputError(
        'DATASET_INVALID',
        `migration ${m.id} fails on an empty database while building the dataset at version ${version.version}: ${evidence.error?.message ?? evidence.status}`,
        { location: { file: evidence.error?.file ?? m.up.path, line: evidence.error?.line, column: evidence.error?.column } },
      );
    }
  }
}

/**
 * Tells "fails on this data" from "simply broken": production's history, the trunk and the change
 * up to the failed migration, applied to an empty database.
 */
async function passesOnEmpty(opts: TargetOptions, plan: ScenarioPlan, tracking: MigrationTracking, failed: StepEvidence): Promise<boolean | undefined> {
  const { engine } = opts;
  const db = await engine.createScratch('empty-schema');
  const session = await engine.connect(db);
  try {
    const last = plan.history[plan.history.length - 1];
    if (last) await migrateEmpty(opts, session, db, plan.history, tracking, last);
    else {
      await opts.observer.prepareSession(session);
      await tracking.ensure(session);
    }
    const ctx: StepContext = { engine, db, session, observer: opts.observer, tracking, stepTimeoutMs: 0 };
    const phases: [Phase, PreparedMigration[]][] = [['trunk', plan.trunk], ['change', plan.change]];
    for (const [phase, list] of phases) {
      for (const m of list) {
        ctx.stepTimeoutMs = opts.stepTimeoutMs(m);
        const { evidence } = await runStep(ctx, { migration: m, direction: 'up', phase, versionAfter: m.versionNumber });
        if (m.id === failed.migration && phase === failed.phase) return evidence.status === 'success';
        if (evidence.status !== 'success') return undefined;
      }
    }
    return undefined;
  } catch {
    // The comparison is a refinement of the finding; failing to make it must not fail the run.
    return undefined;
  } finally {
    await session.close().catch(() => undefined);
    await engine.dropScratch(db).catch(() => undefined);
  }
}

/** Re-splits the base revision's files for an older server, keeping the comparison in step. */
async function resplitBase(base: BaseMigrations, resplit: (list: PreparedMigration[]) => Promise<PreparedMigration[]>): Promise<BaseMigrations> {
  const migrations = await resplit(base.migrations);
  const byId = new Map(migrations.map((m) => [m.id, m]));
  return { ...base, migrations, comparison: { ...base.comparison, ...(base.comparison.baseLatest ? { baseLatest: byId.get(base.comparison.baseLatest.id) } : {}) } };
}

function baseNote(base: BaseMigrations, plan: ScenarioPlan): string {
  const list = (ms: PreparedMigration[]) => (ms.length === 0 ? 'none' : ms.map((m) => m.id).join(', '));
  return (
    `--base ${base.revision.rev} (${base.revision.commit.slice(0, 12)}): the dataset was built and the trunk applied with that revision's files; ` +
    `trunk: ${list(plan.trunk)}; change (what the head adds): ${list(plan.change)}`
  );
}


function lockQueueNote(holdMs: number): string {
  return (
    `lock-queue rehearsal: before each step of the change, a separate session opened a transaction that read the step's tables and kept it open ` +
    `${holdMs / 1000} s, as a long report query or a background job would; a step whose DDL waited for it, and the traffic queued behind that DDL, ` +
    `show in steps[].lockQueue and steps[].blocked. Durations of those steps include the wait`
  );
}
