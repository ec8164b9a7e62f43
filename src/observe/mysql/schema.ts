// A normalised picture of the scratch database's schema, read from information_schema: enough to
// say exactly which column, index, constraint or trigger did not come back after a rollback and
// reapply. Catalog columns that only some servers have (MySQL 8's functional index EXPRESSION,
// MariaDB's CHECK_CONSTRAINTS.TABLE_NAME, …) are read with SELECT * and used when present.
// View definitions drop the database qualifier the server adds, so that two databases with the
// same views compare equal (dataset vs. migrations-only schema).
//
// Collations, each against the level above it: a column's collation is kept (in `collation`) only
// where it differs from its table's default collation, so a table made with DEFAULT COLLATE x
// does not show x on every column; a table's default collation is kept, as the pseudo-constraint
// `DEFAULT COLLATE` (like SQLite's `WITHOUT ROWID`), only where it differs from the database's
// default, so that a table whose default was changed (by hand or by a dump from a server with
// another default) shows as one difference of the table rather than none at all.
import type { Session } from '../../engines/engine.ts';
import type { SchemaSnapshot, TableSchema } from '../../rehearsal/evidence.ts';
import { MARKER_TABLE, quoteIdent } from './names.ts';

type Row = Record<string, unknown>;
const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

/** The pseudo-constraint that holds a table's default collation where it is not the database's. */
export const TABLE_COLLATION = 'DEFAULT COLLATE';

/** Attributes of EXTRA that describe the column itself (not how its default is stored). */
const KEPT_EXTRAS = /auto_increment|on update [^,]*|invisible/gi;

