// The normalized schema model every engine's introspection fills (observe/<dialect>/schema.ts),
// and the shape of one difference between two models (schema/diff.ts). Plain JSON data: it goes
// into the report as evidence of schema-drift and downgrade-loses-data.
import type { SchemaSnapshot } from '../rehearsal/evidence.ts';

export type { ColumnSchema, SchemaSnapshot, TableSchema } from '../rehearsal/evidence.ts';

export type SchemaObjectKind = 'table' | 'column' | 'index' | 'constraint' | 'trigger' | 'view' | 'sequence' | 'type' | 'function';

/** What differs about a column or a named definition that both sides have. */
export type SchemaAttribute = 'type' | 'nullability' | 'default' | 'collation' | 'definition';

export interface SchemaDifference {
  kind: SchemaObjectKind;
  /** The table the object belongs to (for kind `table`, the table itself); absent for views, sequences, types and functions. */
  table?: string;
  /** The object's own name: the column, index, constraint, … (for kind `table`, the table's name). */
  name: string;
  /** `missing`: only the expected side has it; `extra`: only the actual side; `changed`: both, different. */
  change: 'missing' | 'extra' | 'changed';
  /** For `changed`: which attributes differ. */
  attributes?: SchemaAttribute[];
  /** The object's definition on each side, where it has one (`varchar(120) NOT NULL`, `CREATE INDEX …`). */
  expected?: string;
  actual?: string;
  /** One readable line, worded with the two sides' labels. */
  text: string;
}

/** How the two sides of a diff are named in its lines (`the migrations` / `the dataset`). */
export interface DiffLabels {
  expected: string;
  actual: string;
}

/** The model of an empty schema (nothing introspected), for comparisons with a missing side. */
export const EMPTY_SCHEMA: SchemaSnapshot = { tables: {}, views: {}, sequences: [], types: {}, functions: {} };
