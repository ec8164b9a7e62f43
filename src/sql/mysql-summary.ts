// What one MySQL/MariaDB statement is, read off its tokens: its kind (named after the PostgreSQL
// parse node where one is equivalent, since checks test those names), a short summary without
// data values, the tables it names and how it uses each (for the metadata locks it takes), and
// whether it commits implicitly. A reader of the statement's leading keywords and table clauses,
// not a parser: the server still judges the statement's syntax.
import { closingParen, isName, leadingWords, mysqlTokens, qualifiedNameAt, splitTopLevel, type QuotingOptions, type Token } from './mysql-lexer.ts';
import { alterOperations, classifyAlter, requestedAlgorithmAndLock, type AlterClassification, type AlterOperationKind } from './mysql-online-ddl.ts';

/** How a statement uses a table, which decides the metadata lock it takes there. */
export type TableUse =
  | 'read'
  | 'write'
  /** ALTER TABLE, CREATE/DROP INDEX: the lock `alter.mode` says. */
  | 'alter'
  | 'exclusive'
  | 'lock-read'
  | 'lock-write';

export interface MysqlStatementAnalysis {
  kind: string;
  /** `ALTER TABLE orders ADD COLUMN note`, `UPDATE orders`: keywords and names only, never literal values. */
  summary: string;
  /** Tables the statement names, as written (`db.table` kept qualified, quotes removed, case kept). */
  tables: string[];
  uses: { table: string; use: TableUse }[];
  /** MySQL commits the open transaction before (and mostly after) running it. */
  implicitCommit: boolean;
  transactionControl: boolean;
  /** ALTER TABLE, CREATE INDEX, DROP INDEX: the online-DDL classification. */
  alter?: AlterClassification;
  /** The statement does not start with a statement keyword: the token it starts with. */
  unknownStart?: string;
}

const SUMMARY_MAX = 100;

export function analyzeMysqlStatement(text: string, quoting: QuotingOptions = {}): MysqlStatementAnalysis {
  return analyzeTokens(mysqlTokens(text, quoting));
}

function analyzeTokens(tokens: Token[]): MysqlStatementAnalysis {
  const draft = describe(tokens);
  const tables = unique([...(draft.tables ?? []), ...(draft.uses ?? []).map((u) => u.table)]);
  return {
    kind: draft.kind,
    summary: clip(draft.summary),
    tables,
    uses: draft.uses ?? [],
    implicitCommit: draft.implicitCommit ?? false,
    transactionControl: draft.kind === 'TransactionStmt',
    ...(draft.alter ? { alter: draft.alter } : {}),
    ...(draft.unknownStart !== undefined ? { unknownStart: draft.unknownStart } : {}),
  };
}

interface Draft {
  kind: string;
  summary: string;
  uses?: { table: string; use: TableUse }[];
  /** Tables named first (the statement's own table, a new table, a foreign key's parent); `uses` adds the rest. */
  tables?: string[];
  implicitCommit?: boolean;
  alter?: AlterClassification;
  unknownStart?: string;
}

function describe(tokens: Token[]): Draft {
  const first = tokens[0];
  if (!first) return { kind: 'OtherStmt', summary: '' };
  if (first.type === 'punct' && first.value === '(') return query('SelectStmt', tokens, 0);
  if (isName(tokens[0]) && tokens[1]?.value === ':' && tokens[2]?.type === 'word') return compound(tokens);
  if (first.type !== 'word') return { kind: 'OtherStmt', summary: '', unknownStart: first.value };
  const describer = DESCRIBERS[first.upper];
  if (describer) return describer(tokens, words(tokens));
  if (COMPOUND_STARTS.has(first.upper)) return compound(tokens);
  if (OTHER_STARTS.has(first.upper)) return { kind: 'OtherStmt', summary: leadingWords(tokens), implicitCommit: otherCommits(words(tokens)) };
  return { kind: 'OtherStmt', summary: '', unknownStart: first.value };
}

type Describer = (tokens: Token[], w: string[]) => Draft;

/** Upper-cased words, '' for other tokens: index-aligned with the tokens. */
function words(tokens: Token[]): string[] {
  return tokens.map((t) => (t.type === 'word' ? t.upper : ''));
}

