// The machine a benchmark ran on, and how busy it was: noise from others shows in the results.
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { median, round } from './stats.ts';

export function machineInfo(): { cores: number; cpu: string; memoryGiB: number; host: string; node: string } {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    host: hostname(),
    node: process.version,
  };
}

/** The 1-minute load average now, taken before each contender starts. */
export function loadavg1(): number {
  return round(loadavg()[0] ?? NaN, 2);
}

/**
 * The results' line on machine load: the load averages taken before each contender, `more`
 * (e.g. what else ran on the server) after them, and a warning when the median load is over half
 * the cores.
 */
export function machineLoadLine(loads: number[], cores: number, more = ''): string {
  return (
    `machine load (1-min load average when each contender started, ${cores} cores): median ${loads.length ? median(loads).toFixed(2) : '—'}, ` +
    `max ${loads.length ? Math.max(...loads).toFixed(2) : '—'}${more}` +
    `${median(loads) > cores * 0.5 ? ' — others were busy on this machine: expect noise' : ''}`
  );
}
