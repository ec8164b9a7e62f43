// Reads an anonymization rules file: YAML (its positions kept, so every problem points at its
// file:line:column) or a TS module whose default export is `defineRules({ … })`. Validation
// goes through zod and the config's issue machinery (config/issues.ts, config/yaml.ts); what
// can only be checked against the source's schema (names, types, keys) is plan.ts's job.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import * as z from 'zod';
import { formatLocation, InputError, UsageError } from '../../errors.ts';
import { displayPath } from '../../config/load.ts';
import { errorMap, formatPath, issuesFromZod, type ConfigIssue, type LineColumn, type Locate, type Problem } from '../../config/issues.ts';
import { closestMatch } from '../../config/suggest.ts';
import { describeValue } from '../../config/values.ts';
import { parseYamlConfig } from '../../config/yaml.ts';
import { FAKE_KINDS, type FakeKind } from './define.ts';

export { defineRules, FAKE_KINDS } from './define.ts';
export type { FakeKind, RuleInput, RulesInput } from './define.ts';

/** A column's rule, parsed. */
export type Rule =
  | { kind: 'keep' }
  | { kind: 'null' }
  | { kind: 'constant'; value: string }
  | { kind: 'hash' }
  | { kind: 'mask'; keep: number }
  | { kind: 'fake'; fake: FakeKind; days?: number };

/** Characters `mask` keeps at the end when the rule does not say. */
export const DEFAULT_MASK_KEEP = 2;
/** Days `fake:date_shift` moves a date at most when the rule does not say. */
export const DEFAULT_SHIFT_DAYS = 365;
/** The widest date shift accepted (ten years). */
export const MAX_SHIFT_DAYS = 3650;

export interface RuleEntry {
  table: string;
  column: string;
  rule: Rule;
}

export interface KeepEntry {
  table: string;
  column: string;
  /** Index in the `keep:` list, for locating it. */
  index: number;
}

/** A validated rules file. Names are not checked against any schema yet (plan.ts does). */
export interface AnonymizationRules {
  /** The file as messages show it (relative to the current directory when inside it). */
  file: string;
  /** Every `tables:` entry, in file order. */
  columns: RuleEntry[];
  /** Every `keep:` entry, in file order. */
  keep: KeepEntry[];
  /** Where a path of the file's data is (YAML only): `['tables', 'users', 'email']`. */
  locate?: Locate;
}

const YAML_EXTENSIONS = ['.yaml', '.yml'];
const TS_EXTENSIONS = ['.ts', '.mts'];

/** The rule as the summary and messages write it: `fake:email`, `mask:2`, `constant:x`. */
export function ruleText(rule: Rule): string {
  switch (rule.kind) {
    case 'constant':
      return `constant:${rule.value}`;
    case 'mask':
      return `mask:${rule.keep}`;
    case 'fake':
      return rule.fake === 'date_shift' ? `fake:date_shift:${rule.days ?? DEFAULT_SHIFT_DAYS}` : `fake:${rule.fake}`;
    default:
      return rule.kind;
  }
}

export function sameRule(a: Rule, b: Rule): boolean {
  return ruleText(a) === ruleText(b);
}

const FAKE_LIST = FAKE_KINDS.join(', ');
const RULES_EXPECTED = `keep, null, hash, mask, mask:<n>, constant:<value> or fake:<kind> (kinds: ${FAKE_LIST})`;
const SUGGESTIBLE = ['keep', 'null', 'hash', 'mask', ...FAKE_KINDS.map((k) => `fake:${k}`)];

type Parsed = { rule: Rule } | { problem: string };

/** One column's rule from its string form (`fake:email`, `mask:4`, `constant:x`, …). */
export function parseRuleText(text: string): Parsed {
  const colon = text.indexOf(':');
  const head = colon === -1 ? text : text.slice(0, colon);
  const arg = colon === -1 ? undefined : text.slice(colon + 1);
  switch (head) {
    case 'keep':
    case 'null':
    case 'hash':
      if (arg === undefined) return { rule: { kind: head } };
      return { problem: `${head} takes no argument, got ${describeValue(text)}` };
    case 'constant':
      // Everything after the first colon, as written: `constant:` is the empty string.
      if (arg === undefined) return { problem: `constant needs a value: constant:<value> (constant: with nothing after it is the empty string), got "constant"` };
      return { rule: { kind: 'constant', value: arg } };
    case 'mask':
      return maskRule(arg === undefined ? DEFAULT_MASK_KEEP : arg, text);
    case 'fake':
      if (arg === undefined) return { problem: `fake needs a kind: fake:<kind> with kind one of ${FAKE_LIST}` };
      return fakeRule(arg, text);
    default:
      return { problem: unknownRule(text) };
  }
}

