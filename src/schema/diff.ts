// The difference between two normalized schema models (model.ts): object by object, each named
// exactly (`column support_tickets.subject`, `index orders_created_idx on orders`) with what it is
// on each side. Pure and deterministic: tables by name, and within a table the table itself, its
// columns, indexes, constraints and triggers; then views, sequences, types and functions.
//
// Columns are matched by name (their order is not compared) on four attributes: type,
// nullability, default and collation. Named definitions (indexes, constraints, triggers, views,
// types, functions) are matched by name and compared by their definition text; the states the
// introspection appends to a definition (an INVALID index, a NOT VALID constraint, a DISABLED
// trigger, …) are told apart so a line says "is INVALID in the dataset" rather than quoting two
// near-identical definitions. What the catalogs show twice stays twice: on PostgreSQL an index
// that backs a PRIMARY KEY or UNIQUE constraint is both an index and a constraint.
//
// Lines are worded with the two sides' labels: a noun phrase (`the dataset`) reads "in the
// dataset", a phrase of time (`after reapply`) reads as it is.
import type { ColumnSchema, SchemaSnapshot, TableSchema } from '../rehearsal/evidence.ts';
import { sameDefinition } from './equivalent.ts';
import type { DiffLabels, SchemaAttribute, SchemaDifference, SchemaObjectKind } from './model.ts';

export interface DiffOptions {
  /** Tables to leave out of the comparison (with their columns, indexes, constraints and triggers). */
  ignoreTables?: (name: string) => boolean;
}

/** Plain code-point order: the same on every machine, whatever its locale. */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnion = (a: Iterable<string>, b: Iterable<string>): string[] => [...new Set([...a, ...b])].sort(byCodePoint);

/** How one side is named in a line: `in the dataset` / `after reapply`. */
interface Side {
  /** `in the dataset`, `after reapply` */
  at: string;
  /** `is in the dataset only`, `exists only after reapply` */
  only: string;
  /** `is missing from the dataset`, `is missing after reapply` */
  missing: string;
}

const TEMPORAL = /^(after|before|at|during|when|once|on|until)\b/i;

function side(label: string): Side {
  return TEMPORAL.test(label)
    ? { at: label, only: `exists only ${label}`, missing: `is missing ${label}` }
    : { at: `in ${label}`, only: `is in ${label} only`, missing: `is missing from ${label}` };
}

/** A column as one definition: `varchar(120) NOT NULL DEFAULT 'x' COLLATE utf8mb4_bin`. */
export function columnDefinition(column: ColumnSchema): string {
  const parts = [column.type];
  if (column.notNull) parts.push('NOT NULL');
  if (column.default !== null) parts.push(column.default.startsWith('GENERATED ') ? column.default : `DEFAULT ${column.default}`);
  if (column.collation) parts.push(`COLLATE ${column.collation}`);
  return parts.join(' ');
}

/** A table as the list of its columns: `(id bigint NOT NULL, subject varchar(120))`. */
export function tableDefinition(table: TableSchema): string {
  return `(${table.columns.map((c) => `${c.name} ${columnDefinition(c)}`).join(', ')})`;
}

/** How a line names the object: `column t.c`, `index i on t`; within its table's finding, `column c`, `index i`, `it`. */
export function objectLabel(d: Pick<SchemaDifference, 'kind' | 'name' | 'table'>, options: { withinTable?: boolean } = {}): string {
  const within = options.withinTable === true;
  switch (d.kind) {
    case 'table':
      return within ? 'it' : `table ${d.name}`;
    case 'column':
      return within || d.table === undefined ? `column ${d.name}` : `column ${d.table}.${d.name}`;
    case 'index':
    case 'constraint':
    case 'trigger':
      return within || d.table === undefined ? `${d.kind} ${d.name}` : `${d.kind} ${d.name} on ${d.table}`;
    default:
      return `${d.kind} ${d.name}`;
  }
}

/** The difference's line with the object named as within its table (`column subject is …`, `it is in the dataset only`). */
export function textWithinTable(d: SchemaDifference): string {
  const full = objectLabel(d);
  return d.table !== undefined && d.text.startsWith(full) ? objectLabel(d, { withinTable: true }) + d.text.slice(full.length) : d.text;
}

const MAX_INLINE = 160;

