// `rehearse run`: resolve options (flags over config), rehearse, report, and map the verdict to
// the exit status. Scratch databases are dropped on Ctrl-C and SIGTERM too.
import { loadRunOptions, type RunOptions } from '../config/run-options.ts';
import type { EngineKind } from '../engines/engine.ts';
import { blobHeader } from '../report/blob.ts';
import { exitCodeFor, RehearseError } from '../errors.ts';
import { plainProgress, withLiveProgress } from '../report/progress.ts';
import type { Report } from '../report/report.ts';
import { EventStream, type RunEvent } from '../rehearsal/events.ts';
import { errorReport, runRehearsal } from '../rehearsal/run.ts';
import { type LearnedInForce, mergeLearned } from '../history/learn.ts';
import { loadLearned, recordRun } from '../history/run-history.ts';
import { outputReport } from './report-output.ts';
import { describeLocation } from '../history/store.ts';

export const RUN_EXAMPLES = `  # the bundled example on embedded PostgreSQL (PGlite), no server needed
  npx rehearse run --config examples/patchwork/rehearse.config.yaml

  # a golang-migrate folder, a seed script at version 0004, on a PostgreSQL server
  npx rehearse run --migrations db/migrations --engine postgres \\
    --url postgres://postgres@127.0.0.1:5432/postgres \\
    --dataset seed.sql --dataset-version 0004 --json rehearse-report.json

  # a pg_dump of production (plain SQL, schema_migrations included) on PGlite
  npx rehearse run --migrations db/migrations --dataset prod-anonymized.sql

  # what if a 10-second report query is reading the tables when the deploy starts?
  npx rehearse run --engine postgres --url postgres://postgres@127.0.0.1:5432/postgres \\
    --dataset prod-anonymized.sql --lock-queue 10s

  # JUnit results for the CI's test view, the pull-request comment as Markdown, GitHub annotations
  npx rehearse run --config rehearse.config.yaml \\
    --reporter junit=reports/rehearse.xml --reporter markdown=reports/comment.md --reporter github

  # a Gerrit review (Verified vote, comments on the migration files) to POST to the review endpoint
  npx rehearse run --config rehearse.config.yaml --reporter gerrit=reports/review.json

  # in CI: trunk and history from the target branch, the previous release's queries checked
  npx rehearse run --base origin/main --dataset datasets/shop --previous-queries app/queries.sql

  # a Prisma, dbmate, Flyway or Drizzle project: that tool's layout and history table
  npx rehearse run --source prisma --dataset prod-anonymized.sql

  # Knex migrations run in-process on the scratch database, statement by statement
  npx rehearse run --source knex --engine postgres --url "$REHEARSE_PG_URL" --dataset seed.sql --dataset-version 20240101090000

  # Alembic / Django / Rails through their own commands (config: source: command, command: { preset: alembic }),
  # with no network but the scratch database
  npx rehearse run --config rehearse.config.yaml --engine postgres --url "$REHEARSE_PG_URL"

  # record into a history the CI workers share, and hold migrations to limits learned from it
  npx rehearse run --config rehearse.config.yaml --history "$REHEARSE_HISTORY_URL" --learned-limits
`;

export interface RunFlags {
  config?: string;
  migrations?: string;
  engine?: string;
  url?: string;
  dataset?: string;
  datasetVersion?: string;
  base?: string;
  previousQueries?: string;
  productionRows?: string;
  /** `--scale` / `--no-scale`; undefined when neither was given. */
  scale?: boolean;
  /** `--probes` / `--no-probes`; undefined when neither was given. */
  probes?: boolean;
  /** `--lock-queue [duration]` / `--no-lock-queue`. */
  lockQueue?: boolean | string;
  json?: string;
  /** `--reporter NAME[=FILE]`, repeatable. */
  reporter?: string[];
  /** `--docs-base-url`: hazard docs links in reports become absolute. */
  docsBaseUrl?: string;
  /** `--gerrit-label`: the label the gerrit reporter votes on. */
  gerritLabel?: string;
  /** `--history FILE|URL` / `--no-history` (false). */
  history?: string | false;
  /** `--learned-limits` / `--no-learned-limits`. */
  learnedLimits?: boolean;
  progress: boolean;
  /** `--quiet`: no progress, and only the findings and the verdict on the console. */
  quiet?: boolean;
  /** `--target NAME`, repeatable. */
  target?: string[];
  /** `--shard INDEX/TOTAL`. */
  shard?: string;
  /** `--sandbox` / `--no-sandbox`; undefined when neither was given. */
  sandbox?: boolean;
}