const DESCRIBERS: Record<string, Describer> = {
  ALTER: alter,
  CREATE: create,
  DROP: drop,
  RENAME: (t, w) =>
    w[1] === 'USER'
      ? { kind: 'RenameStmt', summary: 'RENAME USER', implicitCommit: true }
      : renameTable(t),
  TRUNCATE: (t, w) => {
    const name = qualifiedNameAt(t, w[1] === 'TABLE' ? 2 : 1)?.name;
    return { kind: 'TruncateStmt', summary: `TRUNCATE TABLE ${name ?? '?'}`, uses: name ? [{ table: name, use: 'exclusive' }] : [], implicitCommit: true };
  },
  INSERT: insert,
  REPLACE: insert,
  UPDATE: update,
  DELETE: del,
  SELECT: (t) => query('SelectStmt', t, 0),
  // MySQL 8's `TABLE t` reads the whole table.
  TABLE: (t) => {
    const name = qualifiedNameAt(t, 1)?.name;
    return name ? { kind: 'SelectStmt', summary: `SELECT FROM ${name}`, uses: [{ table: name, use: 'read' }] } : query('SelectStmt', t, 0);
  },
  VALUES: (t) => query('SelectStmt', t, 0),
  WITH: withClause,
  BEGIN: (t, w) =>
    w[1] === 'NOT' && w[2] === 'ATOMIC' ? compound(t) : { kind: 'TransactionStmt', summary: 'BEGIN', implicitCommit: true },
  START: (t, w) =>
    w[1] === 'TRANSACTION'
      ? { kind: 'TransactionStmt', summary: 'START TRANSACTION', implicitCommit: true }
      : { kind: 'OtherStmt', summary: leadingWords(t), implicitCommit: w[1] === 'SLAVE' || w[1] === 'REPLICA' },
  COMMIT: () => ({ kind: 'TransactionStmt', summary: 'COMMIT' }),
  ROLLBACK: (t, w) => {
    const to = w.indexOf('TO');
    if (to < 0) return { kind: 'TransactionStmt', summary: 'ROLLBACK' };
    const savepoint = t[w[to + 1] === 'SAVEPOINT' ? to + 2 : to + 1];
    return { kind: 'TransactionStmt', summary: `ROLLBACK TO SAVEPOINT ${savepoint?.value ?? ''}`.trimEnd() };
  },
  SAVEPOINT: (t) => ({ kind: 'TransactionStmt', summary: `SAVEPOINT ${t[1]?.value ?? ''}`.trimEnd() }),
  RELEASE: (t) => ({ kind: 'TransactionStmt', summary: `RELEASE SAVEPOINT ${t[2]?.value ?? ''}`.trimEnd() }),
  XA: (_t, w) => ({ kind: 'TransactionStmt', summary: `XA ${w[1] ?? ''}`.trimEnd() }),
  SET: set,
  LOCK: lockTables,
  UNLOCK: (t, w) =>
    w[1] === 'TABLE' || w[1] === 'TABLES'
      ? { kind: 'LockTablesStmt', summary: 'UNLOCK TABLES', implicitCommit: true }
      : { kind: 'OtherStmt', summary: leadingWords(t) },
  OPTIMIZE: (t, w) => maintenance('OptimizeStmt', 'OPTIMIZE', t, w, 'alter'),
  ANALYZE: (t, w) => (tableMaintenanceAt(w) > 0 ? maintenance('AnalyzeStmt', 'ANALYZE', t, w, 'read') : { kind: 'ExplainStmt', summary: leadingWords(t, 2) }),
  CHECK: (t, w) => maintenance('OtherStmt', 'CHECK', t, w, 'read'),
  REPAIR: (t, w) => maintenance('OtherStmt', 'REPAIR', t, w, 'exclusive'),
  CHECKSUM: (t, w) => ({ ...maintenance('OtherStmt', 'CHECKSUM', t, w, 'read'), implicitCommit: false }),
  LOAD: loadData,
  CALL: (t) => {
    const name = qualifiedNameAt(t, 1)?.name ?? '?';
    return { kind: 'CallStmt', summary: `CALL ${name}` };
  },
  PREPARE: (t) => ({ kind: 'PrepareStmt', summary: `PREPARE ${t[1]?.value ?? ''}`.trimEnd() }),
  EXECUTE: (t, w) => ({ kind: 'ExecuteStmt', summary: w[1] === 'IMMEDIATE' ? 'EXECUTE IMMEDIATE' : `EXECUTE ${t[1]?.value ?? ''}`.trimEnd() }),
  DEALLOCATE: (t) => ({ kind: 'DeallocateStmt', summary: `DEALLOCATE PREPARE ${t[2]?.value ?? ''}`.trimEnd() }),
  GRANT: (t, w) => ({ kind: w.includes('ON') ? 'GrantStmt' : 'GrantRoleStmt', summary: leadingWords(t), implicitCommit: true }),
  REVOKE: (t, w) => ({ kind: w.includes('ON') ? 'GrantStmt' : 'GrantRoleStmt', summary: leadingWords(t), implicitCommit: true }),
  EXPLAIN: (t) => ({ kind: 'ExplainStmt', summary: leadingWords(t, 2) }),
  DESCRIBE: (t) => ({ kind: 'ExplainStmt', summary: leadingWords(t, 2) }),
  DESC: (t) => ({ kind: 'ExplainStmt', summary: leadingWords(t, 2) }),
  USE: (t) => ({ kind: 'OtherStmt', summary: `USE ${t[1]?.value ?? ''}`.trimEnd() }),
};

/** Statements rehearse has no closer model for than OtherStmt. */
const OTHER_STARTS = new Set([
  'BACKUP', 'BINLOG', 'CACHE', 'CHANGE', 'CLONE', 'DO', 'FLUSH', 'GET', 'HANDLER', 'HELP', 'IMPORT', 'INSTALL', 'KILL', 'PURGE', 'RESET',
  'RESIGNAL', 'RESTART', 'SHOW', 'SHUTDOWN', 'SIGNAL', 'STOP', 'UNINSTALL',
]);
/** MariaDB runs compound statements outside stored programs too. */
const COMPOUND_STARTS = new Set(['IF', 'WHILE', 'LOOP', 'REPEAT', 'CASE', 'FOR']);

function compound(tokens: Token[]): Draft {
  return { kind: 'DoStmt', summary: leadingWords(tokens, 3) };
}

