// The probe statements for one table, built from its shape in the catalog. Pure: plan.ts reads
// the catalog, this decides what an application-like read, insert, update and foreign-key check
// look like on the table — and where no insert is safe, says why instead of guessing.
//
// Sample values are inlined as literals (one statement per sample row). They reach only the
// scratch database: a failed attempt is kept as its SQLSTATE, never its message.
import type { ProbeOperation } from '../../rehearsal/evidence.ts';
import type { ProbeTarget } from '../probes.ts';

export interface ColumnShape {
  name: string;
  /** As format_type() writes it, usable in a cast: `bigint`, `character varying(20)`, `"Mood"`. */
  type: string;
  notNull: boolean;
  /** pg_attribute.attidentity: `a` GENERATED ALWAYS, `d` BY DEFAULT, `` none. */
  identity: string;
  /** A generated (computed) column: never written. */
  generated: boolean;
}

export interface UniqueShape {
  name: string;
  /** Key columns in order; null for an expression. */
  columns: (string | null)[];
  /** NULLS NOT DISTINCT (PostgreSQL 15+): a NULL collides like any value. */
  nullsNotDistinct: boolean;
}

export interface TableShape {
  oid: string;
  /** Display name, as evidence names tables. */
  table: string;
  /** Quoted and schema-qualified, for SQL. */
  qualified: string;
  partitioned: boolean;
  columns: ColumnShape[];
  /** Primary key columns in key order (empty without a primary key). */
  primaryKey: string[];
  /** Unique indexes and constraints other than the primary key. */
  uniques: UniqueShape[];
  hasExclusionConstraint: boolean;
  /** Some foreign key references the table, so the application's FK checks read it with FOR KEY SHARE. */
  referenced: boolean;
}

/** Sample rows' key values, as text: the primary key columns, or [ctid] without a primary key. */
export type SampleKey = string[];

// A new key at the top of the type's range: a sequence hands it out last, so neither the
// migration nor anything else inserts it during the step, and the probe's rolled-back insert
// never makes another insert wait on the unique check.
const TOP_OF_RANGE: Record<string, string> = { smallint: '32767', integer: '2147483647', bigint: '9223372036854775807' };

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function literal(value: string, type: string): string {
  return `'${value.replaceAll("'", "''")}'::${type}`;
}

/** What the probes do on one table; `notes` say what they cannot do there, and why. */
export function probeTargets(shape: TableShape, samples: SampleKey[]): { targets: ProbeTarget[]; notes: string[] } {
  const keyColumns = keyOf(shape);
  // An empty table still has its table locks to measure: `WHERE false` takes them and matches nothing.
  const predicates = samples.length > 0 ? samples.map((values) => keyPredicate(keyColumns, values)) : ['false'];
  const from = (sql: (where: string) => string) => predicates.map(sql);
  const targets: ProbeTarget[] = [];
  const notes: string[] = [];
  const add = (operation: ProbeOperation, statements: string[]) => targets.push({ table: shape.table, operation, statements });

  add('read', from((where) => `SELECT 1 FROM ${shape.qualified} WHERE ${where}`));

  const updated = updatableColumn(shape);
  if (updated) add('update', from((where) => `UPDATE ${shape.qualified} SET ${quoteIdent(updated)} = ${quoteIdent(updated)} WHERE ${where}`));
  else notes.push(`no update probe on ${shape.table}: every column is generated or GENERATED ALWAYS AS IDENTITY`);

  const insert = insertBuilder(shape);
  if ('reason' in insert) notes.push(`no insert probe on ${shape.table}: ${insert.reason}`);
  else add('insert', from(insert.sql));

  if (shape.referenced) add('fk-share', from((where) => `SELECT 1 FROM ${shape.qualified} WHERE ${where} FOR KEY SHARE`));
  return { targets, notes };
}

