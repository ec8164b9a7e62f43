// Subsetting a capture, foreign-key consistent and deterministic.
//
// Rules (`--subset`): `table=10%` (rows whose keyed hash of the primary key falls in the lowest
// 10 %), `table=5000` (the 5,000 rows with the lowest keyed hash), `table:<WHERE>` (rows the
// condition selects). Then, over the key columns only (primary keys and foreign-key columns, read
// once in the snapshot):
//   1. children follow: rows of a followed table (`--follow`, default every table below a subset
//      table) that reference a selected row are selected, transitively down the edges;
//   2. parents are always pulled in: every row a selected row references is selected, until
//      nothing changes (cycles and self-references converge: rows are only ever added);
//   3. tables no rule and no edge reaches keep every row; tables in the subset's foreign-key
//      component that nothing selected are empty.
// The hash is HMAC-SHA256 of the key under a fixed seed (or the anonymization key), so the same
// rows are chosen every time. Memory grows with the rows of the subset's component (their key
// columns only), not with their width.
import { createHmac } from 'node:crypto';
import { UsageError } from '../../errors.ts';
import type { DatasetForeignKey } from '../dir/manifest.ts';
import { decodeField, type Field } from '../dir/tsv.ts';
import type { SourceSnapshot, SourceTable } from './source.ts';

export type SubsetRule = { kind: 'fraction'; fraction: number } | { kind: 'limit'; rows: number } | { kind: 'where'; where: string };

export interface SubsetSpec {
  rules: Map<string, SubsetRule>;
  /** Child tables rows are pulled into along their foreign keys; `all` (the default) follows every edge below a rule. */
  follow: Set<string> | 'all';
  /** As given, for the manifest. */
  given: Record<string, string>;
}

/** `customers=10%`, `events=5000`, `orders:created_at >= '2024-01-01'`; `--follow` tables, or `all` / `none`. */
export function parseSubsetSpecs(specs: string[], follow: string[] = []): SubsetSpec | undefined {
  if (specs.length === 0) {
    if (follow.length > 0) throw new UsageError('USAGE', '--follow needs --subset: it says which child tables a subset pulls rows into');
    return undefined;
  }
  const rules = new Map<string, SubsetRule>();
  const given: Record<string, string> = {};
  for (const spec of specs) {
    const where = /^([^=:\s]+)\s*:\s*(.+)$/s.exec(spec);
    const sized = /^([^=:\s]+)\s*=\s*(.+)$/.exec(spec);
    let table: string;
    let rule: SubsetRule;
    if (where && (!sized || where[1]!.length < sized[1]!.length)) {
      table = where[1]!;
      rule = { kind: 'where', where: where[2]!.trim() };
    } else if (sized) {
      table = sized[1]!;
      const value = sized[2]!.trim();
      const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(value);
      if (pct) {
        const fraction = Number(pct[1]) / 100;
        if (!(fraction > 0 && fraction <= 1)) throw new UsageError('USAGE', `--subset ${spec}: a percentage must be above 0 and at most 100`);
        rule = { kind: 'fraction', fraction };
      } else if (/^\d+$/.test(value) && Number(value) > 0) {
        rule = { kind: 'limit', rows: Number(value) };
      } else {
        throw new UsageError('USAGE', `--subset ${spec}: expected TABLE=N% (a percentage), TABLE=N (a row count) or "TABLE:CONDITION" (a WHERE condition)`);
      }
    } else {
      throw new UsageError('USAGE', `--subset ${spec}: expected TABLE=N% (a percentage), TABLE=N (a row count) or "TABLE:CONDITION" (a WHERE condition)`);
    }
    if (rules.has(table)) throw new UsageError('USAGE', `--subset names ${table} twice`);
    rules.set(table, rule);
    given[table] = rule.kind === 'fraction' ? `${rule.fraction * 100}%` : rule.kind === 'limit' ? `${rule.rows} rows` : `WHERE ${rule.where}`;
  }
  const followAll = follow.length === 0 || follow.includes('all');
  const followSet = follow.includes('none') ? new Set<string>() : new Set(follow);
  return { rules, follow: followAll && !follow.includes('none') ? 'all' : followSet, given };
}

/** Which rows of each table the subset keeps, decided on key columns; tables absent from `tables` keep every row. */
export interface SubsetSelection {
  /** Per table in the subset's component: whether a full row (table column order) is kept. */
  keep(table: string): ((row: readonly Field[]) => boolean) | undefined;
  /** The same for a row whose fields are still COPY-encoded (only the key fields get decoded). */
  keepEncoded(table: string): ((fields: readonly string[]) => boolean) | undefined;
  /** How the table's rows were chosen, for the manifest. */
  describe(table: string): string | undefined;
  /** What `keep` needs of a table, as plain data for a worker thread (`selectionFromExport`). */
  exportTable(table: string): ExportedSelection | undefined;
}