/** The listed administrative statements that commit implicitly (implicit-commit.html). */
function otherCommits(w: string[]): boolean {
  if (['CACHE', 'FLUSH', 'INSTALL', 'UNINSTALL', 'SHUTDOWN'].includes(w[0]!)) return true;
  if (w[0] === 'RESET') return w[1] !== 'PERSIST';
  if (w[0] === 'CHANGE') return w[1] === 'MASTER' || w[1] === 'REPLICATION';
  if (w[0] === 'STOP') return w[1] === 'SLAVE' || w[1] === 'REPLICA';
  return false;
}

// ---------------------------------------------------------------------------------------------
// DDL

/** Skips CREATE/ALTER modifiers (OR REPLACE, TEMPORARY, ALGORITHM=…, DEFINER=…, SQL SECURITY …, …): the object word's index. */
function objectWordAt(tokens: Token[], w: string[], from: number): number {
  let i = from;
  for (;;) {
    const word = w[i];
    if (word === 'OR' && w[i + 1] === 'REPLACE') i += 2;
    else if (word === 'ALGORITHM' && tokens[i + 1]?.value === '=') i += 3;
    else if (word === 'DEFINER' && tokens[i + 1]?.value === '=') i = userSpecificationEnd(tokens, i + 2);
    else if (word === 'SQL' && w[i + 1] === 'SECURITY') i += 3;
    else if (word !== undefined && CREATE_MODIFIERS.has(word)) i++;
    else return i;
  }
}

const CREATE_MODIFIERS = new Set(['TEMPORARY', 'ONLINE', 'OFFLINE', 'IGNORE', 'AGGREGATE', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'DEFINITIVE']);

/** After `DEFINER =`: `user`, `'user'@'host'`, `user@host`, CURRENT_USER[()] or CURRENT_ROLE. */
export function userSpecificationEnd(tokens: Token[], i: number): number {
  const user = tokens[i];
  if (!user) return i;
  let next = i + 1;
  if (user.type === 'word' && (user.upper === 'CURRENT_USER' || user.upper === 'CURRENT_ROLE')) {
    if (tokens[next]?.value === '(' && tokens[next + 1]?.value === ')') next += 2;
    return next;
  }
  const host = tokens[next];
  if (host?.type === 'variable' && !host.value.startsWith('@@') && host.start === user.end) next++;
  return next;
}

/** IF [NOT] EXISTS after the object word. */
function skipIfExists(w: string[], i: number): number {
  if (w[i] === 'IF' && w[i + 1] === 'NOT' && w[i + 2] === 'EXISTS') return i + 3;
  if (w[i] === 'IF' && w[i + 1] === 'EXISTS') return i + 2;
  return i;
}

function alter(tokens: Token[], w: string[]): Draft {
  const at = objectWordAt(tokens, w, 1);
  const object = w[at];
  const name = qualifiedNameAt(tokens, skipIfExists(w, at + 1));
  switch (object) {
    case 'TABLE':
      return alterTable(tokens, w, at, name);
    case 'VIEW':
      return viewStatement('ALTER VIEW', tokens, w, name, 'exclusive');
    case 'DATABASE':
    case 'SCHEMA':
      return { kind: 'AlterDatabaseStmt', summary: phrase('ALTER DATABASE', name?.name) };
    case 'FUNCTION':
    case 'PROCEDURE':
      return { kind: 'AlterFunctionStmt', summary: phrase(`ALTER ${object}`, name?.name), implicitCommit: true };
    case 'USER':
      return { kind: 'AlterRoleStmt', summary: 'ALTER USER', implicitCommit: true };
    case 'SEQUENCE':
      return { kind: 'AlterSeqStmt', summary: phrase('ALTER SEQUENCE', name?.name), implicitCommit: true };
    case 'EVENT':
    case 'SERVER':
    case 'TABLESPACE':
      return { kind: 'OtherStmt', summary: phrase(`ALTER ${object}`, name?.name), implicitCommit: true };
  }
  return { kind: 'OtherStmt', summary: leadingWords(tokens) };
}

function alterTable(tokens: Token[], w: string[], tableWordAt: number, name: { name: string; next: number } | undefined): Draft {
  if (!name) return { kind: 'AlterTableStmt', summary: 'ALTER TABLE', implicitCommit: true };
  let at = name.next;
  if (w[at] === 'WAIT') at += 2;
  else if (w[at] === 'NOWAIT') at++;
  const rest = tokens.slice(at);
  const modifiers = w.slice(1, tableWordAt).filter((x) => x === 'ONLINE' || x === 'IGNORE');
  const requested = requestedAlgorithmAndLock(rest);
  // MariaDB: ALTER ONLINE TABLE is ALTER TABLE … LOCK=NONE.
  if (modifiers.includes('ONLINE') && !requested.lock) requested.lock = 'NONE';
  const classification = classifyAlter(alterOperations(rest), requested);
  const clauses = [
    ...classification.operations.map((op) => op.description),
    ...(requested.algorithm ? [`ALGORITHM=${requested.algorithm}`] : []),
    ...(requested.lock && !modifiers.includes('ONLINE') ? [`LOCK=${requested.lock}`] : []),
  ];
  return {
    kind: 'AlterTableStmt',
    summary: `${phrase('ALTER', ...modifiers, 'TABLE', name.name)} ${clauses.join(', ')}`.trimEnd(),
    uses: [{ table: name.name, use: 'alter' }],
    tables: [name.name, ...classification.operations.flatMap((op) => op.tables)],
    implicitCommit: true,
    alter: classification,
  };
}

