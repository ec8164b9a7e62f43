// golang-migrate's tracking table, kept exactly as its sqlite3 driver keeps it
// (database/sqlite3/sqlite3.go), so a copy of a production database continues as-is: a table
// `(version uint64, dirty bool)` with a unique index on version, holding at most one row,
// rewritten in a transaction with DELETE + INSERT. `dirty` is set before a migration runs and
// cleared after it succeeds, so a failed migration leaves it dirty, as production would find it.
// The same interface as the PostgreSQL driver's class (tracking.ts, golang-migrate-tracking.ts).
import type { Session } from '../engines/engine.ts';
import type { MigrationTracking, TrackedStep, TrackingState } from './tracking.ts';

/** golang-migrate's NilVersion: written only to record a dirty state below the first migration. */
const NIL_VERSION = -1n;

export class GolangMigrateSqliteTracking implements MigrationTracking {
  constructor(readonly table = 'schema_migrations') {}

  /** ensureVersionTable, verbatim (the driver's whitespace and type names included: SQLite keeps the text). */
  async ensure(session: Session): Promise<void> {
    await session.exec(`
	CREATE TABLE IF NOT EXISTS ${this.table} (version uint64,dirty bool);
  CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON ${this.table} (version);
  `);
  }

  /** Version(): no table or no row is "no migration applied"; NilVersion is too (with its dirty flag). */
  async read(session: Session): Promise<TrackingState | null> {
    const { rows: found } = await session.query(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE`, [this.table]);
    if (found.length === 0) return null;
    const { rows } = await session.query<{ version: string | null; dirty: unknown }>(`SELECT CAST(version AS TEXT) AS version, dirty FROM ${this.table} LIMIT 1`);
    const row = rows[0];
    if (!row || row.version === null) return { version: null, dirty: false };
    const dirty = typeof row.dirty === 'string' ? row.dirty === '1' || row.dirty.toLowerCase() === 'true' : Boolean(Number(row.dirty));
    const version = BigInt(row.version);
    return version === NIL_VERSION ? { version: null, dirty } : { version, dirty };
  }

  /** SetVersion(): `version` null means "no migration applied" (below the first one). */
  /** A restored dump needs nothing special here. */
  async readRestored(session: Session): ReturnType<MigrationTracking['readRestored']> {
    const state = await this.read(session);
    return state && { version: state.version === null ? null : String(state.version), dirty: state.dirty };
  }

  /** golang-migrate marks the version dirty before running a migration… */
  beforeStep(session: Session, step: TrackedStep): Promise<void> {
    return this.set(session, step.versionAfter, true);
  }

  /** …and clears the flag only when it succeeded: a failed migration leaves the table dirty. */
  async afterStep(session: Session, step: TrackedStep, result: { status: 'success' | 'error' }): Promise<void> {
    if (result.status === 'success') await this.set(session, step.versionAfter, false);
  }

  async set(session: Session, version: bigint | null, dirty: boolean): Promise<void> {
    await session.query('BEGIN');
    try {
      await session.query(`DELETE FROM ${this.table}`);
      // The driver re-writes NilVersion when dirty, so a failed first down migration stays visible
      // (golang-migrate issue #330); mattn/go-sqlite3 stores a Go bool as 1 or 0.
      if (version !== null || dirty) {
        await session.query(`INSERT INTO ${this.table} (version, dirty) VALUES (?, ?)`, [version ?? NIL_VERSION, dirty ? 1 : 0]);
      }
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
