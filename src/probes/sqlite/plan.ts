// Which tables the probes exercise on SQLite, read from sqlite_schema and the table pragmas just
// before the step: the tables the step names that exist now (an index name stands for its table),
// then every table a foreign key links to one of them, in either direction, as on PostgreSQL. On
// SQLite every table's writes wait for the same database-wide write lock, so a neighbour measures
// nothing a named table does not; it is probed so that its row in the report is measured rather
// than inferred. Sample rows (lowest and highest primary key, or rowid) are read here too, before
// the step changes anything.
import type { Session } from '../../engines/engine.ts';
import type { ProbePlan } from '../probes.ts';
import { quoteIdent } from '../../observe/sqlite/names.ts';
import { keyOf, probeTargets, type ColumnShape, type ProbeStatementOptions, type SampleKey, type TableShape, type UniqueShape } from './statements.ts';

/** Ordinary tables of the main schema: no views, virtual tables, their shadow tables, or SQLite's own. */
const ORDINARY_TABLES = `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`;

export async function planProbes(session: Session, names: string[], exclude: ReadonlySet<string>, options: ProbeStatementOptions): Promise<ProbePlan> {
  const excluded = new Set([...exclude].map((n) => n.toLowerCase()));
  const named = (await resolveNamed(session, names)).filter((t) => !excluded.has(t.toLowerCase()));
  const neighbours = (await foreignKeyNeighbours(session, named)).filter((t) => !excluded.has(t.toLowerCase()));
  const targets: ProbePlan['targets'] = [];
  const notes: string[] = [];
  const namedTables: ProbePlan['named'] = [];
  for (const table of [...named, ...neighbours]) {
    const shape = await describeTable(session, table);
    if (named.includes(table)) namedTables.push({ table: shape.table, qualified: shape.qualified });
    const planned = probeTargets(shape, await sampleKeys(session, shape), options);
    targets.push(...planned.targets);
    notes.push(...planned.notes);
  }
  return { targets, named: namedTables, notes };
}

/** The tables behind the names, as sqlite_schema spells them, first mention first; names of nothing that exists now are dropped. */
async function resolveNamed(session: Session, names: string[]): Promise<string[]> {
  const tables: string[] = [];
  for (const written of names) {
    // The splitter gives `schema.name` when written so; only the main database is the application's.
    const dot = written.indexOf('.');
    const schema = dot > 0 ? written.slice(0, dot).toLowerCase() : 'main';
    if (schema !== 'main') continue;
    const name = dot > 0 ? written.slice(dot + 1) : written;
    const { rows } = await session.query<{ tbl: string }>(
      `SELECT s.tbl_name AS tbl FROM sqlite_schema s JOIN (${ORDINARY_TABLES}) t ON t.name = s.tbl_name
       WHERE s.type IN ('table', 'index') AND s.name = ? COLLATE NOCASE`,
      [name],
    );
    const table = rows[0]?.tbl;
    if (table !== undefined && !tables.includes(table)) tables.push(table);
  }
  return tables;
}

/** Tables a foreign key links to one of `tables` (either side), in name order. */
async function foreignKeyNeighbours(session: Session, tables: string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const { rows } = await session.query<{ child: string; parent: string }>(
    `SELECT DISTINCT t.name AS child, p.name AS parent
     FROM (${ORDINARY_TABLES}) t
     JOIN pragma_foreign_key_list(t.name) f
     JOIN (${ORDINARY_TABLES}) p ON p.name = f."table" COLLATE NOCASE`,
  );
  const named = new Set(tables.map((t) => t.toLowerCase()));
  const found = new Set<string>();
  for (const { child, parent } of rows) {
    if (named.has(child.toLowerCase()) && !named.has(parent.toLowerCase())) found.add(parent);
    if (named.has(parent.toLowerCase()) && !named.has(child.toLowerCase())) found.add(child);
  }
  return [...found].sort();
}

