import { describe, expect, test } from 'vitest';
import { resolveCommandSource, type CommandSourceSpec } from './config.ts';
import { databaseUrl, resolveConnection, sandboxTarget, type CommandConnection } from './connection.ts';
import { commandEnvironment } from './run.ts';

const pg: CommandConnection = { engine: 'postgres', url: 'postgres://app:s%40cret@db.internal:6543/rehearse_x', database: 'rehearse_x' };
const mysql: CommandConnection = { engine: 'mysql', url: 'mysql://root@127.0.0.1:3306/rehearse_y', database: 'rehearse_y', password: 'p w' };
const sqlite: CommandConnection = { engine: 'sqlite', url: '/tmp/run/scratch.db', database: 'scratch', file: '/tmp/run/scratch.db' };
const tcpEndpoint = { host: '127.0.0.1', port: 41234 };

function spec(preset: string | undefined): CommandSourceSpec {
  const result = resolveCommandSource(preset ? { preset, ...(preset === 'nova-manage' ? { list: 'x' } : {}) } : { up: 'x {version}', list: 'x' }, '/');
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.spec;
}

describe('the connection', () => {
  test('fields missing are read from the URL', () => {
    expect(resolveConnection(pg)).toEqual({ engine: 'postgres', address: { host: 'db.internal', port: 6543 }, user: 'app', password: 's@cret', database: 'rehearse_x', file: undefined });
    expect(resolveConnection({ engine: 'mysql', url: 'mysql://u@h/d', database: '' })).toMatchObject({ address: { host: 'h', port: 3306 }, database: 'd' });
    expect(resolveConnection({ ...pg, socketPath: '/run/pg/.s.PGSQL.5432' }).address).toEqual({ socketPath: '/run/pg/.s.PGSQL.5432' });
    expect(resolveConnection({ engine: 'sqlite', url: 'sqlite:///tmp/a.db', database: 'a' }).file).toBe('/tmp/a.db');
    expect(() => resolveConnection({ engine: 'sqlite', url: 'a.db', database: 'a' })).toThrow('must be an absolute file path');
    expect(sandboxTarget(sqlite)).toEqual({ socketPath: '/dev/null/rehearse-sqlite-has-no-server' });
    expect(sandboxTarget(pg)).toEqual({ host: 'db.internal', port: 6543 });
  });

  test('DATABASE_URL in each tool’s dialect, at the endpoint the command connects to', () => {
    const p = resolveConnection(pg);
    const m = resolveConnection(mysql);
    const s = resolveConnection(sqlite);
    expect(databaseUrl(p, tcpEndpoint, 'generic')).toBe('postgres://app:s%40cret@127.0.0.1:41234/rehearse_x');
    expect(databaseUrl(p, tcpEndpoint, 'sqlalchemy')).toBe('postgresql://app:s%40cret@127.0.0.1:41234/rehearse_x');
    expect(databaseUrl(p, tcpEndpoint, 'rails')).toBe('postgres://app:s%40cret@127.0.0.1:41234/rehearse_x');
    expect(databaseUrl(p, tcpEndpoint, 'sqitch')).toBe('db:pg://app:s%40cret@127.0.0.1:41234/rehearse_x');
    expect(databaseUrl(m, tcpEndpoint, 'generic')).toBe('mysql://root:p%20w@127.0.0.1:41234/rehearse_y');
    expect(databaseUrl(m, tcpEndpoint, 'sqlalchemy', 'mysqldb')).toBe('mysql+mysqldb://root:p%20w@127.0.0.1:41234/rehearse_y');
    expect(databaseUrl(m, tcpEndpoint, 'sqlalchemy', 'pymysql')).toBe('mysql+pymysql://root:p%20w@127.0.0.1:41234/rehearse_y');
    expect(databaseUrl(m, tcpEndpoint, 'rails')).toBe('mysql2://root:p%20w@127.0.0.1:41234/rehearse_y');
    expect(databaseUrl(m, tcpEndpoint, 'sqitch')).toBe('db:mysql://root:p%20w@127.0.0.1:41234/rehearse_y');
    expect(databaseUrl(s, undefined, 'generic')).toBe('sqlite:////tmp/run/scratch.db');
    expect(databaseUrl(s, undefined, 'sqlalchemy')).toBe('sqlite:////tmp/run/scratch.db');
    expect(databaseUrl(s, undefined, 'rails')).toBe('sqlite3:/tmp/run/scratch.db');
    expect(databaseUrl(s, undefined, 'sqitch')).toBe('db:sqlite:/tmp/run/scratch.db');
  });

  test('over a Unix socket', () => {
    const pgSocket = { socketPath: '/tmp/rehearse-sandbox-1/.s.PGSQL.5432' };
    const mySocket = { socketPath: '/tmp/rehearse-sandbox-1/mysqld.sock' };
    const p = resolveConnection(pg);
    const m = resolveConnection(mysql);
    expect(databaseUrl(p, pgSocket, 'sqlalchemy')).toBe('postgresql://app:s%40cret@/rehearse_x?host=%2Ftmp%2Frehearse-sandbox-1&port=5432');
    expect(databaseUrl(p, pgSocket, 'sqitch')).toBe('db:pg://app:s%40cret@/rehearse_x');
    expect(databaseUrl(m, mySocket, 'sqlalchemy')).toBe('mysql+mysqldb://root:p%20w@localhost/rehearse_y?unix_socket=%2Ftmp%2Frehearse-sandbox-1%2Fmysqld.sock');
    expect(databaseUrl(m, mySocket, 'rails')).toBe('mysql2://root:p%20w@localhost/rehearse_y?socket=%2Ftmp%2Frehearse-sandbox-1%2Fmysqld.sock');
    expect(commandEnvironment(spec('alembic'), pg, pgSocket)).toMatchObject({ PGHOST: '/tmp/rehearse-sandbox-1', PGPORT: '5432' });
    expect(commandEnvironment(spec('alembic'), mysql, mySocket)).toMatchObject({ MYSQL_UNIX_PORT: '/tmp/rehearse-sandbox-1/mysqld.sock' });
  });
});

