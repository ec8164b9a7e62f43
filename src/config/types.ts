// What a config file may say (`RehearseConfigInput`, the type `defineConfig` checks) and what
// loading it yields (`ResolvedConfigFile`: units converted, paths absolute). Written out by hand
// so editors show these comments; schema.ts checks that its zod schema accepts exactly this.
import type { EngineKind } from '../engines/engine.ts';
import type { Limits, SeverityOverrides } from '../checks/limits.ts';
import type { ReporterName, ReporterSpec } from '../report/reporters/index.ts';
import type { MigrationSource } from './values.ts';
import type { CommandSourceSpec } from '../migrations/command/index.ts';

/** Milliseconds as a number, or a string with unit ms, s, m or h: `1500`, `"1.5s"`, `"5m"`. */
export type Duration = number | string;
/** Bytes as a number, or a string with unit B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (1024). */
export type ByteSize = number | string;
/** A number, or a string with suffix k, M or B (thousand, million, billion): `100000`, `"100k"`, `"1.5M"`. */
export type Count = number | string;

export interface LimitsInput {
  /** Longest time other sessions may be blocked on a table (default 1s). */
  blockingLockMs?: Duration;
  /** Longest a step may take (default 60s). */
  stepDurationMs?: Duration;
  /** Production's statement_timeout: a longer statement would be cancelled there. */
  statementTimeoutMs?: Duration;
  /** A proxy's idle timeout: it cuts a connection waiting this long on one statement. */
  idleTimeoutMs?: Duration;
  /** Rows inserted + updated + deleted in one step (default 100k). */
  rowsChanged?: Count;
  /** WAL one step may write (default 1GiB). */
  walBytes?: ByteSize;
  /** A step still running after this long is cancelled and reported as a timeout (default 30m). */
  stepTimeoutMs?: Duration;
}

export interface DatasetInput {
  /** A pg_dump plain-SQL dump or a seed script; relative to the config file. */
  path?: string;
  /** The migration version a seed script applies at. Give versions as strings: `"0004"`, not `0004`. */
  version?: string | number;
}

/**
 * A reporter as `--reporter` takes it, `"junit=reports/rehearse.xml"` (`"markdown"` for stdout),
 * or as an object, `{ name: "junit", file: "reports/rehearse.xml" }`. The file is relative to the
 * config file; junit and gerrit need one.
 */
export type ReporterInput = ReporterName | `${ReporterName}=${string}` | { name: ReporterName; file?: string };

/**
 * One target of the matrix: an engine with one dataset. Keys left out come from the top level of
 * the config (`url` only when the target's engine is the top level's); a target's `dataset.path`
 * replaces the top level's dataset whole.
 */
export interface TargetInput {
  /** How reports, history and `--target` name it (default: the engine, with the server's host and port). Unique within the config. */
  name?: string;
  engine?: EngineKind;
  url?: string;
  dataset?: DatasetInput;
  productionRows?: Record<string, Count>;
}

/**
 * The migration tool's own commands (`source: command`, docs/command-sources.md): a preset, and
 * any command overridden; `{version}` and `{previous}` are filled in per step, argument by
 * argument, without a shell.
 */
export interface CommandSourceInput {
  preset?: 'alembic' | 'django' | 'rails' | 'sqitch' | 'nova-manage';
  /** Applies one version: `alembic upgrade {version}`. */
  up?: string;
  /** Undoes one version back to the one before: `alembic downgrade {previous}`. */
  down?: string;
  /** Prints the versions in apply order. */
  list?: string;
  /** Prints the database's current version. */
  current?: string;
  /** Where the commands run, relative to the config file. */
  cwd?: string;
  /** Variables the commands get (their environment is otherwise cleared). */
  env?: Record<string, string>;
  /** What `{python}` runs (default python3). */
  python?: string;
  /** What `{previous}` is before the first version. */
  base?: string;
}

