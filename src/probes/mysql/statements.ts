// The probe statements for one MySQL/MariaDB table, built from its shape in information_schema.
// Pure: plan.ts reads the catalog, this decides what an application-like read, insert, update and
// foreign-key check look like on the table — and where a probe is not safe, says why instead of
// guessing.
//
// Sample key values are inlined as literals (one statement per sample row), written so that no
// sql_mode changes their meaning: numbers as they are, strings as hex with their column's
// character set (`_utf8mb4 X'…'`, so the comparison uses the column's collation and its index),
// binary strings as `X'…'`. They reach only the scratch database: a failed attempt is kept as its
// error number, never its message.
import { quoteIdent } from '../../engines/mysql/sql-text.ts';
import type { MysqlFlavour } from '../../engines/mysql/server-version.ts';
import type { ProbeOperation } from '../../rehearsal/evidence.ts';
import type { ProbeTarget } from '../probes.ts';

export interface ColumnShape {
  name: string;
  /** information_schema.COLUMNS.DATA_TYPE, lower case: `int`, `bigint`, `varchar`, `varbinary`, `uuid`, … */
  dataType: string;
  /** COLUMN_TYPE: `int(10) unsigned`, `varchar(20)`, … */
  columnType: string;
  notNull: boolean;
  autoIncrement: boolean;
  /** A generated (VIRTUAL / STORED / PERSISTENT) column: never written. */
  generated: boolean;
  /** The column's character set, for string columns (null otherwise). */
  charset: string | null;
}

export interface UniqueShape {
  name: string;
  /** Key columns in order; null for an expression (MySQL 8 functional key part). */
  columns: (string | null)[];
}

export interface TableShape {
  /** The table's name: display name and key of its counters alike (one database per rehearsal). */
  table: string;
  /** Quoted, for SQL (unqualified: probe sessions use the scratch database). */
  qualified: string;
  /** Its storage engine can roll a write back (InnoDB): writes on any other would stay. */
  transactional: boolean;
  partitioned: boolean;
  columns: ColumnShape[];
  /** Primary key columns in key order (empty without a primary key). */
  primaryKey: string[];
  /** Unique indexes other than the primary key. */
  uniques: UniqueShape[];
  /** Some foreign key references the table, so the application's FK checks lock its rows in share mode. */
  referenced: boolean;
  /** The table has foreign keys of its own (an insert checks its parents). */
  hasForeignKeys: boolean;
  /** The table has indexes besides the primary key. */
  hasSecondaryIndexes: boolean;
  /** The events (`INSERT`, `UPDATE`, `DELETE`) that fire a trigger on the table. */
  triggers: string[];
}

/** Sample rows' key values as text (see `sampleExpression`), in key order. */
export type SampleKey = string[];

/** What the server makes of a probe statement. */
export interface ProbeSyntax {
  flavour: MysqlFlavour;
  /** major × 10000 + minor × 100 + patch. */
  versionNum: number;
}

/** MariaDB 10.3+ takes innodb_lock_wait_timeout = 0 as "do not wait"; MySQL's least is 1 s. */
export function insertsGiveUpAtOnce(syntax: ProbeSyntax): boolean {
  return syntax.flavour === 'mariadb' && syntax.versionNum >= 100300;
}

const INTEGER_RANGE: Record<string, { signed: [bigint, bigint]; unsigned: bigint }> = {
  tinyint: { signed: [-128n, 127n], unsigned: 255n },
  smallint: { signed: [-32768n, 32767n], unsigned: 65535n },
  mediumint: { signed: [-8388608n, 8388607n], unsigned: 16777215n },
  int: { signed: [-2147483648n, 2147483647n], unsigned: 4294967295n },
  bigint: { signed: [-9223372036854775808n, 9223372036854775807n], unsigned: 18446744073709551615n },
};
const NUMERIC = new Set([...Object.keys(INTEGER_RANGE), 'decimal', 'numeric', 'float', 'double', 'real']);
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit']);
const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);

/**
 * The expression that reads a key column's value as text when sampling: strings and binary
 * strings as hex (their bytes, whatever the character set), anything else as the server prints it.
 */
export function sampleExpression(column: ColumnShape): string {
  const q = quoteIdent(column.name);
  if (TEXT.has(column.dataType) || BINARY.has(column.dataType)) return `HEX(${q})`;
  return `CAST(${q} AS CHAR)`;
}

/** A sampled value as a literal the column compares with through its index; undefined when it is not safe to inline. */
export function literal(value: string, column: ColumnShape): string | undefined {
  if (NUMERIC.has(column.dataType)) return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value) ? value : undefined;
  if (!/^[0-9A-Za-z:. +-]*$/.test(value)) return undefined;
  // HEX() of a BIT value is a number's, which may have an odd number of digits.
  if (BINARY.has(column.dataType)) return /^[0-9A-F]*$/i.test(value) ? `X'${value.length % 2 ? '0' : ''}${value}'` : undefined;
  if (TEXT.has(column.dataType)) {
    if (!/^[0-9A-F]*$/i.test(value) || !column.charset || !/^\w+$/.test(column.charset)) return undefined;
    return value === '' ? `_${column.charset}''` : `_${column.charset} X'${value}'`;
  }
  // Dates and times, UUID, INET: the printed value, which holds no quote or backslash (checked above).
  return `'${value}'`;
}