function unknownRule(text: string): string {
  // `date_shift:30`, `email`: a fake kind without its prefix.
  const bare = text.split(':')[0]!;
  if ((FAKE_KINDS as readonly string[]).includes(bare)) return `unknown rule ${describeValue(text)}; did you mean fake:${text}?`;
  const suggestion = closestMatch(text, SUGGESTIBLE);
  if (suggestion !== undefined) return `unknown rule ${describeValue(text)}; did you mean ${suggestion}?`;
  return `unknown rule ${describeValue(text)}; expected one of ${RULES_EXPECTED}`;
}

function maskRule(arg: unknown, written: string): Parsed {
  const n = typeof arg === 'number' ? arg : typeof arg === 'string' && /^\d+$/.test(arg.trim()) ? Number(arg) : NaN;
  if (Number.isSafeInteger(n) && n >= 0) return { rule: { kind: 'mask', keep: n } };
  return { problem: `mask takes how many characters stay at the end, like mask:4, got ${describeValue(written)}` };
}

function fakeRule(arg: string, written: string): Parsed {
  const [kind, days, ...rest] = arg.split(':');
  if (!(FAKE_KINDS as readonly string[]).includes(kind!)) {
    const suggestion = closestMatch(kind!, FAKE_KINDS);
    const hint = suggestion !== undefined ? `did you mean fake:${suggestion}?` : `expected one of ${FAKE_KINDS.map((k) => `fake:${k}`).join(', ')}`;
    return { problem: `unknown rule ${describeValue(written)}; ${hint}` };
  }
  if (kind === 'date_shift') {
    if (days === undefined) return { rule: { kind: 'fake', fake: 'date_shift', days: DEFAULT_SHIFT_DAYS } };
    const n = /^\d+$/.test(days) ? Number(days) : NaN;
    if (rest.length === 0 && n >= 1 && n <= MAX_SHIFT_DAYS) return { rule: { kind: 'fake', fake: 'date_shift', days: n } };
    return { problem: `fake:date_shift takes the most days a date moves, 1 to ${MAX_SHIFT_DAYS}, like fake:date_shift:30, got ${describeValue(written)}` };
  }
  if (days !== undefined) return { problem: `fake:${kind} takes no argument, got ${describeValue(written)}` };
  return { rule: { kind: 'fake', fake: kind as FakeKind } };
}

const OBJECT_FORMS = '{ constant: <value> }, { mask: <n> } or { fake: <kind> }';

/** A rule as a file gives it: a string, null, or an object form. */
export function parseRuleValue(input: unknown): Parsed {
  if (input === null) return { rule: { kind: 'null' } };
  if (typeof input === 'string') return parseRuleText(input);
  if (typeof input === 'object' && !Array.isArray(input)) {
    const entries = Object.entries(input);
    if (entries.length === 1) {
      const [key, value] = entries[0]!;
      if (key === 'constant' && ['string', 'number', 'boolean'].includes(typeof value)) {
        return { rule: { kind: 'constant', value: String(value) } };
      }
      if (key === 'mask') return maskRule(value, `mask:${typeof value === 'string' ? value : describeValue(value)}`);
      if (key === 'fake' && typeof value === 'string') return fakeRule(value, `fake:${value}`);
    }
    return { problem: `expected a rule string like "fake:email" or one of ${OBJECT_FORMS}, got ${describeValue(input)} with keys ${Object.keys(input).join(', ') || '(none)'}` };
  }
  return { problem: `expected a rule like "keep", "hash" or "fake:email", got ${describeValue(input)}` };
}

