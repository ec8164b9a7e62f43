// What a column's type (as the source's catalog spells it: `character varying(120)`,
// `int(10) unsigned`, `TIMESTAMP WITH TIME ZONE`, SQLite's free-form names) says about the text
// values a rule may write into it.

export type TypeFamily =
  | 'text'
  | 'integer'
  | 'decimal'
  | 'uuid'
  | 'date'
  | 'timestamp'
  | 'inet'
  | 'json'
  | 'binary'
  | 'array'
  /** Known types no generated text fits: boolean, time, interval, money, enum(…), geometric, bit, … */
  | 'other';

export interface ColumnType {
  family: TypeFamily;
  /** The type as given. */
  type: string;
  /** Integers: how many bits the type holds, and whether it is unsigned (MySQL). */
  bits?: number;
  unsigned?: boolean;
  /** `cidr`: host bits must be zero. */
  cidr?: boolean;
}

const INTEGER_BITS: Record<string, number> = {
  tinyint: 8,
  smallint: 16,
  int2: 16,
  smallserial: 16,
  serial2: 16,
  mediumint: 24,
  int: 32,
  integer: 32,
  int4: 32,
  serial: 32,
  serial4: 32,
  bigint: 64,
  int8: 64,
  bigserial: 64,
  serial8: 64,
};

const DECIMAL = new Set(['numeric', 'decimal', 'dec', 'real', 'float', 'float4', 'float8', 'double', 'double precision', 'fixed']);
const TEXT = new Set(['text', 'varchar', 'char', 'character', 'character varying', 'nvarchar', 'nchar', 'citext', 'name', 'bpchar', 'tinytext', 'mediumtext', 'longtext', 'clob', 'string', 'varchar2', 'nvarchar2', 'national character varying', 'national char', '']);
const BINARY = new Set(['bytea', 'blob', 'tinyblob', 'mediumblob', 'longblob', 'binary', 'varbinary']);
const OTHER = new Set([
  'boolean', 'bool', 'bit', 'bit varying', 'varbit', 'time', 'timetz', 'time with time zone', 'time without time zone', 'interval', 'money', 'year',
  'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'geometry', 'geography', 'tsvector', 'tsquery', 'xml', 'macaddr', 'macaddr8',
  'enum', 'set', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange', 'pg_lsn', 'oid', 'regclass', 'hstore', 'ltree',
]);

/** The family and details of a column's type. Types it does not know are taken as text (domains, SQLite's names). */
export function columnType(type: string): ColumnType {
  const lower = type.trim().toLowerCase();
  if (lower.endsWith('[]') || /^_\w/.test(lower) || /^array\b/.test(lower)) return { family: 'array', type };
  const unsigned = /\bunsigned\b/.test(lower);
  // The base name: without `(…)` arguments, `unsigned` / `zerofill`, and `with(out) time zone`
  // kept only where it tells time from timestamp.
  const base = lower
    .replace(/\(.*?\)/g, '')
    .replace(/\b(unsigned|signed|zerofill)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const bits = INTEGER_BITS[base];
  if (bits !== undefined) return { family: 'integer', type, bits, unsigned };
  if (DECIMAL.has(base)) return { family: 'decimal', type };
  if (base === 'uuid' || base === 'uniqueidentifier') return { family: 'uuid', type };
  if (base === 'date') return { family: 'date', type };
  if (/^(timestamp|datetime|timestamptz|smalldatetime)\b/.test(base)) return { family: 'timestamp', type };
  if (base === 'inet' || base === 'cidr') return { family: 'inet', type, ...(base === 'cidr' ? { cidr: true } : {}) };
  if (base === 'json' || base === 'jsonb') return { family: 'json', type };
  if (BINARY.has(base)) return { family: 'binary', type };
  if (TEXT.has(base)) return { family: 'text', type };
  if (OTHER.has(base) || /^(enum|set)\b/.test(base)) return { family: 'other', type };
  // SQLite's affinity rules: a declared type containing INT is an integer (64 bits).
  if (base.includes('int') && !base.includes('interval') && !base.includes('point')) return { family: 'integer', type, bits: 64, unsigned: false };
  if (/(char|text|clob)/.test(base)) return { family: 'text', type };
  if (/(real|floa|doub)/.test(base)) return { family: 'decimal', type };
  return { family: 'text', type };
}

/** A varchar(n) / char(n) limit written in the type, when the catalog gave no separate length. */
export function lengthInType(type: string): number | undefined {
  const m = /^\s*(?:national\s+)?(?:character varying|varchar2?|nvarchar2?|char|character|nchar|bpchar)\s*\(\s*(\d+)\s*\)/i.exec(type);
  return m ? Number(m[1]) : undefined;
}
