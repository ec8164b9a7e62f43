// Reduces a scratch copy of the dataset to a deterministic, foreign-key-consistent fraction, so
// the change can be timed at several sizes (scale runs). PostgreSQL dialect (server and PGlite).
//
// 1. Every user table keeps the rows whose primary key hashes into the fraction:
//    hashtextextended(pk::text, 0) mod 1000 < fraction × 1000 (no primary key: the whole row's
//    text). Deterministic, so a rerun picks the same rows, and nested: the 25 % sample is inside
//    the 50 % one.
// 2. Foreign keys are not checked while deleting (session_replication_role = replica, which
//    needs a superuser); then rows whose parent is gone are deleted along every foreign key, pass
//    after pass until a pass deletes nothing. Self-references and cycles terminate because each
//    pass only deletes.
// 3. VACUUM FULL + ANALYZE of what shrank: dead tuples would otherwise make every scan read the
//    full-size table, and the timing would not be the fraction's.
import type { Session } from '../engines/engine.ts';

export interface ReduceResult {
  /** Rows per table after reduction, by schema-less name for `public` tables. */
  tableRows: Record<string, number>;
  orphanPasses: number;
}

interface TableInfo {
  oid: string;
  /** Quoted, schema-qualified. */
  qualified: string;
  /** Report name: `public.` dropped. */
  name: string;
  /** Quoted primary key columns, empty without one. */
  pk: string[];
}

interface ForeignKey {
  child: string;
  parent: string;
  childColumns: string[];
  parentColumns: string[];
}

/** Thrown when foreign keys cannot be switched off (not a superuser): scale runs are skipped. */
export class ReduceNotPermitted extends Error {}

export async function reduceToFraction(session: Session, fraction: number, opts: { keep: string[] }): Promise<ReduceResult> {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`fraction must be between 0 and 1, got ${fraction}`);
  try {
    await session.query(`SET session_replication_role = replica`);
  } catch (error) {
    throw new ReduceNotPermitted(
      `switching off foreign-key checks for the reduction (SET session_replication_role = replica) failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    const keep = new Set(opts.keep.map((t) => t.toLowerCase()));
    const tables = (await userTables(session)).filter((t) => !keep.has(t.name.toLowerCase()));
    const shrunk = new Set<string>();
    const cut = Math.round(fraction * 1000);
    for (const t of tables) {
      const key = t.pk.length === 0 ? 'x' : t.pk.length === 1 ? `x.${t.pk[0]}` : `ROW(${t.pk.map((c) => `x.${c}`).join(', ')})`;
      // mod of a negative hash is negative: shift into 0..999.
      const deleted = await session.query(`DELETE FROM ${t.qualified} AS x WHERE ((hashtextextended((${key})::text, 0) % 1000) + 1000) % 1000 >= ${cut}`);
      if ((deleted.rowCount ?? 0) > 0) shrunk.add(t.oid);
    }

    const byOid = new Map(tables.map((t) => [t.oid, t]));
    const fks = (await foreignKeys(session)).filter((fk) => byOid.has(fk.child) && byOid.has(fk.parent));
    let orphanPasses = 0;
    for (let changed = fks.length > 0; changed; ) {
      changed = false;
      orphanPasses++;
      for (const fk of fks) {
        const child = byOid.get(fk.child)!;
        const parent = byOid.get(fk.parent)!;
        // MATCH SIMPLE: a key with a NULL column references nothing and is never an orphan.
        const notNull = fk.childColumns.map((c) => `c.${c} IS NOT NULL`).join(' AND ');
        const join = fk.childColumns.map((c, i) => `p.${fk.parentColumns[i]} = c.${c}`).join(' AND ');
        const r = await session.query(`DELETE FROM ${child.qualified} AS c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent.qualified} AS p WHERE ${join})`);
        if ((r.rowCount ?? 0) > 0) {
          changed = true;
          shrunk.add(child.oid);
        }
      }
    }

    for (const t of tables) {
      await session.query(shrunk.has(t.oid) ? `VACUUM (FULL, ANALYZE) ${t.qualified}` : `ANALYZE ${t.qualified}`);
    }
    return { tableRows: await countRows(session, tables), orphanPasses };
  } finally {
    await session.query(`RESET session_replication_role`);
  }
}

/** Ordinary and partitioned tables of the user's schemas; partitions are reached through their parent. */
async function userTables(session: Session): Promise<TableInfo[]> {
  const { rows } = await session.query<{ oid: string; qualified: string; nspname: string; relname: string; pk: string[] | null }>(`
    SELECT c.oid::text AS oid,
           format('%I.%I', n.nspname, c.relname) AS qualified, n.nspname, c.relname,
           (SELECT array_agg(quote_ident(a.attname) ORDER BY k.ord)
              FROM pg_constraint pk
              CROSS JOIN LATERAL unnest(pk.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE pk.conrelid = c.oid AND pk.contype = 'p') AS pk
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY 2`);
  return rows.map((r) => ({ oid: r.oid, qualified: r.qualified, name: r.nspname === 'public' ? r.relname : `${r.nspname}.${r.relname}`, pk: pgArray(r.pk) }));
}

async function foreignKeys(session: Session): Promise<ForeignKey[]> {
  const { rows } = await session.query<{ child: string; parent: string; child_columns: string[]; parent_columns: string[] }>(`
    SELECT fk.conrelid::text AS child, fk.confrelid::text AS parent,
           (SELECT array_agg(quote_ident(a.attname) ORDER BY k.ord) FROM unnest(fk.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = fk.conrelid AND a.attnum = k.attnum) AS child_columns,
           (SELECT array_agg(quote_ident(a.attname) ORDER BY k.ord) FROM unnest(fk.confkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = fk.confrelid AND a.attnum = k.attnum) AS parent_columns
      FROM pg_constraint fk
     WHERE fk.contype = 'f' AND fk.conparentid = 0
     ORDER BY fk.conname`);
  return rows.map((r) => ({ child: r.child, parent: r.parent, childColumns: pgArray(r.child_columns), parentColumns: pgArray(r.parent_columns) }));
}

export async function countRows(session: Session, tables: { qualified: string; name: string }[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await session.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t.qualified}`);
    counts[t.name] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

/** Drivers differ: `pg` parses name[] into an array, others may hand back `{a,b}`. */
function pgArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',');
}