/** What the probes do on one table; `notes` say what they cannot do there, and why. */
export function probeTargets(shape: TableShape, samples: SampleKey[], syntax: ProbeSyntax): { targets: ProbeTarget[]; notes: string[] } {
  const key = keyOf(shape);
  const notes: string[] = [];
  // Without a key to pick a row by, any row will do (LIMIT 1). An empty table still has its
  // metadata lock to measure: `WHERE FALSE` takes it and matches nothing.
  let predicates: string[];
  if (key.length === 0) predicates = [];
  else if (samples.length === 0) predicates = ['FALSE'];
  else {
    predicates = samples.flatMap((values) => {
      const p = keyPredicate(key, values);
      return p === undefined ? [] : [p];
    });
    if (predicates.length === 0) {
      notes.push(`the probes of ${shape.table} pick any row (LIMIT 1): its key values could not be written as literals`);
    }
  }
  const from = (sql: (where: string) => string) => (predicates.length > 0 ? predicates.map((p) => sql(`WHERE ${p}`)) : [sql('LIMIT 1')]);
  const targets: ProbeTarget[] = [];
  const add = (operation: ProbeOperation, statements: string[]) => targets.push({ table: shape.table, operation, statements });

  add('read', from((where) => `SELECT 1 FROM ${shape.qualified} ${where}`));

  const update = updateColumn(shape);
  if ('reason' in update) notes.push(`no update probe on ${shape.table}: ${update.reason}`);
  else add('update', from((where) => `UPDATE ${shape.qualified} SET ${quoteIdent(update.column)} = ${quoteIdent(update.column)} ${where}`));

  const insert = insertBuilder(shape, samples, syntax);
  if ('reason' in insert) notes.push(`no insert probe on ${shape.table}: ${insert.reason}`);
  else add('insert', from(insert.sql));

  // The row lock InnoDB's foreign-key check takes on the referenced row. The samples in the other
  // order: the update probe's exclusive lock on the same row would make it wait (probes attempt in
  // step, so they are mostly on different rows; PostgreSQL's FOR KEY SHARE and a non-key update do
  // not conflict, InnoDB's share and exclusive row locks do).
  const share = syntax.flavour === 'mysql' ? 'FOR SHARE' : 'LOCK IN SHARE MODE';
  if (shape.referenced) add('fk-share', from((where) => `SELECT 1 FROM ${shape.qualified} ${where} ${share}`).reverse());
  return { targets, notes };
}

/**
 * The columns that pick one row: the primary key, or else the first unique index on NOT NULL
 * columns (InnoDB clusters the table by it); none otherwise (InnoDB's hidden row id is not visible).
 */
export function keyOf(shape: TableShape): ColumnShape[] {
  const columns = (names: (string | null)[]) => names.map((n) => (n === null ? undefined : columnOf(shape, n)));
  if (shape.primaryKey.length > 0) {
    const key = columns(shape.primaryKey);
    return key.every((c) => c !== undefined) ? (key as ColumnShape[]) : [];
  }
  for (const unique of shape.uniques) {
    const key = columns(unique.columns);
    if (key.length > 0 && key.every((c) => c !== undefined && c.notNull)) return key as ColumnShape[];
  }
  return [];
}

function keyPredicate(key: ColumnShape[], values: SampleKey): string | undefined {
  const parts: string[] = [];
  for (const [i, column] of key.entries()) {
    const value = values[i];
    const lit = value === undefined ? undefined : literal(value, column);
    if (lit === undefined) return undefined;
    parts.push(`${quoteIdent(column.name)} = ${lit}`);
  }
  return parts.join(' AND ');
}

/**
 * The column an application-like update sets to itself: the first key column where it may be
 * written, otherwise the first writable column. MySQL does not write a row whose values did not
 * change, so nothing is written and no foreign key is checked: the probe takes the row's
 * exclusive lock (and the table's SHARED_WRITE metadata lock), as a real update would.
 */
function updateColumn(shape: TableShape): { column: string } | { reason: string } {
  if (!shape.transactional) return { reason: "its storage engine is not transactional, and rehearse does not write where a rollback cannot undo it" };
  if (shape.triggers.includes('UPDATE')) return { reason: 'an UPDATE trigger would run, and it may write where a rollback cannot undo it' };
  const writable = (c: ColumnShape | undefined) => c !== undefined && !c.generated;
  const key = keyOf(shape)[0];
  if (writable(key)) return { column: key!.name };
  const column = shape.columns.find(writable);
  return column ? { column: column.name } : { reason: 'every column is generated' };
}

