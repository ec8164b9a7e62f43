import { expect, test } from 'vitest';
import { UsageError } from '../../errors.ts';
import { scrubPassword } from '../url.ts';
import { parseMysqlUrl, serverConnectionOptions } from './mysql-url.ts';
import { parseServerVersion, supportsDatabaseComment } from './server-version.ts';

test('a mysql:// URL gives host, port, user, database and a printable form without the password', () => {
  const url = parseMysqlUrl('mysql://app:s%40cret@db.example:3307/shop');
  expect(url).toMatchObject({ host: 'db.example', port: 3307, user: 'app', password: 's@cret', database: 'shop' });
  expect(url.redacted).toBe('mysql://app:***@db.example:3307/shop');
  expect(scrubPassword('Access denied for s@cret', url)).toBe('Access denied for ***');
  expect(serverConnectionOptions(url, 'rehearse_x')).toEqual({ host: 'db.example', port: 3307, user: 'app', password: 's@cret', database: 'rehearse_x' });
});

test('defaults: port 3306, user root, no database; a socket replaces host and port', () => {
  expect(parseMysqlUrl('mysql://127.0.0.1')).toMatchObject({ host: '127.0.0.1', port: 3306, user: 'root', database: '', password: undefined });
  const socket = parseMysqlUrl('mariadb://root@localhost/test?socket=/run/mysqld/mysqld.sock');
  expect(serverConnectionOptions(socket, undefined)).toEqual({ socketPath: '/run/mysqld/mysqld.sock', user: 'root' });
});

test.each([
  ['postgres://u:hunter2@h/db', 'mysql://'],
  ['mysql://u:hunter2@h/a/b', 'single database name'],
  ['not a url hunter2', 'expected mysql://'],
])('rejects %s with a UsageError that does not show the password', (input, reason) => {
  const error = (() => {
    try {
      parseMysqlUrl(input);
    } catch (e) {
      return e as Error;
    }
  })();
  expect(error).toBeInstanceOf(UsageError);
  expect(error?.message).toContain(reason);
  // Text that is no URL has no password part to recognise: only URLs are redacted.
  if (input.includes('://')) expect(error?.message).not.toContain('hunter2');
});

test('server versions say which flavour and number', () => {
  expect(parseServerVersion('10.11.19-MariaDB-0+deb12u1')).toEqual({ flavour: 'mariadb', display: 'MariaDB 10.11.19', num: 101119 });
  expect(parseServerVersion('8.0.36-0ubuntu0.22.04.1')).toEqual({ flavour: 'mysql', display: 'MySQL 8.0.36', num: 80036 });
  expect(supportsDatabaseComment(parseServerVersion('10.5.0-MariaDB'))).toBe(true);
  expect(supportsDatabaseComment(parseServerVersion('10.4.30-MariaDB'))).toBe(false);
  expect(supportsDatabaseComment(parseServerVersion('8.4.2'))).toBe(false);
});
