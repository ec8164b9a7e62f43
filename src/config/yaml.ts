// Reads a YAML config keeping its syntax tree, so every problem found later can be reported at
// the line and column of the key or value it is about.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { LineColumn, Locate, Problem } from './issues.ts';

export type YamlConfig = { ok: true; data: unknown; locate: Locate } | { ok: false; syntaxErrors: Problem[] };

export function parseYamlConfig(text: string): YamlConfig {
  const lineCounter = new LineCounter();
  // `merge` so `<<: *defaults` can share per-migration limits; prettyErrors off because we
  // format locations ourselves and want the bare message.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const at = (offset: number): LineColumn => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return { ok: false, syntaxErrors: doc.errors.map((e) => ({ ...at(e.pos[0]), message: `YAML syntax error: ${e.message}` })) };
  }
  keepVersionsAsWritten(doc);
  const locate: Locate = (path, atKey) => {
    const node = nodeAt(doc, path, atKey);
    return node?.range ? at(node.range[0]) : undefined;
  };
  // An empty file (or one with only comments) is an empty config: every default applies.
  return { ok: true, data: doc.contents === null ? {} : doc.toJS({ maxAliasCount: 100 }), locate };
}

// YAML reads `version: 0004` and the key `0005:` as the numbers 4 and 5, but migration
// versions are names: `0004` must stay `0004` to match `0004_add_x.up.sql`. Put back the text.
function keepVersionsAsWritten(doc: Document): void {
  const asWritten = (node: unknown) => {
    if (isScalar(node) && typeof node.value === 'number' && node.source !== undefined) node.value = node.source;
  };
  asWritten(doc.getIn(['dataset', 'version'], true));
  const perMigration = doc.getIn(['limits', 'migrations'], true);
  if (isMap(perMigration)) for (const pair of perMigration.items) asWritten(pair.key);
}

/**
 * The node at `path` (its key node when `atKey`), or the nearest ancestor that exists: a value
 * that came through a merge key or an alias has no node of its own under this path.
 * Walks by hand rather than with `doc.getIn` because keys compare as text here (the path
 * comes from JS data, where the YAML key `5` became "5").
 */
function nodeAt(doc: Document, path: readonly (string | number)[], atKey: boolean): Node | undefined {
  let node: Node | undefined = isNode(doc.contents) ? doc.contents : undefined;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return node;
      const key = isNode(pair.key) ? pair.key : undefined;
      const value = isNode(pair.value) ? pair.value : undefined;
      if (last && atKey) return key ?? node;
      // `key:` with nothing after it may have no value node: point at the key instead.
      node = value ?? key;
    } else if (isSeq(node) && typeof segment === 'number' && isNode(node.items[segment])) {
      node = node.items[segment] as Node;
    } else {
      return node;
    }
  }
  return node;
}

function isNode(value: unknown): value is Node {
  return isMap(value) || isSeq(value) || isScalar(value);
}
