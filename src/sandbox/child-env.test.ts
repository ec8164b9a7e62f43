import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { UsageError } from '../errors.ts';
import { checkArguments, checkWorkingDirectory, childEnvironment, defaultPath, resolveExecutable } from './child-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'rehearse-child-env-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the environment is the default PATH, HOME and LANG, under what the caller gives', () => {
  process.env.REHEARSE_CHILD_ENV_TEST_SECRET = 'hunter2';
  try {
    expect(childEnvironment({ DATABASE_URL: 'postgres://x' }, '/h')).toEqual({ PATH: defaultPath(), HOME: '/h', LANG: 'C.UTF-8', DATABASE_URL: 'postgres://x' });
    expect(childEnvironment({ PATH: '/opt/bin', LANG: 'de_DE.UTF-8' }, '/h')).toEqual({ PATH: '/opt/bin', HOME: '/h', LANG: 'de_DE.UTF-8' });
  } finally {
    delete process.env.REHEARSE_CHILD_ENV_TEST_SECRET;
  }
});

test('the default PATH starts with the running Node and holds the system directories', () => {
  const dirs = defaultPath().split(':');
  expect(dirs[0]).toBe(dirname(process.execPath));
  expect(dirs).toEqual(expect.arrayContaining(['/usr/local/bin', '/usr/bin', '/bin']));
  expect(new Set(dirs).size).toBe(dirs.length);
});

test('invalid variable names and arguments are usage errors', () => {
  expect(() => childEnvironment({ 'A=B': 'x' }, '/h')).toThrow(UsageError);
  expect(() => childEnvironment({ A: 'x\0y' }, '/h')).toThrow(/without NUL/);
  expect(() => checkArguments(['upgrade', 'head'])).not.toThrow();
  expect(() => checkArguments(['a\0b'])).toThrow(UsageError);
});

test('executables are found in the given PATH, or by a path relative to cwd', () => {
  const script = join(dir, 'migrate');
  writeFileSync(script, '#!/bin/sh\n');
  chmodSync(script, 0o755);
  writeFileSync(join(dir, 'not-executable'), '');
  expect(resolveExecutable('migrate', '/', `/nonexistent:${dir}`)).toBe(script);
  expect(resolveExecutable('./migrate', dir, '')).toBe(script);
  expect(resolveExecutable(script, '/', '')).toBe(script);
  expect(resolveExecutable('sh', '/', '/usr/bin:/bin')).toMatch(/\/sh$/);
  expect(() => resolveExecutable('migrate', '/', '/usr/bin')).toThrow(/not found in its PATH \(\/usr\/bin\)/);
  expect(() => resolveExecutable('./not-executable', dir, '')).toThrow(/is not an executable file/);
  expect(() => resolveExecutable(dir, '/', '')).toThrow(UsageError);
});

test('the working directory must exist', () => {
  expect(() => checkWorkingDirectory(dir)).not.toThrow();
  expect(() => checkWorkingDirectory(join(dir, 'missing'))).toThrow(/does not exist or is not a directory/);
});
