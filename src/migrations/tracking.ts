// The migration tool's tracking table, as the step runner and the dataset builder see it: one per
// migration tool and engine family, each kept exactly as that tool's driver keeps it, so a dump of
// production restores and continues as-is and a failed migration leaves it as production would.
import type { Session } from '../engines/engine.ts';
import type { Direction, Migration } from './migration.ts';

export interface TrackingState {
  /** null: no migration applied (below the first one). */
  version: bigint | null;
  dirty: boolean;
}

export interface MigrationTracking {
  /** The table's name, which probes and snapshots leave alone. */
  readonly table: string;
  /** The tool writes its history itself as it applies each step (command sources): rehearse reads and writes nothing. */
  readonly toolManaged?: boolean;
  /** Creates the table where it does not exist. */
  ensure(session: Session): Promise<void>;
  /** The recorded state, or null when the database has no tracking table. */
  read(session: Session): Promise<TrackingState | null>;
  /**
   * The recorded state right after a dump was restored through `session` (a pg_dump script leaves
   * its session's search_path empty), as text: a dump may hold a version that matches no migration.
   */
  readRestored(session: Session): Promise<{ version: string | null; dirty: boolean } | null>;
  /**
   * What the tool records before a step's statements run, outside their transaction
   * (golang-migrate marks the table dirty; Prisma inserts a row with `started_at`).
   */
  beforeStep(session: Session, step: TrackedStep): Promise<void>;
  /**
   * What the tool records once the step's statements have committed or failed (golang-migrate
   * clears the dirty flag on success; dbmate inserts or deletes the version's row; Flyway also
   * records a failure where DDL is not transactional). Not called when the session was lost.
   */
  afterStep(session: Session, step: TrackedStep, result: { status: 'success' | 'error'; durationMs: number; /** What failed, for tools that keep it (Prisma's `logs`). */ error?: string }): Promise<void>;
}

/** One step as the tracking table sees it. */
export interface TrackedStep {
  migration: Migration;
  direction: Direction;
  /** The version the database is at once the step is done (null: below the first migration). */
  versionAfter: bigint | null;
}
