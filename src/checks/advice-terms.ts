// The safe alternatives, in the terms of the target's engine: the same advice keys (a check picks
// the key from what went wrong) with the statements, settings and tools of PostgreSQL, MySQL /
// MariaDB or SQLite. A check gets its terms with `adviceTerms(target.engine)`.
import { dialectOfName, type Dialect } from '../engines/engine.ts';

const POSTGRES = {
  lockTimeout:
    "Always run migrations with a short lock_timeout (SET lock_timeout = '2s') and retry on failure: a DDL statement queued behind a long-running query otherwise makes every later read and write of the table queue behind it.",
  lockQueue:
    "Set a short lock_timeout at the top of the migration (SET lock_timeout = '2s', under the blocking limit) and have the deploy retry it after a pause when it fails with lock_not_available (55P03): the DDL then gives up instead of holding every query of the table in a queue behind a long transaction. Keep long reports and background jobs off the tables during deploys, or bound them with statement_timeout and idle_in_transaction_session_timeout.",
  concurrentIndex:
    'Build the index with CREATE INDEX CONCURRENTLY in a migration of its own that runs outside a transaction (reads and writes continue under SHARE UPDATE EXCLUSIVE); if it fails it leaves an INVALID index: DROP INDEX CONCURRENTLY it and retry.',
  reindexConcurrently:
    'Rebuild with REINDEX INDEX CONCURRENTLY (PostgreSQL 12+), or CREATE INDEX CONCURRENTLY a replacement and DROP INDEX CONCURRENTLY the old one, outside a transaction.',
  uniqueUsingIndex:
    'Build the unique index first with CREATE UNIQUE INDEX CONCURRENTLY in its own non-transactional migration, then attach it with ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY / UNIQUE USING INDEX, which only needs a brief lock.',
  foreignKeyNotValid:
    'Add the foreign key with NOT VALID (only a brief lock, new rows are checked at once), then ALTER TABLE … VALIDATE CONSTRAINT in a later migration: validation takes SHARE UPDATE EXCLUSIVE, so reads and writes continue.',
  checkNotValid:
    'Add the CHECK constraint with NOT VALID (brief lock, new rows are checked at once), then ALTER TABLE … VALIDATE CONSTRAINT in a later migration under SHARE UPDATE EXCLUSIVE, which lets reads and writes continue.',
  setNotNull:
    'Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later migration, then SET NOT NULL: PostgreSQL 12+ uses the validated constraint instead of scanning the table under ACCESS EXCLUSIVE, and the CHECK can be dropped afterwards.',
  newColumnSwap:
    'Change a column type without a rewrite under lock: add a new column of the new type, keep it in sync for new writes (application or trigger), backfill existing rows in batches, then swap the names in one short transaction and drop the old column later. Changes PostgreSQL can do without a rewrite (varchar(n) to a larger n or to text, numeric precision increases) need no such dance.',
  addColumnWithoutVolatileDefault:
    'A volatile default (random(), clock_timestamp(), gen_random_uuid(), serial or identity values) or a stored generated column is computed for every existing row, which rewrites the table under ACCESS EXCLUSIVE. Add the column without the default, set the default for new rows with ALTER COLUMN … SET DEFAULT, and backfill existing rows in batches. A constant default (PostgreSQL 11+) is stored in the catalog and needs no rewrite.',
  batchedBackfill:
    'Backfill in batches of about 10,000 rows per transaction (keyset pagination on the primary key, commit after each batch, a short pause between batches), from a separate data migration or a background job rather than inside the schema migration.',
  splitDdlAndBackfill:
    "Split the DDL and the backfill: a lock taken by DDL is held until the transaction commits, so an UPDATE in the same transaction keeps the table locked for the whole backfill. Commit the DDL alone, then backfill in batches (about 10,000 rows per transaction).",
  expandContract:
    'Use expand/contract: add the new structure next to the old, backfill it in batches, switch the application, and remove the old structure in a later release.',
  keepOldName:
    "Keep the old name working until no running code uses it: after ALTER TABLE … SET SCHEMA or RENAME, create a view under the old name (CREATE VIEW public.old_name AS SELECT * FROM new_schema.old_name, or … FROM new_name after a rename: a simple view is updatable, so the old code's writes go through), or for a move keep the new schema in the application role's search_path (ALTER ROLE app SET search_path = public, new_schema); drop the view in a later release.",
  writeVolume:
    'Batch the change in small transactions with a pause between batches, watching replica lag (pg_stat_replication.replay_lag) so replicas keep up, or move it to a background job outside the deploy: replicas must replay every byte the step writes, and one large transaction also pins WAL on disk until it commits. To empty a whole table use TRUNCATE (or drop a partition) instead of DELETE.',
  missingIndex: 'add the index the per-row lookup is missing (CREATE INDEX CONCURRENTLY, in a migration before this one)',
  sessionTimeout: 'SET statement_timeout in the migration',
  notNullRewrite: "Adding NOT NULL needs no rewrite: SET NOT NULL alone only scans the table. Keep it out of statements that also change the column's type.",
  rebuild:
    'For a rebuild that cannot be avoided, use pg_repack (or pg_squeeze) outside the deploy: it copies the table online and takes ACCESS EXCLUSIVE only briefly at the end.',
  codifyDrift:
    "Make the migrations say what production has before the change runs: add a migration, ordered before the change, that codifies the hand-made change so it applies everywhere and is a no-op where it is already in place (CREATE INDEX CONCURRENTLY IF NOT EXISTS … in a migration of its own; ALTER TABLE … ALTER COLUMN … TYPE … to production's type; ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT), or remove the hotfix from production, so a fresh database and production agree again.",
  restateDrifted:
    "Write the change against production's real definition, not the one the migrations describe: a statement that restates the object (ALTER COLUMN … TYPE, dropping and recreating an index or constraint, CREATE OR REPLACE VIEW) otherwise silently undoes the hand-made change in production, or fails on it.",
};