/**
 * An insert that copies a sample row under a new key, rolled back afterwards. It must not collide
 * with any row, committed or not: a duplicate key would make the probe wait for whoever wrote the
 * other row (the migration, say) and measure a wait the application would not have.
 *
 * The new key of an AUTO_INCREMENT column is at the bottom of its range (0 for an unsigned one, which
 * the probe sessions' NO_AUTO_VALUE_ON_ZERO stores as it is): a value above the column's counter
 * would move the counter up for good (InnoDB does not take it back on rollback), and the next row
 * the migration or the application inserted would fail at the top of the range. A key column
 * without AUTO_INCREMENT gets the top of its range, where nothing counts up to.
 */
function insertBuilder(shape: TableShape, samples: SampleKey[], syntax: ProbeSyntax): { sql: (where: string) => string } | { reason: string } {
  if (!shape.transactional) return { reason: "its storage engine is not transactional, and rehearse does not write where a rollback cannot undo it" };
  if (shape.partitioned) return { reason: 'it is partitioned, and a row under a new key may belong to no partition' };
  if (shape.triggers.includes('INSERT')) return { reason: 'an INSERT trigger would run, and it may write where a rollback cannot undo it' };
  // MariaDB gives up a row-lock wait at once when told to (innodb_lock_wait_timeout = 0, below); MySQL
  // always waits at least a second (see probe-session.ts for the deadlock this avoids). An insert that waits after writing its row (a foreign-key
  // check, a secondary index's gap) holds that row meanwhile: a migration needing it would close a
  // deadlock that InnoDB may resolve by rolling back the migration.
  if (!insertsGiveUpAtOnce(syntax) && (shape.hasForeignKeys || shape.hasSecondaryIndexes)) {
    return {
      reason:
        'on this server (MySQL, or MariaDB before 10.3) an insert cannot give up a row-lock wait at once, and this one could wait (for a foreign-key check or an index gap) while holding its new row, ' +
        'which a migration might then need: InnoDB could resolve that deadlock against the migration',
    };
  }
  const columns = shape.columns.filter((c) => !c.generated);
  if (columns.length === 0) return { reason: 'it has no column to write' };

  const values = new Map(columns.map((c) => [c.name, quoteIdent(c.name)]));
  const key = keyOf(shape);
  if (key.length > 0) {
    const newKey = key.length === 1 ? newKeyValue(key[0]!, samples) : undefined;
    if (newKey === undefined) {
      return { reason: `its key (${key.map((c) => c.name).join(', ')}) is not a single integer or UUID column with room at the end of its range, so no new key is sure not to collide` };
    }
    values.set(key[0]!.name, newKey);
  }
  for (const unique of shape.uniques) {
    if (key.length > 0 && key.every((k) => unique.columns.includes(k.name))) continue; // the new key makes it unique
    if (unique.columns.includes(null)) return { reason: `unique index ${unique.name} is on an expression, so no value is sure not to collide` };
    const nullable = unique.columns.map((n) => columnOf(shape, n!)).find((c) => c && !c.notNull && !c.generated);
    if (!nullable) return { reason: `unique index ${unique.name} (${unique.columns.join(', ')}) has no column that can be NULL, so no value is sure not to collide` };
    values.set(nullable.name, 'NULL');
  }
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const select = columns.map((c) => values.get(c.name)!).join(', ');
  // MariaDB: the insert never waits for a row lock (see probe-session.ts); its metadata-lock wait is
  // bounded by max_statement_time like every probe's.
  const noWait = insertsGiveUpAtOnce(syntax) ? 'SET STATEMENT innodb_lock_wait_timeout = 0 FOR ' : '';
  return { sql: (where) => `${noWait}INSERT INTO ${shape.qualified} (${list}) SELECT ${select} FROM ${shape.qualified} ${where}` };
}

/** A key value no row has and nothing else will insert during the step; undefined when there is none. */
function newKeyValue(column: ColumnShape, samples: SampleKey[]): string | undefined {
  if (column.dataType === 'uuid') return 'UUID()';
  const range = INTEGER_RANGE[column.dataType];
  if (!range) return undefined;
  const unsigned = /\bunsigned\b/i.test(column.columnType);
  const [low, high] = unsigned ? [0n, range.unsigned] : range.signed;
  // Samples are the lowest and highest key: the new one must lie outside them.
  const sampled = samples.map((s) => s[0]).filter((v): v is string => v !== undefined && /^-?\d+$/.test(v)).map(BigInt);
  if (column.autoIncrement) return sampled.every((v) => v > low) ? String(low) : undefined;
  return sampled.every((v) => v < high) ? String(high) : undefined;
}

function columnOf(shape: TableShape, name: string): ColumnShape | undefined {
  return shape.columns.find((c) => c.name === name);
}
