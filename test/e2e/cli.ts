// Helpers for end-to-end tests: write a project (migrations, seed, config) into a temp folder,
// run the real `rehearse` bin on it, and read the JSON report back.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../../src/engines/engine.ts';
import { createTrafficProbes } from '../../src/probes/create-probes.ts';
import type { Report } from '../../src/report/report.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'rehearse.js');

export interface Project {
  dir: string;
  /** Removes the folder. */
  dispose(): Promise<void>;
}

/** Writes `files` (path relative to the project → content) into a new temp folder. */
export async function makeProject(files: Record<string, string>): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'rehearse-e2e-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON report, when `--json report.json` was written. */
  report?: Report;
  ms: number;
}

export async function runCli(args: string[], cwd: string, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 110_000);
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  clearTimeout(timer);
  const jsonIndex = args.indexOf('--json');
  const jsonPath = jsonIndex >= 0 ? resolve(cwd, args[jsonIndex + 1] ?? '') : undefined;
  const report = jsonPath && existsSync(jsonPath) ? (JSON.parse(await readFile(jsonPath, 'utf8')) as Report) : undefined;
  return { code, stdout, stderr, report, ms: Date.now() - started };
}

/** Engine arguments for `rehearse run` per engine under test. */
export function engineArgs(kind: string): string[] {
  switch (kind) {
    case 'pglite':
      return ['--engine', 'pglite'];
    case 'sqlite':
      return ['--engine', 'sqlite'];
    case 'postgres': {
      const url = process.env.REHEARSE_TEST_PG_URL;
      if (!url) throw new Error('REHEARSE_TEST_PG_URL is not set');
      return ['--engine', 'postgres', '--url', url];
    }
    case 'mysql': {
      const url = process.env.REHEARSE_TEST_MYSQL_URL;
      if (!url) throw new Error('REHEARSE_TEST_MYSQL_URL is not set');
      return ['--engine', 'mysql', '--url', url];
    }
    default:
      throw new Error(`engineArgs: unknown engine ${kind}`);
  }
}

/**
 * Whether rehearse runs traffic probes on this engine (by default): it needs concurrent sessions,
 * and probes written for the engine's SQL dialect. Where they run, blocking is measured; elsewhere
 * it is inferred from lock mode × hold time.
 */
export function runsTrafficProbes(engine: Engine): boolean {
  const unused = () => Promise.reject(new Error('runsTrafficProbes: never connects'));
  return engine.capabilities.concurrentSessions && createTrafficProbes(engine.dialect, unused, { trackingTable: 'schema_migrations' }) !== undefined;
}
