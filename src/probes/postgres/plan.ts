// Which tables the probes exercise, read from PostgreSQL's catalog just before the step: the
// tables the step names that exist now, then every table a foreign key links to one of them, in
// either direction — a lock on a parent stalls inserts into its children (their FK check reads the
// parent), and a new foreign key on a child locks its parent. Sample rows (lowest and highest
// primary key) are read here too, before the step changes anything.
import type { Session } from '../../engines/engine.ts';
import { displayName, USER_SCHEMA_FILTER } from '../../observe/postgres/names.ts';
import type { ProbePlan } from '../probes.ts';
import { keyOf, probeTargets, quoteIdent, type SampleKey, type TableShape } from './statements.ts';

/** Rows sampled per table; the probes take them in turn. */
const SAMPLE_ROWS = 2;

export async function planProbes(session: Session, names: string[], exclude: ReadonlySet<string>): Promise<ProbePlan> {
  const named = await resolveNamed(session, names);
  const neighbours = await foreignKeyNeighbours(session, named);
  const shapes = await describeTables(session, [...named, ...neighbours.filter((oid) => !named.includes(oid))]);
  const targets: ProbePlan['targets'] = [];
  const notes: string[] = [];
  const isNamed = new Set(named);
  const namedTables: ProbePlan['named'] = [];
  for (const shape of shapes) {
    if (exclude.has(shape.table)) continue;
    if (isNamed.has(shape.oid)) namedTables.push({ table: shape.table, qualified: shape.qualified });
    const planned = probeTargets(shape, await sampleKeys(session, shape));
    targets.push(...planned.targets);
    notes.push(...planned.notes);
  }
  return { targets, named: namedTables, notes };
}

/** The tables behind the names (an index name stands for its table), that exist now. */
async function resolveNamed(session: Session, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  // Names come from the parser as PostgreSQL stores them (`schema.table` when written so); quoting
  // each part keeps their case, and to_regclass resolves the rest through search_path as the
  // migration's session does.
  const quoted = names.map((n) => n.split('.').map(quoteIdent).join('.'));
  const { rows } = await session.query<{ oid: string; ord: string }>(
    `SELECT DISTINCT ON (t.oid) t.oid::int8::text AS oid, q.ord::text AS ord
     FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord)
     JOIN pg_class c ON c.oid = to_regclass(q.name)
     LEFT JOIN pg_index i ON i.indexrelid = c.oid
     JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid)
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relkind IN ('r', 'p') AND t.relpersistence <> 't' AND ${USER_SCHEMA_FILTER}
     ORDER BY t.oid, q.ord`,
    [quoted],
  );
  // First mention first: the probe budget goes to the tables the step names earliest.
  return rows.sort((a, b) => Number(a.ord) - Number(b.ord)).map((r) => r.oid);
}

/** Tables a foreign key links to one of `oids` (either side), partition-level copies of the key left out. */
async function foreignKeyNeighbours(session: Session, oids: string[]): Promise<string[]> {
  if (oids.length === 0) return [];
  const { rows } = await session.query<{ oid: string }>(
    `SELECT DISTINCT other::int8::text AS oid
     FROM pg_constraint k
     CROSS JOIN LATERAL (VALUES (CASE WHEN k.conrelid = ANY($1::oid[]) THEN k.confrelid ELSE k.conrelid END)) AS o(other)
     JOIN pg_class c ON c.oid = o.other
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'f' AND k.conparentid = 0 AND (k.conrelid = ANY($1::oid[]) OR k.confrelid = ANY($1::oid[]))
       AND c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND ${USER_SCHEMA_FILTER}
     ORDER BY 1`,
    [oids],
  );
  return rows.map((r) => r.oid);
}

interface ShapeRow {
  oid: string;
  schema: string;
  name: string;
  kind: string;
  columns: TableShape['columns'];
  primary_key: string[];
  uniques: TableShape['uniques'];
  exclusion: boolean;
  referenced: boolean;
}

/** Columns, keys and constraints of each table, in the order of `oids`. */
async function describeTables(session: Session, oids: string[]): Promise<TableShape[]> {
  if (oids.length === 0) return [];
  // Key columns only (INCLUDE columns follow the first indnkeyatts); attnum 0 is an expression.
  const keyColumns = (alias: string) =>
    `(SELECT json_agg(a.attname ORDER BY k.ord)
      FROM unnest(${alias}.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
      LEFT JOIN pg_attribute a ON a.attrelid = ${alias}.indrelid AND a.attnum = k.attnum
      WHERE k.ord <= ${alias}.indnkeyatts)`;
  const { rows } = await session.query<ShapeRow>(
    `SELECT c.oid::int8::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                   'notNull', a.attnotnull, 'identity', a.attidentity::text, 'generated', a.attgenerated <> '') ORDER BY a.attnum)
                 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       coalesce((SELECT ${keyColumns('i')} FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), '[]') AS primary_key,
       coalesce((SELECT json_agg(json_build_object('name', ic.relname, 'columns', ${keyColumns('i')}, 'nullsNotDistinct', i.indnullsnotdistinct))
                 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                 WHERE i.indrelid = c.oid AND i.indisunique AND NOT i.indisprimary), '[]') AS uniques,
       EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conrelid = c.oid AND x.contype = 'x') AS exclusion,
       EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = c.oid AND f.contype = 'f') AS referenced
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = ANY($1::oid[])`,
    [oids],
  );
  const byOid = new Map(rows.map((r) => [r.oid, r]));
  return oids.flatMap((oid) => {
    const r = byOid.get(oid);
    if (!r) return [];
    return [
      {
        oid: r.oid,
        table: displayName(r.schema, r.name),
        qualified: `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`,
        partitioned: r.kind === 'p',
        columns: r.columns,
        primaryKey: r.primary_key,
        uniques: r.uniques,
        hasExclusionConstraint: r.exclusion,
        referenced: r.referenced,
      },
    ];
  });
}

/** The rows with the lowest and highest primary key (any two rows without one), keys as text. */
async function sampleKeys(session: Session, shape: TableShape): Promise<SampleKey[]> {
  const key = keyOf(shape);
  const asText = `ARRAY[${key.map((k) => `${k.name === 'ctid' ? 'ctid' : quoteIdent(k.name)}::text`).join(', ')}]`;
  const order = (dir: string) => key.map((k) => `${quoteIdent(k.name)} ${dir}`).join(', ');
  const sql =
    shape.primaryKey.length > 0
      ? `(SELECT ${asText} AS k FROM ${shape.qualified} ORDER BY ${order('ASC')} LIMIT 1)
         UNION ALL (SELECT ${asText} AS k FROM ${shape.qualified} ORDER BY ${order('DESC')} LIMIT 1)`
      : `SELECT ${asText} AS k FROM ${shape.qualified} LIMIT ${SAMPLE_ROWS}`;
  const { rows } = await session.query<{ k: string[] }>(sql);
  const seen = new Set<string>();
  return rows.map((r) => r.k).filter((k) => !seen.has(JSON.stringify(k)) && seen.add(JSON.stringify(k)));
}
