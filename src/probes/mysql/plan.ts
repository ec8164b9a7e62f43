// Which tables the probes exercise, read from information_schema just before the step: the tables
// the step names that exist now, then every table a foreign key links to one of them, in either
// direction — a lock on a parent stalls inserts into its children (their FK check reads the
// parent), and a new foreign key on a child locks its parent. Sample rows (lowest and highest key)
// are read here too, before the step changes anything.
import type { Session } from '../../engines/engine.ts';
import { quoteIdent } from '../../engines/mysql/sql-text.ts';
import { isInternalTable, MARKER_TABLE } from '../../observe/mysql/names.ts';
import type { ProbePlan } from '../probes.ts';
import { keyOf, probeTargets, sampleExpression, type ColumnShape, type ProbeSyntax, type SampleKey, type TableShape } from './statements.ts';

/** What planning read from the tables themselves, to tally: rows read per table. */
export type SampleReads = Map<string, number>;

/** Tables linked to each probed table by a foreign key, either way. */
export type ForeignKeyLinks = Map<string, string[]>;

export async function planProbes(
  session: Session,
  names: string[],
  exclude: ReadonlySet<string>,
  syntax: ProbeSyntax,
): Promise<{ plan: ProbePlan; sampleReads: SampleReads; links: ForeignKeyLinks }> {
  const named = (await resolveNamed(session, names)).filter((t) => !exclude.has(t) && !isInternalTable(t) && t !== MARKER_TABLE);
  const neighbours = (await foreignKeyNeighbours(session, named)).filter((t) => !exclude.has(t) && !named.includes(t));
  const { shapes, links } = await describeTables(session, [...named, ...neighbours]);
  const targets: ProbePlan['targets'] = [];
  const notes: string[] = [];
  const isNamed = new Set(named);
  const namedTables: ProbePlan['named'] = [];
  const sampleReads: SampleReads = new Map();
  for (const shape of shapes) {
    if (isNamed.has(shape.table)) namedTables.push({ table: shape.table, qualified: shape.qualified });
    const samples = await sampleKeys(session, shape);
    sampleReads.set(shape.table, samples.rowsRead);
    const planned = probeTargets(shape, samples.keys, syntax);
    targets.push(...planned.targets);
    notes.push(...planned.notes);
  }
  return { plan: { targets, named: namedTables, notes }, sampleReads, links };
}

/**
 * The base tables behind the names that exist now in the scratch database, in order of first
 * mention (the probe budget goes to the tables the step names earliest). A name qualified with the
 * scratch database's own name counts; other databases are not the rehearsal's.
 */
