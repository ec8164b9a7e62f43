// The probe statements for one SQLite table, built from its shape (sqlite_schema and the table
// pragmas). Pure: plan.ts reads the schema, this decides what an application-like point read,
// one-row insert and one-row update look like on the table — and where no insert or update is
// safe, says why instead of guessing. Why these statements, and how an attempt runs them, is in
// probe-session.ts.
//
// What a write attempt costs the migration matters more here than on PostgreSQL: SQLite has one
// write lock for the whole database, and a probe holds it for as long as its statement runs. So
// the statements are one-row writes that touch only the row's own pages:
//
// - the update sets a column to itself that no foreign key points at: setting a parent key column
//   (even to itself) makes SQLite scan every referencing table for the old key — measured, 31 ms
//   per attempt for 500,000 unindexed child rows, all of it with the write lock held;
// - the insert copies a sampled row under a new key that cannot collide with any row: the rowid
//   SQLite assigns itself for an INTEGER PRIMARY KEY, otherwise one past the column's largest value
//   (read inside the insert, which already holds the write lock, so nobody can take it meanwhile).
//   A nullable column of any other unique index is set to NULL (NULLs never collide in SQLite),
//   else one of its columns gets a value past the largest too.
//
// Sample values are inlined as the SQL literals SQLite's quote() wrote for them (exact for
// integers beyond 2^53, text and blobs). They reach only the scratch database: a failed attempt
// is kept as its result code, never its message.
import { quoteIdent } from '../../observe/sqlite/names.ts';
import type { ProbeOperation } from '../../rehearsal/evidence.ts';
import type { ProbeTarget } from '../probes.ts';

export interface ColumnShape {
  name: string;
  /** The declared type (SQLite decides the column's affinity from it). */
  type: string;
  notNull: boolean;
  /** A generated column (VIRTUAL or STORED): never written. */
  generated: boolean;
}

export interface UniqueShape {
  name: string;
  /** Key columns in order; null for an expression. */
  columns: (string | null)[];
  /** The collation of each key column. */
  collations: string[];
}

export interface TableShape {
  /** Display name, as evidence names tables (the name in sqlite_schema). */
  table: string;
  /** Quoted and schema-qualified, for SQL. */
  qualified: string;
  columns: ColumnShape[];
  /** Primary key columns in key order (empty without a declared primary key). */
  primaryKey: string[];
  /** Collation of each primary key column (BINARY unless declared otherwise). */
  keyCollations: Record<string, string>;
  /** The primary key is an INTEGER PRIMARY KEY, an alias of the rowid: SQLite assigns a new one itself. */
  rowidAlias: boolean;
  /** WITHOUT ROWID: there is no rowid to pick a row by (it always has a primary key). */
  withoutRowid: boolean;
  /** Unique indexes and constraints other than the primary key. */
  uniques: UniqueShape[];
  /** Columns of this table's own foreign keys (the child side). */
  foreignKeyColumns: string[];
  /** Columns other tables' foreign keys point at (the parent side; the primary key where a foreign key names no column). */
  referencedColumns: string[];
}

/** Sample rows' key values as SQL literals (quote()): the primary key columns, or [rowid] without a primary key. */
export type SampleKey = string[];

const FRESH_NEEDS = ' (that takes a numeric column, or a text one with a built-in collation, that no foreign key of the table uses)';

/** Collations whose order makes `max || '~'` greater than every value (custom collations promise nothing). */
const BUILTIN_COLLATIONS = new Set(['BINARY', 'NOCASE', 'RTRIM']);

export interface ProbeStatementOptions {
  /**
   * Whether write probes may run. They may not when the connections' busy_timeout is 0: the
   * migration would then fail with SQLITE_BUSY whenever it met a probe holding the write lock,
   * instead of waiting the microseconds the probe holds it.
   */
  writes: boolean;
}

/** What the probes do on one table; `notes` say what they cannot do there, and why. */
export function probeTargets(shape: TableShape, samples: SampleKey[], options: ProbeStatementOptions): { targets: ProbeTarget[]; notes: string[] } {
  const key = keyOf(shape);
  // An empty table still has the database's locks to measure: `WHERE 0` takes them and matches nothing.
  const predicates = samples.length > 0 ? samples.map((values) => keyPredicate(key, values)) : ['0'];
  const from = (sql: (where: string) => string) => predicates.map(sql);
  const targets: ProbeTarget[] = [];
  const notes: string[] = [];
  const add = (operation: ProbeOperation, statements: string[]) => targets.push({ table: shape.table, operation, statements });

  add('read', from((where) => `SELECT 1 FROM ${shape.qualified} WHERE ${where}`));
  if (!options.writes) return { targets, notes };

  const updated = updatableColumn(shape);
  if ('reason' in updated) notes.push(`no update probe on ${shape.table}: ${updated.reason}`);
  else add('update', from((where) => `UPDATE OR ROLLBACK ${shape.qualified} SET ${quoteIdent(updated.column)} = ${quoteIdent(updated.column)} WHERE ${where}`));

  const insert = insertBuilder(shape);
  if ('reason' in insert) notes.push(`no insert probe on ${shape.table}: ${insert.reason}`);
  else add('insert', from(insert.sql));
  return { targets, notes };
}

/** The columns that pick one row: the primary key, or the rowid without one. */
export function keyOf(shape: TableShape): string[] {
  if (shape.primaryKey.length > 0) return shape.primaryKey.map(quoteIdent);
  return [rowidName(shape)];
}

