// What an ALTER TABLE costs on InnoDB: for each operation, the best algorithm the server can use
// (INSTANT: metadata only; INPLACE: built in place, maybe rebuilding the table; COPY: a new copy of
// the table, row by row) and the weakest LOCK it allows with it; and from that, the metadata lock
// other sessions meet. Figures are MariaDB 10.11's, checked operation by operation against a
// 10.11 server (each operation tried with ALGORITHM=INSTANT, NOCOPY, INPLACE LOCK=NONE, INPLACE
// LOCK=SHARED and COPY); `mysql80` says where MySQL 8.0 differs.
//
// Read off the statement alone, without the table's current definition: where the cost depends on
// it (MODIFY may or may not change the type) the worst case is assumed and `certain` is false.
import { closingParen, isName, leadingWords, qualifiedNameAt, splitTopLevel, type Token } from './mysql-lexer.ts';

// ---------------------------------------------------------------------------------------------
// Metadata locks

/**
 * Exclusive metadata lock: nobody else may use the table; reads and writes wait. Taken by DROP,
 * TRUNCATE, RENAME, CREATE TRIGGER, ALTER … LOCK=EXCLUSIVE, and (briefly) at the start and end of
 * every ALTER. Queued behind a long transaction it makes every later query of the table queue too.
 */
export const MDL_EXCLUSIVE = 'MDL_EXCLUSIVE';
/** LOCK TABLES … WRITE: reads and writes of other sessions wait until UNLOCK TABLES. */
export const MDL_SHARED_NO_READ_WRITE = 'MDL_SHARED_NO_READ_WRITE';
/**
 * Writes wait, reads continue: ALTER with LOCK=SHARED, in-place operations that permit only
 * reads, and ALGORITHM=COPY (the copy runs under it; only the final swap is exclusive).
 */
export const MDL_SHARED_NO_WRITE = 'MDL_SHARED_NO_WRITE';
/** LOCK TABLES … READ: writes of other sessions wait until UNLOCK TABLES, reads continue. */
export const MDL_SHARED_READ_ONLY = 'MDL_SHARED_READ_ONLY';
/**
 * Reads and writes continue: online DDL (ALGORITHM=INPLACE, LOCK=NONE, or INSTANT) holds this and
 * needs an exclusive lock only briefly, at its start and end.
 */
export const MDL_SHARED_UPGRADABLE = 'MDL_SHARED_UPGRADABLE';
/** INSERT, UPDATE, DELETE, LOAD DATA: row work; conflicts only with the modes above that block writes. */
export const MDL_SHARED_WRITE = 'MDL_SHARED_WRITE';
/** SELECT: conflicts only with exclusive and no-read modes. */
export const MDL_SHARED_READ = 'MDL_SHARED_READ';

/** Metadata lock modes, weakest first. */
export const MDL_MODES = [
  MDL_SHARED_READ,
  MDL_SHARED_WRITE,
  MDL_SHARED_UPGRADABLE,
  MDL_SHARED_READ_ONLY,
  MDL_SHARED_NO_WRITE,
  MDL_SHARED_NO_READ_WRITE,
  MDL_EXCLUSIVE,
] as const;
export type MdlMode = (typeof MDL_MODES)[number];

const BLOCKS: Record<MdlMode, { reads: boolean; writes: boolean }> = {
  MDL_SHARED_READ: { reads: false, writes: false },
  MDL_SHARED_WRITE: { reads: false, writes: false },
  MDL_SHARED_UPGRADABLE: { reads: false, writes: false },
  MDL_SHARED_READ_ONLY: { reads: false, writes: true },
  MDL_SHARED_NO_WRITE: { reads: false, writes: true },
  MDL_SHARED_NO_READ_WRITE: { reads: true, writes: true },
  MDL_EXCLUSIVE: { reads: true, writes: true },
};

/** Which of other sessions' plain reads (MDL_SHARED_READ) and writes (MDL_SHARED_WRITE) a mode makes wait. */
export function mysqlBlockedBy(mode: string): { reads: boolean; writes: boolean } {
  return { ...(BLOCKS[mode as MdlMode] ?? { reads: false, writes: false }) };
}

export function strongerMdl(a: MdlMode, b: MdlMode): MdlMode {
  return MDL_MODES.indexOf(a) >= MDL_MODES.indexOf(b) ? a : b;
}

// ---------------------------------------------------------------------------------------------
// Operations

export type OnlineAlgorithm = 'INSTANT' | 'INPLACE' | 'COPY';
export type OnlineLock = 'NONE' | 'SHARED' | 'EXCLUSIVE';

export interface OnlineDdlSupport {
  /** The best algorithm MariaDB 10.11 uses for the operation. */
  algorithm: OnlineAlgorithm;
  /** The weakest LOCK it allows with that algorithm. */
  lock: OnlineLock;
  /** The table's rows are rewritten (time and I/O grow with the table, replicas replay it). */
  rebuildsTable: boolean;
  /** False where the statement alone cannot tell and the worst case is given. */
  certain: boolean;
  note?: string;
  /** Where MySQL 8.0 differs. */
  mysql80?: string;
}

