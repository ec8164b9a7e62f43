// The migration tool's tracking table, as the step runner and the dataset builder see it: one per
// migration tool and engine family, each kept exactly as that tool's driver keeps it, so a dump of
// production restores and continues as-is and a failed migration leaves it as production would.
import type { Session } from '../engines/engine.ts';

export interface TrackingState {
  /** null: no migration applied (below the first one). */
  version: bigint | null;
  dirty: boolean;
}

export interface MigrationTracking {
  /** The table's name, which probes and snapshots leave alone. */
  readonly table: string;
  /** Creates the table where it does not exist. */
  ensure(session: Session): Promise<void>;
  /** The recorded state, or null when the database has no tracking table. */
  read(session: Session): Promise<TrackingState | null>;
  /**
   * The recorded state right after a dump was restored through `session` (a pg_dump script leaves
   * its session's search_path empty), as text: a dump may hold a version that matches no migration.
   */
  readRestored(session: Session): Promise<{ version: string | null; dirty: boolean } | null>;
  /** Records `version` (null: below the first migration) and whether a migration is in progress. */
  set(session: Session, version: bigint | null, dirty: boolean): Promise<void>;
}