export interface ExportedSelection {
  /** Identities (key values joined) of the rows kept. */
  kept: string[];
  /** Where the identity's columns sit in a full row. */
  inRow: number[];
  describe: string;
}

/** `keep` / `keepEncoded` / `describe` again from exported tables, in a worker thread. */
export function selectionFromExport(tables: Record<string, ExportedSelection>): Pick<SubsetSelection, 'keep' | 'keepEncoded' | 'describe'> {
  const sets = new Map(Object.entries(tables).map(([name, e]) => [name, { kept: new Set(e.kept), inRow: e.inRow, describe: e.describe }]));
  return {
    keep(name) {
      const e = sets.get(name);
      return e ? (row) => e.kept.has(keyOf(row, e.inRow) ?? '') : undefined;
    },
    keepEncoded(name) {
      const e = sets.get(name);
      return e ? (fields) => e.kept.has(keyOf(e.inRow.map((i) => decodeField(fields[i] ?? '\\N')), e.inRow.map((_, j) => j)) ?? '') : undefined;
    },
    describe: (name) => sets.get(name)?.describe,
  };
}

interface Keyed {
  table: SourceTable;
  /** The key columns read: primary key first, then every column an FK uses or references. */
  columns: string[];
  rows: Field[][];
  selected: Uint8Array;
  how: string;
}

const SEP = '\u0001';
const keyOf = (row: readonly Field[], positions: number[]): string | undefined => {
  const parts: string[] = [];
  for (const p of positions) {
    const v = row[p];
    if (v === null || v === undefined) return undefined;
    parts.push(v);
  }
  return parts.join(SEP);
};

