import { describe, expect, it } from 'vitest';
import { EventStream } from '../rehearsal/events.ts';
import { plainProgress } from './progress.ts';

describe('plain progress in CI logs', () => {
  it('writes a heartbeat naming the step still running when the log has been quiet', async () => {
    const events = new EventStream();
    const lines: string[] = [];
    let clock = 0;
    const stop = plainProgress(events, (l) => lines.push(l), { heartbeatMs: 30, now: () => clock });
    events.emit({ type: 'step-started', target: 'postgres', phase: 'change', migration: '0005_backfill', direction: 'up' });
    clock = 31;
    await new Promise((r) => setTimeout(r, 60));
    stop();
    expect(lines).toEqual(['    … still running: change up 0005_backfill (31 ms)']);
  });

  it('stays quiet while lines keep coming, and after the step ended', async () => {
    const events = new EventStream();
    const lines: string[] = [];
    let clock = 0;
    const stop = plainProgress(events, (l) => lines.push(l), { heartbeatMs: 30, now: () => clock });
    events.emit({ type: 'task-started', target: 'postgres', task: 'build dataset' });
    clock = 20;
    events.emit({ type: 'task-finished', target: 'postgres', task: 'build dataset', durationMs: 20 });
    clock = 100;
    await new Promise((r) => setTimeout(r, 60));
    stop();
    expect(lines).toEqual(['  build dataset: 20 ms']);
  });
});