describe('the command’s environment', () => {
  test('PostgreSQL: DATABASE_URL and libpq’s variables, over the configuration’s env', () => {
    const env = commandEnvironment(spec('alembic'), pg, tcpEndpoint);
    expect(env).toEqual({
      PYTHONUNBUFFERED: '1',
      DATABASE_URL: 'postgresql://app:s%40cret@127.0.0.1:41234/rehearse_x',
      PGHOST: '127.0.0.1',
      PGPORT: '41234',
      PGUSER: 'app',
      PGPASSWORD: 's@cret',
      PGDATABASE: 'rehearse_x',
    });
  });

  test('MySQL: DATABASE_URL and the MySQL client’s variables; the SQLAlchemy driver the interpreter has', () => {
    expect(commandEnvironment(spec('alembic'), mysql, tcpEndpoint, 'pymysql')).toEqual({
      PYTHONUNBUFFERED: '1',
      DATABASE_URL: 'mysql+pymysql://root:p%20w@127.0.0.1:41234/rehearse_y',
      MYSQL_HOST: '127.0.0.1',
      MYSQL_TCP_PORT: '41234',
      MYSQL_USER: 'root',
      MYSQL_PWD: 'p w',
      MYSQL_DATABASE: 'rehearse_y',
    });
  });

  test('each preset’s own variables', () => {
    expect(commandEnvironment(spec('sqitch'), pg, tcpEndpoint)).toMatchObject({
      DATABASE_URL: 'postgres://app:s%40cret@127.0.0.1:41234/rehearse_x',
      SQITCH_TARGET: 'db:pg://app:s%40cret@127.0.0.1:41234/rehearse_x',
    });
    expect(commandEnvironment(spec('nova-manage'), mysql, tcpEndpoint, 'pymysql')).toMatchObject({
      OS_DATABASE__CONNECTION: 'mysql+pymysql://root:p%20w@127.0.0.1:41234/rehearse_y',
    });
    expect(commandEnvironment(spec('rails'), sqlite, { socketPath: '/dev/null/x' })).toEqual({ DATABASE_URL: 'sqlite3:/tmp/run/scratch.db' });
    expect(commandEnvironment(spec('django'), sqlite, undefined)).toEqual({ PYTHONUNBUFFERED: '1', DATABASE_URL: 'sqlite:////tmp/run/scratch.db' });
    expect(commandEnvironment(spec(undefined), pg, tcpEndpoint).DATABASE_URL).toBe('postgres://app:s%40cret@127.0.0.1:41234/rehearse_x');
  });
});
