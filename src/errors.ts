// The few error classes rehearse throws. A failing *migration* is never an exception: the
// rehearsal returns it as a step result. Exceptions are for mistakes in what rehearse was given
// (usage, configuration, migration files, datasets) and for an environment it cannot run in.
// Each class has a stable `code` that scripts may match, and the CLI maps classes to exit codes.

export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'MIGRATIONS_INVALID'
  | 'SQL_SYNTAX'
  | 'DATASET_INVALID'
  | 'DATASET_RESTORE_FAILED'
  | 'BLOB_INVALID'
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_FAILED'
  | 'UNSAFE_TARGET'
  | 'SANDBOX_UNAVAILABLE'
  | 'INTERRUPTED';

/** Where in a file a problem is: shown as `file:line:column`. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export function formatLocation(loc: SourceLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return s;
}

export class RehearseError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; location?: SourceLocation } = {}) {
    super(options.location ? `${formatLocation(options.location)}: ${message}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location;
  }
}

/** Bad command line or configuration: exit status 2. */
export class UsageError extends RehearseError {}

/** Migration files, SQL or datasets rehearse cannot use as given: exit status 2. */
export class InputError extends RehearseError {}

/** rehearse could not run (server unreachable, engine failure, interrupted): exit status 3. */
export class EnvironmentError extends RehearseError {}

export function exitCodeFor(error: unknown): 2 | 3 {
  if (error instanceof UsageError || error instanceof InputError) return 2;
  return 3;
}