export type AdviceTerms = Record<keyof typeof POSTGRES, string>;

// MySQL / MariaDB: DDL takes a metadata lock (MDL) and commits implicitly; InnoDB's online DDL
// says per operation whether it runs INSTANT, INPLACE (reads and writes continue with LOCK=NONE)
// or COPY (the table is copied with writes blocked). Stating ALGORITHM= and LOCK= makes the
// server refuse an ALTER that cannot run that way, instead of silently taking the stronger lock.
const MYSQL: AdviceTerms = {
  lockTimeout:
    'Run migrations with a short metadata-lock wait (SET SESSION lock_wait_timeout = 5; on MariaDB also ALTER TABLE … WAIT 5 or NOWAIT) and retry on failure: an ALTER waiting for its metadata lock behind a long transaction otherwise makes every later read and write of the table queue behind it.',
  lockQueue:
    "Set a short lock_wait_timeout at the top of the migration (SET SESSION lock_wait_timeout = 2, under the blocking limit; MariaDB: ALTER TABLE … WAIT 2) and have the deploy retry it after a pause when it fails with error 1205 (lock wait timeout exceeded): the ALTER then gives up instead of holding every query of the table in a queue behind a long transaction. Keep long reports and background jobs off the tables during deploys, or bound them with max_statement_time (MariaDB) / max_execution_time (MySQL).",
  concurrentIndex:
    'Add the index online: ALTER TABLE … ADD INDEX …, ALGORITHM=INPLACE, LOCK=NONE — InnoDB builds it while reads and writes continue, and the server refuses rather than locks if it cannot. On large or busy tables use pt-online-schema-change (or gh-ost, for tables without foreign keys), throttled on replica lag.',
  reindexConcurrently:
    'OPTIMIZE TABLE and ALTER TABLE … FORCE rebuild the whole table: run them outside the deploy with ALGORITHM=INPLACE, LOCK=NONE, or with gh-ost / pt-online-schema-change on large tables.',
  uniqueUsingIndex:
    'Check for duplicates first, then add the unique index online (ADD UNIQUE INDEX …, ALGORITHM=INPLACE, LOCK=NONE). Changing the primary key rebuilds an InnoDB table (rows are stored in primary-key order): do it with pt-online-schema-change (or gh-ost, for tables without foreign keys), or keep the key and add a secondary unique index.',
  foreignKeyNotValid:
    'InnoDB adds a foreign key in place only with foreign_key_checks = 0; with checks on it copies the table (ALGORITHM=COPY) with writes blocked. Find orphans with a query first, then add the key with SET foreign_key_checks = 0 and ALGORITHM=INPLACE in a migration of its own.',
  checkNotValid:
    'Adding a CHECK constraint copies the table to check every existing row, with writes blocked. Clean the data first in batches, add the constraint in a migration of its own, and on a large table use pt-online-schema-change (or gh-ost, for tables without foreign keys).',
  setNotNull:
    'MODIFY … NOT NULL rebuilds the table and fails on the first NULL: backfill the NULLs in batches first, then MODIFY with ALGORITHM=INPLACE, LOCK=NONE (strict SQL mode) so reads and writes continue during the rebuild; on large tables use pt-online-schema-change (or gh-ost, for tables without foreign keys).',
  newColumnSwap:
    'Changing a column type copies the table (ALGORITHM=COPY) with writes blocked. Use pt-online-schema-change (or gh-ost, for tables without foreign keys), or add a new column, backfill it in batches and switch. Widening a VARCHAR within the same length-byte size (up to 255 bytes, or from 256 up) is in place and instant: state ALGORITHM=INPLACE, LOCK=NONE to be sure.',
  addColumnWithoutVolatileDefault:
    'Add the column with ALGORITHM=INSTANT (MariaDB 10.3+ and MySQL 8.0.12+ at the end of the table; anywhere on MariaDB 10.4+ and MySQL 8.0.29+), so the server refuses instead of copying the table. A default computed per row, a stored generated column or a changed row format needs a rebuild: add the column plainly and backfill in batches.',
  batchedBackfill:
    'Backfill in batches of about 10,000 rows per transaction (keyset pagination on the primary key, commit after each batch, a pause between batches so replicas keep up with the binlog), from a separate data migration or a background job rather than inside the schema migration.',
  splitDdlAndBackfill:
    'Keep the backfill out of the schema migration: MySQL commits the DDL at once, and the UPDATE that follows runs as one huge transaction that locks every row it changes and writes it all to the binlog in one go. Backfill in batches of about 10,000 rows per transaction instead.',
  expandContract:
    'Use expand/contract: add the new structure next to the old, backfill it in batches, switch the application, and remove the old structure in a later release.',
  keepOldName:
    "Keep the old name working until no running code uses it: after RENAME TABLE (also into another database), create a view under the old name (CREATE VIEW old_name AS SELECT * FROM new_name, or … FROM other_db.old_name after a move: a single-table view is updatable, so the old code's writes go through); drop it in a later release.",
  writeVolume:
    'Batch the change in small transactions with a pause between batches, watching replica lag (SHOW REPLICA STATUS: Seconds_Behind_Master) so replicas keep up, or move it to a background job outside the deploy: replicas apply the binlog one transaction at a time, so one large transaction stalls replication for as long as it ran. To empty a whole table use TRUNCATE (or drop a partition) instead of DELETE.',
  missingIndex: 'add the index the per-row lookup is missing (ADD INDEX …, ALGORITHM=INPLACE, LOCK=NONE, in a migration before this one)',
  sessionTimeout: 'SET SESSION max_statement_time on MariaDB, SET SESSION max_execution_time (SELECT only) on MySQL',
  notNullRewrite: 'MODIFY … NOT NULL rebuilds the whole table, even when no row is NULL.',
  rebuild:
    'For a rebuild that cannot be avoided, state ALGORITHM=INPLACE, LOCK=NONE where the operation allows it (reads and writes continue while InnoDB rebuilds), or use pt-online-schema-change (or gh-ost, for tables without foreign keys) outside the deploy, throttled on replica lag.',
  codifyDrift:
    "Make the migrations say what production has before the change runs: add a migration, ordered before the change, that codifies the hand-made change so it applies everywhere (MODIFY … restating the column exactly as production has it, from SHOW CREATE TABLE; CREATE INDEX IF NOT EXISTS / ADD COLUMN IF NOT EXISTS on MariaDB; on MySQL, which has no IF NOT EXISTS for indexes, a migration that checks information_schema.STATISTICS first), or remove the hotfix from production, so a fresh database and production agree again.",
  restateDrifted:
    "Write the change against production's real definition: MODIFY and CHANGE restate the whole column (type, NULL / NOT NULL, DEFAULT, COLLATE, AUTO_INCREMENT), so restate it from production's definition (SHOW CREATE TABLE on production), not from the old migration, or the change silently undoes the hand-made change (a widening, a collation, a default).",
};

