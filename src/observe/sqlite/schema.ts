// A normalised picture of a SQLite database's schema, from sqlite_schema and the table-valued
// pragmas (table_xinfo, index_list, index_info, foreign_key_list, table_list): enough to say
// which column, index, constraint or trigger did not come back after a rollback and reapply.
//
// SQLite keeps definitions as the text that created them; they are compared with comments and
// whitespace normalised. Things no pragma reports are read off the CREATE TABLE text: CHECK
// constraints, a column's COLLATE (kept where it is not BINARY, the default; upper-cased, as
// SQLite matches collation names case-insensitively) and the expressions of generated columns
// (the latter only as VIRTUAL / STORED).
import type { Session } from '../../engines/engine.ts';
import type { SchemaSnapshot, TableSchema } from '../../rehearsal/evidence.ts';
import { normalizeSqliteSql, tokenizeSqlite, type SqliteToken } from '../../sql/sqlite-split.ts';
import { USER_OBJECTS } from './names.ts';

interface SchemaRow {
  type: 'table' | 'index' | 'view' | 'trigger';
  name: string;
  tbl: string;
  sql: string | null;
}

export async function introspectSchema(session: Session): Promise<SchemaSnapshot> {
  const { rows: objects } = await session.query<SchemaRow>(
    `SELECT type, name, tbl_name AS tbl, sql FROM sqlite_schema WHERE ${USER_OBJECTS} ORDER BY type, name`,
  );
  const tables: Record<string, TableSchema> = {};
  const views: Record<string, string> = {};
  const options = await tableOptions(session);
  for (const o of objects.filter((o) => o.type === 'table')) {
    tables[o.name] = await describeTable(session, o, options.get(o.name));
  }
  for (const o of objects) {
    if (o.type === 'view') views[o.name] = normalizeSqliteSql(o.sql ?? '');
    if (o.type === 'trigger' && tables[o.tbl]) tables[o.tbl]!.triggers[o.name] = normalizeSqliteSql(o.sql ?? '');
  }
  return { tables: sortKeys(tables), views: sortKeys(views), sequences: [], types: {}, functions: {} };
}

async function describeTable(session: Session, table: SchemaRow, options: { wr: number; strict: number } | undefined): Promise<TableSchema> {
  const schema: TableSchema = { name: table.name, columns: [], indexes: {}, constraints: {}, triggers: {} };
  const { rows: columns } = await session.query<{ name: string; type: string; not_null: number; dflt: string | null; pk: number; hidden: number }>(
    `SELECT name, type, "notnull" AS not_null, dflt_value AS dflt, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid`,
    [table.name],
  );
  const collations = columnCollations(table.sql ?? '');
  for (const c of columns) {
    // hidden 1: a virtual table's hidden column; 2 and 3: generated columns, VIRTUAL and STORED.
    if (c.hidden === 1) continue;
    const generated = c.hidden === 2 ? 'GENERATED ALWAYS AS (…) VIRTUAL' : c.hidden === 3 ? 'GENERATED ALWAYS AS (…) STORED' : null;
    const collation = collations.get(c.name.toLowerCase());
    schema.columns.push({ name: c.name, type: c.type, notNull: c.not_null === 1, default: generated ?? c.dflt, ...(collation ? { collation } : {}) });
  }
  const primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  if (primaryKey.length > 0) schema.constraints['PRIMARY KEY'] = `PRIMARY KEY (${primaryKey.map((c) => c.name).join(', ')})`;
  if (options?.wr) schema.constraints['WITHOUT ROWID'] = 'WITHOUT ROWID';
  if (options?.strict) schema.constraints['STRICT'] = 'STRICT';
  Object.assign(schema.constraints, await foreignKeys(session, table.name), checkConstraints(table.sql ?? ''));
  schema.indexes = await indexes(session, table.name);
  return schema;
}

async function indexes(session: Session, table: string): Promise<Record<string, string>> {
  const { rows } = await session.query<{ name: string; unique: number; origin: string; sql: string | null }>(
    `SELECT l.name, l."unique" AS "unique", l.origin, s.sql FROM pragma_index_list(?) l LEFT JOIN sqlite_schema s ON s.name = l.name`,
    [table],
  );
  const result: Record<string, string> = {};
  for (const r of rows) {
    if (r.sql) {
      result[r.name] = normalizeSqliteSql(r.sql);
      continue;
    }
    // An index SQLite made for a PRIMARY KEY or UNIQUE constraint has no text of its own.
    const { rows: cols } = await session.query<{ name: string | null }>(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, [r.name]);
    result[r.name] = `${r.origin === 'pk' ? 'PRIMARY KEY' : 'UNIQUE'} (${cols.map((c) => c.name ?? '<expression>').join(', ')})`;
  }
  return sortKeys(result);
}