export async function planSubset(source: SourceSnapshot, spec: SubsetSpec, seed: Buffer, log: (line: string) => void): Promise<SubsetSelection> {
  const byName = new Map(source.tables.map((t) => [t.name, t]));
  const unknown = [...spec.rules.keys(), ...(spec.follow === 'all' ? [] : spec.follow)].filter((t) => !byName.has(t));
  if (unknown.length > 0) throw new UsageError('USAGE', `--subset/--follow name tables the source does not have: ${unknown.join(', ')} (tables: ${[...byName.keys()].join(', ')})`);
  const fks = source.foreignKeys.filter((fk) => byName.has(fk.table) && byName.has(fk.references));
  const component = connected([...spec.rules.keys()], fks);

  // One narrow read per table of the component: its primary key and foreign-key columns.
  const keyed = new Map<string, Keyed>();
  for (const name of component) {
    const table = byName.get(name)!;
    const columns = [...new Set([...table.primaryKey, ...fks.filter((f) => f.table === name).flatMap((f) => f.columns), ...fks.filter((f) => f.references === name).flatMap((f) => f.referencedColumns)])];
    const rows: Field[][] = [];
    if (columns.length > 0) for await (const row of source.rows(table, { columns })) rows.push(row);
    keyed.set(name, { table, columns, rows, selected: new Uint8Array(rows.length), how: '' });
  }
  const pos = (k: Keyed, cols: string[]) => cols.map((c) => k.columns.indexOf(c));

  // Roots.
  for (const [name, rule] of spec.rules) {
    const k = keyed.get(name)!;
    const pk = pos(k, k.table.primaryKey);
    if (rule.kind !== 'where' && pk.length === 0) throw new UsageError('USAGE', `--subset ${name}: sampling needs a primary key, and ${name} has none; use "${name}:CONDITION"`);
    const score = (row: Field[]) => createHmac('sha256', seed).update(keyOf(row, pk) ?? '').digest().readUInt32BE(0) / 2 ** 32;
    if (rule.kind === 'fraction') {
      k.rows.forEach((row, i) => (k.selected[i] = score(row) < rule.fraction ? 1 : 0));
      k.how = `${rule.fraction * 100}% by keyed hash of the primary key`;
    } else if (rule.kind === 'limit') {
      const order = k.rows.map((row, i) => ({ i, s: score(row) })).sort((a, b) => a.s - b.s);
      for (const { i } of order.slice(0, rule.rows)) k.selected[i] = 1;
      k.how = `${rule.rows} rows with the lowest keyed hash of the primary key`;
    } else {
      // The condition runs on the source, in the snapshot; rows are matched back by primary key (or by all key columns).
      const matchCols = k.table.primaryKey.length > 0 ? k.table.primaryKey : k.columns;
      const wanted = new Set<string>();
      for await (const row of source.rows(k.table, { columns: matchCols, where: rule.where })) wanted.add(keyOf(row, matchCols.map((_, i) => i)) ?? '');
      const at = pos(k, matchCols);
      k.rows.forEach((row, i) => (k.selected[i] = wanted.has(keyOf(row, at) ?? '') ? 1 : 0));
      k.how = `WHERE ${rule.where}`;
    }
  }

  // Indexes of referenced keys: table → column list → key → row indexes.
  const index = new Map<string, Map<string, number[]>>();
  const indexOf = (name: string, cols: string[]) => {
    const id = `${name}${SEP}${cols.join(SEP)}`;
    let m = index.get(id);
    if (!m) {
      m = new Map();
      const k = keyed.get(name)!;
      const p = pos(k, cols);
      k.rows.forEach((row, i) => {
        const key = keyOf(row, p);
        if (key === undefined) return;
        const list = m!.get(key);
        if (list) list.push(i);
        else m!.set(key, [i]);
      });
      index.set(id, m);
    }
    return m;
  };

  // 1. Children follow, down from the roots.
  const follows = (name: string) => spec.follow === 'all' || spec.follow.has(name);
  const queue = [...spec.rules.keys()];
  const visited = new Set(queue);
  while (queue.length > 0) {
    const parent = queue.shift()!;
    const pk = keyed.get(parent)!;
    for (const fk of fks.filter((f) => f.references === parent && follows(f.table) && f.table !== parent)) {
      const child = keyed.get(fk.table)!;
      const parentKeys = new Set<string>();
      const rp = pos(pk, fk.referencedColumns);
      pk.rows.forEach((row, i) => {
        if (pk.selected[i]) parentKeys.add(keyOf(row, rp) ?? '');
      });
      const cp = pos(child, fk.columns);
      let added = 0;
      child.rows.forEach((row, i) => {
        const key = keyOf(row, cp);
        if (!child.selected[i] && key !== undefined && parentKeys.has(key)) {
          child.selected[i] = 1;
          added++;
        }
      });
      if (!child.how) child.how = `rows referencing selected ${parent} rows`;
      if (added > 0 && !visited.has(fk.table)) {
        visited.add(fk.table);
        queue.push(fk.table);
      }
    }
  }

  // 2. Parents are always pulled in, until nothing changes.
  for (let pass = 1, changed = true; changed; pass++) {
    changed = false;
    for (const fk of fks) {
      const child = keyed.get(fk.table)!;
      const parent = keyed.get(fk.references)!;
      const cp = pos(child, fk.columns);
      const idx = indexOf(fk.references, fk.referencedColumns);
      child.rows.forEach((row, i) => {
        if (!child.selected[i]) return;
        const key = keyOf(row, cp);
        if (key === undefined) return;
        for (const j of idx.get(key) ?? []) {
          if (!parent.selected[j]) {
            parent.selected[j] = 1;
            changed = true;
            if (!parent.how) parent.how = 'rows referenced by selected rows';
          }
        }
      });
    }
    if (pass > 10_000) throw new Error('subset: parent closure did not converge');
  }

  /** The selected rows' identities (primary key, else every key column) and where those columns sit in a full row. */
  const keptKeys = (k: Keyed) => {
    const idCols = k.table.primaryKey.length > 0 ? k.table.primaryKey : k.columns;
    const kept = new Set<string>();
    const at = pos(k, idCols);
    k.rows.forEach((row, i) => {
      if (k.selected[i]) kept.add(keyOf(row, at) ?? '');
    });
    return { kept, inRow: idCols.map((c) => k.table.columns.findIndex((col) => col.name === c)) };
  };

  const counts = [...keyed.values()].map((k) => `${k.table.name} ${k.selected.reduce((a, b) => a + b, 0)}/${k.rows.length}`);
  log(`subset: ${counts.join(', ')}`);

  const describe = (name: string) => {
    const k = keyed.get(name);
    return k ? k.how || 'nothing selected it (a table below a subset table that is not followed)' : undefined;
  };
  return {
    keep(name) {
      const k = keyed.get(name);
      if (!k) return undefined;
      const { kept, inRow } = keptKeys(k);
      return (row) => kept.has(keyOf(row, inRow) ?? '');
    },
    keepEncoded(name) {
      const k = keyed.get(name);
      if (!k) return undefined;
      const { kept, inRow } = keptKeys(k);
      return (fields) => kept.has(keyOf(inRow.map((i) => decodeField(fields[i] ?? '\\N')), inRow.map((_, j) => j)) ?? '');
    },
    describe,
    exportTable(name) {
      const k = keyed.get(name);
      if (!k) return undefined;
      const { kept, inRow } = keptKeys(k);
      return { kept: [...kept], inRow, describe: describe(name)! };
    },
  };
}

/** The tables linked to `roots` through foreign keys, in either direction. */
function connected(roots: string[], fks: DatasetForeignKey[]): string[] {
  const seen = new Set(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    const t = queue.shift()!;
    for (const fk of fks) {
      for (const [a, b] of [
        [fk.table, fk.references],
        [fk.references, fk.table],
      ] as const) {
        if (a === t && !seen.has(b)) {
          seen.add(b);
          queue.push(b);
        }
      }
    }
  }
  return [...seen];
}
