// Turns validation problems into one UsageError whose every line reads
// `file:line:column: path: expected …, got …`, the format editors and CI annotators link to.
import * as z from 'zod';
import { formatLocation, UsageError } from '../errors.ts';
import type { PathIssue } from './env.ts';
import { closestMatch } from './suggest.ts';
import { describeValue } from './values.ts';

export interface ConfigIssue extends PathIssue {
  /** The issue is about the key at `path` (unknown key), not its value: point at the key. */
  atKey?: boolean;
}

export interface LineColumn {
  line: number;
  column: number;
}

/** Where a path is in the file: YAML knows, a TS module does not. */
export type Locate = (path: readonly (string | number)[], atKey: boolean) => LineColumn | undefined;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

/** Messages for zod's own issues, in the same "expected …, got …" form as ours. */
export const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}, got ${describeValue(issue.input)}`;
    case 'invalid_key':
      // Record keys (versions, table names) are only required to be non-empty.
      return 'expected a non-empty key';
    default:
      return undefined;
  }
};

/**
 * One issue per problem. zod reports all unknown keys of an object as one issue at the object;
 * we split them so each points at its own key and gets its own suggestion.
 */
export function issuesFromZod(error: z.ZodError, schema: z.ZodType): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'invalid_key') return [{ path, message: issue.message, atKey: true }];
    if (issue.code !== 'unrecognized_keys') return [{ path, message: issue.message }];
    const known = Object.keys(objectShapeAt(schema, path) ?? {});
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known), atKey: true }));
  });
}

function unknownKeyMessage(key: string, known: string[]): string {
  const suggestion = closestMatch(key, known);
  if (suggestion !== undefined) return `unknown key; did you mean ${suggestion}?`;
  return known.length > 0 ? `unknown key; expected one of ${known.join(', ')}` : 'unknown key';
}

/** The shape of the object schema found by following `path` through objects, records and wrappers. */
function objectShapeAt(schema: z.ZodType, path: readonly (string | number)[]): Record<string, unknown> | undefined {
  let current: unknown = schema;
  for (let i = 0; ; i++) {
    while (current instanceof z.ZodOptional) current = current.unwrap();
    if (i === path.length) return current instanceof z.ZodObject ? current.shape : undefined;
    if (current instanceof z.ZodObject) current = current.shape[String(path[i])];
    else if (current instanceof z.ZodRecord) current = current.valueType;
    else return undefined;
  }
}

/** `limits.migrations."0005_add.x".walBytes`: segments that are not plain words are quoted. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p) => (/^[\w-]+$/.test(String(p)) ? String(p) : JSON.stringify(String(p)))).join('.');
}

/** A problem ready to print: the message names the path, line and column are where it is. */
export interface Problem extends Partial<LineColumn> {
  message: string;
}

/** Issues placed in the file (where `locate` knows the lines) and sorted into file order. */
export function placeIssues(issues: ConfigIssue[], locate?: Locate): Problem[] {
  return issues
    .map((issue) => ({ ...locate?.(issue.path, issue.atKey ?? false), message: issueText(issue) }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function issueText(issue: ConfigIssue): string {
  return issue.path.length === 0 ? issue.message : `${formatPath(issue.path)}: ${issue.message}`;
}

/**
 * One error for all of a file's problems. The first problem's location goes on the error (and
 * prefixes its message); the others follow, one a line, each with its own location.
 */
export function configError(displayFile: string, problems: Problem[]): UsageError {
  const [first, ...rest] = problems;
  if (first === undefined) throw new Error('configError needs at least one problem');
  const where = (p: Problem) => ({ file: displayFile, line: p.line, column: p.column });
  const lines = rest.map((p) => `${formatLocation(where(p))}: ${p.message}`);
  return new UsageError('CONFIG_INVALID', [first.message, ...lines].join('\n'), { location: where(first) });
}
