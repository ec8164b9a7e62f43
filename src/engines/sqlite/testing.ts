// For the sqlite suites: better-sqlite3 is optional, so a machine without it runs a single test
// that says the suite did not run (a green run must not hide a suite that never executed), and
// every suite gets an engine in a temp root of its own, removed afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { SqliteEngine, type SqliteEngineOptions } from './sqlite-engine.ts';

function whyNotRunnable(): string | undefined {
  try {
    createRequire(import.meta.url).resolve('better-sqlite3');
    return undefined;
  } catch {
    return 'sqlite suite did not run: the optional package better-sqlite3 is not installed (npm install better-sqlite3)';
  }
}

export function describeSqlite(name: string, fn: () => void): void {
  describe(name, () => {
    const reason = whyNotRunnable();
    if (reason) {
      test(reason, () => console.warn(`[rehearse tests] ${reason}`));
      return;
    }
    fn();
  });
}

export interface TestSqliteEngine {
  engine: SqliteEngine;
  /** The temp root the engine's run directory is in. */
  root: string;
  /** Closes the engine and removes the root. */
  cleanup(): Promise<void>;
}

export async function openTestEngine(options: SqliteEngineOptions = {}): Promise<TestSqliteEngine> {
  const root = options.tempRoot ?? (await mkdtemp(join(tmpdir(), 'rehearse-sqlite-test-')));
  const engine = new SqliteEngine({ ...options, tempRoot: root });
  await engine.open();
  return {
    engine,
    root,
    async cleanup() {
      await engine.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
