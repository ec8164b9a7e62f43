// golang-migrate's tracking table, kept exactly as its MySQL driver (database/mysql/mysql.go)
// keeps it, so a dump of a production database restores and continues as-is:
//
// - ensureVersionTable: `SHOW TABLES LIKE '<table>'`, and when nothing matches,
//   CREATE TABLE `<table>` (version bigint not null primary key, dirty boolean not null);
// - SetVersion: in a transaction, `TRUNCATE` the table, then INSERT (version, dirty) when
//   version >= 0, or when it is NilVersion (-1) and dirty (golang-migrate issue #330: a failed
//   down of the first migration must still leave a dirty row); nothing for a clean NilVersion;
// - Version: `SELECT version, dirty … LIMIT 1`; no row means NilVersion, clean.
//
// TRUNCATE commits implicitly on MySQL, so the driver's "transaction" does not make the swap
// atomic: the INSERT runs in autocommit after it and the COMMIT finds nothing to commit. A crash
// in between leaves an empty table, as it would in production; rehearse repeats the same
// statements rather than improving on them.
//
// golang-migrate also takes an advisory lock (GET_LOCK) around its work; rehearse runs alone on a
// scratch database it created, so there is nobody to lock out.
import { quoteIdent } from '../engines/mysql/sql-text.ts';
import type { Session } from '../engines/engine.ts';
import type { MigrationTracking, TrackedStep, TrackingState } from './tracking.ts';

/** golang-migrate's NilVersion: written only to record a dirty state below the first migration. */
const NIL_VERSION = -1n;

export class GolangMigrateTrackingMysql implements MigrationTracking {
  constructor(readonly table = 'schema_migrations') {}

  async ensure(session: Session): Promise<void> {
    // As the driver does, unescaped: `_` in the name is a LIKE wildcard there too.
    const { rows } = await session.query(`SHOW TABLES LIKE '${this.table}'`);
    if (rows.length > 0) return;
    await session.query(`CREATE TABLE ${this.#quoted} (version bigint not null primary key, dirty boolean not null)`);
  }

  async read(session: Session): Promise<TrackingState | null> {
    const exists = await session.query(
      'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [this.table],
    );
    if (exists.rows.length === 0) return null;
    // version is a BIGINT: the session returns it as an exact string; dirty is a TINYINT(1).
    const { rows } = await session.query<{ version: string | number; dirty: number | string }>(`SELECT version, dirty FROM ${this.#quoted} LIMIT 1`);
    const row = rows[0];
    if (!row) return { version: null, dirty: false };
    const dirty = Number(row.dirty) !== 0;
    const version = BigInt(row.version);
    return { version: version === NIL_VERSION ? null : version, dirty };
  }

  /** `version` null means "no migration applied" (golang-migrate's NilVersion). */
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
    await session.query('START TRANSACTION');
    try {
      await session.query(`TRUNCATE ${this.#quoted}`);
      if (version !== null || dirty) {
        await session.query(`INSERT INTO ${this.#quoted} (version, dirty) VALUES (?, ?)`, [String(version ?? NIL_VERSION), dirty]);
      }
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  get #quoted(): string {
    return quoteIdent(this.table);
  }
}