const rule = z.unknown().transform((input, ctx) => {
  const parsed = parseRuleValue(input);
  if ('rule' in parsed) return parsed.rule;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

const keepEntry = z.unknown().transform((input, ctx) => {
  if (typeof input === 'string') {
    const dot = input.lastIndexOf('.');
    if (dot > 0 && dot < input.length - 1) return { table: input.slice(0, dot), column: input.slice(dot + 1) };
  }
  ctx.addIssue({ code: 'custom', message: `expected table.column, got ${describeValue(input)}` });
  return z.NEVER;
});

export const rulesSchema = z.strictObject({
  tables: z.record(z.string().min(1), z.record(z.string().min(1), rule)).optional(),
  keep: z.array(keepEntry).optional(),
});

/** The config's messages, and "an object" for a map of tables or columns. */
const rulesErrorMap: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.expected === 'record' ? `expected an object, got ${describeValue(issue.input)}` : errorMap(issue);

/** Validates rules given as data (a TS module's default export, or YAML's); throws InputError listing every problem. */
export function parseRules(data: unknown, file: string, locate?: Locate): AnonymizationRules {
  const parsed = rulesSchema.safeParse(data ?? {}, { error: rulesErrorMap });
  if (!parsed.success) throw rulesError(file, placeRuleIssues(issuesFromZod(parsed.error, rulesSchema), locate));
  const columns: RuleEntry[] = [];
  for (const [table, byColumn] of Object.entries(parsed.data.tables ?? {})) {
    for (const [column, rule] of Object.entries(byColumn)) columns.push({ table, column, rule });
  }
  const keep = (parsed.data.keep ?? []).map((entry, index) => ({ ...entry, index }));
  return { file, columns, keep, ...(locate ? { locate } : {}) };
}

/** Loads and validates a rules file (.yaml, .yml, .ts, .mts). */
export async function loadRules(path: string): Promise<AnonymizationRules> {
  const file = resolve(path);
  const display = displayPath(file);
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new UsageError('USAGE', `rules file ${display} not found`);
  if (!stat.isFile()) throw new UsageError('USAGE', `rules file ${display} is not a file`);
  const extension = extname(file);
  if (YAML_EXTENSIONS.includes(extension)) {
    const yaml = parseYamlConfig(await readFile(file, 'utf8'));
    if (!yaml.ok) throw rulesError(display, yaml.syntaxErrors);
    return parseRules(yaml.data, display, yaml.locate);
  }
  if (TS_EXTENSIONS.includes(extension)) return parseRules(await importDefault(file, display), display);
  throw new UsageError('USAGE', `rules file ${display}: unsupported file type; expected one of ${[...YAML_EXTENSIONS, ...TS_EXTENSIONS].join(', ')}`);
}

async function importDefault(file: string, display: string): Promise<unknown> {
  let module: { default?: unknown };
  try {
    module = await tsImport(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError('CONFIG_INVALID', `could not load the rules: ${reason}`, { cause: error, location: { file: display } });
  }
  let exported = module.default;
  // A module compiled to CommonJS hands its default export over as `default.default`.
  if (typeof exported === 'object' && exported !== null && (exported as { __esModule?: unknown }).__esModule === true) {
    exported = (exported as { default?: unknown }).default;
  }
  if (exported === undefined) {
    throw new InputError('CONFIG_INVALID', 'no default export; expected `export default defineRules({ … })`', { location: { file: display } });
  }
  return exported;
}

/** `users.email` for a column's rule, `users` for a table, `keep[2]` for a keep entry; other paths as the config writes them. */
export function rulePathText(path: readonly (string | number)[]): string {
  const name = (p: string | number) => (/^[\w.$-]+$/.test(String(p)) ? String(p) : JSON.stringify(String(p)));
  if (path[0] === 'tables' && path.length >= 2) return path.slice(1).map(name).join('.');
  if (path[0] === 'keep' && path.length === 2) return `keep[${path[1]}]`;
  return formatPath(path);
}

/** Issues placed in the file and sorted into file order. */
export function placeRuleIssues(issues: ConfigIssue[], locate?: Locate): Problem[] {
  return issues
    .map((issue) => {
      const at: LineColumn | undefined = locate?.(issue.path, issue.atKey ?? false);
      const subject = issue.path.length === 0 ? '' : `${rulePathText(issue.path)}: `;
      return { ...at, message: subject + issue.message };
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * One error for all of a rules file's problems, each line `file:line:column: message` (the
 * same layout as config/issues.ts's configError). The first problem's location goes on the error.
 */
export function rulesError(file: string, problems: Problem[]): InputError {
  const [first, ...rest] = problems;
  if (first === undefined) throw new Error('rulesError needs at least one problem');
  const where = (p: Problem) => ({ file, line: p.line, column: p.column });
  const lines = rest.map((p) => `${formatLocation(where(p))}: ${p.message}`);
  return new InputError('CONFIG_INVALID', [first.message, ...lines].join('\n'), { location: where(first) });
}
