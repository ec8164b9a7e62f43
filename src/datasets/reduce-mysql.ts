// Reduces a scratch copy of the dataset to a deterministic, foreign-key-consistent fraction, so
// the change can be timed at several sizes (scale runs). MySQL/MariaDB dialect; reduce-postgres.ts
// is the reference, this is the same procedure in MySQL's terms.
//
// 1. Every base table of the database keeps the rows whose primary key hashes into the fraction:
//    CRC32(CONCAT_WS(0x1f, pk columns…)) mod 1000 < fraction × 1000 (no primary key: every
//    column of the row). Deterministic, so a rerun picks the same rows, and nested: the 25 %
//    sample is inside the 50 % one. The separator is a binary string, so CONCAT_WS never mixes
//    collations; TIMESTAMP keys print in UTC (every session's time_zone, mysql-session.ts).
//    The scratch marker table (`rehearse_scratch`) and `keep` are left alone.
// 2. Foreign keys are not checked while deleting (SET SESSION foreign_key_checks = 0). With the
//    checks off InnoDB does not run ON DELETE CASCADE / SET NULL either: cascades must not fire
//    (a SET NULL would keep a child the sample dropped, with a NULL where its parent was); rows
//    whose parent is gone are deleted below. DELETE triggers would fire, and MySQL cannot switch
//    them off: the reduced tables' DELETE triggers are dropped for the deletes and created again
//    afterwards, from information_schema, in their ACTION_ORDER and under their sql_mode, as the
//    engine's clone created them (copy-database.ts: the connecting user is their definer).
//    Then orphans are deleted along every foreign key of DATABASE() (information_schema
//    REFERENTIAL_CONSTRAINTS + KEY_COLUMN_USAGE), pass after pass until a pass deletes nothing.
//    The orphan DELETE is a multi-table DELETE with a LEFT JOIN: MySQL refuses a subquery on the
//    table being deleted from (error 1093), which self-references need.
// 3. ALTER TABLE … FORCE + ANALYZE TABLE of what shrank (ANALYZE of the rest): InnoDB keeps the
//    freed pages in the table's tablespace otherwise, and scans would read the full-size layout.
//    ALTER … FORCE is what OPTIMIZE TABLE does on InnoDB, without OPTIMIZE's dependence on
//    innodb_optimize_fulltext_only. MariaDB's system-versioned tables are reduced (their history
//    keeps the deleted rows) but not rebuilt: ALTER of such a table needs
//    system_versioning_alter_history = KEEP.
import type { Session } from '../engines/engine.ts';
import { MARKER_TABLE } from '../engines/mysql/scratch-marker.ts';
import { quoteIdent } from '../engines/mysql/sql-text.ts';
import { ReduceNotPermitted, type ReduceResult } from './reduce-postgres.ts';

interface TableInfo {
  name: string;
  quoted: string;
  /** Quoted primary key columns in key order (empty without a primary key). */
  pk: string[];
  /** Quoted columns in table order: the hashed key of a table without a primary key. */
  columns: string[];
  /** A plain base table (not system-versioned): rebuilt when it shrank. */
  rebuild: boolean;
}

interface ForeignKey {
  child: string;
  parent: string;
  childColumns: string[];
  parentColumns: string[];
}

interface Trigger {
  name: string;
  timing: string;
  event: string;
  table: string;
  body: string;
  sqlMode: string;
}

export async function reduceToFraction(session: Session, fraction: number, opts: { keep: string[] }): Promise<ReduceResult> {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`fraction must be between 0 and 1, got ${fraction}`);
  const { rows: saved } = await session.query<{ fk: string | number; mode: string }>(`SELECT @@SESSION.foreign_key_checks AS fk, @@SESSION.sql_mode AS mode`);
  const before = saved[0]!;
  try {
    await session.query(`SET SESSION foreign_key_checks = 0`);
  } catch (error) {
    throw new ReduceNotPermitted(
      `switching off foreign-key checks for the reduction (SET SESSION foreign_key_checks = 0) failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    const keep = new Set([...opts.keep, MARKER_TABLE].map((t) => t.toLowerCase()));
    const tables = (await userTables(session)).filter((t) => !keep.has(t.name.toLowerCase()));
    const byName = new Map(tables.map((t) => [t.name, t]));
    const shrunk = new Set<string>();
    const cut = Math.round(fraction * 1000);
    let orphanPasses = 0;

    const dropped: Trigger[] = [];
    try {
      for (const t of await deleteTriggers(session, byName)) {
        await session.query(`DROP TRIGGER ${quoteIdent(t.name)}`);
        dropped.push(t);
      }
      for (const t of tables) {
        // foreign_key_checks = 0: no ON DELETE CASCADE / SET NULL fires here (nor must it).
        const key = t.pk.length > 0 ? t.pk : t.columns;
        const deleted = await session.query(`DELETE FROM ${t.quoted} WHERE CRC32(CONCAT_WS(0x1f, ${key.join(', ')})) % 1000 >= ${cut}`);
        if ((deleted.rowCount ?? 0) > 0) shrunk.add(t.name);
      }

      const fks = (await foreignKeys(session)).filter((fk) => byName.has(fk.child) && byName.has(fk.parent));
      for (let changed = fks.length > 0; changed; ) {
        changed = false;
        orphanPasses++;
        for (const fk of fks) {
          const child = byName.get(fk.child)!;
          const parent = byName.get(fk.parent)!;
          // MATCH SIMPLE: a key with a NULL column references nothing and is never an orphan.
          // The join compares under the columns' collation, as the foreign key itself does.
          const notNull = fk.childColumns.map((c) => `c.${c} IS NOT NULL`).join(' AND ');
          const join = fk.childColumns.map((c, i) => `p.${fk.parentColumns[i]} = c.${c}`).join(' AND ');
          const r = await session.query(
            `DELETE c FROM ${child.quoted} AS c LEFT JOIN ${parent.quoted} AS p ON ${join} WHERE ${notNull} AND p.${fk.parentColumns[0]} IS NULL`,
          );
          if ((r.rowCount ?? 0) > 0) {
            changed = true;
            shrunk.add(child.name);
          }
        }
      }
    } finally {
      await recreateTriggers(session, dropped, before.mode);
    }

    for (const t of tables) {
      if (shrunk.has(t.name) && t.rebuild) await session.query(`ALTER TABLE ${t.quoted} FORCE`);
    }
    if (tables.length > 0) await checked(session, `ANALYZE TABLE ${tables.map((t) => t.quoted).join(', ')}`);
    return { tableRows: await countRows(session, tables), orphanPasses };
  } finally {
    await session.query(`SET SESSION foreign_key_checks = ?`, [Number(before.fk)]);
  }
}

/** Base tables of DATABASE() (views and MariaDB sequences left out), with their keys and columns. */
async function userTables(session: Session): Promise<TableInfo[]> {
  const { rows: tables } = await session.query<{ name: string; type: string }>(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
      ORDER BY TABLE_NAME`,
  );
  const { rows: columns } = await session.query<{ tbl: string; name: string }>(
    `SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  );
  const { rows: keys } = await session.query<{ tbl: string; name: string }>(
    `SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  );
  const of = (rows: { tbl: string; name: string }[], table: string) => rows.filter((r) => r.tbl === table).map((r) => quoteIdent(r.name));
  return tables.map(({ name, type }) => ({ name, quoted: quoteIdent(name), pk: of(keys, name), columns: of(columns, name), rebuild: type === 'BASE TABLE' }));
}

