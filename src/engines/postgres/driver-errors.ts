// Turning what `pg` throws into messages a user can act on, with the password scrubbed out.

import { toDatabaseError, DatabaseError } from '../engine.ts';
import { scrubPassword, type ServerUrl } from '../url.ts';

/**
 * The driver's reason in one line: `connect ECONNREFUSED 127.0.0.1:1`, `password authentication
 * failed for user "x" (SQLSTATE 28P01)`. Node reports a failed connect to a name with several
 * addresses (localhost: ::1 and 127.0.0.1) as an AggregateError with an empty message, so the
 * reasons of its parts are joined.
 */
export function driverReason(error: unknown, url: ServerUrl): string {
  return scrubPassword(describe(error), url);
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map(describe))].join('; ');
  }
  const normalised = toDatabaseError(error);
  if (normalised instanceof DatabaseError) return `${normalised.message} (SQLSTATE ${normalised.sqlstate})`;
  const code = (error as { code?: unknown }).code;
  const message = normalised.message || (typeof code === 'string' ? code : 'unknown error');
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** A copy of a driver error whose message cannot carry the password; keeps sqlstate and code. */
export function scrubbedCause(error: unknown, url: ServerUrl): Error {
  const cause = new Error(driverReason(error, url));
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(cause, { code });
  return cause;
}
