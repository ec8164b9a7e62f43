// Reduces a scratch copy of the dataset to a deterministic, foreign-key-consistent fraction, so
// the change can be timed at several sizes (scale runs). SQLite dialect; reduce-postgres.ts is
// the reference, this is the same procedure in SQLite's terms.
//
// 1. Every ordinary table keeps the rows whose key hashes into the fraction:
//    bucket(key) < fraction × 1000, bucket being a 32-bit-style integer mixer computed in SQL
//    (see `bucketOf`): SQLite has no hash function, and the functions rehearse registers on its
//    connections are an aggregate checksum and write-log readers, no scalar hash. The key is:
//    - the rowid, for every rowid table (with or without a primary key, whatever the key's
//      type): an INTEGER PRIMARY KEY is the rowid itself, and for other tables the rowid is the
//      row's identity in the file. The clone is a page-for-page copy of the dataset (online
//      backup), so its rowids are the dataset's: every fraction hashes the same keys, which
//      makes the samples deterministic and nested (the 25 % sample is inside the 50 % one).
//      Hashing a text key from unicode()/length() would be a poor hash; the rowid is exact.
//    - for WITHOUT ROWID tables (no rowid; the primary key is mandatory and NOT NULL): the row's
//      rank in primary-key order (row_number() OVER (ORDER BY pk …)), computed on the whole table
//      before anything of it is deleted. Every reduction starts from the same dataset, so a row
//      has the same rank in every one: deterministic and nested as well.
//    Virtual tables (FTS and the like) and their shadow tables are left whole: their rows are an
//    index of the module's, which deleting from the shadow tables would corrupt.
// 2. Foreign keys are not enforced while deleting (PRAGMA foreign_keys = OFF, which only takes
//    effect outside a transaction: the pragma is read back, and a session inside a transaction
//    is refused). With foreign keys off no ON DELETE action (CASCADE, SET NULL, SET DEFAULT)
//    fires: the reduction must not cascade, rows without a parent are found and deleted below.
//    Triggers would fire on DELETE: the reduced tables' triggers are dropped for the deletes and
//    created again from their stored text, in their order, inside the same transaction (a failure
//    rolls everything back, triggers included). Then rows whose parent is gone are deleted along
//    every foreign key (pragma_foreign_key_list), pass after pass until a pass deletes nothing.
// 3. VACUUM when something shrank (outside the transaction): SQLite leaves freed pages in the
//    file otherwise, and scans would read the full-size layout. Statistics are refreshed
//    (ANALYZE of the reduced tables) where the dataset has them (sqlite_stat1): stale full-size
//    statistics would plan the fraction as the full size. A dataset without statistics is left
//    without: the full-size rehearsal runs on a copy without them too, and giving the fractions
//    statistics it does not have could give them other plans than the rehearsal's.
import type { Session } from '../engines/engine.ts';
import type { ReduceResult } from './reduce-postgres.ts';

interface TableInfo {
  name: string;
  quoted: string;
  withoutRowid: boolean;
  /** Quoted primary key columns in key order (empty without a declared primary key). */
  pk: string[];
  /** How the rowid is spelled in this table (a column may be named `rowid`): null for WITHOUT ROWID tables. */
  rowid: string | null;
}

interface ForeignKey {
  child: string;
  parent: string;
  childColumns: string[];
  parentColumns: string[];
}