function create(tokens: Token[], w: string[]): Draft {
  const at = objectWordAt(tokens, w, 1);
  const modifiers = w.slice(1, at);
  const orReplace = modifiers.includes('OR') ? 'OR REPLACE' : undefined;
  const object = w[at];
  const nameAt = skipIfExists(w, at + 1);
  const name = qualifiedNameAt(tokens, nameAt);
  switch (object) {
    case 'TABLE':
      return createTable(tokens, modifiers, name);
    case 'INDEX':
      return createIndex(tokens, w, modifiers, name);
    case 'VIEW':
      return viewStatement(phrase('CREATE', orReplace, 'VIEW'), tokens, w, name, orReplace ? 'exclusive' : undefined);
    case 'TRIGGER': {
      const on = w.indexOf('ON', nameAt);
      const table = on < 0 ? undefined : qualifiedNameAt(tokens, on + 1)?.name;
      return {
        kind: 'CreateTrigStmt',
        summary: phrase('CREATE', orReplace, 'TRIGGER', name?.name, table && `ON ${table}`),
        uses: table ? [{ table, use: 'exclusive' }] : [],
        implicitCommit: true,
      };
    }
    case 'PROCEDURE':
    case 'FUNCTION':
    case 'PACKAGE': {
      // A loadable function (CREATE FUNCTION … SONAME) is no stored program and commits nothing.
      const loadable = w.includes('SONAME');
      return { kind: 'CreateFunctionStmt', summary: phrase('CREATE', orReplace, object, name?.name), implicitCommit: !loadable };
    }
    case 'DATABASE':
    case 'SCHEMA':
      return { kind: 'CreatedbStmt', summary: phrase('CREATE DATABASE', name?.name), implicitCommit: true };
    case 'USER':
    case 'ROLE':
      return { kind: 'CreateRoleStmt', summary: `CREATE ${object}`, implicitCommit: true };
    case 'SEQUENCE':
      return { kind: 'CreateSeqStmt', summary: phrase('CREATE', orReplace, 'SEQUENCE', name?.name), implicitCommit: true };
    case 'EVENT':
    case 'SERVER':
    case 'TABLESPACE':
      return { kind: 'OtherStmt', summary: phrase(`CREATE ${object}`, name?.name), implicitCommit: true };
    case 'REFERENCE': // CREATE SPATIAL REFERENCE SYSTEM (MySQL)
      return { kind: 'OtherStmt', summary: leadingWords(tokens, 5), implicitCommit: true };
  }
  return { kind: 'OtherStmt', summary: leadingWords(tokens) };
}

function createTable(tokens: Token[], modifiers: string[], name: { name: string; next: number } | undefined): Draft {
  const temporary = modifiers.includes('TEMPORARY');
  const orReplace = modifiers.includes('OR');
  const title = phrase('CREATE', orReplace && 'OR REPLACE', temporary && 'TEMPORARY', 'TABLE', name?.name);
  if (!name) return { kind: 'CreateStmt', summary: title, implicitCommit: !temporary };
  const rest = tokens.slice(name.next);
  const like = rest.findIndex((t, i) => t.type === 'word' && t.upper === 'LIKE' && (i === 0 || (i === 1 && rest[0]!.value === '(')));
  const source = like < 0 ? undefined : qualifiedNameAt(rest, like + 1)?.name;
  // `WITH SYSTEM VERSIONING` is a table option; `WITH cte AS (…)` starts the query.
  const startsQuery = (t: Token, i: number) =>
    t.type === 'word' && (t.upper === 'SELECT' || (t.upper === 'WITH' && (rest[i + 1]?.upper === 'RECURSIVE' || rest[i + 2]?.upper === 'AS' || rest[i + 2]?.value === '(')));
  const select = topLevelIndex(rest, startsQuery);
  const read = select < 0 ? [] : tableScan(rest, select).tables;
  // A new table has no other users; CREATE OR REPLACE first drops the one it replaces.
  const uses: Draft['uses'] = [
    ...(orReplace && !temporary ? [{ table: name.name, use: 'exclusive' as const }] : []),
    ...[source, ...read].filter((t): t is string => t !== undefined).map((table) => ({ table, use: 'read' as const })),
  ];
  return {
    kind: select >= 0 ? 'CreateTableAsStmt' : 'CreateStmt',
    summary: source ? `${title} LIKE ${source}` : select >= 0 ? `${title} AS SELECT` : title,
    uses,
    tables: [name.name, ...referencedTables(rest)],
    implicitCommit: !temporary,
  };
}

function createIndex(tokens: Token[], w: string[], modifiers: string[], name: { name: string; next: number } | undefined): Draft {
  const type = modifiers.find((m) => m === 'UNIQUE' || m === 'FULLTEXT' || m === 'SPATIAL');
  const on = w.indexOf('ON', name?.next ?? 0);
  const table = on < 0 ? undefined : qualifiedNameAt(tokens, on + 1);
  const operation: AlterOperationKind = type === 'UNIQUE' ? 'add-unique' : type === 'FULLTEXT' ? 'add-fulltext-index' : type === 'SPATIAL' ? 'add-spatial-index' : 'add-index';
  const requested = requestedAlgorithmAndLock(table ? tokens.slice(table.next) : []);
  if (modifiers.includes('ONLINE') && !requested.lock) requested.lock = 'NONE';
  const classification = classifyAlter([{ operation, description: phrase('ADD', type, 'INDEX', name?.name), tables: [] }], requested);
  return {
    kind: 'IndexStmt',
    summary: phrase('CREATE', type, 'INDEX', name?.name, table && `ON ${table.name}`),
    uses: table ? [{ table: table.name, use: 'alter' }] : [],
    implicitCommit: true,
    alter: classification,
  };
}