/** `rowid`, or one of its other names where a column took it. */
export function rowidName(shape: TableShape): string {
  const taken = new Set(shape.columns.map((c) => c.name.toLowerCase()));
  return ['rowid', '_rowid_', 'oid'].find((n) => !taken.has(n)) ?? 'rowid';
}

function keyPredicate(key: string[], values: SampleKey): string {
  const lits = key.map((_, i) => values[i] ?? 'NULL');
  return key.length === 1 ? `${key[0]} = ${lits[0]}` : `(${key.join(', ')}) = (${lits.join(', ')})`;
}

/**
 * The column an application-like update sets to itself: a plain column first (not a key, not a
 * foreign key), else any column no foreign key points at. Never a referenced column (see the header).
 */
function updatableColumn(shape: TableShape): { column: string } | { reason: string } {
  const writable = shape.columns.filter((c) => !c.generated);
  const referenced = new Set(shape.referencedColumns);
  const keys = new Set([...shape.primaryKey, ...shape.foreignKeyColumns]);
  const plain = writable.find((c) => !referenced.has(c.name) && !keys.has(c.name)) ?? writable.find((c) => !referenced.has(c.name));
  if (plain) return { column: plain.name };
  if (writable.length === 0) return { reason: 'every column is generated' };
  return { reason: "every column is one other tables' foreign keys point at, and updating one makes SQLite scan the referencing tables with the write lock held" };
}

/**
 * An insert that copies a sample row under a new key, rolled back afterwards. It must not collide
 * with any row: a duplicate key would fail the attempt, which then measures nothing an application
 * would meet.
 */
function insertBuilder(shape: TableShape): { sql: (where: string) => string } | { reason: string } {
  const columns = shape.columns.filter((c) => !c.generated);
  if (columns.length === 0) return { reason: 'it has no column to write' };
  const values = new Map(columns.map((c) => [c.name, quoteIdent(c.name)]));

  /** Columns given NULL or a value no row has: a unique index containing one cannot collide. */
  const fresh = new Set<string>();
  const foreign = new Set(shape.foreignKeyColumns);
  /** Gives one of `names` a value past the largest (a foreign key column would need a parent row). */
  const makeFresh = (names: string[], collations: string[]): boolean => {
    for (const [i, name] of names.entries()) {
      const value = foreign.has(name) ? undefined : beyondLargest(shape, name, collations[i] ?? 'BINARY');
      if (value) {
        fresh.add(name);
        values.set(name, value);
        return true;
      }
    }
    return false;
  };
  if (shape.rowidAlias) {
    // SQLite picks the rowid: one past the largest (or a free one at random once the largest is taken).
    fresh.add(shape.primaryKey[0]!);
    values.set(shape.primaryKey[0]!, 'NULL');
  } else if (shape.primaryKey.length > 0 && !makeFresh(shape.primaryKey, shape.primaryKey.map((k) => shape.keyCollations[k] ?? 'BINARY'))) {
    return { reason: `no column of its primary key (${shape.primaryKey.join(', ')}) can take a value sure not to collide${FRESH_NEEDS}` };
  }
  for (const unique of shape.uniques) {
    if (unique.columns.some((c) => c !== null && fresh.has(c))) continue;
    if (unique.columns.includes(null)) return { reason: `unique index ${unique.name} is on an expression, so no value is sure not to collide` };
    const names = unique.columns as string[];
    const nullable = names.map((n) => columnOf(shape, n)).find((c) => c && !c.notNull && !c.generated && !shape.primaryKey.includes(c.name));
    if (nullable) {
      fresh.add(nullable.name);
      values.set(nullable.name, 'NULL');
    } else if (!makeFresh(names, unique.collations)) {
      return { reason: `unique index ${unique.name} (${names.join(', ')}) has no column that can be NULL or take a value sure not to collide${FRESH_NEEDS}` };
    }
  }
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const select = columns.map((c) => values.get(c.name)!).join(', ');
  return { sql: (where) => `INSERT OR ROLLBACK INTO ${shape.qualified} (${list}) SELECT ${select} FROM ${shape.qualified} WHERE ${where}` };
}

/**
 * A value greater than every value of a key column: the largest number plus one (numbers sort
 * below text and blobs, and a number never equals either), or the largest text with a character
 * appended (greater under BINARY, NOCASE and RTRIM alike). Undefined where neither is sure.
 */
function beyondLargest(shape: TableShape, name: string, collation: string): string | undefined {
  const column = columnOf(shape, name);
  if (!column || column.generated) return undefined;
  const c = quoteIdent(name);
  const affinity = affinityOf(column.type);
  if (affinity === 'INTEGER' || affinity === 'REAL' || affinity === 'NUMERIC') {
    return `(SELECT coalesce(max(${c}), 0) + 1 FROM ${shape.qualified} WHERE typeof(${c}) IN ('integer', 'real'))`;
  }
  if (!BUILTIN_COLLATIONS.has(collation.toUpperCase())) return undefined;
  return `(SELECT coalesce(max(${c}), '') || '~' FROM ${shape.qualified} WHERE typeof(${c}) = 'text')`;
}

/** SQLite's rules for a column's affinity from its declared type (https://sqlite.org/datatype3.html#determination_of_column_affinity). */
export function affinityOf(declared: string): 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC' {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'INTEGER';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'TEXT';
  if (type.includes('BLOB') || type === '') return 'BLOB';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

function columnOf(shape: TableShape, name: string): ColumnShape | undefined {
  return shape.columns.find((c) => c.name === name);
}
