// The zod schema of a config file. Unit-bearing values are converted here, so a parsed config
// holds plain numbers; messages say "expected …, got …" and issues.ts adds file:line:column.
import * as z from 'zod';
import { HAZARD_IDS, type HazardId } from '../checks/finding.ts';
import type { Limits } from '../checks/limits.ts';
import type { EngineKind } from '../engines/engine.ts';
import { gerritLabelProblem } from '../report/reporters/gerrit.ts';
import { reporterNames, type ReporterSpec, reporterSpecProblem } from '../report/reporters/index.ts';
import type { CommandSourceInput, LimitsInput, RehearseConfigInput, ReporterInput, TargetInput } from './types.ts';
import { commandSourceProblems } from '../migrations/command/index.ts';
import { BYTES_EXPECTED, COUNT_EXPECTED, DURATION_EXPECTED, parseBytes, parseCount, parseDuration } from './units.ts';
import { describeValue, engineProblem, type MigrationSource, sourceProblem, urlProblem } from './values.ts';

/**
 * A value checked and converted by `convert`, which returns the output or a problem message.
 * Built on z.unknown() so a value of the wrong type gets the same "expected …" message as a
 * malformed one; the cast gives it the input type the config types promise.
 */
function converted<In, Out>(convert: (input: unknown) => { value: Out } | { problem: string; path?: (string | number)[] }) {
  return z.unknown().transform((input, ctx) => {
    const result = convert(input);
    if ('value' in result) return result.value;
    ctx.addIssue({ code: 'custom', message: result.problem, ...(result.path ? { path: result.path } : {}) });
    return z.NEVER;
  }) as unknown as z.ZodType<Out, In>;
}

/** A value taken as it is when `problem` finds nothing wrong with it. */
function accepted<T>(problem: (input: unknown) => string | undefined) {
  return converted<T, T>((input) => {
    const message = problem(input);
    return message === undefined ? { value: input as T } : { problem: message };
  });
}

function unit(parse: (value: number | string) => number | undefined, expected: string) {
  return converted<number | string, number>((input) => {
    const value = typeof input === 'number' || typeof input === 'string' ? parse(input) : undefined;
    return value === undefined ? { problem: `expected ${expected}, got ${describeValue(input)}` } : { value };
  });
}

const duration = unit(parseDuration, DURATION_EXPECTED);
// A timeout of 0 means "no timeout" to PostgreSQL and would mean "cancel everything" here:
// refuse it and say how to have no limit.
const timeout = unit(
  (value) => parseDuration(value) || undefined,
  `a duration greater than 0 like "30s" or "5m" (leave the key out for no limit)`,
);
const count = unit(parseCount, COUNT_EXPECTED);
const bytes = unit(parseBytes, BYTES_EXPECTED);

function pathTo(what: string) {
  return accepted<string>((input) =>
    typeof input === 'string' && input.trim() !== '' ? undefined : `expected ${what}, got ${describeValue(input)}`,
  );
}

const limitFields = {
  blockingLockMs: duration.optional(),
  stepDurationMs: duration.optional(),
  statementTimeoutMs: timeout.optional(),
  idleTimeoutMs: timeout.optional(),
  rowsChanged: count.optional(),
  walBytes: bytes.optional(),
  stepTimeoutMs: timeout.optional(),
} satisfies Record<keyof Limits, z.ZodType>;

const limits = z.strictObject(limitFields);

// Versions stay strings: `0004` and `4` are different file names. A YAML number reaches here
// only if its source text was lost (yaml.ts keeps it); a TS number is written without zeros.
const version = converted<string | number, string>((input) => {
  if (typeof input === 'string' && input.trim() !== '') return { value: input.trim() };
  if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) return { value: String(input) };
  return { problem: `expected a migration version like "0004", got ${describeValue(input)}` };
});

const engine = accepted<EngineKind>(engineProblem);
const source = accepted<MigrationSource>(sourceProblem);
const url = accepted<string>(urlProblem);

const severity = z.enum(['error', 'warning', 'info', 'off']);
const hazards = z.strictObject(
  Object.fromEntries(HAZARD_IDS.map((id) => [id, severity.optional()])) as Record<HazardId, z.ZodOptional<typeof severity>>,
);

