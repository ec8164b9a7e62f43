// The scratch database as the migration tool sees it: the address it must connect to (the
// sandbox's endpoint, not the server's real address) written into the variables each tool reads —
// DATABASE_URL in the tool's own URL dialect, libpq's PG* variables, the MySQL client's MYSQL_*,
// Sqitch's SQITCH_TARGET, oslo.config's OS_DATABASE__CONNECTION.
import { isAbsolute } from 'node:path';
import { UsageError } from '../../errors.ts';
import type { DatabaseAddress } from '../../sandbox/index.ts';

export type CommandEngine = 'postgres' | 'mysql' | 'sqlite';

/** The scratch database a command source migrates. Missing fields are read from `url`. */
export interface CommandConnection {
  engine: CommandEngine;
  /** `postgres://…`, `mysql://…`, or for SQLite the file (a path, or `sqlite:` / `file:` followed by one). */
  url: string;
  host?: string;
  port?: number;
  /** The server's Unix socket (PostgreSQL: the socket file `…/.s.PGSQL.5432`; MySQL: e.g. `/run/mysqld/mysqld.sock`). */
  socketPath?: string;
  user?: string;
  password?: string;
  /** The database name (SQLite: its file, when `file` is not given). */
  database: string;
  /** SQLite: the database file (absolute). */
  file?: string;
}

/** A connection with every field the environment needs. */
export interface ResolvedConnection {
  engine: CommandEngine;
  address: DatabaseAddress | undefined;
  user: string | undefined;
  password: string | undefined;
  database: string;
  /** SQLite only. */
  file: string | undefined;
}

/** Which URL dialect a tool reads DATABASE_URL in. */
export type UrlDialect = 'generic' | 'sqlalchemy' | 'rails' | 'sqitch';

/** The SQLAlchemy MySQL driver the tool's interpreter has (`mysql+mysqldb://` or `mysql+pymysql://`). */
export type SqlalchemyMysqlDriver = 'mysqldb' | 'pymysql';

/**
 * Every variable rehearse may set for a command source. The configuration may not set them
 * (`command.env`): they describe the scratch database, and only rehearse knows its endpoint.
 */
export const CONNECTION_VARIABLES = [
  'DATABASE_URL',
  'PGHOST',
  'PGPORT',
  'PGUSER',
  'PGPASSWORD',
  'PGDATABASE',
  'MYSQL_HOST',
  'MYSQL_TCP_PORT',
  'MYSQL_UNIX_PORT',
  'MYSQL_PWD',
  'MYSQL_USER',
  'MYSQL_DATABASE',
  'SQITCH_TARGET',
  'SQITCH_USERNAME',
  'SQITCH_PASSWORD',
  'OS_DATABASE__CONNECTION',
] as const;

const DEFAULT_PORTS: Record<'postgres' | 'mysql', number> = { postgres: 5432, mysql: 3306 };

/**
 * Where the sandbox must relay to for `connection`. SQLite has no server: the sandbox is given an
 * address that cannot exist (a socket under /dev/null), so a command that connects to anything
 * inside it reaches nothing.
 */
export function sandboxTarget(connection: CommandConnection): DatabaseAddress {
  const resolved = resolveConnection(connection);
  return resolved.address ?? { socketPath: '/dev/null/rehearse-sqlite-has-no-server' };
}

/** Fills in what `url` says and the fields leave out; throws a UsageError for a connection that cannot be used. */
export function resolveConnection(connection: CommandConnection): ResolvedConnection {
  const { engine } = connection;
  if (engine === 'sqlite') {
    const file = connection.file ?? sqliteFile(connection.url) ?? connection.database;
    if (!file || !isAbsolute(file)) throw new UsageError('USAGE', `the SQLite database of a command source must be an absolute file path, not ${JSON.stringify(file)}`);
    return { engine, address: undefined, user: undefined, password: undefined, database: connection.database || file, file };
  }
  if (engine !== 'postgres' && engine !== 'mysql') throw new UsageError('USAGE', `unknown database engine ${JSON.stringify(engine)} for a command source`);
  let url: URL | undefined;
  try {
    url = connection.url ? new URL(connection.url) : undefined;
  } catch {
    throw new UsageError('USAGE', `the scratch database URL of the command source is not a URL`);
  }
  const fromUrl = (value: string | undefined) => (value ? decodeURIComponent(value) : undefined);
  const user = connection.user ?? fromUrl(url?.username);
  const password = connection.password ?? fromUrl(url?.password);
  const database = connection.database || fromUrl(url?.pathname.slice(1)) || '';
  if (!database) throw new UsageError('USAGE', 'the scratch database of the command source has no database name');
  let address: DatabaseAddress;
  if (connection.socketPath) address = { socketPath: connection.socketPath };
  else {
    const host = connection.host ?? (url?.hostname ? url.hostname.replace(/^\[(.*)\]$/, '$1') : undefined);
    if (!host) throw new UsageError('USAGE', 'the scratch database of the command source has no host or socket');
    const port = connection.port ?? (url?.port ? Number(url.port) : DEFAULT_PORTS[engine]);
    address = { host, port };
  }
  return { engine, address, user, password, database, file: undefined };
}