const instant = (extra: Partial<OnlineDdlSupport> = {}): OnlineDdlSupport => ({
  algorithm: 'INSTANT',
  lock: 'NONE',
  rebuildsTable: false,
  certain: true,
  ...extra,
});
const inplace = (lock: OnlineLock, rebuildsTable: boolean, extra: Partial<OnlineDdlSupport> = {}): OnlineDdlSupport => ({
  algorithm: 'INPLACE',
  lock,
  rebuildsTable,
  certain: true,
  ...extra,
});
const copy = (extra: Partial<OnlineDdlSupport> = {}): OnlineDdlSupport => ({
  algorithm: 'COPY',
  lock: 'SHARED',
  rebuildsTable: true,
  certain: true,
  ...extra,
});

/** MariaDB 10.11 (InnoDB) per operation. */
export const ONLINE_DDL = {
  'add-column': instant({ mysql80: 'INSTANT since 8.0.12 (last column only before 8.0.29); earlier INPLACE with a rebuild, LOCK=NONE' }),
  'add-column-positioned': instant({ mysql80: 'INSTANT with FIRST/AFTER only since 8.0.29; before, INPLACE with a rebuild, LOCK=NONE' }),
  'add-auto-increment-column': inplace('SHARED', true),
  'add-stored-generated-column': copy(),
  'drop-column': instant({ certain: false, note: 'NOCOPY (in place, no rebuild) when the column is indexed', mysql80: 'INSTANT since 8.0.29; before, INPLACE with a rebuild, LOCK=NONE' }),
  'modify-column': copy({
    certain: false,
    note:
      'worst case: a type or character-set change copies the table; renaming, reordering, widening a VARCHAR or changing only the default is INSTANT, and only NULL <-> NOT NULL is INPLACE with a rebuild (LOCK=NONE) — the statement alone does not say which',
    mysql80: 'widening a VARCHAR is INPLACE without a rebuild (INSTANT only for renames, reorders and defaults)',
  }),
  'rename-column': instant({ mysql80: 'INSTANT since 8.0.28, INPLACE before' }),
  'set-default': instant(),
  'drop-default': instant(),
  'column-visibility': instant({ note: 'MySQL 8.0.23+ syntax (ALTER COLUMN … SET INVISIBLE); MariaDB sets INVISIBLE in the column definition' }),
  'add-index': inplace('NONE', false),
  'add-unique': inplace('NONE', false),
  'add-primary-key': inplace('NONE', true),
  'add-fulltext-index': inplace('SHARED', true, { certain: false, note: "the table's first FULLTEXT index rebuilds it (to add FTS_DOC_ID); later ones do not" }),
  'add-spatial-index': inplace('SHARED', false),
  'drop-index': inplace('NONE', false),
  'drop-primary-key': copy({ note: 'INPLACE with a rebuild, LOCK=NONE, when the same ALTER adds the new primary key' }),
  'rename-index': instant(),
  'index-visibility': instant(),
  'add-foreign-key': copy({ note: 'INPLACE without a rebuild (LOCK=NONE) only with foreign_key_checks=0, which leaves existing rows unchecked' }),
  'drop-foreign-key': instant({ mysql80: 'INPLACE, metadata only, LOCK=NONE' }),
  'add-check': copy({ note: 'existing rows are checked by copying the table' }),
  'drop-constraint': instant({ mysql80: 'DROP CHECK is INSTANT, DROP FOREIGN KEY INPLACE' }),
  'convert-charset': copy({ certain: false, note: 'INSTANT when nothing changes, or from utf8mb3 to utf8mb4 on columns no index uses' }),
  'default-charset': instant({ note: 'only the default for columns added later changes', mysql80: 'INPLACE' }),
  'engine-innodb': inplace('NONE', true, { certain: false, note: 'a rebuild in place when the table is InnoDB already; from another engine it is a COPY' }),
  'change-engine': copy(),
  force: inplace('NONE', true),
  'rebuild-option': inplace('NONE', true),
  'auto-increment': instant({ mysql80: 'INPLACE, no rebuild' }),
  'table-option': instant({ mysql80: 'INPLACE, metadata only' }),
  'rename-table': instant({ lock: 'EXCLUSIVE', note: 'metadata only, under a brief exclusive lock' }),
  'order-by': copy(),
  keys: instant({ note: 'ENABLE/DISABLE KEYS does nothing on InnoDB' }),
  tablespace: inplace('EXCLUSIVE', false),
  'add-partition': inplace('SHARED', false, { certain: false, note: 'RANGE/LIST: a new empty partition; HASH/KEY: rows are redistributed' }),
  'drop-partition': inplace('EXCLUSIVE', false, { note: "deletes the partition's rows" }),
  'truncate-partition': inplace('EXCLUSIVE', false),
  'reorganize-partition': copy({ note: 'copies the rows of the partitions involved' }),
  'maintain-partition': inplace('SHARED', false),
  'exchange-partition': inplace('EXCLUSIVE', false),
  'partition-by': copy(),
  'remove-partitioning': copy(),
  'system-versioning': copy(),
  other: copy({ certain: false, note: 'an operation rehearse does not classify: the worst case is assumed' }),
} satisfies Record<string, OnlineDdlSupport>;