async function resolveNamed(session: Session, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { rows: db } = await session.query<{ name: string | null }>('SELECT DATABASE() AS name');
  const database = db[0]?.name ?? '';
  const unqualified = names.flatMap((n) => {
    const dot = n.indexOf('.');
    if (dot < 0) return [n];
    return n.slice(0, dot) === database ? [n.slice(dot + 1)] : [];
  });
  if (unqualified.length === 0) return [];
  const { rows } = await session.query<{ name: string }>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME IN (?)`,
    [unqualified],
  );
  // As the server resolves them: exactly, or ignoring case where its table names do (lower_case_table_names).
  const existing = new Set(rows.map((r) => r.name));
  const ignoringCase = new Map(rows.map((r) => [r.name.toLowerCase(), r.name]));
  return [...new Set(unqualified.flatMap((n) => (existing.has(n) ? [n] : ignoringCase.has(n.toLowerCase()) ? [ignoringCase.get(n.toLowerCase())!] : [])))];
}

/** Tables a foreign key links to one of `tables` (either side), in the scratch database. */
async function foreignKeyNeighbours(session: Session, tables: string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const { rows } = await session.query<{ child: string; parent: string }>(
    `SELECT TABLE_NAME AS child, REFERENCED_TABLE_NAME AS parent FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() AND UNIQUE_CONSTRAINT_SCHEMA = DATABASE() AND (TABLE_NAME IN (?) OR REFERENCED_TABLE_NAME IN (?))`,
    [tables, tables],
  );
  const linked = new Set(tables);
  const out = new Set<string>();
  for (const r of rows) {
    if (linked.has(r.child) && !linked.has(r.parent)) out.add(r.parent);
    if (linked.has(r.parent) && !linked.has(r.child)) out.add(r.child);
  }
  return [...out].sort();
}

interface ColumnRow {
  table_name: string;
  name: string;
  data_type: string;
  column_type: string;
  nullable: string;
  extra: string | null;
  generation: string | null;
  charset: string | null;
}

interface IndexRow {
  table_name: string;
  index_name: string;
  non_unique: number | string;
  column_name: string | null;
}

/** Columns, keys, engine, partitioning, triggers and foreign keys of each table, in the order of `tables`. */
async function describeTables(session: Session, tables: string[]): Promise<{ shapes: TableShape[]; links: ForeignKeyLinks }> {
  if (tables.length === 0) return { shapes: [], links: new Map() };
  const { rows: info } = await session.query<{ name: string; transactional: string | null; create_options: string | null }>(
    `SELECT t.TABLE_NAME AS name, e.TRANSACTIONS AS transactional, t.CREATE_OPTIONS AS create_options
       FROM information_schema.TABLES t LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
      WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME IN (?)`,
    [tables],
  );
  const { rows: columns } = await session.query<ColumnRow>(
    `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name, LOWER(DATA_TYPE) AS data_type, COLUMN_TYPE AS column_type, IS_NULLABLE AS nullable,
            EXTRA AS extra, GENERATION_EXPRESSION AS generation, CHARACTER_SET_NAME AS charset
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [tables],
  );
  // A functional key part (MySQL 8) has no COLUMN_NAME.
  const { rows: indexes } = await session.query<IndexRow>(
    `SELECT TABLE_NAME AS table_name, INDEX_NAME AS index_name, NON_UNIQUE AS non_unique, COLUMN_NAME AS column_name
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [tables],
  );
  const { rows: triggers } = await session.query<{ table_name: string; event: string }>(
    `SELECT DISTINCT EVENT_OBJECT_TABLE AS table_name, EVENT_MANIPULATION AS event
       FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE IN (?)`,
    [tables],
  );
  const { rows: keys } = await session.query<{ child: string; parent: string }>(
    `SELECT TABLE_NAME AS child, REFERENCED_TABLE_NAME AS parent FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() AND (TABLE_NAME IN (?) OR (UNIQUE_CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IN (?)))`,
    [tables, tables],
  );

  const links: ForeignKeyLinks = new Map();
  const link = (a: string, b: string) => {
    if (a !== b && !links.get(a)?.includes(b)) links.set(a, [...(links.get(a) ?? []), b]);
  };
  for (const k of keys) {
    link(k.child, k.parent);
    link(k.parent, k.child);
  }
  const byTable = new Map(info.map((r) => [r.name, r]));
  const shapes = tables.flatMap((table): TableShape[] => {
    const t = byTable.get(table);
    if (!t) return [];
    const cols = columns.filter((c) => c.table_name === table).map(columnShape);
    const idx = new Map<string, IndexRow[]>();
    for (const r of indexes.filter((i) => i.table_name === table)) idx.set(r.index_name, [...(idx.get(r.index_name) ?? []), r]);
    const primary = idx.get('PRIMARY');
    return [
      {
        table,
        qualified: quoteIdent(table),
        transactional: String(t.transactional ?? '').toUpperCase() === 'YES',
        partitioned: /partitioned/i.test(t.create_options ?? ''),
        columns: cols,
        primaryKey: primary ? primary.map((r) => r.column_name ?? '') : [],
        uniques: [...idx]
          .filter(([name, parts]) => name !== 'PRIMARY' && Number(parts[0]!.non_unique) === 0)
          .map(([name, parts]) => ({ name, columns: parts.map((p) => p.column_name) })),
        referenced: keys.some((k) => k.parent === table),
        hasForeignKeys: keys.some((k) => k.child === table),
        hasSecondaryIndexes: [...idx.keys()].some((name) => name !== 'PRIMARY'),
        triggers: triggers.filter((r) => r.table_name === table).map((r) => r.event.toUpperCase()),
      },
    ];
  });
  return { shapes, links };
}

function columnShape(r: ColumnRow): ColumnShape {
  const extra = (r.extra ?? '').toLowerCase();
  return {
    name: r.name,
    dataType: r.data_type,
    columnType: r.column_type,
    notNull: r.nullable === 'NO',
    autoIncrement: extra.includes('auto_increment'),
    // MySQL: `VIRTUAL GENERATED` / `STORED GENERATED`; MariaDB: `VIRTUAL GENERATED` / `STORED GENERATED` (10.2+: `PERSISTENT`), with the expression.
    generated: /generated|persistent/.test(extra) || (r.generation ?? '') !== '',
    charset: r.charset,
  };
}

/**
 * The rows with the lowest and highest key, their key values as text, and how many rows that read.
 * A table without a key has no samples: its probes take any row (LIMIT 1).
 */
async function sampleKeys(session: Session, shape: TableShape): Promise<{ keys: SampleKey[]; rowsRead: number }> {
  const key = keyOf(shape);
  if (key.length === 0) return { keys: [], rowsRead: 0 };
  const values = key.map((c, i) => `${sampleExpression(c)} AS k${i}`).join(', ');
  const order = (dir: string) => key.map((c) => `${quoteIdent(c.name)} ${dir}`).join(', ');
  const { rows } = await session.query<Record<string, string | null>>(
    `(SELECT ${values} FROM ${shape.qualified} ORDER BY ${order('ASC')} LIMIT 1)
     UNION ALL (SELECT ${values} FROM ${shape.qualified} ORDER BY ${order('DESC')} LIMIT 1)`,
  );
  const seen = new Set<string>();
  const keys = rows
    .map((r) => key.map((_, i) => String(r[`k${i}`] ?? '')))
    .filter((k) => !seen.has(JSON.stringify(k)) && seen.add(JSON.stringify(k)));
  return { keys, rowsRead: rows.length };
}
