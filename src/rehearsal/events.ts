// One versioned event stream feeds the progress display and every reporter (DESIGN §7).
import type { Finding } from '../checks/finding.ts';
import type { Direction } from '../migrations/migration.ts';
import type { Report, Shard } from '../report/report.ts';
import type { Phase, StepEvidence, TargetEvidence } from './evidence.ts';

/**
 * The format of the events as blobs carry them (`--reporter blob`): bumped whenever an event's
 * shape changes in a way an older reader would misread; `merge-reports` refuses other versions.
 */
export const EVENTS_VERSION = 1;

export type RunEvent =
  /** `targets`: what this run rehearses; `matrix`: every target of the matrix, this shard's and the others'. */
  | { type: 'run-started'; targets: string[]; matrix: string[]; shard?: Shard }
  | { type: 'target-started'; target: string }
  /** The target could not be rehearsed (its server is unreachable, its dataset unreadable): the run goes on with the next. */
  | { type: 'target-failed'; target: string; error: { code: string; message: string } }
  | { type: 'task-started'; target: string; task: string }
  | { type: 'task-finished'; target: string; task: string; durationMs: number; detail?: string }
  | { type: 'phase-started'; target: string; phase: Phase; steps: number }
  | { type: 'step-started'; target: string; phase: Phase; migration: string; direction: Direction }
  | { type: 'step-finished'; target: string; step: StepEvidence }
  | { type: 'target-finished'; target: string; evidence: TargetEvidence }
  | { type: 'finding'; finding: Finding }
  | { type: 'note'; target?: string; message: string }
  | { type: 'run-finished'; report: Report };

export type EventListener = (event: RunEvent) => void;

export class EventStream {
  private readonly listeners: EventListener[] = [];

  subscribe(listener: EventListener): void {
    this.listeners.push(listener);
  }

  emit(event: RunEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