async function foreignKeys(session: Session, table: string): Promise<Record<string, string>> {
  const { rows } = await session.query<{ id: number; parent: string; from: string; to: string | null; on_update: string; on_delete: string; match: string }>(
    `SELECT id, "table" AS parent, "from", "to", on_update, on_delete, "match" FROM pragma_foreign_key_list(?) ORDER BY id, seq`,
    [table],
  );
  const byId = new Map<number, typeof rows>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const result: Record<string, string> = {};
  for (const parts of byId.values()) {
    const first = parts[0]!;
    const to = parts.every((p) => p.to !== null) ? ` (${parts.map((p) => p.to).join(', ')})` : '';
    const actions = [
      first.on_update !== 'NO ACTION' ? `ON UPDATE ${first.on_update}` : '',
      first.on_delete !== 'NO ACTION' ? `ON DELETE ${first.on_delete}` : '',
    ].filter(Boolean);
    const key = `FOREIGN KEY (${parts.map((p) => p.from).join(', ')}) REFERENCES ${first.parent}`;
    let name = key;
    for (let n = 2; result[name] !== undefined; n++) name = `${key} #${n}`;
    result[name] = [`${key}${to}`, ...actions].join(' ');
  }
  return result;
}

/** CHECK constraints of a CREATE TABLE text: named ones under their name, others under their expression. */
export function checkConstraints(createSql: string): Record<string, string> {
  const tokens = tokenizeSqlite(createSql);
  const result: Record<string, string> = {};
  tokens.forEach((t, i) => {
    if (t.upper !== 'CHECK' || tokens[i + 1]?.text !== '(') return;
    const end = closingParen(tokens, i + 1);
    const expression = normalizeSqliteSql(createSql.slice(tokens[i + 1]!.start, tokens[end]?.end ?? createSql.length));
    const named = tokens[i - 2]?.upper === 'CONSTRAINT' ? tokens[i - 1]!.name : undefined;
    result[named ?? `CHECK ${expression}`] = `CHECK ${expression}`;
  });
  return result;
}

/** Words that open a table constraint (not a column definition) in a CREATE TABLE's list. */
const TABLE_CONSTRAINT_WORDS = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);

/**
 * The COLLATE of each column definition of a CREATE TABLE text, by lower-cased column name (SQLite
 * matches column names case-insensitively): only a COLLATE of the definition itself, not one inside
 * a CHECK, DEFAULT or generated expression; BINARY, the default, is left out.
 */
export function columnCollations(createSql: string): Map<string, string> {
  const tokens = tokenizeSqlite(createSql);
  const result = new Map<string, string>();
  const open = tokens.findIndex((t) => t.text === '(');
  // CREATE TABLE … AS SELECT has no column list (its first parenthesis, if any, is in the query).
  if (open < 0 || tokens.slice(0, open).some((t) => t.upper === 'AS')) return result;
  const close = closingParen(tokens, open);
  let start = open + 1;
  let depth = 0;
  for (let i = open + 1; i <= close; i++) {
    const t = tokens[i]!;
    if (t.text === '(') depth++;
    else if (t.text === ')' && i !== close) depth--;
    else if ((t.text === ',' && depth === 0) || i === close) {
      const definition = tokens.slice(start, i);
      start = i + 1;
      const first = definition[0];
      if (!first || TABLE_CONSTRAINT_WORDS.has(first.upper)) continue;
      let level = 0;
      definition.forEach((d, j) => {
        if (d.text === '(') level++;
        else if (d.text === ')') level--;
        else if (level === 0 && d.upper === 'COLLATE' && definition[j + 1]) {
          const collation = definition[j + 1]!.name.toUpperCase();
          if (collation === 'BINARY') result.delete(first.name.toLowerCase());
          else result.set(first.name.toLowerCase(), collation);
        }
      });
    }
  }
  return result;
}

function closingParen(tokens: SqliteToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) return i;
  }
  return tokens.length - 1;
}

async function tableOptions(session: Session): Promise<Map<string, { wr: number; strict: number }>> {
  try {
    const { rows } = await session.query<{ name: string; wr: number; strict: number }>(`SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main'`);
    return new Map(rows.map((r) => [r.name, r]));
  } catch {
    // pragma table_list is SQLite 3.37+.
    return new Map();
  }
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