function sqliteFile(url: string): string | undefined {
  if (!url) return undefined;
  const match = /^(?:sqlite3?|file):(?:\/\/(?=\/))?(.*)$/.exec(url);
  if (match) return decodeURIComponent(match[1]!.replace(/\?.*$/, ''));
  return url.includes(':') ? undefined : url;
}

/** The PostgreSQL socket directory and port of a socket file `<dir>/.s.PGSQL.<port>`. */
function pgSocket(socketPath: string): { dir: string; port: string } {
  const match = /^(.*)\/\.s\.PGSQL\.(\d+)$/.exec(socketPath);
  if (!match) throw new UsageError('USAGE', `a PostgreSQL socket must be a file named .s.PGSQL.<port>, not ${socketPath}`);
  return { dir: match[1] || '/', port: match[2]! };
}

const enc = encodeURIComponent;

function credentials(user: string | undefined, password: string | undefined): string {
  if (!user && !password) return '';
  return `${enc(user ?? '')}${password ? `:${enc(password)}` : ''}@`;
}

function hostPort(address: { host: string; port: number }): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/**
 * The URL of the database at `endpoint` (where the command connects) in one tool's dialect:
 *
 * | dialect     | PostgreSQL                  | MySQL / MariaDB                                 | SQLite            |
 * |-------------|-----------------------------|-------------------------------------------------|-------------------|
 * | generic     | `postgres://u:p@h:port/db`  | `mysql://u:p@h:port/db`                         | `sqlite:////abs`  |
 * | sqlalchemy  | `postgresql://…`            | `mysql+mysqldb://…` or `mysql+pymysql://…`      | `sqlite:////abs`  |
 * | rails       | `postgres://…`              | `mysql2://…`                                    | `sqlite3:/abs`    |
 * | sqitch      | `db:pg://…`                 | `db:mysql://…`                                  | `db:sqlite:/abs`  |
 *
 * Over a Unix socket: PostgreSQL `…@/db?host=<dir>&port=<port>` (Sqitch: `db:pg://u@/db`, with PGHOST);
 * MySQL `…@localhost/db?unix_socket=<file>` (Rails: `?socket=`; Sqitch: `db:mysql://u@/db`, with MYSQL_UNIX_PORT).
 */
export function databaseUrl(connection: ResolvedConnection, endpoint: DatabaseAddress | undefined, dialect: UrlDialect, driver: SqlalchemyMysqlDriver = 'mysqldb'): string {
  if (connection.engine === 'sqlite') {
    const file = connection.file!;
    if (dialect === 'rails') return `sqlite3:${file}`;
    if (dialect === 'sqitch') return `db:sqlite:${file}`;
    return `sqlite:///${file}`;
  }
  if (!endpoint) throw new Error('a server database needs an endpoint');
  const login = credentials(connection.user, connection.password);
  const db = enc(connection.database);
  const scheme =
    connection.engine === 'postgres'
      ? { generic: 'postgres', sqlalchemy: 'postgresql', rails: 'postgres', sqitch: 'db:pg' }[dialect]
      : { generic: 'mysql', sqlalchemy: `mysql+${driver}`, rails: 'mysql2', sqitch: 'db:mysql' }[dialect];
  if ('host' in endpoint) return `${scheme}://${login}${hostPort(endpoint)}/${db}`;
  if (dialect === 'sqitch') return `${scheme}://${login}/${db}`;
  if (connection.engine === 'postgres') {
    const { dir, port } = pgSocket(endpoint.socketPath);
    return `${scheme}://${login}/${db}?host=${enc(dir)}&port=${port}`;
  }
  return `${scheme}://${login}localhost/${db}?${dialect === 'rails' ? 'socket' : 'unix_socket'}=${enc(endpoint.socketPath)}`;
}

/**
 * The variables describing the database at `endpoint`, besides DATABASE_URL: libpq's for
 * PostgreSQL, the MySQL client's (and the MYSQL_USER / MYSQL_DATABASE convention) for MySQL.
 */
export function clientVariables(connection: ResolvedConnection, endpoint: DatabaseAddress | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') env[name] = value;
  };
  if (connection.engine === 'postgres' && endpoint) {
    if ('host' in endpoint) {
      set('PGHOST', endpoint.host);
      set('PGPORT', String(endpoint.port));
    } else {
      const { dir, port } = pgSocket(endpoint.socketPath);
      set('PGHOST', dir);
      set('PGPORT', port);
    }
    set('PGUSER', connection.user);
    set('PGPASSWORD', connection.password);
    set('PGDATABASE', connection.database);
  } else if (connection.engine === 'mysql' && endpoint) {
    if ('host' in endpoint) {
      set('MYSQL_HOST', endpoint.host);
      set('MYSQL_TCP_PORT', String(endpoint.port));
    } else set('MYSQL_UNIX_PORT', endpoint.socketPath);
    set('MYSQL_USER', connection.user);
    set('MYSQL_PWD', connection.password);
    set('MYSQL_DATABASE', connection.database);
  }
  return env;
}
