// Server URLs (`--url`). The rule here is that a password never reaches a message, a log or an
// error: every string that leaves this module shows the URL with the password as `***`, and
// errors thrown by drivers are scrubbed before they are rethrown (`scrubPassword`).

import { UsageError } from '../errors.ts';

export interface ServerUrl {
  /** The URL exactly as given (contains the password: hand it to the driver, never print it). */
  readonly href: string;
  /** The URL with the password (and any `password=` parameter) replaced by `***`. */
  readonly redacted: string;
  /** The database named in the path; empty when the URL names none (the driver then uses the user name). */
  readonly database: string;
  /** The password, decoded, when the URL has one: only for `scrubPassword`. */
  readonly password: string | undefined;
}

const POSTGRES_PROTOCOLS = new Set(['postgres:', 'postgresql:']);

/** Parses a PostgreSQL server URL; errors are `UsageError('USAGE')` quoting the redacted URL. */
export function parsePostgresUrl(url: string): ServerUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('USAGE', `invalid server URL "${redactUrl(url)}": expected postgres://user:password@host:port/database`);
  }
  if (!POSTGRES_PROTOCOLS.has(parsed.protocol)) {
    throw new UsageError(
      'USAGE',
      `invalid server URL "${redactUrl(url)}": the postgres engine needs a postgres:// or postgresql:// URL`,
    );
  }
  let database: string;
  let password: string | undefined;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  } catch {
    throw new UsageError('USAGE', `invalid server URL "${redactUrl(url)}": bad percent-encoding`);
  }
  if (database.includes('/')) {
    throw new UsageError('USAGE', `invalid server URL "${redactUrl(url)}": the path must be a single database name`);
  }
  return { href: url, redacted: redactUrl(url), database, password: password ?? parsed.searchParams.get('password') ?? undefined };
}

/** The same server URL pointing at another database (how sessions reach a scratch database). */
export function withDatabase(url: ServerUrl, database: string): string {
  const parsed = new URL(url.href);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.href;
}

/**
 * The URL with its password replaced by `***`. Works on strings that are not valid URLs too (they
 * end up in error messages): everything between `user:` and the last `@` counts as the password,
 * which over-redacts rather than leaks when the password holds an unescaped `@`.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):(.*)@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Removes the URL's password from any text (driver error messages, stack traces) before it is shown. */
export function scrubPassword(text: string, url: ServerUrl): string {
  let scrubbed = text.split(url.href).join(url.redacted);
  const password = url.password;
  if (password) {
    for (const form of new Set([password, encodeURIComponent(password)])) scrubbed = scrubbed.split(form).join('***');
  }
  return scrubbed;
}