export type AlterOperationKind = keyof typeof ONLINE_DDL;

export interface AlterOperation {
  operation: AlterOperationKind;
  /** How a summary names it: `ADD COLUMN note`, `DROP INDEX orders_by_customer`. */
  description: string;
  /** Tables it names besides the altered one: a foreign key's parent, the new name, an exchanged table. */
  tables: string[];
}

// ---------------------------------------------------------------------------------------------
// Classification of a whole ALTER

export interface AlterClassification {
  operations: (AlterOperation & { support: OnlineDdlSupport })[];
  /** What the server does (MariaDB semantics: ALGORITHM= names the least efficient algorithm accepted). */
  algorithm: OnlineAlgorithm;
  lock: OnlineLock;
  rebuildsTable: boolean;
  certain: boolean;
  /** ALGORITHM= / LOCK= as written (`ALTER ONLINE TABLE` is LOCK=NONE). */
  requested: { algorithm?: string; lock?: string };
  /**
   * Why the server refuses the statement: the requested ALGORITHM/LOCK is not available for its
   * operations (judged by the worst case where the classification is not certain).
   */
  refused?: string;
  /** The metadata lock other sessions meet while it runs. */
  mode: MdlMode;
}

const ALGORITHM_ORDER: OnlineAlgorithm[] = ['INSTANT', 'INPLACE', 'COPY'];
const LOCK_ORDER: OnlineLock[] = ['NONE', 'SHARED', 'EXCLUSIVE'];

export function classifyAlter(operations: AlterOperation[], requested: { algorithm?: string; lock?: string } = {}): AlterClassification {
  const addsPrimaryKey = operations.some((op) => op.operation === 'add-primary-key');
  const classified = operations.map((op) => {
    const swapsPrimaryKey = op.operation === 'drop-primary-key' && addsPrimaryKey;
    return { ...op, support: swapsPrimaryKey ? ONLINE_DDL['add-primary-key'] : ONLINE_DDL[op.operation] };
  });
  let best: OnlineAlgorithm = 'INSTANT';
  let lock: OnlineLock = 'NONE';
  for (const { support } of classified) {
    best = maxOf(ALGORITHM_ORDER, best, support.algorithm);
    lock = maxOf(LOCK_ORDER, lock, support.lock);
  }
  const certain = classified.every((op) => op.support.certain);
  // Refused by the worst case: what the server says when the statement really needs it.
  const worstRebuilds = classified.some((op) => op.support.rebuildsTable || (best !== 'INSTANT' && INSTANT_LAYOUT_CHANGES.has(op.operation)));
  const refused = refusal(best, worstRebuilds, requested.algorithm === 'COPY' ? maxOf(LOCK_ORDER, lock, 'SHARED') : lock, requested);
  // An uncertain classification is the worst case (MODIFY may only append an ENUM value). An
  // explicit ALGORITHM= / LOCK= is enforced by the server, which refuses a statement that needs
  // more: where the statement alone cannot tell, what was asked is what a statement that ran got.
  const bound = certain ? undefined : boundOf(requested);
  if (bound?.algorithm) best = minOf(ALGORITHM_ORDER, best, bound.algorithm);
  if (bound?.lock) lock = minOf(LOCK_ORDER, lock, bound.lock);
  if (bound?.algorithm === 'INSTANT') lock = 'NONE';
  // A column added or dropped instantly only changes metadata; next to an operation that cannot be
  // instant, the whole ALTER runs in place and the column change rebuilds the table.
  const rebuilds =
    !bound?.noRebuild && classified.some((op) => op.support.rebuildsTable || (best !== 'INSTANT' && INSTANT_LAYOUT_CHANGES.has(op.operation)));
  const algorithm = requested.algorithm === 'COPY' ? 'COPY' : best;
  if (algorithm === 'COPY') lock = maxOf(LOCK_ORDER, lock, 'SHARED');

  if (requested.lock === 'SHARED' || requested.lock === 'EXCLUSIVE') lock = maxOf(LOCK_ORDER, lock, requested.lock);
  return {
    operations: classified,
    algorithm,
    lock,
    rebuildsTable: rebuilds || algorithm === 'COPY',
    certain,
    requested,
    ...(refused ? { refused } : {}),
    mode: MODE_OF_LOCK[lock],
  };
}

const INSTANT_LAYOUT_CHANGES = new Set<AlterOperationKind>(['add-column', 'add-column-positioned', 'drop-column']);