// SQLite: one writer at a time for the whole database file. In WAL mode readers continue while a
// write transaction runs; other writers wait up to their busy_timeout, then fail with SQLITE_BUSY.
// ALTER TABLE can only rename, add a column and drop one: everything else is a table rebuild.
const TWELVE_STEPS =
  'the documented 12-step rebuild (sqlite.org/lang_altertable.html#otheralter): PRAGMA foreign_keys=OFF outside the transaction, BEGIN, CREATE TABLE new_x with the new definition, INSERT INTO new_x SELECT … FROM x, DROP TABLE x, ALTER TABLE new_x RENAME TO x, recreate indexes, triggers and views, PRAGMA foreign_key_check, COMMIT, PRAGMA foreign_keys=ON';
const SQLITE: AdviceTerms = {
  lockTimeout:
    "SQLite has one writer at a time: keep every write transaction of a migration short, and give the application a busy_timeout longer than the longest one, or its writes fail with SQLITE_BUSY while the migration runs.",
  lockQueue:
    'A long read transaction keeps the WAL from being checkpointed and a write transaction waits for nothing but other writers: keep write transactions short and set a busy_timeout in the application and in the migration runner.',
  concurrentIndex:
    'SQLite builds an index under the database write lock: readers continue (WAL mode), writers wait. Build large indexes in a maintenance window, or when write traffic allows a pause as long as the build measured at production size.',
  reindexConcurrently:
    'REINDEX and VACUUM rewrite under the write lock: run them outside the deploy (VACUUM INTO a new file and swap it in, where the application allows).',
  uniqueUsingIndex: `Check for duplicates first, then CREATE UNIQUE INDEX. A new PRIMARY KEY or UNIQUE constraint in the table definition needs ${TWELVE_STEPS}.`,
  foreignKeyNotValid: `SQLite cannot add a foreign key with ALTER TABLE: it needs ${TWELVE_STEPS}. Find orphans with PRAGMA foreign_key_check before switching.`,
  checkNotValid: `SQLite cannot add a CHECK constraint with ALTER TABLE: it needs ${TWELVE_STEPS}. Clean the data first, or the copy fails.`,
  setNotNull: `SQLite cannot add NOT NULL to a column with ALTER TABLE: backfill the NULLs, then ${TWELVE_STEPS}.`,
  newColumnSwap: `SQLite changes a column's type only by ${TWELVE_STEPS}.`,
  addColumnWithoutVolatileDefault:
    'ALTER TABLE … ADD COLUMN is instant in SQLite, but not with a PRIMARY KEY or UNIQUE column, an expression default such as CURRENT_TIMESTAMP, NOT NULL without a default, or a stored generated column: add it plainly and backfill in batches.',
  batchedBackfill:
    'Backfill in batches of a few thousand rows per transaction (keyset pagination on the rowid or primary key, commit after each): every write transaction holds the only write lock, so the application can write between batches.',
  splitDdlAndBackfill:
    'Split the DDL and the backfill: the whole migration holds the database write lock until it commits. Commit the schema change alone, then backfill in short batches.',
  expandContract:
    'Use expand/contract: add the new structure next to the old, backfill it in batches, switch the application, and remove the old structure in a later release.',
  keepOldName:
    "Keep the old name working until no running code uses it: after ALTER TABLE … RENAME TO, create a view under the old name (CREATE VIEW old_name AS SELECT * FROM new_name); SQLite views are read-only, so give it INSTEAD OF INSERT/UPDATE/DELETE triggers for the old code's writes, and drop it in a later release.",
  writeVolume:
    'Batch the change in short transactions: the WAL file grows with every page a transaction writes until a checkpoint after it commits, readers slow down as it grows, and a replication tool (Litestream, LiteFS) ships it all. To empty a whole table, DELETE without a WHERE uses the truncate optimization; or drop and recreate the table.',
  missingIndex: 'add the index the per-row lookup is missing (CREATE INDEX, in a migration before this one)',
  sessionTimeout: 'the busy_timeout and any query timeout of the connection that runs the migration',
  notNullRewrite: 'SQLite adds NOT NULL to an existing column only by rebuilding the table.',
  rebuild:
    'SQLite rebuilds hold the database write lock for the whole copy: every writer of the application waits (readers continue in WAL mode). Do the 12-step rebuild in a migration of its own, at a time when writes can pause for as long as the copy takes at production size, with foreign_keys switched off outside the transaction so no cascade fires.',
  codifyDrift:
    "Make the migrations say what production has before the change runs: add a migration, ordered before the change, that codifies the hand-made change so it applies everywhere (CREATE INDEX IF NOT EXISTS …; a changed column or constraint only by a table rebuild), or remove the hotfix from production, so a fresh database and production agree again.",
  restateDrifted:
    "Write the change against production's real definition: a table rebuild restates the whole CREATE TABLE, so copy it from production's schema (sqlite3 .schema), not from the old migration, or the rebuild silently undoes the hand-made change and drops hand-made indexes and triggers.",
};

const TERMS: Record<Dialect, AdviceTerms> = { postgres: POSTGRES, mysql: MYSQL, sqlite: SQLITE };

/** PostgreSQL's terms: the default where a check has no target at hand. */
export const ADVICE: AdviceTerms = POSTGRES;

/** The advice in the terms of an engine (`target.engine`). */
export function adviceTerms(engine: string): AdviceTerms {
  return TERMS[dialectOfName(engine)];
}