export async function runCommand(flags: RunFlags): Promise<number> {
  const cwd = process.cwd();
  const note = (line: string) => void process.stderr.write(`${line}\n`);
  // Reporters (flags, else the config's `reporters:`) are checked while the options resolve,
  // before anything runs: a typo is a usage error, not a lost report.
  let options = await loadRunOptions(flags, cwd, { note });
  // Learned limits fill in what the config does not set (docs/history.md), per target's engine.
  const learned = options.learnedLimits ? await learnedByEngine(options, note) : undefined;
  if (learned) options = { ...options, targets: options.targets.map((t) => ({ ...t, perMigrationLimits: learned.get(t.engine)!.perMigrationLimits })) };

  const events = new EventStream();
  // The blob reporter writes the stream itself, for merge-reports to replay.
  const recorded: RunEvent[] = [];
  if (options.reporters.some((r) => r.name === 'blob')) events.subscribe((event) => recorded.push(event));
  const progress = flags.progress && !flags.quiet;
  const interactive = progress && process.stderr.isTTY === true && !process.env.CI;
  const stopHeartbeat = !interactive && progress ? plainProgress(events, (line) => process.stderr.write(`${line}\n`)) : undefined;

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nrehearse: ${signal}: dropping scratch databases…\n`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const startedAt = new Date();
  let report: Report;
  let exitCode: number;
  try {
    const work = () => runRehearsal(options, events, controller.signal);
    const outcome = interactive ? await withLiveProgress(events, 'rehearse', work) : await work();
    report = outcome.report;
    // A target that could not run: 3 when its server or engine failed, 2 when its input was wrong.
    exitCode = outcome.failures.length > 0 ? Math.max(...outcome.failures.map((f) => exitCodeFor(f.error))) : report.verdict === 'pass' ? 0 : 1;
    for (const f of outcome.failures) if (!(f.error instanceof RehearseError) && f.error instanceof Error && f.error.stack) process.stderr.write(`${f.error.stack}\n`);
  } catch (error) {
    // The JSON report is written even when rehearse could not run (verdict `error`), so a CI
    // script always finds one; the exit status tells a usage error (2) from a failure to run (3).
    report = { ...errorReport(error, startedAt, options.limits), ...(options.shard ? { shard: options.shard } : {}) };
    events.emit({ type: 'run-finished', report });
    exitCode = exitCodeFor(error);
    if (!(error instanceof RehearseError) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  } finally {
    stopHeartbeat?.();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  if (controller.signal.aborted) exitCode = 130;
  if (learned) report.limits.learned = learnedInReport(learned, describeLocation(options.history));
  // An interrupted run's evidence is partial: it does not go into history.
  if (!controller.signal.aborted) await recordRun(report, options.history, cwd, note);

  await outputReport(report, {
    cwd,
    quiet: flags.quiet === true,
    ...(options.jsonPath ? { jsonPath: options.jsonPath } : {}),
    reporters: options.reporters,
    ...(options.docsBaseUrl ? { docsBaseUrl: options.docsBaseUrl } : {}),
    ...(options.gerritLabel ? { gerritLabel: options.gerritLabel } : {}),
    history: options.history,
    blob: { header: blobHeader(options.matrix, options.shard), events: recorded },
  });
  return exitCode;
}

/** The learned limits for each engine among the targets, merged with the configured ones. */
async function learnedByEngine(options: RunOptions, note: (line: string) => void): Promise<Map<EngineKind, LearnedInForce>> {
  const byEngine = new Map<EngineKind, LearnedInForce>();
  for (const engine of new Set(options.targets.map((t) => t.engine))) {
    byEngine.set(engine, mergeLearned(options.perMigrationLimits, options.limits, await loadLearned(options.history, engine, note)));
  }
  return byEngine;
}

/** `limits.learned` in the report: per migration, or per engine when the targets use several. */
function learnedInReport(learned: Map<EngineKind, LearnedInForce>, store: string): Record<string, unknown> {
  if (learned.size === 1) return { store, migrations: [...learned.values()][0]!.fromHistory };
  return { store, engines: Object.fromEntries([...learned].map(([engine, l]) => [engine, l.fromHistory])) };
}