const MODE_OF_LOCK: Record<OnlineLock, MdlMode> = {
  NONE: MDL_SHARED_UPGRADABLE,
  SHARED: MDL_SHARED_NO_WRITE,
  EXCLUSIVE: MDL_EXCLUSIVE,
};

/**
 * MariaDB treats ALGORITHM=INPLACE/NOCOPY/INSTANT as the least efficient algorithm accepted (an
 * INSTANT operation stays INSTANT under ALGORITHM=INPLACE) and refuses when the operation needs
 * more. MySQL 8.0 instead runs an explicit INPLACE in place, even where INSTANT was possible.
 */
function refusal(best: OnlineAlgorithm, rebuilds: boolean, lock: OnlineLock, requested: { algorithm?: string; lock?: string }): string | undefined {
  const wanted = requested.algorithm;
  if (wanted === 'INSTANT' && best !== 'INSTANT') return `ALGORITHM=INSTANT is not available: the operations need ${best}`;
  if (wanted === 'NOCOPY' && (best === 'COPY' || rebuilds)) return 'ALGORITHM=NOCOPY is not available: the operations rebuild the table';
  if (wanted === 'INPLACE' && best === 'COPY') return 'ALGORITHM=INPLACE is not available: the operations need COPY';
  if (requested.lock === 'NONE' && (lock !== 'NONE' || wanted === 'COPY')) return `LOCK=NONE is not available: the operations need LOCK=${lock === 'NONE' ? 'SHARED' : lock}`;
  if (requested.lock === 'SHARED' && lock === 'EXCLUSIVE') return 'LOCK=SHARED is not available: the operations need LOCK=EXCLUSIVE';
  return undefined;
}

/** What an explicit ALGORITHM= / LOCK= guarantees about a statement the server accepted. */
function boundOf(requested: { algorithm?: string; lock?: string }): { algorithm?: OnlineAlgorithm; lock?: OnlineLock; noRebuild: boolean } {
  const algorithm = requested.algorithm === 'INSTANT' ? 'INSTANT' : requested.algorithm === 'INPLACE' || requested.algorithm === 'NOCOPY' ? 'INPLACE' : undefined;
  const lock = requested.lock === 'NONE' || requested.lock === 'SHARED' ? requested.lock : undefined;
  // LOCK=NONE is refused for a copy: a statement that ran with it ran in place at worst.
  if (!algorithm && lock === 'NONE') return { algorithm: 'INPLACE', lock, noRebuild: false };
  return { ...(algorithm ? { algorithm } : {}), ...(lock ? { lock } : {}), noRebuild: requested.algorithm === 'INSTANT' || requested.algorithm === 'NOCOPY' };
}

function minOf<T>(order: T[], a: T, b: T): T {
  return order.indexOf(a) <= order.indexOf(b) ? a : b;
}

function maxOf<T>(order: T[], a: T, b: T): T {
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

/**
 * The safer way to run an ALTER that blocks writes or rebuilds the table, for advice; undefined
 * for online operations that do neither.
 */
export function onlineDdlAdvice(c: AlterClassification): string | undefined {
  const online = 'ALGORITHM=INPLACE, LOCK=NONE where the operation allows it, or an online schema-change tool (gh-ost, pt-online-schema-change) that copies the table in the background and swaps it in';
  const alternatives = [...new Set(c.operations.flatMap((op) => (op.support.algorithm === 'COPY' || op.support.lock !== 'NONE' ? (OPERATION_ADVICE[op.operation] ?? []) : [])))];
  const specific = alternatives.length > 0 ? ` ${alternatives.join(' ')}` : '';
  if (c.algorithm === 'COPY') {
    return `This ALTER rebuilds the table (ALGORITHM=COPY): writes wait for the whole copy.${specific} Otherwise use ${online}.`;
  }
  if (c.lock !== 'NONE') {
    return `This ALTER blocks ${c.lock === 'EXCLUSIVE' ? 'reads and writes' : 'writes'} while it runs (LOCK=${c.lock}).${specific} Otherwise use ${online}.`;
  }
  if (c.rebuildsTable) {
    return 'This ALTER rebuilds the table in place (ALGORITHM=INPLACE, LOCK=NONE): reads and writes continue, but it takes time and I/O in proportion to the table and replicas apply it only after it finished; gh-ost or pt-online-schema-change throttle such a rebuild.';
  }
  return undefined;
}

const OPERATION_ADVICE: Partial<Record<AlterOperationKind, string>> = {
  'add-foreign-key': 'Add the foreign key under SET foreign_key_checks=0 (INPLACE, LOCK=NONE) after checking the existing rows with a query of your own.',
  'modify-column': 'Change a column type with expand/contract: add a new column, backfill it in batches, switch the application, drop the old one later.',
  'drop-primary-key': 'Drop and add the primary key in the same ALTER (INPLACE, LOCK=NONE).',
  'add-check': 'Check the existing rows with a query first; MariaDB cannot add a CHECK constraint without copying the table.',
  'add-stored-generated-column': 'A VIRTUAL generated column is added instantly (index it if needed) where a STORED one copies the table.',
  'convert-charset': 'Convert the columns in an online schema-change tool, or column by column in separate migrations.',
};

// ---------------------------------------------------------------------------------------------
// Parsing ALTER TABLE operations

/** `ALGORITHM [=] X` and `LOCK [=] X` clauses (also in CREATE INDEX and DROP INDEX). */
export function requestedAlgorithmAndLock(tokens: Token[]): { algorithm?: string; lock?: string } {
  const requested: { algorithm?: string; lock?: string } = {};
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'punct') depth += t.value === '(' ? 1 : t.value === ')' ? -1 : 0;
    if (depth !== 0 || t.type !== 'word' || (t.upper !== 'ALGORITHM' && t.upper !== 'LOCK')) continue;
    const valueAt = tokens[i + 1]?.value === '=' ? i + 2 : i + 1;
    const value = tokens[valueAt]?.upper;
    if (t.upper === 'ALGORITHM' && value && ALGORITHMS.has(value)) requested.algorithm = value;
    if (t.upper === 'LOCK' && value && LOCKS.has(value)) requested.lock = value;
  }
  if (requested.algorithm === 'DEFAULT') delete requested.algorithm;
  if (requested.lock === 'DEFAULT') delete requested.lock;
  return requested;
}