function viewStatement(title: string, tokens: Token[], w: string[], name: { name: string; next: number } | undefined, use: TableUse | undefined): Draft {
  const as = w.indexOf('AS', name?.next ?? 0);
  const read = as < 0 ? [] : tableScan(tokens, as + 1).tables;
  return {
    kind: 'ViewStmt',
    summary: phrase(title, name?.name),
    uses: [...(name && use ? [{ table: name.name, use }] : []), ...read.map((table) => ({ table, use: 'read' as const }))],
    tables: name ? [name.name] : [],
    implicitCommit: true,
  };
}

function drop(tokens: Token[], w: string[]): Draft {
  const temporary = w[1] === 'TEMPORARY';
  const at = objectWordAt(tokens, w, 1);
  const object = w[at];
  const first = skipIfExists(w, at + 1);
  const name = qualifiedNameAt(tokens, first)?.name;
  switch (object) {
    case 'TABLE':
    case 'TABLES':
    case 'VIEW': {
      const names = nameList(tokens, first);
      const what = object === 'VIEW' ? 'VIEW' : 'TABLE';
      return {
        kind: 'DropStmt',
        summary: phrase('DROP', temporary && 'TEMPORARY', what, names.join(', ')),
        // A temporary table is the session's own: nobody else can be waiting for it.
        uses: temporary ? [] : names.map((table) => ({ table, use: 'exclusive' as const })),
        tables: names,
        implicitCommit: !temporary,
      };
    }
    case 'INDEX': {
      const on = w.indexOf('ON', first);
      const table = on < 0 ? undefined : qualifiedNameAt(tokens, on + 1);
      const requested = requestedAlgorithmAndLock(table ? tokens.slice(table.next) : []);
      if (w.slice(1, at).includes('ONLINE') && !requested.lock) requested.lock = 'NONE';
      const classification = classifyAlter([{ operation: 'drop-index', description: `DROP INDEX ${name ?? '?'}`, tables: [] }], requested);
      return {
        kind: 'DropStmt',
        summary: phrase('DROP INDEX', name, table && `ON ${table.name}`),
        uses: table ? [{ table: table.name, use: 'alter' }] : [],
        implicitCommit: true,
        alter: classification,
      };
    }
    case 'DATABASE':
    case 'SCHEMA':
      return { kind: 'DropdbStmt', summary: phrase('DROP DATABASE', name), implicitCommit: true };
    case 'USER':
    case 'ROLE':
      return { kind: 'DropRoleStmt', summary: `DROP ${object}`, implicitCommit: true };
    case 'PREPARE':
      return { kind: 'DeallocateStmt', summary: phrase('DEALLOCATE PREPARE', tokens[at + 1]?.value) };
    case 'TRIGGER':
    case 'PROCEDURE':
    case 'FUNCTION':
    case 'EVENT':
    case 'SEQUENCE':
    case 'PACKAGE':
    case 'SERVER':
    case 'TABLESPACE':
      return { kind: 'DropStmt', summary: phrase('DROP', object, name), implicitCommit: true };
  }
  return { kind: 'OtherStmt', summary: leadingWords(tokens) };
}

function renameTable(tokens: Token[]): Draft {
  const pairs: [string, string][] = [];
  for (const part of splitTopLevel(tokens.slice(2))) {
    const from = qualifiedNameAt(part, 0);
    const to = from && part[from.next]?.upper === 'TO' ? qualifiedNameAt(part, from.next + 1) : undefined;
    if (from && to) pairs.push([from.name, to.name]);
  }
  return {
    kind: 'RenameStmt',
    summary: `RENAME TABLE ${pairs.map(([a, b]) => `${a} TO ${b}`).join(', ')}`.trimEnd(),
    uses: unique(pairs.map(([from]) => from)).map((table) => ({ table, use: 'exclusive' as const })),
    tables: pairs.flat(),
    implicitCommit: true,
  };
}

// ---------------------------------------------------------------------------------------------
// DML and queries

function insert(tokens: Token[], w: string[]): Draft {
  let at = 1;
  while (['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE'].includes(w[at]!)) at++;
  const ignore = w.slice(1, at).includes('IGNORE');
  if (w[at] === 'INTO') at++;
  const target = qualifiedNameAt(tokens, at);
  const read = target ? tableScan(tokens, target.next).tables : [];
  return {
    kind: 'InsertStmt',
    summary: phrase(w[0], ignore && 'IGNORE', 'INTO', target?.name ?? '?'),
    uses: [...(target ? [{ table: target.name, use: 'write' as const }] : []), ...read.map((table) => ({ table, use: 'read' as const }))],
  };
}

function update(tokens: Token[], w: string[], ctes: Set<string> = new Set()): Draft {
  let at = 1;
  while (w[at] === 'LOW_PRIORITY' || w[at] === 'IGNORE') at++;
  const set = topLevelIndex(tokens, (t) => t.type === 'word' && t.upper === 'SET', at);
  const end = set < 0 ? tokens.length : set;
  const targets = tableScan(tokens.slice(0, end), at, 'expect-ref', ctes).tables;
  const read = tableScan(tokens, end, 'none', ctes).tables;
  return {
    kind: 'UpdateStmt',
    summary: `UPDATE ${targets.join(', ') || '?'}`,
    uses: [...targets.map((table) => ({ table, use: 'write' as const })), ...read.map((table) => ({ table, use: 'read' as const }))],
  };
}

