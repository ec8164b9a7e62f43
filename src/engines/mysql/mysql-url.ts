// MySQL/MariaDB server URLs: `mysql://user:password@host:port/database[?socket=/path]`. Parsed
// into the same ServerUrl shape as PostgreSQL URLs (engines/url.ts), so redaction and password
// scrubbing work the same way; and turned into mysql2 connection options here.

import type { ConnectionOptions } from 'mysql2/promise';
import { UsageError } from '../../errors.ts';
import { redactUrl, type ServerUrl } from '../url.ts';

const MYSQL_PROTOCOLS = new Set(['mysql:', 'mariadb:']);

export const DEFAULT_MYSQL_PORT = 3306;

export interface MysqlServerUrl extends ServerUrl {
  host: string;
  port: number;
  user: string;
  /** A Unix socket to connect through instead of TCP (`?socket=/run/mysqld/mysqld.sock`). */
  socketPath: string | undefined;
}

/** Parses a MySQL/MariaDB URL; errors are `UsageError('USAGE')` quoting the redacted URL. */
export function parseMysqlUrl(url: string): MysqlServerUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('USAGE', `invalid server URL "${redactUrl(url)}": expected mysql://user:password@host:port/database`);
  }
  if (!MYSQL_PROTOCOLS.has(parsed.protocol)) {
    throw new UsageError('USAGE', `invalid server URL "${redactUrl(url)}": the mysql engine needs a mysql:// (or mariadb://) URL`);
  }
  let database: string;
  let user: string;
  let password: string | undefined;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    user = decodeURIComponent(parsed.username);
    password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  } catch {
    throw new UsageError('USAGE', `invalid server URL "${redactUrl(url)}": bad percent-encoding`);
  }
  if (database.includes('/')) {
    throw new UsageError('USAGE', `invalid server URL "${redactUrl(url)}": the path must be a single database name`);
  }
  const port = parsed.port === '' ? DEFAULT_MYSQL_PORT : Number(parsed.port);
  return {
    href: url,
    redacted: redactUrl(url),
    database,
    password: password ?? parsed.searchParams.get('password') ?? undefined,
    // `localhost` in a URL means TCP to localhost here (mysql2), not the socket as in the mysql CLI.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port,
    user: user || 'root',
    socketPath: parsed.searchParams.get('socket') ?? undefined,
  };
}

/** The mysql2 options that reach the server named by `url`, on `database` (none: no default database). */
export function serverConnectionOptions(url: MysqlServerUrl, database: string | undefined): ConnectionOptions {
  return {
    ...(url.socketPath ? { socketPath: url.socketPath } : { host: url.host, port: url.port }),
    user: url.user,
    ...(url.password !== undefined ? { password: url.password } : {}),
    ...(database ? { database } : {}),
  };
}