const ALGORITHMS = new Set(['DEFAULT', 'INSTANT', 'NOCOPY', 'INPLACE', 'COPY']);
const LOCKS = new Set(['DEFAULT', 'NONE', 'SHARED', 'EXCLUSIVE']);

/** The operations of `ALTER TABLE t <specification>`: `tokens` are those after the table name. */
export function alterOperations(tokens: Token[]): AlterOperation[] {
  const operations: AlterOperation[] = [];
  for (const segment of splitTopLevel(tokens)) {
    const first = segment[0]!;
    const previous = operations.at(-1);
    // `DROP PARTITION p0, p1` and `ORDER BY a, b` continue past the comma.
    if (previous && LISTS_CONTINUE.has(previous.operation) && !(first.type === 'word' && OPERATION_STARTS.has(first.upper))) {
      if (previous.operation !== 'order-by') previous.description += `, ${segment.map((t) => t.value).join(' ')}`;
      continue;
    }
    operations.push(...segmentOperations(segment));
  }
  return operations;
}

const LISTS_CONTINUE = new Set<AlterOperationKind>(['drop-partition', 'truncate-partition', 'reorganize-partition', 'maintain-partition', 'order-by']);

function segmentOperations(s: Token[]): AlterOperation[] {
  const words = s.map((t) => (t.type === 'word' ? t.upper : ''));
  const op = (operation: AlterOperationKind, description: string, tables: string[] = []): AlterOperation => ({ operation, description, tables });
  let parsed: AlterOperation[];
  switch (words[0]) {
    case 'ADD':
      parsed = addOperations(s, words);
      break;
    case 'DROP':
      parsed = [dropOperation(s, words)];
      break;
    case 'MODIFY': {
      const at = skipWords(words, 1, 'COLUMN', 'IF', 'EXISTS');
      parsed = [op('modify-column', `MODIFY COLUMN ${nameOf(s[at])}`)];
      break;
    }
    case 'CHANGE': {
      const at = skipWords(words, 1, 'COLUMN', 'IF', 'EXISTS');
      const [from, to] = [nameOf(s[at]), nameOf(s[at + 1])];
      parsed = [op('modify-column', from === to ? `CHANGE COLUMN ${from}` : `CHANGE COLUMN ${from} ${to}`)];
      break;
    }
    case 'ALTER':
      parsed = [alterSubOperation(s, words)];
      break;
    case 'RENAME':
      parsed = [renameOperation(s, words)];
      break;
    case 'CONVERT':
      parsed = words[1] === 'TO' ? [op('convert-charset', `CONVERT TO CHARACTER SET ${nameOf(s[words[3] === 'SET' ? 4 : 3])}`)] : [op('exchange-partition', leadingWords(s))];
      break;
    case 'ORDER':
      parsed = [op('order-by', 'ORDER BY')];
      break;
    case 'DISABLE':
    case 'ENABLE':
      parsed = [op('keys', `${words[0]} KEYS`)];
      break;
    case 'DISCARD':
    case 'IMPORT':
      parsed = [op('tablespace', `${words[0]} TABLESPACE`)];
      break;
    case 'PARTITION':
      parsed = [op('partition-by', 'PARTITION BY')];
      break;
    case 'REMOVE':
      parsed = [op('remove-partitioning', 'REMOVE PARTITIONING')];
      break;
    case 'TRUNCATE':
      parsed = [op('truncate-partition', `TRUNCATE PARTITION ${namesAfter(s, 2)}`)];
      break;
    case 'COALESCE':
    case 'REORGANIZE':
    case 'REBUILD':
      parsed = [op('reorganize-partition', `${words[0]} PARTITION${words[0] === 'COALESCE' ? '' : ` ${namesAfter(s, 2)}`}`)];
      break;
    case 'ANALYZE':
    case 'CHECK':
    case 'OPTIMIZE':
    case 'REPAIR':
      parsed = [op('maintain-partition', `${words[0]} PARTITION ${namesAfter(s, 2)}`)];
      break;
    case 'EXCHANGE': {
      const table = qualifiedNameAt(s, words.indexOf('TABLE') + 1);
      parsed = [op('exchange-partition', `EXCHANGE PARTITION ${nameOf(s[2])} WITH TABLE ${table?.name ?? ''}`.trimEnd(), table ? [table.name] : [])];
      break;
    }
    case 'FORCE':
      parsed = [op('force', 'FORCE')];
      break;
    case 'WITH':
    case 'WITHOUT':
      parsed = []; // WITH/WITHOUT VALIDATION qualifies EXCHANGE PARTITION
      break;
    default:
      parsed = TABLE_OPTIONS.has(words[0]!) || words[0] === 'DEFAULT' || words[0] === 'CHARACTER' ? tableOptions(s, words) : [op('other', leadingWords(s))];
  }
  // Partitioning clauses may follow the last operation without a comma.
  const partition = words.findIndex((w, i) => i > 0 && ((w === 'PARTITION' && words[i + 1] === 'BY') || (w === 'REMOVE' && words[i + 1] === 'PARTITIONING')) && depthAt(s, i) === 0);
  if (partition > 0 && words[0] !== 'ADD' && words[0] !== 'PARTITION') {
    parsed.push(words[partition] === 'PARTITION' ? op('partition-by', 'PARTITION BY') : op('remove-partitioning', 'REMOVE PARTITIONING'));
  }
  return parsed;
}