export interface RehearseConfigInput {
  /** Migration directory, relative to the config file (default `./migrations` in the current directory). */
  migrations?: string;
  /** How migrations are laid out and applied (default `golang-migrate`; `command`: the tool's own commands, see `command`). */
  source?: MigrationSource;
  /** With `source: command`: the tool's commands. */
  command?: CommandSourceInput;
  /**
   * Command sources run their tool with no network but the scratch database (default true).
   * `false` (or `--no-sandbox`) gives them the machine's network, where the platform cannot isolate them.
   */
  sandbox?: boolean;
  /** Engine to rehearse on (default `pglite`). `postgres` needs `url`. */
  engine?: EngineKind;
  /** Server on which scratch databases are created. `${VAR}` in any string reads an environment variable. */
  url?: string;
  dataset?: DatasetInput;
  /** Production row count per table, when the dataset has no manifest saying so: `{ patches: "1.75M" }`. */
  productionRows?: Record<string, Count>;
  /**
   * The matrix (docs/ci.md): several engines and datasets rehearsed in one run, one after another,
   * or spread over CI workers with `--shard i/n`. Left out, the run has one target: the top level's.
   */
  targets?: TargetInput[];
  /**
   * Git revision of the trunk (CI sets it to the target branch, e.g. `origin/main`): the trunk
   * phase applies the base's migrations the dataset does not have yet, read from git; the change
   * is what the head adds; applied migrations the head edits are `history-rewritten`.
   */
  base?: string;
  /** Queries the previous app version runs (one file, `;`-separated), checked after every step of the change. Relative to the config file. */
  previousQueries?: string;
  limits?: LimitsInput & {
    /** Limits for one migration, keyed by version (`"0005"`) or `<version>_<name>`. */
    migrations?: Record<string, LimitsInput>;
  };
  /** Severity per hazard id; `off` silences the hazard. */
  hazards?: SeverityOverrides;
  /**
   * Scale runs: the change's ups again on fractions of the dataset, to measure how each step's
   * duration grows with rows (`super-linear`). `true` runs them at 25 % and 50 %, `{ fractions:
   * [0.1, 0.3] }` at those fractions, `false` never. Left out: they run when production row counts
   * show production at least 10× the dataset on a table the change names.
   */
  scale?: boolean | { fractions: number[] };
  /**
   * Traffic probes (default true): on a server, sessions keep reading and writing every table a
   * step touches while it runs, to measure how long the application would be blocked. `false`
   * leaves the steps alone (blocking is then inferred from lock mode × hold time), e.g. to time
   * them bare.
   */
  probes?: boolean;
  /**
   * The lock-queue rehearsal (needs traffic probes): before each step of the change, a session
   * opens a transaction that reads the step's tables and keeps it open — `true` for 5 s, or a
   * duration like "10s" — as a long report query or a background job would. A DDL that must wait
   * for it makes every query behind it wait too; the probes measure that queue.
   */
  lockQueue?: boolean | number | string;
  /** Write the JSON report to this file, relative to the config file. */
  json?: string;
  /**
   * Reports to write after the run (docs/reporters.md), each with its own file. `--reporter`
   * flags, when any is given, replace this list whole.
   */
  reporters?: ReporterInput[];
  /** Base URL of the hazard docs links in reports (`--docs-base-url` wins; else `$REHEARSE_DOCS_URL`). */
  docsBaseUrl?: string;
  /** The label the gerrit reporter votes on (default `Verified`; `--gerrit-label` wins). */
  gerritLabel?: string;
  /**
   * Where every run's evidence is recorded (docs/history.md): a SQLite file relative to the config
   * file, or a PostgreSQL URL a team's CI workers share (the history table is created there).
   * Default (`true`) `.rehearse/history.db` in the current directory; `false` records nothing.
   */
  history?: boolean | string;
  /** Use limits learned from history for migrations the config sets no limit for (default false; `--learned-limits`). */
  learnedLimits?: boolean;
}

/** A loaded config file: validated, units converted, paths absolute. */
export interface ResolvedConfigFile {
  /** Absolute path of the config file. */
  file: string;
  migrations?: string;
  source?: MigrationSource;
  /** `command:` resolved against the config's directory. */
  command?: CommandSourceSpec;
  sandbox?: boolean;
  engine?: EngineKind;
  url?: string;
  dataset?: { path?: string; version?: string };
  productionRows?: Record<string, number>;
  targets?: ResolvedTargetInput[];
  base?: string;
  previousQueries?: string;
  limits: Partial<Limits>;
  perMigrationLimits: Record<string, Partial<Limits>>;
  severity: SeverityOverrides;
  scale?: boolean | { fractions: number[] };
  probes?: boolean;
  /** Hold time of the lock-queue reader in ms, or false. */
  lockQueue?: number | false;
  json?: string;
  /** Reporters with absolute file paths. */
  reporters?: ReporterSpec[];
  docsBaseUrl?: string;
  gerritLabel?: string;
  /** An absolute SQLite path or a PostgreSQL URL; false: off; absent: the default. */
  history?: string | false;
  learnedLimits?: boolean;
}

/** A config target: validated, counts converted, the dataset path absolute. */
export interface ResolvedTargetInput {
  name?: string;
  engine?: EngineKind;
  url?: string;
  dataset?: { path?: string; version?: string };
  productionRows?: Record<string, number>;
}
