// The real PostgreSQL parser (libpg-query, compiled to WASM), behind a small synchronous API that
// speaks JavaScript string offsets, plus the few parse-tree helpers the SQL modules share.
//
// libpg-query reports statement boundaries and token positions as UTF-8 *byte* offsets and
// syntax-error cursors as 0-based *character* (code point) offsets; JavaScript strings are indexed
// in UTF-16 code units. Every offset leaving this module is a UTF-16 index into the input string.
import { loadModule, parseSync, scanSync, hasSqlDetails } from 'libpg-query';
import type { DefElem, Node, ObjectType, RangeVar } from 'libpg-query';

type KeysOfUnion<T> = T extends T ? keyof T : never;
/** A parse-tree node type name, e.g. `AlterTableStmt`. */
export type NodeKind = KeysOfUnion<Node>;
/** The payload of a node of the given kind. */
export type NodeOf<K extends NodeKind> = Extract<Node, Record<K, unknown>>[K];

export interface ParsedStatement {
  node: Node;
  kind: NodeKind;
  /** UTF-16 offset of the statement's first token (leading comments and whitespace skipped). */
  start: number;
  /** UTF-16 offset just past its last token (trailing comments, whitespace and `;` excluded). */
  end: number;
}

export class PostgresSyntaxError extends Error {
  /** UTF-16 offset into the parsed text where the parser stopped. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'PostgresSyntaxError';
    this.offset = offset;
  }
}

let loading: Promise<void> | undefined;

/** Loads the WASM module once per process; every other function here needs it loaded. */
export function loadPostgresParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

/** Splits `sql` into statements with the parser of PostgreSQL 18. Throws PostgresSyntaxError. */
export function parsePostgres(sql: string): ParsedStatement[] {
  // libpg-query refuses the empty string; PostgreSQL treats it as zero statements.
  if (sql === '') return [];
  let raw;
  try {
    raw = parseSync(sql).stmts ?? [];
  } catch (error) {
    if (!hasSqlDetails(error)) throw error;
    const cursor = error.sqlDetails?.cursorPosition ?? 0;
    throw new PostgresSyntaxError(error.message, utf16OffsetOfCodePoint(sql, cursor));
  }

  const toUtf16 = utf16OffsetsByUtf8Byte(sql);
  const totalBytes = toUtf16.length - 1;
  // Tokens (not comments, not `;`) trim each statement's byte range to its real text: the range
  // of the last statement runs to the end of the file, trailing comments included.
  const tokens = scanSync(sql).tokens.filter(
    (t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT' && t.text !== ';',
  );
  let next = 0;
  const statements: ParsedStatement[] = [];
  for (const rawStmt of raw) {
    if (!rawStmt.stmt) continue;
    const from = rawStmt.stmt_location ?? 0;
    const to = rawStmt.stmt_len ? from + rawStmt.stmt_len : totalBytes;
    while (next < tokens.length && tokens[next]!.start < from) next++;
    const first = next;
    while (next < tokens.length && tokens[next]!.end <= to) next++;
    const startByte = tokens[first]?.start ?? from;
    const endByte = next > first ? tokens[next - 1]!.end : to;
    statements.push({
      node: rawStmt.stmt,
      kind: nodeKind(rawStmt.stmt),
      start: toUtf16[startByte]!,
      end: toUtf16[endByte]!,
    });
  }
  return statements;
}

export function nodeKind(node: Node): NodeKind {
  return Object.keys(node)[0] as NodeKind;
}

/** The payload of `node` when it is of the given kind. */
export function nodeAs<K extends NodeKind>(node: Node | undefined, kind: K): NodeOf<K> | undefined {
  if (node === undefined || !(kind in node)) return undefined;
  return (node as unknown as Record<K, NodeOf<K>>)[kind];
}

/** `schema.table` when a schema is written, else `table`, as PostgreSQL folded the names. */
export function relationName(rv: RangeVar): string {
  return rv.schemaname ? `${rv.schemaname}.${rv.relname ?? ''}` : (rv.relname ?? '');
}

/** A dotted name written as a list of `String` nodes (`DROP TABLE s.t`, `COMMENT ON TABLE t`). */
export function dottedName(items: Node[] | undefined): string {
  return (items ?? []).map((item) => nodeAs(item, 'String')?.sval ?? '').join('.');
}

/** The payloads of the nodes of one kind in a node list (others skipped). */
export function listOf<K extends NodeKind>(nodes: Node[] | undefined, kind: K): NodeOf<K>[] {
  return (nodes ?? []).map((n) => nodeAs(n, kind)).filter((n): n is NodeOf<K> => n !== undefined);
}

/** The items of a `List` node (how DROP and COMMENT hold object names). */
export function listItems(node: Node | undefined): Node[] {
  return nodeAs(node, 'List')?.items ?? [];
}

/**
 * Every relation the tree names, in order of appearance in the text. RangeVar sits wrapped (`{RangeVar: …}`)
 * in generic node lists and bare in typed fields (`relation`, `pktable`, …); both are found by
 * shape. Left out: unqualified names of the statement's common table expressions, and the
 * `FOR UPDATE OF x` list, whose names are range-table aliases — neither names a table.
 */
export function rangeVarsIn(tree: unknown): RangeVar[] {
  const found: RangeVar[] = [];
  const cteNames = new Set<string>();
  const aliasReferences = new Set<unknown>();
  visitObjects(tree, (obj) => {
    if (typeof obj.relname === 'string') found.push(obj as RangeVar);
    if (typeof obj.ctename === 'string') cteNames.add(obj.ctename);
    if (Array.isArray(obj.lockedRels)) {
      for (const rel of obj.lockedRels as Node[]) aliasReferences.add(nodeAs(rel, 'RangeVar'));
    }
  });
  return found
    .filter((rv) => !aliasReferences.has(rv) && (rv.schemaname !== undefined || !cteNames.has(rv.relname ?? '')))
    .sort((a, b) => (a.location ?? Infinity) - (b.location ?? Infinity));
}

/**
 * The value of a boolean option (`VACUUM (FULL)`, `WITH (create_slot = false)`), undefined when
 * absent. Written without a value it is on; PostgreSQL's defGetBoolean spellings are accepted.
 */
export function booleanOption(options: Node[] | undefined, name: string): boolean | undefined {
  const option = findOption(options, name);
  return option && defElemBoolean(option);
}

/** The option called `name` in a `WITH (…)`/`(…)` option list. */
export function findOption(options: Node[] | undefined, name: string): DefElem | undefined {
  return (options ?? []).map((o) => nodeAs(o, 'DefElem')).find((d) => d?.defname === name);
}

function defElemBoolean(option: DefElem): boolean {
  const arg = option.arg;
  if (arg === undefined) return true;
  const integer = nodeAs(arg, 'Integer');
  if (integer) return (integer.ival ?? 0) !== 0;
  const bool = nodeAs(arg, 'Boolean');
  if (bool) return bool.boolval ?? false;
  const text = (nodeAs(arg, 'String')?.sval ?? '').toLowerCase();
  return !['false', 'off', 'no', '0'].includes(text);
}

/** Calls `visit` on every plain object of the tree, depth first, parents before children. */
export function visitObjects(tree: unknown, visit: (obj: Record<string, unknown>) => void): void {
  if (Array.isArray(tree)) {
    for (const item of tree) visitObjects(item, visit);
  } else if (tree !== null && typeof tree === 'object') {
    const obj = tree as Record<string, unknown>;
    visit(obj);
    for (const value of Object.values(obj)) visitObjects(value, visit);
  }
}

/** For each UTF-8 byte offset of `text` (and one past the end), the UTF-16 offset it falls in. */
function utf16OffsetsByUtf8Byte(text: string): Uint32Array {
  const map = new Uint32Array(Buffer.byteLength(text, 'utf8') + 1);
  let byte = 0;
  for (let i = 0; i < text.length; ) {
    const codePoint = text.codePointAt(i)!;
    const bytes = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    map.fill(i, byte, byte + bytes);
    byte += bytes;
    i += codePoint > 0xffff ? 2 : 1;
  }
  map[byte] = text.length;
  return map;
}

function utf16OffsetOfCodePoint(text: string, codePoints: number): number {
  let i = 0;
  for (let n = 0; n < codePoints && i < text.length; n++) i += text.codePointAt(i)! > 0xffff ? 2 : 1;
  return i;
}

/** Objects named `table.object` in DROP/COMMENT: triggers, rules, policies. */
export const TABLE_CHILD_TYPES = new Set<ObjectType>(['OBJECT_TRIGGER', 'OBJECT_RULE', 'OBJECT_POLICY']);

/** The table part of such a name list. */
export function tableOfChild(nameList: Node | undefined): string {
  return dottedName(listItems(nameList).slice(0, -1));
}