function del(tokens: Token[], w: string[], ctes: Set<string> = new Set()): Draft {
  let at = 1;
  while (['LOW_PRIORITY', 'QUICK', 'IGNORE'].includes(w[at]!)) at++;
  const scan = tableScan(tokens, at, 'none', ctes);
  // `DELETE FROM t …`, `DELETE t1, t2 FROM …` and `DELETE FROM t1, t2 USING …`: the tables listed
  // before FROM / USING lose rows (by alias where they name one); the rest are read.
  let targets: string[];
  if (w[at] === 'FROM') {
    const using = topLevelIndex(tokens, (t) => t.type === 'word' && t.upper === 'USING', at);
    targets = using < 0 ? scan.tables.slice(0, 1) : nameList(tokens, at + 1, using);
  } else {
    const from = topLevelIndex(tokens, (t) => t.type === 'word' && t.upper === 'FROM', at);
    targets = nameList(tokens, at, from < 0 ? tokens.length : from);
  }
  targets = unique(targets.map((t) => scan.aliases.get(t.replace(/\.\*$/, '')) ?? t.replace(/\.\*$/, '')));
  return {
    kind: 'DeleteStmt',
    summary: `DELETE FROM ${targets.join(', ') || '?'}`,
    uses: [
      ...targets.map((table) => ({ table, use: 'write' as const })),
      ...scan.tables.filter((t) => !targets.includes(t)).map((table) => ({ table, use: 'read' as const })),
    ],
  };
}

function query(kind: string, tokens: Token[], from: number, ctes: Set<string> = new Set()): Draft {
  const tables = tableScan(tokens, from, 'none', ctes).tables;
  return { kind, summary: tables.length > 0 ? `SELECT FROM ${tables.join(', ')}` : 'SELECT', uses: tables.map((table) => ({ table, use: 'read' as const })) };
}

/** `WITH cte AS (…) SELECT | UPDATE | DELETE …`: the statement after the common table expressions. */
function withClause(tokens: Token[]): Draft {
  const ctes = cteNames(tokens);
  const main = topLevelIndex(tokens, (t) => t.type === 'word' && ['SELECT', 'UPDATE', 'DELETE', 'INSERT', 'REPLACE', 'TABLE', 'VALUES'].includes(t.upper), 1);
  const rest = main < 0 ? [] : tokens.slice(main);
  const w = words(rest);
  // The CTE bodies are read too.
  const cteReads = tableScan(tokens.slice(0, main < 0 ? tokens.length : main), 0, 'none', ctes).tables.map((table) => ({ table, use: 'read' as const }));
  const draft = w[0] === 'UPDATE' ? update(rest, w, ctes) : w[0] === 'DELETE' ? del(rest, w, ctes) : query('SelectStmt', rest, 0, ctes);
  return { ...draft, uses: [...(draft.uses ?? []), ...cteReads] };
}

function cteNames(tokens: Token[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.upper !== 'WITH' || tokens[i]!.type !== 'word') continue;
    let j = tokens[i + 1]?.upper === 'RECURSIVE' ? i + 2 : i + 1;
    for (;;) {
      const name = tokens[j];
      if (!isName(name)) break;
      j++;
      if (tokens[j]?.value === '(') j = closingParen(tokens, j) + 1;
      if (tokens[j]?.upper !== 'AS' || tokens[j + 1]?.value !== '(') break;
      names.add(name.value);
      j = closingParen(tokens, j + 1) + 1;
      if (tokens[j]?.value !== ',') break;
      j++;
    }
  }
  return names;
}

type ScanMode = 'none' | 'expect-ref' | 'after-ref' | 'condition';

/**
 * Tables named in FROM / JOIN / USING lists from `start` on, in subqueries too, with the aliases
 * they get. A FROM counts at the top level and in parentheses that hold a query, not in
 * `EXTRACT(YEAR FROM d)`; CTE names and DUAL are no tables.
 */
