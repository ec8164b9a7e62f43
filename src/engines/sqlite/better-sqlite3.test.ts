import { expect, test } from 'vitest';
import { EnvironmentError } from '../../errors.ts';
import { loadBetterSqlite3From } from './better-sqlite3.ts';
import { describeSqlite } from './testing.ts';

test('a missing better-sqlite3 says how to install it', async () => {
  const missing = Object.assign(new Error("Cannot find package 'better-sqlite3' imported from /app/x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
  const error = await loadBetterSqlite3From(() => Promise.reject(missing)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EnvironmentError);
  expect((error as EnvironmentError).code).toBe('ENGINE_FAILED');
  expect((error as Error).message).toContain('optional package better-sqlite3');
  expect((error as Error).message).toContain('npm install better-sqlite3');
  expect((error as Error).message).toContain('C++ toolchain');
  expect((error as Error).cause).toBe(missing);
});

test('an installed but unbuilt better-sqlite3 says so, and how to rebuild it', async () => {
  class Unbuilt {
    constructor() {
      throw new Error('Could not locate the bindings file. Tried:\n → build/Release/better_sqlite3.node');
    }
  }
  const error = await loadBetterSqlite3From(async () => ({ default: Unbuilt })).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EnvironmentError);
  expect((error as Error).message).toMatch(/native module does not load \(Could not locate the bindings file\. Tried:\)/);
  expect((error as Error).message).toContain('npm rebuild better-sqlite3');
  expect((error as Error).message).toContain('npm install better-sqlite3');
});

describeSqlite('better-sqlite3 as installed', () => {
  test('loads', async () => {
    const Database = await loadBetterSqlite3From(() => import('better-sqlite3'));
    expect(typeof Database).toBe('function');
  });
});
