// Plans the anonymization of a capture: checks the rules against the source's schema (names,
// types, NOT NULL, unique keys, varchar limits), carries every rule on a key to the columns that
// reference it, refuses to leave a column that looks personal without a rule, and builds the row
// transformers the capture calls. Everything that can be wrong is found here, before a row is read.
import { InputError } from '../../errors.ts';
import type { LineColumn, Problem } from '../../config/issues.ts';
import { closestMatch } from '../../config/suggest.ts';
import type { AnonymizationSummary, DatasetForeignKey } from '../dir/manifest.ts';
import type { FakeKind } from './define.ts';
import { makeTransform, ruleProblem, type Target, type ValueTransform } from './generators.ts';
import { keyFingerprint } from './keyed.ts';
import { looksPersonal } from './personal.ts';
import { ruleText, rulesError, sameRule, type AnonymizationRules, type Rule } from './rules.ts';
import { columnType, lengthInType } from './types.ts';
import * as words from './vocabulary.ts';

export { looksPersonal } from './personal.ts';

export interface ColumnInfo {
  name: string;
  /** The source's type as its catalog spells it. */
  type: string;
  nullable: boolean;
  /** varchar(n): the most characters a value may hold (read from the type when absent). */
  maxLength?: number;
}

export interface TableInfo {
  /** `table`, or `schema.table` outside PostgreSQL's public schema. */
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Each unique index or constraint's columns. */
  uniqueKeys: string[][];
}

export type RowTransformer = (row: readonly (string | null)[]) => (string | null)[];

export interface AnonymizationPlan {
  /** The row transformer for a table, or undefined when nothing in it changes. Takes and returns values in the table's column order. */
  transformer(table: string): RowTransformer | undefined;
  /**
   * The same as one function per changed column (`index` in the table's column order): for a
   * caller that decodes only the fields it changes. Each value depends on nothing but itself.
   */
  columnTransforms(table: string): { index: number; transform: ValueTransform }[];
  /** Columns whose source values the leak check samples: every column a rule changes (not keep), with its rule. */
  personalColumns(): { table: string; column: string; rule: string }[];
  /** For the manifest (without leakCheck). */
  summary(): Omit<AnonymizationSummary, 'leakCheck'>;
  /**
   * Whether the rules themselves may output `sample` (a constant, or words fake values are made
   * of): such a sample found in the output proves nothing. Pass it to createLeakCheck as `ignore`.
   */
  producedByRules(sample: string): boolean;
}

export interface PlanOptions {
  /** Columns that look personal may stay without a rule (they are captured as they are). */
  allowUnruledPersonal?: boolean;
}

interface Column {
  table: TableInfo;
  info: ColumnInfo;
  label: string;
  target: Target;
  /** In the primary key, or a column of a foreign key. */
  inPrimaryKey: boolean;
  referencing: boolean;
}

interface Assigned {
  rule: Rule;
  /** Where the rule was written: the column's own entry, or the key it follows. */
  origin: 'explicit' | 'keep' | 'follows';
  /** For `follows`: the column whose rule it is. */
  root?: string;
}

