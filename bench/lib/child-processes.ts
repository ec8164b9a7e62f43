// Child processes of a benchmark (the database client, rehearse's CLI, git): timed, collected, and
// tracked so that an interrupted benchmark can stop them.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { BenchError } from './bench-error.ts';
import { ROOT } from './paths.ts';

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/** What a process reads: a script piped to it, or a file opened as its standard input (`cmd < file`). */
export type Stdin = { text: string } | { file: string };

const children = new Set<ReturnType<typeof spawn>>();

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin?: Stdin): Promise<ProcResult> {
  return new Promise((resolvePromise, reject) => {
    let fd: number | undefined;
    try {
      if (stdin && 'file' in stdin) fd = openSync(stdin.file, 'r');
    } catch (e) {
      reject(new BenchError(`cannot open ${(stdin as { file: string }).file}: ${(e as Error).message}`));
      return;
    }
    const piped = stdin !== undefined && 'text' in stdin;
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, cwd: ROOT, stdio: [piped ? 'pipe' : (fd ?? 'ignore'), 'pipe', 'pipe'] });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const done = () => {
      children.delete(child);
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    };
    child.on('error', (e) => {
      done();
      reject(new BenchError(`cannot start ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      done();
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms });
    });
    if (piped) child.stdin!.end(stdin.text);
  });
}

/** The client the baseline runs (psql, mysql): its `--version` line, or a BenchError when it is not on PATH. */
export async function requireClient(cmd: string, name: string): Promise<string> {
  const r = await run(cmd, ['--version'], process.env).catch(() => undefined);
  if (!r || r.code !== 0) throw new BenchError(`${name} is not on PATH: the baseline needs it`);
  return r.stdout.trim();
}

/** SIGTERM to every child still running, then waits (up to waitMs) for them to exit. */
export async function stopChildren(waitMs: number): Promise<void> {
  for (const c of children) c.kill('SIGTERM');
  const deadline = Date.now() + waitMs;
  while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/** The last lines of a process's output, for an error message. */
export function tail(s: string, lines = 15): string {
  return s.trimEnd().split('\n').slice(-lines).join('\n');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