function tableScan(tokens: Token[], start: number, initial: ScanMode = 'none', ctes: Set<string> = new Set()): { tables: string[]; aliases: Map<string, string> } {
  const tables: string[] = [];
  const aliases = new Map<string, string>();
  const levels: { query: boolean; mode: ScanMode }[] = [{ query: true, mode: initial }];
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    const level = levels.at(-1)!;
    if (t.type === 'punct' && t.value === '(') {
      // Where a table was expected: a derived table (a query, its alias follows) or a
      // parenthesized join, whose first table comes next.
      const expected = level.mode === 'expect-ref';
      if (expected) level.mode = 'after-ref';
      const next = tokens[i + 1];
      const query = next?.upper === 'SELECT' || next?.upper === 'WITH' || next?.value === '(';
      levels.push({ query, mode: expected && !query ? 'expect-ref' : 'none' });
      continue;
    }
    if (t.type === 'punct' && t.value === ')') {
      if (levels.length > 1) levels.pop();
      continue;
    }
    const word = t.type === 'word' ? t.upper : '';
    if (level.mode === 'expect-ref') {
      const ref = qualifiedNameAt(tokens, i);
      if (!ref || (t.type === 'word' && NOT_A_TABLE.has(word))) {
        level.mode = 'none';
      } else {
        // `JSON_TABLE(…)` and other table functions are followed by their arguments.
        if (tokens[ref.next]?.value !== '(' && !ctes.has(ref.name) && ref.name.toUpperCase() !== 'DUAL') tables.push(ref.name);
        let j = ref.next;
        if (tokens[j]?.upper === 'AS') j++;
        const alias = tokens[j];
        if (isName(alias) && !(alias.type === 'word' && NOT_AN_ALIAS.has(alias.upper))) {
          aliases.set(alias.value, ref.name);
          i = j;
        } else {
          i = ref.next - 1;
        }
        level.mode = 'after-ref';
        continue;
      }
    } else if (level.mode === 'after-ref') {
      if (t.value === ',' && t.type === 'punct') level.mode = 'expect-ref';
      else if (word === 'ON') level.mode = 'condition';
      else if (word === 'USING') level.mode = tokens[i + 1]?.value === '(' ? 'condition' : 'expect-ref';
      else if (word !== '' && CLAUSE_ENDS.has(word)) level.mode = 'none';
    } else if (level.mode === 'condition' && word !== '' && CLAUSE_ENDS.has(word)) {
      level.mode = 'none';
    }
    if (word === 'JOIN' || word === 'STRAIGHT_JOIN') level.mode = 'expect-ref';
    else if (word === 'FROM' && level.query) level.mode = 'expect-ref';
  }
  return { tables: unique(tables), aliases };
}

/** Words that end a table list (or a join condition). */
const CLAUSE_ENDS = new Set([
  'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'FOR', 'LOCK', 'SET', 'VALUES', 'VALUE',
  'SELECT', 'INTO', 'RETURNING', 'PROCEDURE', 'OFFSET', 'FETCH',
]);
/** Words that cannot be a table where one is expected (`FROM` followed by a keyword: LATERAL, a subquery's SELECT). */
const NOT_A_TABLE = new Set(['SELECT', 'LATERAL', 'WITH', 'VALUES']);
const NOT_AN_ALIAS = new Set([
  ...CLAUSE_ENDS, 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'CROSS', 'NATURAL', 'STRAIGHT_JOIN', 'FULL', 'OUTER', 'ON', 'USING', 'PARTITION',
  'USE', 'IGNORE', 'FORCE', 'AS', 'READ', 'WRITE', 'LOW_PRIORITY', 'TABLESAMPLE', 'DUPLICATE', 'FROM', 'WAIT', 'NOWAIT',
]);

/** Comma-separated names from `from` (up to `end`): `a, db.b, c.*`. */
function nameList(tokens: Token[], from: number, end = tokens.length): string[] {
  const names: string[] = [];
  for (const part of splitTopLevel(tokens.slice(from, end))) {
    const name = qualifiedNameAt(part, 0);
    if (!name) continue;
    const star = part[name.next]?.value === '.' && part[name.next + 1]?.value === '*';
    names.push(star ? `${name.name}.*` : name.name);
  }
  return names;
}

/** Every table after a REFERENCES (foreign keys' parents). */
function referencedTables(tokens: Token[]): string[] {
  return tokens.flatMap((t, i) => (t.type === 'word' && t.upper === 'REFERENCES' ? (qualifiedNameAt(tokens, i + 1)?.name ?? []) : []));
}

/** Index of the first token at parenthesis depth 0 (from `from` on) that matches. */
function topLevelIndex(tokens: Token[], test: (t: Token, i: number) => boolean, from = 0): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'punct') depth += t.value === '(' ? 1 : t.value === ')' ? -1 : 0;
    else if (depth === 0 && i >= from && test(t, i)) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// SET, LOCK TABLES, maintenance, LOAD DATA

export interface SetAssignment {
  /** As written, scope included: `GLOBAL max_connections`, `@@GLOBAL.GTID_PURGED`, `NAMES`, `@saved_cs_client`. */
  target: string;
  /** GLOBAL / PERSIST / PERSIST_ONLY scope: the assignment changes the whole server. */
  global: boolean;
  /** The variable's name without scope or `@@`, upper-cased (`GTID_PURGED`, `NAMES`, `CHARACTER SET`). */
  name: string;
  value: Token[];
}

/** The assignments of `SET …` (`tokens` start after SET). */
export function setAssignments(tokens: Token[]): SetAssignment[] {
  const w = words(tokens);
  if (w[0] === 'NAMES' || w[0] === 'CHARSET' || (w[0] === 'CHARACTER' && w[1] === 'SET')) {
    const skip = w[0] === 'CHARACTER' ? 2 : 1;
    return [{ target: w[0] === 'NAMES' ? 'NAMES' : 'CHARACTER SET', global: false, name: w[0] === 'NAMES' ? 'NAMES' : 'CHARACTER SET', value: tokens.slice(skip) }];
  }
  return splitTopLevel(tokens).map((part) => {
    const eq = part.findIndex((t) => t.type === 'punct' && (t.value === '=' || t.value === ':'));
    const left = eq < 0 ? part.slice(0, 2) : part.slice(0, eq);
    const value = eq < 0 ? part.slice(2) : part.slice(part[eq + 1]?.value === '=' ? eq + 2 : eq + 1);
    const target = left.map((t) => t.value).join(' ');
    const scope = left.length > 1 && left[0]!.type === 'word' ? left[0]!.upper : '';
    const system = /^@@(?:(GLOBAL|SESSION|LOCAL|PERSIST|PERSIST_ONLY)\.)?(.*)$/i.exec(left[0]?.value ?? '');
    const global = ['GLOBAL', 'PERSIST', 'PERSIST_ONLY'].includes(scope) || ['GLOBAL', 'PERSIST', 'PERSIST_ONLY'].includes(system?.[1]?.toUpperCase() ?? '');
    const name = (system ? system[2]! : (left.at(-1)?.value ?? '')).toUpperCase();
    return { target, global, name, value };
  });
}