export function planAnonymization(
  rules: AnonymizationRules | undefined,
  tables: TableInfo[],
  foreignKeys: DatasetForeignKey[],
  key: Buffer,
  options: PlanOptions = {},
): AnonymizationPlan {
  const problems: (Problem & { order: number })[] = [];
  const at = (path: (string | number)[], atKey = false): Partial<LineColumn> => rules?.locate?.(path, atKey) ?? {};
  const report = (message: string, where: Partial<LineColumn>) => problems.push({ ...where, message, order: problems.length });

  // The schema's columns.
  const tableByName = new Map(tables.map((t) => [t.name, t]));
  const columns = new Map<string, Column>();
  const referencingColumns = new Set(foreignKeys.flatMap((fk) => fk.columns.map((c) => id(fk.table, c))));
  for (const table of tables) {
    const uniqueColumns = new Set([...table.primaryKey, ...table.uniqueKeys.flat()]);
    for (const info of table.columns) {
      const label = `${table.name}.${info.name}`;
      const maxLength = info.maxLength ?? lengthInType(info.type);
      columns.set(id(table.name, info.name), {
        table,
        info,
        label,
        target: { label, type: columnType(info.type), ...(maxLength !== undefined ? { maxLength } : {}), nullable: info.nullable, unique: uniqueColumns.has(info.name) },
        inPrimaryKey: table.primaryKey.includes(info.name),
        referencing: referencingColumns.has(id(table.name, info.name)),
      });
    }
  }

  // Rules and keep entries, by column; unknown names reported with a suggestion.
  const assigned = new Map<string, Assigned>();
  const rulePath = new Map<string, (string | number)[]>();
  const unknownTables = new Set<string>();
  const resolve = (table: string, column: string, tablePath: (string | number)[], columnPath: (string | number)[], atKey: boolean, context = ''): string | undefined => {
    const t = tableByName.get(table);
    if (!t) {
      if (!unknownTables.has(table) || context !== '') report(`${context}unknown table ${table}${suggest(table, [...tableByName.keys()])}`, at(tablePath, atKey));
      unknownTables.add(table);
      return undefined;
    }
    if (!t.columns.some((c) => c.name === column)) {
      report(`${context}unknown column ${table}.${column}${suggest(column, t.columns.map((c) => c.name))}`, at(columnPath, atKey));
      return undefined;
    }
    return id(table, column);
  };
  for (const entry of rules?.columns ?? []) {
    const path = ['tables', entry.table, entry.column];
    const column = resolve(entry.table, entry.column, ['tables', entry.table], path, true);
    if (column === undefined) continue;
    assigned.set(column, { rule: entry.rule, origin: entry.rule.kind === 'keep' ? 'keep' : 'explicit' });
    rulePath.set(column, path);
  }
  for (const entry of rules?.keep ?? []) {
    const path = ['keep', entry.index];
    const column = resolve(entry.table, entry.column, path, path, false, `keep: ${entry.table}.${entry.column}: `);
    if (column === undefined) continue;
    const existing = assigned.get(column);
    if (existing && existing.rule.kind !== 'keep') {
      report(`keep: ${entry.table}.${entry.column} also has the rule ${ruleText(existing.rule)} under tables:; keep one of them`, at(path));
      continue;
    }
    assigned.set(column, { rule: { kind: 'keep' }, origin: 'keep' });
    if (!rulePath.has(column)) rulePath.set(column, path);
  }
  const where = (column: string) => at(rulePath.get(column) ?? []);
  const labelOf = (column: string) => columns.get(column)!.label;

  // Foreign keys, column-wise: referencing column → the key columns it references, and back.
  const references = new Map<string, string[]>();
  const referencedBy = new Map<string, string[]>();
  for (const fk of foreignKeys) {
    fk.columns.forEach((c, i) => {
      const from = id(fk.table, c);
      const to = id(fk.references, fk.referencedColumns[i] ?? '');
      if (!columns.has(from) || !columns.has(to)) return;
      push(references, from, to);
      push(referencedBy, to, from);
    });
  }

  // A rule on a key follows every column that references it, transitively.
  for (const [root, own] of [...assigned]) {
    if (own.origin !== 'explicit') continue;
    const queue = [root];
    const seen = new Set(queue);
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const follower of referencedBy.get(current) ?? []) {
        if (seen.has(follower)) continue;
        seen.add(follower);
        const theirs = assigned.get(follower);
        const via = `it references ${labelOf(current)}${current === root ? '' : ` (which follows ${labelOf(root)})`}`;
        if (theirs === undefined) {
          assigned.set(follower, { rule: own.rule, origin: 'follows', root });
          queue.push(follower);
        } else if (theirs.origin === 'follows') {
          if (!sameRule(theirs.rule, own.rule)) {
            report(
              `${labelOf(follower)} references keys with different rules: ${ruleText(own.rule)} from ${labelOf(root)} and ${ruleText(theirs.rule)} from ${labelOf(theirs.root!)}; give those keys the same rule`,
              where(root),
            );
          }
        } else if (theirs.rule.kind === 'null' && columns.get(follower)!.info.nullable) {
          // Nulling a nullable reference keeps the foreign key intact: its own rule stands.
        } else if (!sameRule(theirs.rule, own.rule)) {
          const [what, fix] = theirs.origin === 'keep' ? ['is kept', 'drop that keep'] : [`has the rule ${ruleText(theirs.rule)}`, 'remove that rule'];
          report(
            `${labelOf(follower)} ${what}, but ${via}, whose rule ${ruleText(own.rule)} applies to every column referencing it so joins hold; ${fix}`,
            where(follower),
          );
        }
      }
    }
  }

  // A rule on a referencing column whose key keeps its values would break the foreign key.
  for (const [column, own] of assigned) {
    if (own.origin !== 'explicit' || (own.rule.kind === 'null' && columns.get(column)!.info.nullable)) continue;
    for (const key of references.get(column) ?? []) {
      const theirs = assigned.get(key);
      if (theirs === undefined || theirs.rule.kind === 'keep') {
        report(
          `${labelOf(column)} references ${labelOf(key)}, which keeps its values: ${ruleText(own.rule)} here alone would break the foreign key; put the rule on ${labelOf(key)} (it follows to every column referencing it)`,
          where(column),
        );
      }
    }
  }

  // Columns joined by foreign keys under the same rule share one transform, shaped for all of
  // them: the shortest varchar limit, the narrowest integer.
  const groups = new UnionFind();
  for (const [from, tos] of references) {
    for (const to of tos) {
      const a = assigned.get(from);
      const b = assigned.get(to);
      if (a && b && a.rule.kind !== 'keep' && sameRule(a.rule, b.rule)) groups.union(from, to);
    }
  }
  const members = new Map<string, string[]>();
  for (const [column, a] of assigned) if (a.rule.kind !== 'keep') push(members, groups.find(column), column);
  const transforms = new Map<string, ValueTransform>();
  for (const group of members.values()) {
    const rule = assigned.get(group[0]!)!.rule;
    const targets = group.map((c) => columns.get(c)!.target);
    const limits = targets.map((t) => t.maxLength).filter((n): n is number => n !== undefined);
    const maxLength = limits.length > 0 ? Math.min(...limits) : undefined;
    const narrowest = targets.reduce((a, b) => (b.type.family === 'integer' && (b.type.bits ?? 64) < (a.type.bits ?? 64) ? b : a));
    let ok = true;
    for (const column of group) {
      const target = { ...columns.get(column)!.target, ...(maxLength !== undefined ? { maxLength } : {}) };
      const problem = ruleProblem(rule, target);
      if (problem === undefined) continue;
      ok = false;
      const a = assigned.get(column)!;
      if (a.origin === 'follows') report(`${problem} (${labelOf(column)} follows the rule of ${labelOf(a.root!)} through its foreign key)`, where(a.root!));
      else report(problem, where(column));
    }
    if (!ok) continue;
    const shared: Target = {
      label: group.map(labelOf).join(', '),
      type: narrowest.type,
      ...(maxLength !== undefined ? { maxLength } : {}),
      nullable: targets.some((t) => t.nullable),
      unique: targets.some((t) => t.unique),
    };
    const transform = makeTransform(rule, shared, key);
    for (const column of group) transforms.set(column, transform);
  }

  if (problems.length > 0) {
    throw rulesError(
      rules?.file ?? 'anonymization rules',
      problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0) || a.order - b.order),
    );
  }

  // Columns that look personal: each needs a rule or a place under keep:.
  const unruled: string[] = [];
  const keptPersonal: string[] = [];
  for (const [column, c] of columns) {
    const a = assigned.get(column);
    if (a && a.rule.kind !== 'keep') continue;
    // A primary key or foreign key of integers identifies rows, not people.
    if (c.target.type.family === 'integer' && (c.inPrimaryKey || c.referencing)) continue;
    const reason = looksPersonal(c.table.name, c.info.name, c.info.type);
    if (reason === undefined) continue;
    if (a) keptPersonal.push(c.label);
    else unruled.push(`  ${c.label}: ${reason}`);
  }
  if (unruled.length > 0 && !options.allowUnruledPersonal) {
    const one = unruled.length === 1;
    throw new InputError(
      'CONFIG_INVALID',
      [
        `${unruled.length} column${one ? '' : 's'} look${one ? 's' : ''} like personal data but ${one ? 'has' : 'have'} no rule${rules ? '' : ' (no rules file was given)'}:`,
        ...unruled,
        'Add a rule for each under tables: (e.g. `email: fake:email`), or list it under keep: if it may stay as it is (docs/anonymization.md).',
      ].join('\n'),
      rules ? { location: { file: rules.file } } : {},
    );
  }

  // What the capture uses.
  const transformers = new Map<string, RowTransformer | undefined>();
  for (const table of tables) {
    const fns = table.columns.map((c) => transforms.get(id(table.name, c.name)));
    transformers.set(table.name, fns.some((f) => f !== undefined) ? rowTransformer(table.name, fns) : undefined);
  }
  const ordered = [...columns.keys()].filter((c) => assigned.has(c));
  const summaryRules: Record<string, string> = {};
  for (const column of ordered) {
    const a = assigned.get(column)!;
    summaryRules[labelOf(column)] = a.origin === 'follows' ? `${ruleText(a.rule)} (follows ${labelOf(a.root!)})` : ruleText(a.rule);
  }
  const personal = ordered
    .filter((c) => assigned.get(c)!.rule.kind !== 'keep')
    .map((c) => ({ table: columns.get(c)!.table.name, column: columns.get(c)!.info.name, rule: summaryRules[labelOf(c)]! }));
  const produced = producedBy([...assigned.values()].map((a) => a.rule));
  const fingerprint = keyFingerprint(key);

  return {
    transformer(table) {
      if (!transformers.has(table)) throw new Error(`table ${table} was not planned`);
      return transformers.get(table);
    },
    columnTransforms(table) {
      const planned = tables.find((t) => t.name === table);
      if (!planned) throw new Error(`table ${table} was not planned`);
      return planned.columns.flatMap((c, index) => {
        const transform = transforms.get(id(table, c.name));
        return transform ? [{ index, transform }] : [];
      });
    },
    personalColumns: () => personal.map((p) => ({ ...p })),
    summary: () => ({ keyFingerprint: fingerprint, rules: { ...summaryRules }, keptPersonal: [...keptPersonal] }),
    producedByRules: produced,
  };
}