function addOperations(s: Token[], words: string[]): AlterOperation[] {
  let at = 1;
  let constraint = '';
  if (words[at] === 'CONSTRAINT') {
    // `ADD CONSTRAINT PRIMARY KEY` has no name.
    const named = !['PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK'].includes(words[at + 1] ?? '');
    constraint = named ? `CONSTRAINT ${nameOf(s[at + 1])} ` : '';
    at += named ? 2 : 1;
  }
  const kindWord = words[at];
  const indexName = (from: number) => {
    const i = skipWords(words, from, 'INDEX', 'KEY', 'IF', 'NOT', 'EXISTS');
    const t = s[i];
    return t && (t.type === 'ident' || (t.type === 'word' && t.upper !== 'USING')) ? ` ${t.value}` : '';
  };
  switch (kindWord) {
    case 'PRIMARY':
      return [{ operation: 'add-primary-key', description: `ADD ${constraint}PRIMARY KEY`, tables: [] }];
    case 'UNIQUE':
      return [{ operation: 'add-unique', description: `ADD ${constraint}UNIQUE${constraint ? '' : indexName(at + 1)}`, tables: [] }];
    case 'FOREIGN': {
      const parent = referencedTable(s);
      return [{ operation: 'add-foreign-key', description: `ADD ${constraint}FOREIGN KEY REFERENCES ${parent ?? '?'}`, tables: parent ? [parent] : [] }];
    }
    case 'CHECK':
      return [{ operation: 'add-check', description: `ADD ${constraint}CHECK`, tables: [] }];
    case 'INDEX':
    case 'KEY':
      return [{ operation: 'add-index', description: `ADD INDEX${indexName(at)}`, tables: [] }];
    case 'FULLTEXT':
      return [{ operation: 'add-fulltext-index', description: `ADD FULLTEXT INDEX${indexName(at + 1)}`, tables: [] }];
    case 'SPATIAL':
      return [{ operation: 'add-spatial-index', description: `ADD SPATIAL INDEX${indexName(at + 1)}`, tables: [] }];
    case 'PARTITION':
      return [{ operation: 'add-partition', description: 'ADD PARTITION', tables: [] }];
    case 'PERIOD':
    case 'SYSTEM':
      return [{ operation: 'system-versioning', description: `ADD ${kindWord === 'PERIOD' ? 'PERIOD' : 'SYSTEM VERSIONING'}`, tables: [] }];
  }
  at = skipWords(words, at, 'COLUMN', 'IF', 'NOT', 'EXISTS');
  if (s[at]?.value === '(' && s[at]?.type === 'punct') {
    const inner = s.slice(at + 1, closingParen(s, at));
    return splitTopLevel(inner).flatMap((definition) => columnOperations(definition, false));
  }
  return columnOperations(s.slice(at), true);
}