/** Foreign keys between tables of DATABASE() (one referring to another database's table is left out). */
async function foreignKeys(session: Session): Promise<ForeignKey[]> {
  const { rows } = await session.query<{ name: string; child: string; parent: string; child_column: string; parent_column: string }>(
    `SELECT rc.CONSTRAINT_NAME AS name, rc.TABLE_NAME AS child, rc.REFERENCED_TABLE_NAME AS parent,
            k.COLUMN_NAME AS child_column, k.REFERENCED_COLUMN_NAME AS parent_column
       FROM information_schema.REFERENTIAL_CONSTRAINTS rc
       JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = rc.TABLE_NAME AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
      WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND rc.UNIQUE_CONSTRAINT_SCHEMA = DATABASE()
        AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
  );
  const byKey = new Map<string, ForeignKey>();
  for (const r of rows) {
    const key = `${r.child}\u0000${r.name}`;
    let fk = byKey.get(key);
    if (!fk) byKey.set(key, (fk = { child: r.child, parent: r.parent, childColumns: [], parentColumns: [] }));
    fk.childColumns.push(quoteIdent(r.child_column));
    fk.parentColumns.push(quoteIdent(r.parent_column));
  }
  return [...byKey.values()];
}

/** DELETE triggers of the reduced tables, in the order they fire. */
async function deleteTriggers(session: Session, byName: Map<string, TableInfo>): Promise<Trigger[]> {
  const { rows } = await session.query<{ name: string; timing: string; event: string; tbl: string; body: string; sql_mode: string }>(
    `SELECT TRIGGER_NAME AS name, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event, EVENT_OBJECT_TABLE AS tbl,
            ACTION_STATEMENT AS body, SQL_MODE AS sql_mode
       FROM information_schema.TRIGGERS
      WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_MANIPULATION = 'DELETE'
      ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, ACTION_ORDER`,
  );
  return rows
    .filter((r) => byName.has(r.tbl))
    .map((r) => ({ name: r.name, timing: r.timing, event: r.event, table: r.tbl, body: r.body, sqlMode: r.sql_mode }));
}

/**
 * Creates the dropped triggers again, each after the previous one of its table and timing, so
 * they fire in the same order without FOLLOWS/PRECEDES; each under the sql_mode it was created
 * with (a trigger body runs with it). The session's sql_mode is restored afterwards.
 */
async function recreateTriggers(session: Session, triggers: Trigger[], sessionMode: string): Promise<void> {
  if (triggers.length === 0) return;
  try {
    for (const t of triggers) {
      await session.query(`SET SESSION sql_mode = ?`, [t.sqlMode]);
      await session.query(`CREATE TRIGGER ${quoteIdent(t.name)} ${t.timing} ${t.event} ON ${quoteIdent(t.table)} FOR EACH ROW ${t.body}`);
    }
  } finally {
    await session.query(`SET SESSION sql_mode = ?`, [sessionMode]);
  }
}

/** Runs a table-maintenance statement (ANALYZE/OPTIMIZE TABLE), which reports failures as rows rather than errors. */
async function checked(session: Session, sql: string): Promise<void> {
  const { rows } = await session.query<{ Table: string; Msg_type: string; Msg_text: string }>(sql);
  const errors = rows.filter((r) => String(r.Msg_type).toLowerCase() === 'error');
  if (errors.length > 0) throw new Error(`${sql.split(' ').slice(0, 2).join(' ')} failed: ${errors.map((e) => `${e.Table}: ${e.Msg_text}`).join('; ')}`);
}

async function countRows(session: Session, tables: TableInfo[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await session.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${t.quoted}`);
    counts[t.name] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}
