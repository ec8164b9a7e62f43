// Traffic probes for an engine's SQL dialect. Only engines with concurrent sessions can run them
// (`capabilities.concurrentSessions`): the caller checks that, this picks the dialect's SQL.
import type { Dialect, Session } from '../engines/engine.ts';
import { mysqlProbes } from './mysql/control.ts';
import { postgresProbes } from './postgres/control.ts';
import { MAX_PROBE_CONNECTIONS, PROBE_INTERVAL_MS, ProbeRunner } from './probe-runner.ts';
import type { TrafficProbes } from './probes.ts';
import { SQLITE_MAX_PROBE_CONNECTIONS, SqliteTrafficProbes } from './sqlite/control.ts';

export function createTrafficProbes(dialect: Dialect, connect: () => Promise<Session>, options: { trackingTable: string }): TrafficProbes {
  switch (dialect) {
    case 'postgres':
      return new ProbeRunner({ dialect: postgresProbes([options.trackingTable]), connect });
    case 'sqlite':
      return new SqliteTrafficProbes(connect, options);
    case 'mysql':
      return new ProbeRunner({ dialect: mysqlProbes([options.trackingTable]), connect });
  }
}

const PROBE_SESSIONS: Record<Dialect, { operations: string; connections: string }> = {
  postgres: { operations: 'point read, insert and update rolled back, FK-check key-share read', connections: `at most ${MAX_PROBE_CONNECTIONS} connections (application_name rehearse-probe)` },
  mysql: { operations: 'point read, insert and update rolled back, share-mode read of referenced rows', connections: `at most ${MAX_PROBE_CONNECTIONS} connections (program_name rehearse)` },
  sqlite: { operations: 'point read, insert and update rolled back', connections: `at most ${SQLITE_MAX_PROBE_CONNECTIONS} connections` },
};

/** How the report describes the probes, for a DBA wondering what the extra connections were. */
export function probesNote(dialect: Dialect): string {
  const { operations, connections } = PROBE_SESSIONS[dialect];
  return (
    `blocking measured by traffic probes: during each step of change, rollback and reapply, one session per table and operation ` +
    `(${operations}) on the step's tables and their foreign-key neighbours, an attempt every ${PROBE_INTERVAL_MS} ms, ${connections}`
  );
}