export async function reduceToFraction(session: Session, fraction: number, opts: { keep: string[] }): Promise<ReduceResult> {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`fraction must be between 0 and 1, got ${fraction}`);
  const wasOn = await foreignKeysOn(session);
  if (wasOn) {
    await session.query(`PRAGMA foreign_keys = OFF`);
    if (await foreignKeysOn(session)) {
      throw new Error('cannot switch foreign keys off for the reduction: PRAGMA foreign_keys has no effect inside a transaction, and the session is in one');
    }
  }
  try {
    const keep = new Set(opts.keep.map((t) => t.toLowerCase()));
    const tables = (await userTables(session)).filter((t) => !keep.has(t.name.toLowerCase()));
    const byName = new Map(tables.map((t) => [t.name.toLowerCase(), t]));
    const shrunk = new Set<string>();
    const cut = Math.round(fraction * 1000);
    let orphanPasses = 0;

    await session.query('BEGIN IMMEDIATE');
    try {
      const triggers = await triggersOf(session, byName);
      for (const t of triggers) await session.query(`DROP TRIGGER ${quoteIdent(t.name)}`);

      for (const t of tables) {
        const deleted = await session.query(
          t.rowid !== null
            ? `DELETE FROM ${t.quoted} WHERE ${bucketOf(t.rowid)} >= ${cut}`
            : // Ranks are computed over the whole table before the DELETE removes anything (SQLite
              // evaluates an IN (subquery) into a temporary table first).
              `DELETE FROM ${t.quoted} WHERE (${t.pk.join(', ')}) IN (
                 SELECT ${t.pk.join(', ')} FROM (SELECT ${t.pk.join(', ')}, row_number() OVER (ORDER BY ${t.pk.join(', ')}) AS rehearse_rank FROM ${t.quoted})
                  WHERE ${bucketOf('rehearse_rank')} >= ${cut})`,
        );
        if ((deleted.rowCount ?? 0) > 0) shrunk.add(t.name);
      }

      const fks = (await foreignKeys(session, tables, byName)).filter((fk) => byName.has(fk.child.toLowerCase()) && byName.has(fk.parent.toLowerCase()));
      for (let changed = fks.length > 0; changed; ) {
        changed = false;
        orphanPasses++;
        for (const fk of fks) {
          const child = byName.get(fk.child.toLowerCase())!;
          const parent = byName.get(fk.parent.toLowerCase())!;
          // A key with a NULL column references nothing and is never an orphan (SQLite's rule
          // too). The parent column is on the left of `=`: its collation decides, as it does for
          // the foreign key itself.
          const notNull = fk.childColumns.map((c) => `c.${c} IS NOT NULL`).join(' AND ');
          const join = fk.childColumns.map((c, i) => `p.${fk.parentColumns[i]} = c.${c}`).join(' AND ');
          const r = await session.query(`DELETE FROM ${child.quoted} AS c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent.quoted} AS p WHERE ${join})`);
          if ((r.rowCount ?? 0) > 0) {
            changed = true;
            shrunk.add(child.name);
          }
        }
      }

      for (const t of triggers) await session.query(t.sql);
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }

    if (shrunk.size > 0) await session.query('VACUUM');
    for (const name of await analysedTables(session)) {
      const t = byName.get(name.toLowerCase());
      if (t) await session.query(`ANALYZE ${t.quoted}`);
    }
    return { tableRows: await countRows(session, tables), orphanPasses };
  } finally {
    if (wasOn) await session.query(`PRAGMA foreign_keys = ON`);
  }
}

/**
 * A bucket 0…999 of an integer key, as an SQL expression: the key folded to 31 bits, multiplied
 * by the golden-ratio constant (so that small keys, the usual ids, have high bits for the first
 * xor-shift to bring down), then a murmur3-style finaliser (xor-shift, multiply, xor-shift,
 * multiply), all in 31-bit arithmetic so no product leaves SQLite's 64-bit integers (a 31-bit
 * value times a 32-bit constant stays below 2^63; an overflow would turn the value into a REAL).
 * The bucket is the top bits of the last product, scaled to 1000. Unlike a bare multiplicative (Fibonacci) hash, keys in a linear
 * relation (a child's id next to its parent's) land in unrelated buckets, so a child table keeps
 * about fraction² of its rows rather than none or all. XOR is `(a | b) - (a & b)`.
 */