function set(tokens: Token[], w: string[]): Draft {
  // MariaDB: SET STATEMENT var = value [, …] FOR <statement> runs the statement with those settings.
  if (w[1] === 'STATEMENT') {
    const forAt = topLevelIndex(tokens, (t) => t.type === 'word' && t.upper === 'FOR', 2);
    if (forAt > 0) return describe(tokens.slice(forAt + 1));
  }
  if (w[1] === 'PASSWORD') return { kind: 'AlterRoleStmt', summary: 'SET PASSWORD', implicitCommit: true };
  if (w[1] === 'TRANSACTION' || w[2] === 'TRANSACTION') return { kind: 'VariableSetStmt', summary: phrase('SET', w[1] === 'TRANSACTION' ? undefined : w[1], 'TRANSACTION') };
  if (w[1] === 'ROLE' || (w[1] === 'DEFAULT' && w[2] === 'ROLE')) return { kind: 'VariableSetStmt', summary: leadingWords(tokens, 3) };
  const assignments = setAssignments(tokens.slice(1));
  // SET autocommit = 1 commits a transaction that autocommit = 0 left open.
  const commits = assignments.some((a) => a.name === 'AUTOCOMMIT' && ['1', 'ON', 'TRUE'].includes(a.value[0]?.upper ?? ''));
  return {
    kind: 'VariableSetStmt',
    summary: `SET ${assignments.map((a) => a.target).join(', ')}`,
    implicitCommit: commits,
  };
}

function lockTables(tokens: Token[], w: string[]): Draft {
  if (w[1] !== 'TABLE' && w[1] !== 'TABLES') return { kind: 'OtherStmt', summary: leadingWords(tokens) };
  const locked: { table: string; write: boolean }[] = [];
  for (const part of splitTopLevel(tokens.slice(2))) {
    const name = qualifiedNameAt(part, 0);
    if (name) locked.push({ table: name.name, write: part.some((t) => t.type === 'word' && t.upper === 'WRITE') });
  }
  return {
    kind: 'LockTablesStmt',
    summary: `LOCK TABLES ${locked.map((l) => `${l.table} ${l.write ? 'WRITE' : 'READ'}`).join(', ')}`,
    uses: locked.map((l) => ({ table: l.table, use: l.write ? ('lock-write' as const) : ('lock-read' as const) })),
    implicitCommit: true,
  };
}

/** Index of TABLE in `OPTIMIZE [NO_WRITE_TO_BINLOG | LOCAL] TABLE …` (-1 if absent). */
function tableMaintenanceAt(w: string[]): number {
  const at = w[1] === 'NO_WRITE_TO_BINLOG' || w[1] === 'LOCAL' ? 2 : 1;
  return w[at] === 'TABLE' || w[at] === 'TABLES' ? at : -1;
}

function maintenance(kind: string, verb: string, tokens: Token[], w: string[], use: TableUse): Draft {
  const at = tableMaintenanceAt(w);
  if (at < 0) return { kind: 'OtherStmt', summary: leadingWords(tokens) };
  const end = topLevelIndex(tokens, (t) => t.type === 'word' && ['PERSISTENT', 'QUICK', 'EXTENDED', 'FAST', 'MEDIUM', 'CHANGED', 'FOR', 'UPGRADE', 'USE_FRM'].includes(t.upper), at + 1);
  const names = nameList(tokens, at + 1, end < 0 ? tokens.length : end);
  // OPTIMIZE TABLE rebuilds an InnoDB table online (as ALTER TABLE … FORCE).
  const alter = use === 'alter' ? classifyAlter([{ operation: 'force', description: 'FORCE', tables: [] }]) : undefined;
  return {
    kind,
    summary: `${verb} TABLE ${names.join(', ')}`,
    uses: names.map((table) => ({ table, use })),
    implicitCommit: true,
    ...(alter ? { alter } : {}),
  };
}

function loadData(tokens: Token[], w: string[]): Draft {
  if (w[1] !== 'DATA' && w[1] !== 'XML') return { kind: 'OtherStmt', summary: leadingWords(tokens), implicitCommit: w[1] === 'INDEX' };
  const into = w.indexOf('INTO');
  const table = into < 0 ? undefined : qualifiedNameAt(tokens, w[into + 1] === 'TABLE' ? into + 2 : into + 1)?.name;
  return {
    kind: 'LoadDataStmt',
    summary: phrase('LOAD', w[1], w.slice(2, w.indexOf('INFILE')).includes('LOCAL') && 'LOCAL', 'INFILE INTO TABLE', table ?? '?'),
    uses: table ? [{ table, use: 'write' }] : [],
  };
}

// ---------------------------------------------------------------------------------------------
// Text

/** The parts that are there, space-separated. */
function phrase(...parts: (string | false | undefined | null)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' ');
}

function clip(text: string): string {
  return text.length <= SUMMARY_MAX ? text : `${text.slice(0, SUMMARY_MAX - 1).trimEnd()}…`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
