// A normalised picture of a database's schema, read from pg_catalog: enough to say exactly which
// column, index, constraint or trigger did not come back after a rollback and reapply.
import type { Session } from '../../engines/engine.ts';
import type { SchemaSnapshot, TableSchema } from '../../rehearsal/evidence.ts';
import { displayName, USER_SCHEMA_FILTER } from './names.ts';

// Objects that belong to an extension are the extension's business, not the migrations'.
const NOT_FROM_EXTENSION = (oidExpr: string, catalog: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oidExpr} AND d.deptype = 'e')`;

export async function introspectSchema(session: Session): Promise<SchemaSnapshot> {
  const tables: Record<string, TableSchema> = {};
  const table = (schema: string, name: string): TableSchema => {
    const key = displayName(schema, name);
    return (tables[key] ??= { name: key, columns: [], indexes: {}, constraints: {}, triggers: {} });
  };

  // A column's collation only where it is not its type's default (COLLATE "C" on a text column),
  // named as PostgreSQL shows it: bare for pg_catalog's collations, schema-qualified otherwise.
  const cols = await session.query<{ schema: string; rel: string; col: string; type: string; notnull: boolean; def: string | null; gen: string; coll: string | null }>(`
    SELECT n.nspname AS schema, c.relname AS rel, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def, a.attgenerated::text AS gen,
           CASE WHEN co.oid IS NULL THEN NULL WHEN cn.nspname = 'pg_catalog' THEN co.collname::text ELSE cn.nspname || '.' || co.collname END AS coll
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type ty ON ty.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> ty.typcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMA_FILTER}
      AND ${NOT_FROM_EXTENSION('c.oid', 'pg_class')}
    ORDER BY n.nspname, c.relname, a.attnum`);
  for (const r of cols.rows) {
    const def = r.def === null ? null : r.gen === 's' ? `GENERATED ALWAYS AS (${r.def}) STORED` : r.def;
    table(r.schema, r.rel).columns.push({ name: r.col, type: r.type, notNull: r.notnull, default: def, ...(r.coll ? { collation: r.coll } : {}) });
  }

  const idx = await session.query<{ schema: string; rel: string; name: string; def: string; valid: boolean }>(`
    SELECT n.nspname AS schema, t.relname AS rel, c.relname AS name, pg_get_indexdef(c.oid) AS def, i.indisvalid AS valid
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE ${USER_SCHEMA_FILTER} AND t.relkind IN ('r', 'p', 'm')`);
  for (const r of idx.rows) table(r.schema, r.rel).indexes[r.name] = r.valid ? r.def : `${r.def} (INVALID)`;

  const cons = await session.query<{ schema: string; rel: string; name: string; def: string; validated: boolean }>(`
    SELECT n.nspname AS schema, t.relname AS rel, k.conname AS name, pg_get_constraintdef(k.oid) AS def, k.convalidated AS validated
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE ${USER_SCHEMA_FILTER}`);
  for (const r of cons.rows) table(r.schema, r.rel).constraints[r.name] = r.validated ? r.def : `${r.def} NOT VALID`;

  const trg = await session.query<{ schema: string; rel: string; name: string; def: string; enabled: string }>(`
    SELECT n.nspname AS schema, t.relname AS rel, g.tgname AS name, pg_get_triggerdef(g.oid) AS def, g.tgenabled::text AS enabled
    FROM pg_trigger g
    JOIN pg_class t ON t.oid = g.tgrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE NOT g.tgisinternal AND ${USER_SCHEMA_FILTER}`);
  for (const r of trg.rows) table(r.schema, r.rel).triggers[r.name] = r.enabled === 'D' ? `${r.def} (DISABLED)` : r.def;

  const views: Record<string, string> = {};
  const vws = await session.query<{ schema: string; name: string; kind: string; def: string }>(`
    SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, pg_get_viewdef(c.oid) AS def
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMA_FILTER} AND ${NOT_FROM_EXTENSION('c.oid', 'pg_class')}`);
  for (const r of vws.rows) views[displayName(r.schema, r.name)] = (r.kind === 'm' ? 'MATERIALIZED ' : '') + r.def.trim();

  const seqs = await session.query<{ schema: string; name: string }>(`
    SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND ${USER_SCHEMA_FILTER} ORDER BY 1, 2`);
  const sequences = seqs.rows.map((r) => displayName(r.schema, r.name));

  const types: Record<string, string> = {};
  const typ = await session.query<{ schema: string; name: string; def: string }>(`
    SELECT n.nspname AS schema, t.typname AS name,
           CASE t.typtype
             WHEN 'e' THEN 'ENUM (' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
             WHEN 'd' THEN 'DOMAIN ' || format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
               || coalesce((SELECT ' ' || string_agg(pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid), '')
           END AS def
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('e', 'd') AND ${USER_SCHEMA_FILTER} AND ${NOT_FROM_EXTENSION('t.oid', 'pg_type')}`);
  for (const r of typ.rows) types[displayName(r.schema, r.name)] = r.def;

  const functions: Record<string, string> = {};
  const fns = await session.query<{ schema: string; sig: string; def: string }>(`
    SELECT n.nspname AS schema, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS sig,
           'RETURNS ' || pg_get_function_result(p.oid) || ' LANGUAGE ' || l.lanname || ' body md5 ' || md5(coalesce(p.prosrc, '')) AS def
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    WHERE ${USER_SCHEMA_FILTER} AND ${NOT_FROM_EXTENSION('p.oid', 'pg_proc')}`);
  for (const r of fns.rows) functions[displayName(r.schema, r.sig)] = r.def;

  return { tables: sortKeys(tables), views: sortKeys(views), sequences, types: sortKeys(types), functions: sortKeys(functions) };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
