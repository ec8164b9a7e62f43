// For the sandbox suites: real processes, real servers. A machine that cannot make the sandbox
// (not Linux, no namespaces allowed) or has no database server configured runs one test saying
// what did not run: a green run must not hide a suite that never executed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'vitest';
import { findTool } from './namespace.ts';
import { readStat } from './process-tree.ts';

/** The repository root: commands run there can require the repo's node_modules (pg, mysql2). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

let unavailable: { reason: string | undefined } | undefined;

/** Why this machine cannot make the sandbox, or undefined. Tried once, the way namespace.ts tries. */
export function whySandboxUnavailable(): string | undefined {
  unavailable ??= { reason: probe() };
  return unavailable.reason;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `the sandbox needs Linux, this is ${process.platform}`;
  const unshare = findTool('unshare');
  const ip = findTool('ip');
  if (!unshare || !ip || !findTool('nsenter')) return 'unshare, nsenter or ip is not installed';
  const attempts = [['--user', '--map-root-user', '--net'], ...(process.geteuid?.() === 0 ? [['--net']] : [])];
  for (const flags of attempts) {
    if (spawnSync(unshare, [...flags, '--', ip, 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status === 0) return undefined;
  }
  return 'this machine does not allow creating network namespaces here';
}

/** `describe(name, fn)`, or a single test saying why it did not run. */
export function describeIf(name: string, reason: string | undefined, fn: () => void): void {
  describe(name, () => {
    if (reason) {
      test(`did not run: ${reason}`, () => console.warn(`[rehearse tests] ${name} did not run: ${reason}`));
      return;
    }
    fn();
  });
}

/** The modes a suite runs in: unsandboxed always, sandboxed where the machine allows it. */
export function sandboxModes(): { name: string; sandbox: boolean; reason: string | undefined }[] {
  return [
    { name: 'sandboxed', sandbox: true, reason: whySandboxUnavailable() },
    { name: 'unsandboxed', sandbox: false, reason: undefined },
  ];
}

/** Gone: no such process, or a zombie (it runs nothing; pid 1 of a container may be slow to reap it). */
export function isGone(pid: number): boolean {
  const stat = readStat(pid);
  return stat === undefined || stat.state === 'Z' || stat.state === 'X';
}

/** Waits for a file a command writes (its pids), up to `timeoutMs`. */
export async function waitForFile(path: string, timeoutMs = 20_000): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.endsWith('\n')) return text;
    }
    if (performance.now() > deadline) throw new Error(`${path} was not written within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export function testPgUrl(): string | undefined {
  return process.env.REHEARSE_TEST_PG_URL || undefined;
}

export function testMysqlUrl(): string | undefined {
  return process.env.REHEARSE_TEST_MYSQL_URL || undefined;
}