function id(table: string, column: string): string {
  return `${table}\u0000${column}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function suggest(name: string, candidates: string[]): string {
  const close = closestMatch(name, candidates) ?? (name.startsWith('public.') && candidates.includes(name.slice(7)) ? name.slice(7) : undefined);
  return close === undefined ? '' : `; did you mean ${close}?`;
}

function rowTransformer(table: string, fns: (ValueTransform | undefined)[]): RowTransformer {
  const width = fns.length;
  return (row) => {
    if (row.length !== width) throw new Error(`${table}: a row of ${row.length} values for ${width} columns`);
    const out = row.slice();
    for (let i = 0; i < width; i++) {
      const f = fns[i];
      if (f !== undefined) out[i] = f(row[i]!);
    }
    return out;
  };
}

class UnionFind {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(x, root);
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

/** The words each fake kind's values are made of. */
const VOCABULARY: Partial<Record<FakeKind, readonly string[]>> = {
  name: [...words.FIRST_NAMES, ...words.LAST_NAMES],
  first_name: words.FIRST_NAMES,
  last_name: words.LAST_NAMES,
  email: [...words.FIRST_NAMES, ...words.LAST_NAMES, 'example', 'com', 'net', 'org'],
  username: [...words.FIRST_NAMES, ...words.LAST_NAMES, 'u'],
  company: [...words.LAST_NAMES, ...words.COMPANY_SUFFIXES],
  city: words.CITIES,
  address: [...words.STREETS, ...words.STREET_SUFFIXES, ...words.STREET_SUFFIXES_SHORT],
  text: words.FILLER_WORDS,
};
const TOKEN = /[^\p{L}\p{N}]+/u;
const POSTCODE_SHAPE = /^(?=.*\d)[A-Za-z0-9 -]{3,10}$/;

/** A test for samples the rules may output: constants, values made only of fake words, postcode shapes. */
function producedBy(rules: Rule[]): (sample: string) => boolean {
  const constants = new Set(rules.flatMap((r) => (r.kind === 'constant' ? [r.value.trim().toLowerCase()] : [])));
  const kinds = new Set(rules.flatMap((r) => (r.kind === 'fake' ? [r.fake] : [])));
  const vocabulary = new Set([...kinds].flatMap((k) => (VOCABULARY[k] ?? []).flatMap((w) => w.toLowerCase().split(TOKEN))));
  return (sample) => {
    const s = sample.trim().toLowerCase();
    if (constants.has(s)) return true;
    if (kinds.has('postcode') && POSTCODE_SHAPE.test(s)) return true;
    const tokens = s.split(TOKEN).filter((t) => t !== '');
    return tokens.length > 0 && tokens.some((t) => vocabulary.has(t)) && tokens.every((t) => vocabulary.has(t) || /^\d+$/.test(t));
  };
}