async function describeTable(session: Session, table: string): Promise<TableShape> {
  const { rows: list } = await session.query<{ wr: number }>(`SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?`, [table]);
  const { rows: cols } = await session.query<{ name: string; type: string; notnull: number; pk: number; hidden: number }>(
    `SELECT name, type, "notnull", pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid`,
    [table],
  );
  const columns: ColumnShape[] = cols
    // hidden 1 is a virtual table's hidden column; 2 and 3 are generated columns (VIRTUAL, STORED).
    .filter((c) => c.hidden !== 1)
    .map((c) => ({ name: c.name, type: c.type ?? '', notNull: Boolean(c.notnull), generated: c.hidden === 2 || c.hidden === 3 }));
  const primaryKey = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const withoutRowid = Boolean(list[0]?.wr);

  const { rows: indexes } = await session.query<{ name: string; origin: string }>(`SELECT name, origin FROM pragma_index_list(?) WHERE "unique" = 1`, [table]);
  const uniques: UniqueShape[] = [];
  const keyCollations: Record<string, string> = {};
  let keyIndex = false;
  for (const index of indexes) {
    const { rows: keyCols } = await session.query<{ cid: number; name: string | null; coll: string }>(
      `SELECT cid, name, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`,
      [index.name],
    );
    if (index.origin === 'pk') {
      keyIndex = true;
      for (const k of keyCols) if (k.name !== null) keyCollations[k.name] = k.coll;
    } else {
      // cid -2 is an expression; -1 the rowid (which is unique anyway).
      uniques.push({ name: index.name, columns: keyCols.map((k) => (k.cid === -2 ? null : k.name)), collations: keyCols.map((k) => k.coll) });
    }
  }

  const { rows: ownKeys } = await session.query<{ from: string }>(`SELECT DISTINCT "from" FROM pragma_foreign_key_list(?)`, [table]);
  // Columns other tables' foreign keys point at; a foreign key that names none points at the primary key.
  const { rows: pointedAt } = await session.query<{ to: string | null }>(
    `SELECT DISTINCT f."to" AS "to" FROM (${ORDINARY_TABLES}) t JOIN pragma_foreign_key_list(t.name) f WHERE f."table" = ? COLLATE NOCASE`,
    [table],
  );
  const referenced = new Set<string>();
  for (const { to } of pointedAt) {
    if (to === null) for (const k of primaryKey) referenced.add(k);
    else referenced.add(columns.find((c) => c.name.toLowerCase() === to.toLowerCase())?.name ?? to);
  }

  return {
    table,
    qualified: `main.${quoteIdent(table)}`,
    columns,
    primaryKey,
    keyCollations,
    // An INTEGER PRIMARY KEY of a rowid table is the rowid itself and has no index of its own
    // (`INTEGER PRIMARY KEY DESC` and `INT PRIMARY KEY` are not aliases, and do have one).
    rowidAlias: !withoutRowid && primaryKey.length === 1 && !keyIndex,
    withoutRowid,
    uniques,
    foreignKeyColumns: ownKeys.map((k) => k.from),
    referencedColumns: [...referenced],
  };
}

/** The rows with the lowest and highest key (primary key, or rowid), as SQL literals. */
async function sampleKeys(session: Session, shape: TableShape): Promise<SampleKey[]> {
  const key = keyOf(shape);
  const select = key.map((k, i) => `quote(${k}) AS k${i}`).join(', ');
  const order = (dir: string) => key.map((k) => `${k} ${dir}`).join(', ');
  const samples: SampleKey[] = [];
  for (const dir of ['ASC', 'DESC']) {
    const { rows } = await session.query<Record<string, string>>(`SELECT ${select} FROM ${shape.qualified} ORDER BY ${order(dir)} LIMIT 1`);
    const row = rows[0];
    if (!row) continue;
    const values = key.map((_, i) => String(row[`k${i}`]));
    if (!samples.some((s) => s.join('\u0000') === values.join('\u0000'))) samples.push(values);
  }
  return samples;
}