export async function introspectSchema(session: Session): Promise<SchemaSnapshot> {
  const all = async (sql: string) => (await session.query<Row>(sql)).rows;
  const { rows: dbRows } = await session.query<{ db: string }>('SELECT DATABASE() AS db');
  const database = dbRows[0]?.db ?? '';

  const { rows: dbCollation } = await session.query<{ coll: string | null }>(
    'SELECT DEFAULT_COLLATION_NAME AS coll FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()',
  );
  const databaseCollation = dbCollation[0]?.coll ?? '';

  const relations = await all(`SELECT TABLE_NAME, TABLE_TYPE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`);
  const tables: Record<string, TableSchema> = {};
  const tableCollations = new Map<string, string>();
  const sequences: string[] = [];
  for (const r of relations) {
    const name = text(r.TABLE_NAME);
    if (name === MARKER_TABLE) continue;
    if (r.TABLE_TYPE === 'BASE TABLE') {
      tables[name] = { name, columns: [], indexes: {}, constraints: {}, triggers: {} };
      const collation = text(r.TABLE_COLLATION);
      tableCollations.set(name, collation);
      if (collation && collation !== databaseCollation) tables[name].constraints[TABLE_COLLATION] = `DEFAULT COLLATE ${collation}`;
    }
    if (r.TABLE_TYPE === 'SEQUENCE') sequences.push(name);
  }

  for (const c of await all(`SELECT * FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`)) {
    const table = tables[text(c.TABLE_NAME)];
    if (!table) continue;
    const extras = (text(c.EXTRA).match(KEPT_EXTRAS) ?? []).map((e) => e.toLowerCase());
    const type = [text(c.COLUMN_TYPE), ...extras].join(' ');
    const collation = text(c.COLLATION_NAME);
    table.columns.push({
      name: text(c.COLUMN_NAME),
      type,
      notNull: c.IS_NULLABLE === 'NO',
      default: columnDefault(c),
      ...(collation && collation !== tableCollations.get(table.name) ? { collation } : {}),
    });
  }

  const indexColumns = new Map<string, { table: string; name: string; unique: boolean; type: string; hidden: boolean; parts: string[] }>();
  for (const s of await all(`SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`)) {
    const key = `${text(s.TABLE_NAME)}\u0000${text(s.INDEX_NAME)}`;
    const index = indexColumns.get(key) ?? {
      table: text(s.TABLE_NAME),
      name: text(s.INDEX_NAME),
      unique: Number(s.NON_UNIQUE) === 0,
      type: text(s.INDEX_TYPE),
      // MariaDB 10.6+: IGNORED = 'YES'; MySQL 8: IS_VISIBLE = 'NO'.
      hidden: s.IGNORED === 'YES' || s.IS_VISIBLE === 'NO',
      parts: [],
    };
    const column = s.COLUMN_NAME ? quoteIdent(text(s.COLUMN_NAME)) : `(${text(s.EXPRESSION)})`;
    index.parts.push(`${column}${s.SUB_PART ? `(${text(s.SUB_PART)})` : ''}${s.COLLATION === 'D' ? ' DESC' : ''}`);
    indexColumns.set(key, index);
  }
  for (const i of indexColumns.values()) {
    const table = tables[i.table];
    if (table) table.indexes[i.name] = `${i.unique ? 'UNIQUE ' : ''}${i.type} (${i.parts.join(', ')})${i.hidden ? ' IGNORED' : ''}`;
  }

  await readConstraints(all, tables, database);

  for (const t of await all(
    `SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, ACTION_STATEMENT
       FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`,
  )) {
    const table = tables[text(t.EVENT_OBJECT_TABLE)];
    if (table) {
      table.triggers[text(t.TRIGGER_NAME)] =
        `${text(t.ACTION_TIMING)} ${text(t.EVENT_MANIPULATION)} FOR EACH ROW (order ${text(t.ACTION_ORDER)}) ${text(t.ACTION_STATEMENT).trim()}`;
    }
  }

  const views: Record<string, string> = {};
  const qualifier = `${quoteIdent(database)}.`;
  for (const v of await all(`SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()`)) {
    const check = v.CHECK_OPTION && v.CHECK_OPTION !== 'NONE' ? ` WITH ${text(v.CHECK_OPTION)} CHECK OPTION` : '';
    views[text(v.TABLE_NAME)] = text(v.VIEW_DEFINITION).replaceAll(qualifier, '').trim() + check;
  }

  const functions = await readRoutines(all);
  for (const table of Object.values(tables)) {
    table.indexes = sortKeys(table.indexes);
    table.constraints = sortKeys(table.constraints);
    table.triggers = sortKeys(table.triggers);
  }
  return { tables: sortKeys(tables), views: sortKeys(views), sequences: sequences.sort(), types: {}, functions };
}

/**
 * MariaDB writes defaults as SQL expressions (`'abc'`, `NULL` for "no default but NULL"), MySQL as
 * raw values: either way, what a column gets when an INSERT leaves it out. Generated columns
 * show their expression, as PostgreSQL's do.
 */
function columnDefault(c: Row): string | null {
  const generated = text(c.GENERATION_EXPRESSION);
  if (generated) return `GENERATED ALWAYS AS (${generated}) ${/STORED|PERSISTENT/i.test(text(c.EXTRA)) ? 'STORED' : 'VIRTUAL'}`;
  if (c.COLUMN_DEFAULT === null || c.COLUMN_DEFAULT === undefined || c.COLUMN_DEFAULT === 'NULL') return null;
  return text(c.COLUMN_DEFAULT);
}

