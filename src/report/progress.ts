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
    case 'target-started':
      return `rehearse: ${event.target}`;
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

/** Prints plain progress lines to `write` as events arrive. */
export function plainProgress(events: EventStream, write: (line: string) => void): void {
  events.subscribe((event) => {
    const line = plainLine(event);
    if (line !== undefined) write(line);
  });
}

/** Runs `work` under a live listr2 display fed by `events`; resolves with work's result. */
export async function withLiveProgress<T>(events: EventStream, title: string, work: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  const list = new Listr(
    [
      {
        title,
        task: async (_ctx, task) => {
          events.subscribe((event) => {
            if (event.type === 'task-started') task.title = `${title}: ${event.task}…`;
            if (event.type === 'step-started') task.title = `${title}: ${event.phase} ${event.direction} ${event.migration}…`;
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