/** The columns that pick one row: the primary key, or the row's physical address without one. */
export function keyOf(shape: TableShape): { name: string; type: string }[] {
  if (shape.primaryKey.length === 0) return [{ name: 'ctid', type: 'tid' }];
  return shape.primaryKey.map((name) => ({ name, type: columnOf(shape, name)?.type ?? 'text' }));
}

function keyPredicate(key: { name: string; type: string }[], values: SampleKey): string {
  const cols = key.map((k) => (k.name === 'ctid' ? 'ctid' : quoteIdent(k.name)));
  const lits = key.map((k, i) => literal(values[i] ?? '', k.type));
  return key.length === 1 ? `${cols[0]} = ${lits[0]}` : `(${cols.join(', ')}) = (${lits.join(', ')})`;
}

/**
 * The column an application-like update sets to itself: the primary key where it may be written
 * (an unchanged key is not a key update, so the row lock is the ordinary FOR NO KEY UPDATE one and
 * no foreign key is checked), otherwise the first writable column.
 */
function updatableColumn(shape: TableShape): string | undefined {
  const writable = (c: ColumnShape | undefined) => c !== undefined && !c.generated && c.identity !== 'a';
  const pk = shape.primaryKey.length === 1 ? columnOf(shape, shape.primaryKey[0]!) : undefined;
  if (writable(pk)) return pk!.name;
  return shape.columns.find(writable)?.name;
}

/**
 * An insert that copies a sample row under a new primary key, rolled back afterwards. It must not
 * collide with any row, committed or not: a duplicate key would make the probe wait for whoever
 * wrote the other row (the migration, say) and measure a wait the application would not have.
 */
function insertBuilder(shape: TableShape): { sql: (where: string) => string } | { reason: string } {
  if (shape.partitioned) return { reason: 'it is partitioned, and a row under a new key may belong to no partition' };
  if (shape.hasExclusionConstraint) return { reason: 'an exclusion constraint could make a copied row wait for or collide with another' };
  const columns = shape.columns.filter((c) => !c.generated);
  if (columns.length === 0) return { reason: 'it has no column to write' };

  const values = new Map(columns.map((c) => [c.name, quoteIdent(c.name)]));
  if (shape.primaryKey.length > 0) {
    const pk = shape.primaryKey.length === 1 ? columnOf(shape, shape.primaryKey[0]!) : undefined;
    const newKey = pk && (TOP_OF_RANGE[pk.type] !== undefined ? literal(TOP_OF_RANGE[pk.type]!, pk.type) : pk.type === 'uuid' ? 'gen_random_uuid()' : undefined);
    if (!pk || !newKey) {
      return { reason: `its primary key (${shape.primaryKey.join(', ')}) is not a single integer or uuid column, so no new key is sure not to collide` };
    }
    values.set(pk.name, newKey);
  }
  for (const unique of shape.uniques) {
    if (shape.primaryKey.length > 0 && shape.primaryKey.every((k) => unique.columns.includes(k))) continue; // the new key makes it unique
    if (unique.columns.includes(null)) return { reason: `unique index ${unique.name} is on an expression, so no value is sure not to collide` };
    const nullable = unique.nullsNotDistinct ? undefined : unique.columns.map((n) => columnOf(shape, n!)).find((c) => c && !c.notNull && !c.generated);
    if (!nullable) return { reason: `unique index ${unique.name} (${unique.columns.join(', ')}) has no column that can be NULL, so no value is sure not to collide` };
    values.set(nullable.name, 'NULL');
  }
  const overriding = columns.some((c) => c.identity === 'a') ? ' OVERRIDING SYSTEM VALUE' : '';
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const select = columns.map((c) => values.get(c.name)!).join(', ');
  return { sql: (where) => `INSERT INTO ${shape.qualified} (${list})${overriding} SELECT ${select} FROM ${shape.qualified} WHERE ${where}` };
}

function columnOf(shape: TableShape, name: string): ColumnShape | undefined {
  return shape.columns.find((c) => c.name === name);
}