/** A definition on one line for a message: whitespace collapsed, cut at `max` characters. */
export function oneLine(definition: string, max = MAX_INLINE): string {
  const flat = definition.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** States the introspection appends to a definition, and how a line names each and its opposite. */
const STATES: { suffix: string; state: string; opposite: string }[] = [
  { suffix: ' (INVALID)', state: 'INVALID', opposite: 'valid' }, // PostgreSQL: a failed CREATE INDEX CONCURRENTLY
  { suffix: ' NOT VALID', state: 'NOT VALID', opposite: 'validated' }, // PostgreSQL: a constraint never validated
  { suffix: ' (DISABLED)', state: 'DISABLED', opposite: 'enabled' }, // PostgreSQL: ALTER TABLE … DISABLE TRIGGER
  { suffix: ' IGNORED', state: 'IGNORED', opposite: 'not ignored' }, // MariaDB IGNORED / MySQL INVISIBLE index
  { suffix: ' NOT ENFORCED', state: 'NOT ENFORCED', opposite: 'enforced' }, // MySQL: CHECK … NOT ENFORCED
];

class Differ {
  readonly out: SchemaDifference[] = [];
  readonly #expected: Side;
  readonly #actual: Side;

  constructor(labels: DiffLabels) {
    this.#expected = side(labels.expected);
    this.#actual = side(labels.actual);
  }

  /** `… in the dataset, … in the migrations`: the actual side first, as the reader looks at it. */
  #both(actual: string, expected: string): string {
    return `${actual} ${this.#actual.at}, ${expected} ${this.#expected.at}`;
  }

  #push(d: Omit<SchemaDifference, 'text'>, text: string): void {
    this.out.push({
      kind: d.kind,
      ...(d.table !== undefined ? { table: d.table } : {}),
      name: d.name,
      change: d.change,
      ...(d.attributes ? { attributes: d.attributes } : {}),
      ...(d.expected !== undefined ? { expected: d.expected } : {}),
      ...(d.actual !== undefined ? { actual: d.actual } : {}),
      text,
    });
  }

  /** An object only one side has; `quote`: whether the line quotes its definition (not for tables and sequences). */
  oneSided(kind: SchemaObjectKind, name: string, table: string | undefined, expected: string | undefined, actual: string | undefined, quote: boolean): void {
    const change = expected !== undefined ? 'missing' : 'extra';
    const label = objectLabel({ kind, name, table });
    const definition = expected ?? actual;
    const quoted = quote && definition !== undefined && definition !== name ? `: ${oneLine(definition)}` : '';
    const verb = change === 'missing' ? this.#actual.missing : this.#actual.only;
    this.#push({ kind, table, name, change, expected, actual }, `${label} ${verb}${quoted}`);
  }

  column(table: string, expected: ColumnSchema | undefined, actual: ColumnSchema | undefined): void {
    const name = (expected ?? actual)!.name;
    if (!expected || !actual) {
      this.oneSided('column', name, table, expected && columnDefinition(expected), actual && columnDefinition(actual), true);
      return;
    }
    const attributes: SchemaAttribute[] = [];
    if (expected.type !== actual.type) attributes.push('type');
    if (expected.notNull !== actual.notNull) attributes.push('nullability');
    if (!sameDefinition(expected.default, actual.default)) attributes.push('default');
    if ((expected.collation ?? null) !== (actual.collation ?? null)) attributes.push('collation');
    if (attributes.length === 0) return;
    const label = objectLabel({ kind: 'column', name, table });
    const defaultOf = (c: ColumnSchema) => (c.default === null ? 'no default' : c.default.startsWith('GENERATED ') ? c.default : `default ${c.default}`);
    const collationOf = (c: ColumnSchema) => (c.collation ? `collation ${c.collation}` : 'the default collation');
    let text: string;
    switch (attributes.length === 1 ? attributes[0] : 'several') {
      case 'type':
        text = `${label} is ${this.#both(actual.type, expected.type)}`;
        break;
      case 'nullability':
        text = `${label} is ${this.#both(actual.notNull ? 'NOT NULL' : 'nullable', expected.notNull ? 'NOT NULL' : 'nullable')}`;
        break;
      case 'default':
        text = `${label} has ${this.#both(oneLine(defaultOf(actual)), oneLine(defaultOf(expected)))}`;
        break;
      case 'collation':
        text = `${label} has ${this.#both(collationOf(actual), collationOf(expected))}`;
        break;
      default:
        text = `${label} is ${this.#both(oneLine(columnDefinition(actual)), oneLine(columnDefinition(expected)))} (${attributes.join(', ')} differ)`;
    }
    this.#push({ kind: 'column', table, name, change: 'changed', attributes, expected: columnDefinition(expected), actual: columnDefinition(actual) }, text);
  }

  /** Named definitions of one kind (a table's indexes, constraints or triggers; views, types, functions). */
  definitions(kind: SchemaObjectKind, table: string | undefined, expected: Record<string, string>, actual: Record<string, string>): void {
    for (const name of sortedUnion(Object.keys(expected), Object.keys(actual))) {
      const e = Object.hasOwn(expected, name) ? expected[name] : undefined;
      const a = Object.hasOwn(actual, name) ? actual[name] : undefined;
      if (sameDefinition(e, a)) continue;
      if (e === undefined || a === undefined) {
        this.oneSided(kind, name, table, e, a, true);
        continue;
      }
      const label = objectLabel({ kind, name, table });
      this.#push({ kind, table, name, change: 'changed', attributes: ['definition'], expected: e, actual: a }, `${label} ${this.#changedDefinition(e, a)}`);
    }
  }

  #changedDefinition(expected: string, actual: string): string {
    for (const { suffix, state, opposite } of STATES) {
      if (actual === expected + suffix) return `is ${this.#both(state, opposite)}`;
      if (expected === actual + suffix) return `is ${this.#both(opposite, state)}`;
    }
    const [a, e] = [oneLine(actual, Number.MAX_SAFE_INTEGER), oneLine(expected, Number.MAX_SAFE_INTEGER)];
    if (a.length <= MAX_INLINE && e.length <= MAX_INLINE) return `differs: ${this.#both(a, e)}`;
    return `has a different definition ${this.#actual.at} than ${this.#expected.at}`;
  }

  table(name: string, expected: TableSchema | undefined, actual: TableSchema | undefined): void {
    if (!expected || !actual) {
      this.oneSided('table', name, name, expected && tableDefinition(expected), actual && tableDefinition(actual), false);
      return;
    }
    const actualColumns = new Map(actual.columns.map((c) => [c.name, c]));
    const expectedNames = new Set(expected.columns.map((c) => c.name));
    for (const column of expected.columns) this.column(name, column, actualColumns.get(column.name));
    for (const column of actual.columns) if (!expectedNames.has(column.name)) this.column(name, undefined, column);
    this.definitions('index', name, expected.indexes, actual.indexes);
    this.definitions('constraint', name, expected.constraints, actual.constraints);
    this.definitions('trigger', name, expected.triggers, actual.triggers);
  }

  sequences(expected: string[], actual: string[]): void {
    const [e, a] = [new Set(expected), new Set(actual)];
    for (const name of sortedUnion(e, a)) {
      if (e.has(name) && a.has(name)) continue;
      this.oneSided('sequence', name, undefined, e.has(name) ? name : undefined, a.has(name) ? name : undefined, false);
    }
  }
}

