// Runs one command and measures it, the same way in and out of the sandbox: wall time, exit
// status, the tail of its output, the peak memory of its process tree. Whatever ends it — its own
// exit, the timeout, an abort, the sandbox's disposal — every process of its tree is killed before
// the result is returned: a migration's leftover background process would otherwise hold the
// scratch database (or the CI job) open.
import { spawn } from 'node:child_process';
import { EnvironmentError } from '../errors.ts';
import type { Launch } from './namespace.ts';
import { DEFAULT_OUTPUT_LIMIT_BYTES, OutputTail } from './output-tail.ts';
import { ProcessTree, SAMPLE_INTERVAL_MS, type ProcessTreeOptions } from './process-tree.ts';
import type { CommandResult } from './types.ts';

/** How long the output pipes may stay open after the tree was killed (a process that escaped every net). */
const PIPE_CLOSE_TIMEOUT_MS = 2_000;

export interface ProcessOptions {
  /** The command as the user named it, for messages. */
  label: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  outputLimitBytes?: number;
  tree?: ProcessTreeOptions;
}

export type ProcessResult = Omit<CommandResult, 'databaseEndpoint'>;

export interface RunningProcess {
  readonly result: Promise<ProcessResult>;
  /** Kills the tree; `result` then rejects with `reason`. */
  interrupt(reason: Error): void;
}

export function interruptedError(label: string, cause?: unknown): EnvironmentError {
  return new EnvironmentError('INTERRUPTED', `interrupted: the migration command ${label} was killed`, cause === undefined ? {} : { cause });
}

export function runProcess(launch: Launch, options: ProcessOptions): RunningProcess {
  let interruption: Error | undefined;
  let kill: () => void = () => undefined;
  const result = new Promise<ProcessResult>((resolve, reject) => {
    const stdout = new OutputTail(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES);
    const stderr = new OutputTail(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES);
    const started = performance.now();
    // Detached: a session and process group of its own, so the group can be killed as one; stdin
    // is /dev/null (a migration that prompts fails instead of hanging).
    const child = spawn(launch.file, launch.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...launch.fds],
    });
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (child.pid === undefined) {
      child.once('error', (error) => reject(new EnvironmentError('ENGINE_FAILED', `cannot start the migration command ${options.label}: ${error.message}`, { cause: error })));
      return;
    }
    // Errors after a successful spawn (a failed kill) change nothing: the exit still comes.
    child.on('error', () => undefined);

    const tree = new ProcessTree(child.pid, options.tree);
    const sampler = setInterval(() => tree.sample(), SAMPLE_INTERVAL_MS);
    let timedOut = false;
    let killing: Promise<boolean> | undefined;
    kill = () => void (killing ??= tree.killAll());
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), kill()), options.timeoutMs);
    const onAbort = () => {
      interruption ??= interruptedError(options.label, options.signal?.reason);
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    tree.sample();

    child.once('exit', (exitCode, signal) => {
      const durationMs = performance.now() - started;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // What the command left running counts until it is killed: one last sample, then the kill.
      tree.sample();
      clearInterval(sampler);
      void (async () => {
        killing ??= tree.killAll();
        if (!(await killing)) stderr.push(Buffer.from('\n[rehearse: processes of the command were still alive 5 s after SIGKILL]\n'));
        if (!(await closed(child))) {
          // Something outside the tree (it left the session and the namespace) still holds the pipes.
          child.stdout?.destroy();
          child.stderr?.destroy();
        }
        if (interruption) return reject(interruption);
        const out = stdout.text('stdout');
        const err = stderr.text('stderr');
        resolve({
          exitCode,
          signal,
          timedOut,
          durationMs: Math.round(durationMs),
          stdout: out.text,
          stderr: err.text,
          truncatedBytes: { stdout: out.droppedBytes, stderr: err.droppedBytes },
          peakRssBytes: tree.peakRssBytes,
        });
      })().catch(reject);
    });
  });
  return {
    result,
    interrupt(reason: Error) {
      interruption ??= reason;
      kill();
    },
  };
}

/** Resolves true once the child's output pipes are closed, false after PIPE_CLOSE_TIMEOUT_MS. */
function closed(child: ReturnType<typeof spawn>): Promise<boolean> {
  const streams = [child.stdout, child.stderr].filter((s) => s !== null && !s.closed);
  if (streams.length === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), PIPE_CLOSE_TIMEOUT_MS);
    let open = streams.length;
    for (const stream of streams) {
      stream!.once('close', () => {
        if (--open === 0) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    }
  });
}
