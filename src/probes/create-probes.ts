// Traffic probes for an engine's SQL dialect. Only engines with concurrent sessions can run them
// (`capabilities.concurrentSessions`): the caller checks that, this picks the dialect's SQL.
import type { Dialect, Session } from '../engines/engine.ts';
import { postgresProbes } from './postgres/control.ts';
import { MAX_PROBE_CONNECTIONS, PROBE_INTERVAL_MS, ProbeRunner } from './probe-runner.ts';
import type { TrafficProbes } from './probes.ts';

export function createTrafficProbes(dialect: Dialect, connect: () => Promise<Session>, options: { trackingTable: string }): TrafficProbes {
  switch (dialect) {
    case 'postgres':
      return new ProbeRunner({ dialect: postgresProbes([options.trackingTable]), connect });
  }
}

/** How the report describes the probes, for a DBA wondering what the extra connections were. */
export const PROBES_NOTE =
  `blocking measured by traffic probes: during each step of change, rollback and reapply, one session per table and operation ` +
  `(point read, insert and update rolled back, FK-check key-share read) on the step's tables and their foreign-key neighbours, ` +
  `an attempt every ${PROBE_INTERVAL_MS} ms, at most ${MAX_PROBE_CONNECTIONS} connections (application_name rehearse-probe)`;