/**
 * What differs between two schema models, `expected` (what should be: the migrations' schema, the
 * state after change) and `actual` (the dataset's, the state after reapply). Empty when they agree.
 */
export function diffSchemas(expected: SchemaSnapshot, actual: SchemaSnapshot, labels: DiffLabels, options: DiffOptions = {}): SchemaDifference[] {
  const differ = new Differ(labels);
  const ignored = options.ignoreTables ?? (() => false);
  for (const name of sortedUnion(Object.keys(expected.tables), Object.keys(actual.tables))) {
    if (ignored(name)) continue;
    differ.table(name, Object.hasOwn(expected.tables, name) ? expected.tables[name] : undefined, Object.hasOwn(actual.tables, name) ? actual.tables[name] : undefined);
  }
  differ.definitions('view', undefined, expected.views, actual.views);
  differ.sequences(expected.sequences, actual.sequences);
  differ.definitions('type', undefined, expected.types, actual.types);
  differ.definitions('function', undefined, expected.functions, actual.functions);
  return differ.out;
}

/** A difference as plain JSON for evidence, without its line (which evidence keeps in a list of its own). */
export function differenceRecord(d: SchemaDifference): Record<string, string | string[]> {
  return {
    kind: d.kind,
    name: d.name,
    change: d.change,
    ...(d.attributes ? { attributes: [...d.attributes] } : {}),
    ...(d.expected !== undefined ? { expected: d.expected } : {}),
    ...(d.actual !== undefined ? { actual: d.actual } : {}),
  };
}

const SIGNS: Record<SchemaDifference['change'], string> = { missing: '-', extra: '+', changed: '~' };
const INDENT = '    ';

/** `    - first line` and the definition's further lines under it. */
function block(sign: string, definition: string): string[] {
  const lines = definition.trim().split('\n');
  return lines.map((line, i) => (i === 0 ? `${INDENT}${sign} ${line.trimEnd()}` : `${INDENT}  ${line.trimEnd()}`));
}

/**
 * A readable multi-line diff for notes, docs and evidence: `- ` an object only the expected side
 * has, `+ ` one only the actual side has, `~ ` one both have, with the expected (`-`) and the
 * actual (`+`) definition under it. Empty for no differences.
 */
export function formatSchemaDiff(differences: readonly SchemaDifference[]): string {
  const lines: string[] = [];
  for (const d of differences) {
    const head = `${SIGNS[d.change]} ${objectLabel(d)}`;
    if (d.change === 'changed') {
      lines.push(d.attributes && d.attributes.length > 0 && d.kind === 'column' ? `${head} (${d.attributes.join(', ')})` : head);
      if (d.expected !== undefined) lines.push(...block('-', d.expected));
      if (d.actual !== undefined) lines.push(...block('+', d.actual));
      continue;
    }
    const definition = d.change === 'missing' ? d.expected : d.actual;
    if (definition === undefined || definition === d.name) lines.push(head);
    else if (!definition.includes('\n') && head.length + definition.length <= 120) lines.push(`${head}: ${definition}`);
    else lines.push(`${head}:`, ...definition.trim().split('\n').map((line) => `${INDENT}${line.trimEnd()}`));
  }
  return lines.join('\n');
}