export function bucketOf(key: string): string {
  const M = 0x7fffffff;
  const folded = `((((${key}) & ${M}) + (((${key}) >> 31) & ${M}) + (((${key}) >> 62) & 3)) & ${M})`;
  const xorShift = (h: string, s: number) => `((${h} | (${h} >> ${s})) - (${h} & (${h} >> ${s})))`;
  const mul = (h: string, c: number) => `((${h} * ${c}) & ${M})`;
  return `((${mul(xorShift(mul(xorShift(mul(folded, 0x9e3779b1), 16), 0x85ebca6b), 13), 0xc2b2ae35)} * 1000) >> 31)`;
}

async function foreignKeysOn(session: Session): Promise<boolean> {
  const { rows } = await session.query<{ foreign_keys: number }>('PRAGMA foreign_keys');
  return Number(rows[0]?.foreign_keys ?? 0) === 1;
}

/** Ordinary tables of the main schema: not SQLite's own, not virtual tables nor their shadow tables. */
async function userTables(session: Session): Promise<TableInfo[]> {
  const { rows } = await session.query<{ name: string; wr: number }>(
    `SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
  );
  const tables: TableInfo[] = [];
  for (const r of rows) {
    const { rows: columns } = await session.query<{ name: string; pk: number }>(`SELECT name, pk FROM pragma_table_xinfo(?) ORDER BY cid`, [r.name]);
    const names = new Set(columns.map((c) => c.name.toLowerCase()));
    const pk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => quoteIdent(c.name));
    const withoutRowid = Number(r.wr) === 1;
    const rowid = withoutRowid ? null : (['rowid', '_rowid_', 'oid'].find((alias) => !names.has(alias)) ?? null);
    if (!withoutRowid && rowid === null) {
      throw new Error(`cannot reduce table ${r.name}: it has columns named rowid, _rowid_ and oid, which hide its rowid`);
    }
    tables.push({ name: r.name, quoted: quoteIdent(r.name), withoutRowid, pk, rowid });
  }
  return tables;
}

/** Foreign keys of the reduced tables; parent columns left out in the declaration are the parent's primary key. */
async function foreignKeys(session: Session, tables: TableInfo[], byName: Map<string, TableInfo>): Promise<ForeignKey[]> {
  const fks: ForeignKey[] = [];
  for (const t of tables) {
    const { rows } = await session.query<{ id: number; seq: number; parent: string; from: string; to: string | null }>(
      `SELECT id, seq, "table" AS parent, "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq`,
      [t.name],
    );
    const byId = new Map<number, typeof rows>();
    for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    for (const columns of byId.values()) {
      const parent = byName.get(columns[0]!.parent.toLowerCase());
      if (!parent) continue; // a kept table, or a parent that does not exist (SQLite allows declaring that)
      const parentColumns = columns.every((c) => c.to !== null) ? columns.map((c) => quoteIdent(c.to!)) : parent.pk;
      // `REFERENCES parent` without columns on a parent without a primary key: SQLite reports a
      // foreign key mismatch on every write of the child; there is no parent key to look up.
      if (parentColumns.length !== columns.length) continue;
      fks.push({ child: t.name, parent: parent.name, childColumns: columns.map((c) => quoteIdent(c.from)), parentColumns });
    }
  }
  return fks;
}

/** Triggers on the reduced tables, in creation order, with the text that creates them again. */
async function triggersOf(session: Session, byName: Map<string, TableInfo>): Promise<{ name: string; sql: string }[]> {
  const { rows } = await session.query<{ name: string; tbl_name: string; sql: string }>(`SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY rowid`);
  return rows.filter((r) => byName.has(r.tbl_name.toLowerCase()));
}

/** Tables the dataset has statistics for (none when it was never analysed). */
async function analysedTables(session: Session): Promise<string[]> {
  const { rows: exists } = await session.query(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'`);
  if (exists.length === 0) return [];
  const { rows } = await session.query<{ tbl: string }>(`SELECT DISTINCT tbl FROM sqlite_stat1 ORDER BY tbl`);
  return rows.map((r) => r.tbl);
}

async function countRows(session: Session, tables: TableInfo[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await session.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.quoted}`);
    counts[t.name] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