/** ADD COLUMN `definition` (name first): the column, and the index or foreign key it declares inline. */
function columnOperations(definition: Token[], positionAllowed: boolean): AlterOperation[] {
  const name = nameOf(definition[0]);
  const words = definition.map((t, i) => (t.type === 'word' && depthAt(definition, i) === 0 ? t.upper : ''));
  const has = (...w: string[]) => w.some((x) => words.includes(x));
  const position = positionAllowed ? words.findIndex((w) => w === 'FIRST' || w === 'AFTER') : -1;
  const where = position < 0 ? '' : words[position] === 'FIRST' ? ' FIRST' : ` AFTER ${nameOf(definition[position + 1])}`;
  let operation: AlterOperationKind = position >= 0 ? 'add-column-positioned' : 'add-column';
  if (has('AUTO_INCREMENT')) operation = 'add-auto-increment-column';
  else if (has('STORED', 'PERSISTENT')) operation = 'add-stored-generated-column';
  const operations: AlterOperation[] = [{ operation, description: `ADD COLUMN ${name}${where}`, tables: [] }];
  if (has('PRIMARY')) operations.push({ operation: 'add-primary-key', description: 'ADD PRIMARY KEY', tables: [] });
  else if (has('UNIQUE')) operations.push({ operation: 'add-unique', description: `ADD UNIQUE ${name}`, tables: [] });
  // MariaDB creates a foreign key from a column's REFERENCES clause (MySQL 8.0 ignores it).
  const parent = referencedTable(definition);
  if (parent) operations.push({ operation: 'add-foreign-key', description: `ADD FOREIGN KEY REFERENCES ${parent}`, tables: [parent] });
  return operations;
}

function dropOperation(s: Token[], words: string[]): AlterOperation {
  const named = (from: number) => nameOf(s[skipWords(words, from, 'IF', 'EXISTS')]);
  switch (words[1]) {
    case 'PRIMARY':
      return { operation: 'drop-primary-key', description: 'DROP PRIMARY KEY', tables: [] };
    case 'INDEX':
    case 'KEY':
      return { operation: 'drop-index', description: `DROP INDEX ${named(2)}`, tables: [] };
    case 'FOREIGN':
      return { operation: 'drop-foreign-key', description: `DROP FOREIGN KEY ${named(3)}`, tables: [] };
    case 'CONSTRAINT':
    case 'CHECK':
      return { operation: 'drop-constraint', description: `DROP ${words[1]} ${named(2)}`, tables: [] };
    case 'PARTITION':
      return { operation: 'drop-partition', description: `DROP PARTITION ${namesAfter(s, skipWords(words, 2, 'IF', 'EXISTS'))}`, tables: [] };
    case 'SYSTEM':
    case 'PERIOD':
      return { operation: 'system-versioning', description: `DROP ${words[1] === 'SYSTEM' ? 'SYSTEM VERSIONING' : 'PERIOD'}`, tables: [] };
  }
  return { operation: 'drop-column', description: `DROP COLUMN ${named(words[1] === 'COLUMN' ? 2 : 1)}`, tables: [] };
}

function alterSubOperation(s: Token[], words: string[]): AlterOperation {
  if (words[1] === 'INDEX' || words[1] === 'KEY') {
    return { operation: 'index-visibility', description: `ALTER INDEX ${nameOf(s[2])} ${words.slice(3).filter(Boolean).join(' ')}`.trimEnd(), tables: [] };
  }
  const at = words[1] === 'COLUMN' ? 2 : 1;
  const column = `ALTER COLUMN ${nameOf(s[at])}`;
  const action = words.slice(at + 1, at + 3).join(' ');
  if (action === 'SET DEFAULT') return { operation: 'set-default', description: `${column} SET DEFAULT`, tables: [] };
  if (action === 'DROP DEFAULT') return { operation: 'drop-default', description: `${column} DROP DEFAULT`, tables: [] };
  if (action === 'SET VISIBLE' || action === 'SET INVISIBLE') return { operation: 'column-visibility', description: `${column} ${action}`, tables: [] };
  return { operation: 'other', description: leadingWords(s), tables: [] };
}

function renameOperation(s: Token[], words: string[]): AlterOperation {
  if (words[1] === 'COLUMN') {
    return { operation: 'rename-column', description: `RENAME COLUMN ${nameOf(s[2])} TO ${nameOf(s[4])}`, tables: [] };
  }
  if (words[1] === 'INDEX' || words[1] === 'KEY') {
    return { operation: 'rename-index', description: `RENAME INDEX ${nameOf(s[2])} TO ${nameOf(s[4])}`, tables: [] };
  }
  const target = qualifiedNameAt(s, words[1] === 'TO' || words[1] === 'AS' ? 2 : 1);
  return { operation: 'rename-table', description: `RENAME TO ${target?.name ?? ''}`.trimEnd(), tables: target ? [target.name] : [] };
}