/** Scale-run fractions: 2 to 5 distinct fractions strictly between 0 and 1 (1 is the rehearsal itself). */
export function scaleFractionsProblem(input: unknown): string | undefined {
  if (!Array.isArray(input) || input.length < 2 || input.length > 5) return `expected 2 to 5 fractions of the dataset like [0.25, 0.5], got ${describeValue(input)}`;
  const bad = input.find((f) => typeof f !== 'number' || !(f > 0 && f < 1));
  if (bad !== undefined) return `expected fractions strictly between 0 and 1 (the full dataset is always measured), got ${describeValue(bad)}`;
  if (new Set(input).size !== input.length) return `expected distinct fractions, got ${describeValue(input)}`;
  return undefined;
}

const scale = converted<boolean | { fractions: number[] }, boolean | { fractions: number[] }>((input) => {
  if (typeof input === 'boolean') return { value: input };
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const keys = Object.keys(input);
    const fractions = (input as { fractions?: unknown }).fractions;
    if (keys.length !== 1 || keys[0] !== 'fractions') return { problem: `expected true, false or { fractions: [0.25, 0.5] }, got keys ${describeValue(keys)}` };
    const problem = scaleFractionsProblem(fractions);
    return problem ? { problem } : { value: { fractions: [...(fractions as number[])].sort((a, b) => a - b) } };
  }
  return { problem: `expected true, false or { fractions: [0.25, 0.5] }, got ${describeValue(input)}` };
});

/** How long the lock-queue reader holds its tables when the config says just `true`. */
export const DEFAULT_LOCK_QUEUE_MS = 5_000;

/** `true` (hold 5 s), `false`, or how long to hold, e.g. "10s". */
export function lockQueueValue(input: unknown): { value: number | false } | { problem: string } {
  const expected = `true, false, or how long the reading transaction stays open (a duration greater than 0 like "5s")`;
  if (input === true) return { value: DEFAULT_LOCK_QUEUE_MS };
  if (input === false) return { value: false };
  const ms = typeof input === 'number' || typeof input === 'string' ? parseDuration(input) : undefined;
  return ms ? { value: ms } : { problem: `expected ${expected}, got ${describeValue(input)}` };
}
const lockQueue = converted<boolean | number | string, number | false>(lockQueueValue);

const REPORTER_EXPECTED = 'a reporter like "junit=reports/rehearse.xml" or { name: junit, file: reports/rehearse.xml }';

/**
 * One entry of `reporters:`: `"NAME[=FILE]"` as on the command line, or `{ name, file? }`.
 * The file stays as written here; load.ts makes it absolute against the config's directory.
 */
export function reporterValue(input: unknown): { value: ReporterSpec } | { problem: string; path?: (string | number)[] } {
  let name: string;
  let file: string | undefined;
  if (typeof input === 'string') {
    const eq = input.indexOf('=');
    name = (eq < 0 ? input : input.slice(0, eq)).trim();
    file = eq < 0 ? undefined : input.slice(eq + 1).trim();
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const entry = input as Record<string, unknown>;
    const unknownKey = Object.keys(entry).find((k) => k !== 'name' && k !== 'file');
    if (unknownKey !== undefined) return { problem: `unknown key; expected name, file`, path: [unknownKey] };
    if (typeof entry.name !== 'string') return { problem: `expected a reporter name (${reporterNames.join(', ')}), got ${describeValue(entry.name)}`, path: ['name'] };
    if (entry.file !== undefined && typeof entry.file !== 'string') return { problem: `expected a file path, got ${describeValue(entry.file)}`, path: ['file'] };
    name = entry.name.trim();
    file = entry.file?.trim();
    const problem = reporterSpecProblem(name, file);
    if (problem === undefined) return { value: (file === undefined ? { name } : { name, file }) as ReporterSpec };
    // Point at the value at fault: the name, the empty file, or the entry missing its file.
    if (!(reporterNames as readonly string[]).includes(name)) return { problem, path: ['name'] };
    return entry.file !== undefined ? { problem, path: ['file'] } : { problem };
  } else {
    return { problem: `expected ${REPORTER_EXPECTED}, got ${describeValue(input)}` };
  }
  const problem = reporterSpecProblem(name, file);
  if (problem !== undefined) return { problem };
  return { value: (file === undefined ? { name } : { name, file }) as ReporterSpec };
}

const reporter = converted<ReporterInput, ReporterSpec>(reporterValue);

const httpUrl = accepted<string>((input) => {
  const expected = 'an http(s) URL like "https://github.com/acme/shop/blob/main"';
  if (typeof input !== 'string') return `expected ${expected}, got ${describeValue(input)}`;
  try {
    return ['http:', 'https:'].includes(new URL(input).protocol) ? undefined : `expected ${expected}, got ${describeValue(input)}`;
  } catch {
    return `expected ${expected}, got ${describeValue(input)}`;
  }
});

