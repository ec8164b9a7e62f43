// golang-migrate's tracking table, kept exactly as its PostgreSQL driver keeps it, so a dump of a
// production database restores and continues as-is: one row (version bigint, dirty boolean),
// rewritten with TRUNCATE + INSERT; `dirty` is set before a migration runs and cleared after it
// succeeds, so a failed migration leaves it dirty, as production would find it.
import type { Session } from '../engines/engine.ts';
import type { MigrationTracking, TrackedStep, TrackingState } from './tracking.ts';
import { readTrackingVersion } from './tracking-version.ts';

/** golang-migrate's NilVersion: written only to record a dirty state below the first migration. */
const NIL_VERSION = -1n;

export class GolangMigrateTracking implements MigrationTracking {
  constructor(readonly table = 'schema_migrations') {}

  async ensure(session: Session): Promise<void> {
    await session.query(`CREATE TABLE IF NOT EXISTS ${this.table} (version bigint not null primary key, dirty boolean not null)`);
  }

  async read(session: Session): Promise<TrackingState | null> {
    const exists = await session.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [this.table]);
    if (!exists.rows[0]?.t) return null;
    const { rows } = await session.query<{ version: string; dirty: boolean }>(`SELECT version::text AS version, dirty FROM ${this.table} LIMIT 1`);
    const row = rows[0];
    if (!row || BigInt(row.version) === NIL_VERSION) return { version: null, dirty: row?.dirty ?? false };
    return { version: BigInt(row.version), dirty: row.dirty };
  }

  /** Found on the search_path or in `public`, which a pg_dump script leaves its session without. */
  readRestored(session: Session): ReturnType<MigrationTracking['readRestored']> {
    return readTrackingVersion(session);
  }

  /** golang-migrate marks the version dirty before running a migration… */
  beforeStep(session: Session, step: TrackedStep): Promise<void> {
    return this.set(session, step.versionAfter, true);
  }

  /** …and clears the flag only when it succeeded: a failed migration leaves the table dirty. */
  async afterStep(session: Session, step: TrackedStep, result: { status: 'success' | 'error' }): Promise<void> {
    if (result.status === 'success') await this.set(session, step.versionAfter, false);
  }

  /** `version` null means "no migration applied" (below the first one). */
  async set(session: Session, version: bigint | null, dirty: boolean): Promise<void> {
    await session.query('BEGIN');
    try {
      await session.query(`TRUNCATE ${this.table}`);
      if (version !== null || dirty) {
        await session.query(`INSERT INTO ${this.table} (version, dirty) VALUES ($1, $2)`, [String(version ?? NIL_VERSION), dirty]);
      }
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