async function readConstraints(all: (sql: string) => Promise<Row[]>, tables: Record<string, TableSchema>, database: string): Promise<void> {
  const columns = new Map<string, { cols: string[]; refTable: string; refSchema: string; refCols: string[] }>();
  for (const k of await all(
    `SELECT * FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
  )) {
    const key = `${text(k.TABLE_NAME)}\u0000${text(k.CONSTRAINT_NAME)}`;
    const entry = columns.get(key) ?? { cols: [], refTable: text(k.REFERENCED_TABLE_NAME), refSchema: text(k.REFERENCED_TABLE_SCHEMA), refCols: [] };
    entry.cols.push(quoteIdent(text(k.COLUMN_NAME)));
    if (k.REFERENCED_COLUMN_NAME) entry.refCols.push(quoteIdent(text(k.REFERENCED_COLUMN_NAME)));
    columns.set(key, entry);
  }
  const rules = new Map<string, string>();
  for (const r of await all(`SELECT * FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()`)) {
    rules.set(`${text(r.TABLE_NAME)}\u0000${text(r.CONSTRAINT_NAME)}`, `ON UPDATE ${text(r.UPDATE_RULE)} ON DELETE ${text(r.DELETE_RULE)}`);
  }
  const checks = new Map<string, string>();
  for (const c of await all(`SELECT * FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()`).catch(() => [])) {
    // MariaDB names checks per table (TABLE_NAME is there); MySQL 8 per schema (it is not).
    checks.set(`${text(c.TABLE_NAME)}\u0000${text(c.CONSTRAINT_NAME)}`, text(c.CHECK_CLAUSE));
  }
  for (const tc of await all(`SELECT * FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE()`)) {
    const table = tables[text(tc.TABLE_NAME)];
    if (!table) continue;
    const name = text(tc.CONSTRAINT_NAME);
    const key = `${table.name}\u0000${name}`;
    const used = columns.get(key);
    const cols = used?.cols.join(', ') ?? '';
    let def: string;
    switch (tc.CONSTRAINT_TYPE) {
      case 'PRIMARY KEY':
        def = `PRIMARY KEY (${cols})`;
        break;
      case 'UNIQUE':
        def = `UNIQUE (${cols})`;
        break;
      case 'FOREIGN KEY': {
        const target = used && used.refSchema && used.refSchema !== database ? `${quoteIdent(used.refSchema)}.` : '';
        def = `FOREIGN KEY (${cols}) REFERENCES ${target}${quoteIdent(used?.refTable ?? '')} (${used?.refCols.join(', ') ?? ''}) ${rules.get(key) ?? ''}`.trim();
        break;
      }
      case 'CHECK':
        def = `CHECK (${checks.get(key) ?? checks.get(`\u0000${name}`) ?? '?'})`;
        break;
      default:
        def = text(tc.CONSTRAINT_TYPE);
    }
    table.constraints[name] = tc.ENFORCED === 'NO' ? `${def} NOT ENFORCED` : def;
  }
}

/** Routines by signature, with their return type and an MD5 of the body (bodies can be long). */
async function readRoutines(all: (sql: string) => Promise<Row[]>): Promise<Record<string, string>> {
  const params = new Map<string, string[]>();
  for (const p of await all(
    `SELECT SPECIFIC_NAME, ROUTINE_TYPE, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER FROM information_schema.PARAMETERS
      WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 ORDER BY SPECIFIC_NAME, ORDINAL_POSITION`,
  )) {
    const key = `${text(p.ROUTINE_TYPE)}\u0000${text(p.SPECIFIC_NAME)}`;
    const mode = p.PARAMETER_MODE ? `${text(p.PARAMETER_MODE)} ` : '';
    params.set(key, [...(params.get(key) ?? []), `${mode}${text(p.PARAMETER_NAME)} ${text(p.DTD_IDENTIFIER)}`]);
  }
  const functions: Record<string, string> = {};
  for (const r of await all(
    `SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, MD5(COALESCE(ROUTINE_DEFINITION, '')) AS body
       FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`,
  )) {
    const type = text(r.ROUTINE_TYPE);
    const signature = `${text(r.ROUTINE_NAME)}(${(params.get(`${type}\u0000${text(r.ROUTINE_NAME)}`) ?? []).join(', ')})`;
    functions[signature] = `${type}${r.DTD_IDENTIFIER ? ` RETURNS ${text(r.DTD_IDENTIFIER)}` : ''} body md5 ${text(r.body)}`;
  }
  return sortKeys(functions);
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