const gerritLabel = accepted<string>((input) => (typeof input === 'string' ? gerritLabelProblem(input) : `expected a Gerrit label name like Verified, got ${describeValue(input)}`));

const probes = accepted<boolean>((input) => (typeof input === 'boolean' ? undefined : `expected true or false, got ${describeValue(input)}`));

const history = accepted<boolean | string>((input) =>
  typeof input === 'boolean' || (typeof input === 'string' && input.trim() !== '')
    ? undefined
    : `expected a SQLite file path, a postgres:// URL, true or false, got ${describeValue(input)}`,
);

/** What `--target NAME` and reports call a target: printable, no leading or trailing blanks, short. */
export function targetNameProblem(input: unknown): string | undefined {
  const expected = 'a target name like "pg15-prod" (1 to 64 printable characters)';
  if (typeof input !== 'string' || input.trim() === '' || input !== input.trim() || input.length > 64 || /[\u0000-\u001f\u007f]/.test(input)) {
    return `expected ${expected}, got ${describeValue(input)}`;
  }
  return undefined;
}

const datasetSchema = z.strictObject({
  path: pathTo('a file path').optional(),
  version: version.optional(),
});

const target = z.strictObject({
  name: accepted<string>(targetNameProblem).optional(),
  engine: engine.optional(),
  url: url.optional(),
  dataset: datasetSchema.optional(),
  productionRows: z.record(z.string().min(1), count).optional(),
});

// Names key findings, history and --target: two targets with one name would be merged into one.
const targets = z
  .array(target)
  .min(1, 'expected at least one target (leave `targets` out for a single target)')
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((t, i) => {
      if (t.name === undefined) return;
      const first = seen.get(t.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', message: `target name ${JSON.stringify(t.name)} is already used by targets[${first}]`, path: [i, 'name'] });
      else seen.set(t.name, i);
    });
  });

// Checked here, each problem at its own key (`command.preset: …` → line of `preset:`); resolved
// against the config's directory in load.ts. A bad preset makes "up: required … or set
// command.preset" noise: that is left out.
const command = z.unknown().superRefine((input, ctx) => {
  const problems = commandSourceProblems(input, 'command');
  const badPreset = problems.some((p) => p.startsWith('command.preset:'));
  for (const problem of problems) {
    if (badPreset && /or set command\.preset$/.test(problem)) continue;
    const match = /^command((?:\.[^:\s]+)*): (.*)$/s.exec(problem);
    const path = match?.[1] ? match[1].slice(1).split('.') : [];
    ctx.addIssue({ code: 'custom', message: match ? match[2]! : problem, path });
  }
}) as unknown as z.ZodType<CommandSourceInput, CommandSourceInput>;

export const configSchema = z.strictObject({
  migrations: pathTo('a directory').optional(),
  source: source.optional(),
  command: command.optional(),
  sandbox: probes.optional(),
  engine: engine.optional(),
  url: url.optional(),
  dataset: datasetSchema.optional(),
  productionRows: z.record(z.string().min(1), count).optional(),
  targets: targets.optional(),
  base: z.string().trim().min(1, 'expected a git revision (e.g. origin/main)').optional(),
  previousQueries: pathTo('a file path').optional(),
  limits: z.strictObject({ ...limitFields, migrations: z.record(z.string().min(1), limits).optional() }).optional(),
  hazards: hazards.optional(),
  scale: scale.optional(),
  probes: probes.optional(),
  lockQueue: lockQueue.optional(),
  json: pathTo('a file path').optional(),
  reporters: z.array(reporter).optional(),
  docsBaseUrl: httpUrl.optional(),
  gerritLabel: gerritLabel.optional(),
  history: history.optional(),
  learnedLimits: probes.optional(),
});

export type ParsedConfig = z.output<typeof configSchema>;

// The schema accepts exactly what the documented input types allow: a compile error here means
// types.ts and this file disagree.
type Normalize<T> = T extends object ? { [K in keyof T]-?: Normalize<Exclude<T[K], undefined>> } : T;
type Same<A, B> =
  (<T>() => T extends Normalize<A> ? 1 : 2) extends <T>() => T extends Normalize<B> ? 1 : 2 ? true : false;
const configInputMatches: Same<z.input<typeof configSchema>, RehearseConfigInput> = true;
const limitsInputMatches: Same<z.input<typeof limits>, LimitsInput> = true;
const targetInputMatches: Same<z.input<typeof target>, TargetInput> = true;
void targetInputMatches;
void configInputMatches;
void limitsInputMatches;
