// Which engines the test suites run on. PGlite needs nothing and always runs; the PostgreSQL
// server suite runs when REHEARSE_TEST_PG_URL names a server, and otherwise says plainly that it
// did not run (a green run must not hide a suite that never executed).
//
//   REHEARSE_TEST_ENGINES=pglite,postgres   which engines to test (default: pglite, plus postgres
//                                           when REHEARSE_TEST_PG_URL is set)
//   REHEARSE_TEST_PG_URL=postgres://…       server for the postgres engine's scratch databases

import { describe, test } from 'vitest';
import { createEngine } from '../../src/engines/create-engine.ts';
import type { Engine, EngineKind } from '../../src/engines/engine.ts';

const ALL_KINDS: readonly EngineKind[] = ['pglite', 'postgres'];

export interface TestEngine {
  kind: EngineKind;
  /** The server URL (postgres only). */
  url: string | undefined;
  /** A new, unopened engine of this kind. */
  create(): Engine;
}

export function testPgUrl(): string | undefined {
  return process.env.REHEARSE_TEST_PG_URL || undefined;
}

/** The engines selected for this test run and runnable here. */
export function testEngines(): TestEngine[] {
  return selectedKinds()
    .filter((kind) => kind !== 'postgres' || testPgUrl() !== undefined)
    .map((kind) => testEngine(kind));
}

function selectedKinds(): EngineKind[] {
  const requested = process.env.REHEARSE_TEST_ENGINES;
  if (!requested) return testPgUrl() ? ['pglite', 'postgres'] : ['pglite'];
  const kinds = requested.split(',').map((kind) => kind.trim()).filter(Boolean);
  for (const kind of kinds) {
    if (!ALL_KINDS.includes(kind as EngineKind)) {
      throw new Error(`REHEARSE_TEST_ENGINES names unknown engine "${kind}" (known: ${ALL_KINDS.join(', ')})`);
    }
  }
  return kinds as EngineKind[];
}

function testEngine(kind: EngineKind): TestEngine {
  const url = kind === 'postgres' ? testPgUrl() : undefined;
  return { kind, url, create: () => createEngine({ kind, url }) };
}

/**
 * Registers `fn`'s tests for one engine inside `describe('<kind> engine')`. When the engine cannot
 * run here, registers a single test that says why instead, so the gap shows in every report.
 */
export function describeEngine(kind: EngineKind, fn: (engine: TestEngine) => void): void {
  describe(`${kind} engine`, () => {
    const reason = whyNotRunnable(kind);
    if (reason) {
      test(reason, () => {
        console.warn(`[rehearse tests] ${reason}`);
      });
      return;
    }
    fn(testEngine(kind));
  });
}

/** `describeEngine` for every engine kind (each either runs or reports that it did not). */
export function describeEachEngine(fn: (engine: TestEngine) => void): void {
  for (const kind of ALL_KINDS) describeEngine(kind, fn);
}

function whyNotRunnable(kind: EngineKind): string | undefined {
  if (kind === 'postgres' && !testPgUrl()) return 'postgres suite did not run: set REHEARSE_TEST_PG_URL';
  if (!selectedKinds().includes(kind)) return `${kind} suite did not run: REHEARSE_TEST_ENGINES does not include ${kind}`;
  return undefined;
}