/** Table options, which may follow each other without commas: `ENGINE=InnoDB ROW_FORMAT=DYNAMIC`. */
function tableOptions(s: Token[], words: string[]): AlterOperation[] {
  const operations: AlterOperation[] = [];
  for (let i = 0; i < s.length; i++) {
    if (depthAt(s, i) !== 0) continue;
    let word = words[i]!;
    if (word === 'DEFAULT' && (words[i + 1] === 'CHARACTER' || words[i + 1] === 'CHARSET' || words[i + 1] === 'COLLATE')) continue;
    if (word === 'CHARACTER' && words[i + 1] === 'SET') {
      word = 'CHARSET';
      i++;
    }
    if (!TABLE_OPTIONS.has(word)) continue;
    const valueAt = s[i + 1]?.value === '=' ? i + 2 : i + 1;
    const value = s[valueAt];
    switch (word) {
      case 'ALGORITHM':
      case 'LOCK':
        break; // requested, not an operation: see requestedAlgorithmAndLock
      case 'ENGINE': {
        const engine = value?.value ?? '';
        operations.push({ operation: engine.toUpperCase() === 'INNODB' ? 'engine-innodb' : 'change-engine', description: `ENGINE=${engine}`, tables: [] });
        break;
      }
      case 'CHARSET':
      case 'COLLATE':
        operations.push({ operation: 'default-charset', description: `DEFAULT ${word === 'CHARSET' ? 'CHARACTER SET' : 'COLLATE'} ${value?.value ?? ''}`.trimEnd(), tables: [] });
        break;
      case 'AUTO_INCREMENT':
        operations.push({ operation: 'auto-increment', description: 'AUTO_INCREMENT', tables: [] });
        break;
      default:
        operations.push({
          operation: REBUILD_OPTIONS.has(word) ? 'rebuild-option' : 'table-option',
          // The value of COMMENT and friends is a literal: only the option's name is described.
          description: value?.type === 'word' ? `${word}=${value.value}` : word,
          tables: [],
        });
    }
    i = valueAt;
  }
  return operations;
}

const REBUILD_OPTIONS = new Set(['ROW_FORMAT', 'KEY_BLOCK_SIZE', 'PAGE_COMPRESSED', 'PAGE_COMPRESSION_LEVEL', 'COMPRESSION', 'ENCRYPTED', 'ENCRYPTION', 'ENCRYPTION_KEY_ID']);
const TABLE_OPTIONS = new Set([
  ...REBUILD_OPTIONS,
  'ALGORITHM', 'LOCK', 'ENGINE', 'CHARSET', 'COLLATE', 'AUTO_INCREMENT', 'COMMENT', 'AVG_ROW_LENGTH', 'CHECKSUM', 'TABLE_CHECKSUM',
  'CONNECTION', 'DATA', 'INDEX', 'DELAY_KEY_WRITE', 'INSERT_METHOD', 'MAX_ROWS', 'MIN_ROWS', 'PACK_KEYS', 'PASSWORD', 'STATS_AUTO_RECALC',
  'STATS_PERSISTENT', 'STATS_SAMPLE_PAGES', 'TABLESPACE', 'UNION', 'TRANSACTIONAL', 'PAGE_CHECKSUM', 'SEQUENCE', 'WITH', 'IETF_QUOTES',
]);

/** First words of ALTER TABLE operations: a segment starting otherwise continues the previous list. */
const OPERATION_STARTS = new Set([
  ...TABLE_OPTIONS, 'ADD', 'DROP', 'MODIFY', 'CHANGE', 'ALTER', 'RENAME', 'CONVERT', 'ORDER', 'DISABLE', 'ENABLE', 'DISCARD', 'IMPORT',
  'PARTITION', 'REMOVE', 'TRUNCATE', 'COALESCE', 'REORGANIZE', 'REBUILD', 'ANALYZE', 'CHECK', 'OPTIMIZE', 'REPAIR', 'EXCHANGE', 'FORCE',
  'WITHOUT', 'DEFAULT', 'CHARACTER',
]);

// ---------------------------------------------------------------------------------------------
// Token helpers

/** The table after the first `REFERENCES` in `tokens`. */
function referencedTable(tokens: Token[]): string | undefined {
  const at = tokens.findIndex((t) => t.type === 'word' && t.upper === 'REFERENCES');
  return at < 0 ? undefined : qualifiedNameAt(tokens, at + 1)?.name;
}

function nameOf(t: Token | undefined): string {
  return isName(t) ? t.value : '?';
}

function namesAfter(s: Token[], from: number): string {
  return s.slice(from).filter(isName).map((t) => t.value).join(', ');
}

function skipWords(words: string[], from: number, ...skip: string[]): number {
  let i = from;
  while (i < words.length && skip.includes(words[i]!)) i++;
  return i;
}

function depthAt(tokens: Token[], index: number): number {
  let depth = 0;
  for (let i = 0; i < index; i++) {
    const t = tokens[i]!;
    if (t.type === 'punct') depth += t.value === '(' ? 1 : t.value === ')' ? -1 : 0;
  }
  return depth;
}
