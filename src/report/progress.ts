// Live progress while a run goes on. On a terminal: a listr2 task whose title follows the
// current step and whose bottom bar shows the latest finished steps. Elsewhere (CI logs, pipes):
// one plain line per event, so a log shows what happened and when.
import { Listr } from 'listr2';
import { formatDuration } from '../checks/advice.ts';
import type { StepEvidence } from '../rehearsal/evidence.ts';
import type { EventStream, RunEvent } from '../rehearsal/events.ts';

export function stepLine(step: StepEvidence): string {
  const mark = { success: '✔', error: '✖', timeout: '⏱', skipped: '↷' }[step.status];
  const time = step.status === 'skipped' ? step.skippedBecause ?? 'skipped' : formatDuration(step.durationMs);
  return `${mark} ${step.phase.padEnd(8)} ${step.direction.padEnd(4)} ${step.migration}  ${time}`;
}

export function plainLine(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'run-started':
      return event.shard ? `rehearse: shard ${event.shard.index}/${event.shard.total} of ${event.matrix.length} target(s): ${event.targets.join(', ') || 'none'}` : undefined;
    case 'target-started':
      return `rehearse: ${event.target}`;
    case 'target-failed':
      return `rehearse: ${event.target} could not run: ${event.error.message.split('\n')[0]}`;
    case 'task-finished':
      return `  ${event.task}: ${formatDuration(event.durationMs)}${event.detail ? ` (${event.detail})` : ''}`;
    case 'phase-started':
      return event.steps > 0 ? `  phase ${event.phase}: ${event.steps} step(s)` : undefined;
    case 'step-finished':
      return `    ${stepLine(event.step)}`;
    case 'note':
      return `  note: ${event.message}`;
    default:
      return undefined;
  }
}

/** A CI log that stays quiet this long gets a line saying what is still running. */
export const HEARTBEAT_MS = 30_000;

export interface PlainProgressOptions {
  /** Silence after which a heartbeat line is written (default 30 s). */
  heartbeatMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Prints plain progress lines to `write` as events arrive and, when nothing was written for
 * `heartbeatMs`, a line saying what is still running and for how long: a long step must never
 * look hung in a CI log. Returns a function that stops the heartbeat.
 */
export function plainProgress(events: EventStream, write: (line: string) => void, options: PlainProgressOptions = {}): () => void {
  const every = options.heartbeatMs ?? HEARTBEAT_MS;
  const now = options.now ?? Date.now;
  let running: { what: string; since: number } | undefined;
  let lastWrite = now();
  const emit = (line: string) => {
    lastWrite = now();
    write(line);
  };
  events.subscribe((event) => {
    if (event.type === 'task-started') running = { what: event.task, since: now() };
    else if (event.type === 'step-started') running = { what: `${event.phase} ${event.direction} ${event.migration}`, since: now() };
    else if (event.type === 'task-finished' || event.type === 'step-finished' || event.type === 'run-finished') running = undefined;
    const line = plainLine(event);
    if (line !== undefined) emit(line);
  });
  const timer = setInterval(() => {
    if (running && now() - lastWrite >= every) emit(`    … still running: ${running.what} (${formatDuration(now() - running.since)})`);
  }, Math.max(10, Math.min(every, 1_000)));
  timer.unref();
  return () => clearInterval(timer);
}

/** Runs `work` under a live listr2 display fed by `events`; resolves with work's result. */
export async function withLiveProgress<T>(events: EventStream, title: string, work: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  const list = new Listr(
    [
      {
        title,
        task: async (_ctx, task) => {
          // With several targets the title names the one running.
          let prefix = title;
          let several = false;
          events.subscribe((event) => {
            if (event.type === 'run-started') several = event.targets.length > 1;
            if (event.type === 'target-started' && several) prefix = `${title} ${event.target}`;
            if (event.type === 'target-failed') task.output = (plainLine(event) ?? '').trim();
            if (event.type === 'task-started') task.title = `${prefix}: ${event.task}…`;
            if (event.type === 'step-started') task.title = `${prefix}: ${event.phase} ${event.direction} ${event.migration}…`;
            // Each assignment adds one line to the bottom bar, which keeps the latest ones.
            if (event.type === 'step-finished') task.output = stepLine(event.step);
            else if (event.type === 'task-finished') task.output = (plainLine(event) ?? '').trim();
          });
          result = await work();
          task.title = title;
        },
        // The summary printed afterwards lists every step: the live lines need not stay.
        rendererOptions: { persistentOutput: false, bottomBar: 12 },
      },
    ],
    { concurrent: false, exitOnError: true, rendererOptions: { collapseSubtasks: false } },
  );
  await list.run();
  return result as T;
}
