// Splits a PostgreSQL migration file into statements with the real parser and says, for each,
// what it is, which tables it names, which locks it takes and whether it can run inside a
// transaction block — and from that, how the whole file must be run.
import type { AlterTableCmd, Constraint, Node, ObjectType } from 'libpg-query';
import { InputError, type SourceLocation } from '../errors.ts';
import type { ParsedSqlFile, SqlStatement, TransactionMode } from './statement.ts';
import { inferLocks, LOCK_MODES } from './postgres-locks.ts';
import {
  booleanOption,
  dottedName,
  findOption,
  listItems,
  listOf,
  loadPostgresParser,
  nodeAs,
  nodeKind,
  parsePostgres,
  PostgresSyntaxError,
  rangeVarsIn,
  relationName,
  type NodeKind,
  type NodeOf,
  type ParsedStatement,
} from './postgres-parser.ts';

export interface SplitOptions {
  /** `server_version_num` of the target server; some statements are transactional only since a release. */
  serverVersionNum?: number;
}

export async function splitPostgresFile(path: string, sql: string, opts: SplitOptions = {}): Promise<ParsedSqlFile> {
  await loadPostgresParser();
  const positions = new TextPositions(sql);
  let parsed: ParsedStatement[];
  try {
    parsed = parsePostgres(sql);
  } catch (error) {
    if (!(error instanceof PostgresSyntaxError)) throw error;
    throw new InputError('SQL_SYNTAX', error.message, {
      cause: error,
      location: { file: path, ...positions.at(error.offset) },
    });
  }
  const statements = parsed.map((stmt, index): SqlStatement => {
    const text = sql.slice(stmt.start, stmt.end);
    return {
      index,
      sql: text,
      ...positions.at(stmt.start),
      kind: stmt.kind,
      summary: summarize(stmt.node, text),
      tables: tablesNamed(stmt.node),
      nonTransactional: cannotRunInTransactionBlock(stmt.node, opts),
      transactionControl: stmt.kind === 'TransactionStmt',
      inferredLocks: inferLocks(stmt.node),
    };
  });
  return { path, statements, ...transactionModeOf(sql, statements) };
}

// ---------------------------------------------------------------------------------------------
// Transaction mode

const NO_TRANSACTION_DIRECTIVE = /^\s*--\s*rehearse\s*:\s*no-transaction\s*$/i;

function transactionModeOf(
  sql: string,
  statements: SqlStatement[],
): { transactionMode: TransactionMode; transactionModeReason?: string } {
  const firstLine = sql.split('\n').find((line) => line.trim() !== '');
  if (firstLine !== undefined && NO_TRANSACTION_DIRECTIVE.test(firstLine)) {
    return { transactionMode: 'none', transactionModeReason: 'the file opts out with -- rehearse:no-transaction' };
  }
  // Checked before the file's own BEGIN/COMMIT: such a statement fails in any transaction block,
  // the file's own included, so the file can only run statement by statement.
  const blocker = statements.find((s) => s.nonTransactional);
  if (blocker) {
    return {
      transactionMode: 'none',
      transactionModeReason: `statement ${blocker.index + 1} (${blocker.summary}) cannot run inside a transaction block`,
    };
  }
  if (statements.some((s) => s.transactionControl)) {
    return { transactionMode: 'file-managed', transactionModeReason: 'the file has its own BEGIN/COMMIT' };
  }
  return { transactionMode: 'per-file' };
}

/** Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock). */
function cannotRunInTransactionBlock(node: Node, opts: SplitOptions): boolean {
  const kind = nodeKind(node);
  const test = NON_TRANSACTIONAL[kind] as ((stmt: NodeOf<typeof kind>, opts: SplitOptions) => boolean) | undefined;
  return test?.(nodeAs(node, kind)!, opts) ?? false;
}

const always = () => true;

const NON_TRANSACTIONAL: { [K in NodeKind]?: (stmt: NodeOf<K>, opts: SplitOptions) => boolean } = {
  IndexStmt: (s) => s.concurrent === true,
  DropStmt: (s) => s.concurrent === true,
  ReindexStmt: (s) => booleanOption(s.params, 'concurrently') === true || REINDEX_MANY.has(s.kind!),
  VacuumStmt: (s) => s.is_vacuumcmd === true, // ANALYZE alone is allowed
  ClusterStmt: (s) => s.relation === undefined, // re-clusters every clustered table
  CreatedbStmt: always,
  DropdbStmt: always,
  CreateTableSpaceStmt: always,
  DropTableSpaceStmt: always,
  AlterSystemStmt: always,
  AlterDatabaseStmt: (s) => findOption(s.options, 'tablespace') !== undefined,
  DiscardStmt: (s) => s.target === 'DISCARD_ALL',
  // Creating the replication slot (the default; connect = false implies none) cannot be undone.
  CreateSubscriptionStmt: (s) =>
    booleanOption(s.options, 'create_slot') !== false && booleanOption(s.options, 'connect') !== false,
  // Refused when the subscription has a replication slot, which only the server knows: slots are
  // the default, so one is assumed.
  DropSubscriptionStmt: always,
  AlterSubscriptionStmt: (s) => alterSubscriptionNeedsNoTransaction(s),
  AlterTableStmt: (s) =>
    listOf(s.cmds, 'AlterTableCmd').some(
      (cmd) => cmd.subtype === 'AT_DetachPartition' && nodeAs(cmd.def, 'PartitionCmd')?.concurrent === true,
    ),
  // ALTER TYPE … ADD VALUE became transactional in PostgreSQL 12 (RENAME VALUE always was).
  AlterEnumStmt: (s, opts) => s.oldVal === undefined && (opts.serverVersionNum ?? Infinity) < 120000,
  TransactionStmt: (s) => s.kind === 'TRANS_STMT_COMMIT_PREPARED' || s.kind === 'TRANS_STMT_ROLLBACK_PREPARED',
};

const REINDEX_MANY = new Set(['REINDEX_OBJECT_SCHEMA', 'REINDEX_OBJECT_DATABASE', 'REINDEX_OBJECT_SYSTEM']);

function alterSubscriptionNeedsNoTransaction(stmt: NodeOf<'AlterSubscriptionStmt'>): boolean {
  switch (stmt.kind) {
    case 'ALTER_SUBSCRIPTION_REFRESH':
      return true;
    case 'ALTER_SUBSCRIPTION_SET_PUBLICATION':
    case 'ALTER_SUBSCRIPTION_ADD_PUBLICATION':
    case 'ALTER_SUBSCRIPTION_DROP_PUBLICATION':
      return booleanOption(stmt.options, 'refresh') !== false;
    case 'ALTER_SUBSCRIPTION_OPTIONS':
      // PostgreSQL 17+: changing failover or two_phase alters the slot on the publisher.
      return ['failover', 'two_phase'].some((name) => findOption(stmt.options, name) !== undefined);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Tables

/** Every table the statement names, as written (`schema.table` or `table`), first mention first. */
function tablesNamed(node: Node): string[] {
  const names = rangeVarsIn(node).map(relationName);
  names.push(...namesOutsideRangeVars(node));
  return [...new Set(names)].filter((name) => name !== '');
}

/** Relations some statements name as plain name lists rather than RangeVar nodes. */
function namesOutsideRangeVars(node: Node): string[] {
  const drop = nodeAs(node, 'DropStmt');
  if (drop && RELATION_TYPES.has(drop.removeType!)) return (drop.objects ?? []).map((o) => dottedName(listItems(o)));
  if (drop && TABLE_CHILD_TYPES.has(drop.removeType!)) return (drop.objects ?? []).map((o) => tableOfChild(o));

  const comment = nodeAs(node, 'CommentStmt');
  if (comment && RELATION_TYPES.has(comment.objtype!)) return [dottedName(listItems(comment.object))];
  if (comment?.objtype === 'OBJECT_COLUMN') return [tableOfChild(comment.object)];

  // The name a relation gets is named too: later steps see the table under it.
  const rename = nodeAs(node, 'RenameStmt');
  if (rename?.relation && RELATION_TYPES.has(rename.renameType!) && rename.newname) {
    const schema = rename.relation.schemaname;
    return [schema ? `${schema}.${rename.newname}` : rename.newname];
  }
  const move = nodeAs(node, 'AlterObjectSchemaStmt');
  if (move?.relation?.relname && move.newschema) return [`${move.newschema}.${move.relation.relname}`];
  return [];
}

const RELATION_TYPES = new Set<ObjectType>([
  'OBJECT_TABLE',
  'OBJECT_INDEX',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_FOREIGN_TABLE',
]);
/** Objects named `table.object` in DROP: `DROP TRIGGER tr ON t` is the list [t, tr]. */
const TABLE_CHILD_TYPES = new Set<ObjectType>(['OBJECT_TRIGGER', 'OBJECT_RULE', 'OBJECT_POLICY']);

function tableOfChild(nameList: Node | undefined): string {
  return dottedName(listItems(nameList).slice(0, -1));
}

// ---------------------------------------------------------------------------------------------
// Summary

const SUMMARY_MAX = 100;
const FALLBACK_LENGTH = 60;

/** A short description for reports, built from the parse tree; the statement's text otherwise. */
function summarize(node: Node, text: string): string {
  const kind = nodeKind(node);
  const describe = DESCRIBERS[kind] as ((stmt: NodeOf<typeof kind>) => string | undefined) | undefined;
  const summary = describe?.(nodeAs(node, kind)!) ?? clip(text.replace(/\s+/g, ' '), FALLBACK_LENGTH);
  return clip(summary, SUMMARY_MAX);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

const DESCRIBERS: { [K in NodeKind]?: (stmt: NodeOf<K>) => string | undefined } = {
  AlterTableStmt: (s) =>
    `ALTER ${objectWords(s.objtype)} ${relationName(s.relation!)} ` +
    listOf(s.cmds, 'AlterTableCmd').map(describeAlterTableCmd).join(', '),
  IndexStmt: (s) =>
    words('CREATE', s.unique && 'UNIQUE', 'INDEX', s.concurrent && 'CONCURRENTLY', s.idxname, 'ON', relationName(s.relation!)),
  DropStmt: (s) =>
    words('DROP', objectWords(s.removeType), s.concurrent && 'CONCURRENTLY', (s.objects ?? []).map((o) => objectName(o, s.removeType)).join(', ')),
  CreateStmt: (s) => {
    const parent = s.partbound && nodeAs(s.inhRelations?.[0], 'RangeVar');
    return words('CREATE TABLE', relationName(s.relation!), parent && `PARTITION OF ${relationName(parent)}`);
  },
  CreateTableAsStmt: (s) =>
    s.objtype === 'OBJECT_MATVIEW'
      ? `CREATE MATERIALIZED VIEW ${relationName(s.into!.rel!)}`
      : `CREATE TABLE ${relationName(s.into!.rel!)} AS`,
  ViewStmt: (s) => words('CREATE', s.replace && 'OR REPLACE', 'VIEW', relationName(s.view!)),
  RefreshMatViewStmt: (s) => words('REFRESH MATERIALIZED VIEW', s.concurrent && 'CONCURRENTLY', relationName(s.relation!)),
  InsertStmt: (s) => `INSERT INTO ${relationName(s.relation!)}`,
  UpdateStmt: (s) => `UPDATE ${relationName(s.relation!)}`,
  DeleteStmt: (s) => `DELETE FROM ${relationName(s.relation!)}`,
  MergeStmt: (s) => `MERGE INTO ${relationName(s.relation!)}`,
  TruncateStmt: (s) => `TRUNCATE ${listOf(s.relations, 'RangeVar').map(relationName).join(', ')}`,
  CopyStmt: (s) => words('COPY', s.relation ? relationName(s.relation) : '(query)', s.is_from ? 'FROM' : 'TO'),
  RenameStmt: describeRename,
  AlterObjectSchemaStmt: (s) =>
    words('ALTER', objectWords(s.objectType), s.relation ? relationName(s.relation) : objectName(s.object), 'SET SCHEMA', s.newschema),
  VacuumStmt: (s) => {
    const tables = listOf(s.rels, 'VacuumRelation').map((r) => relationName(r.relation!)).join(', ');
    if (!s.is_vacuumcmd) return words('ANALYZE', tables);
    return words('VACUUM', booleanOption(s.options, 'full') && 'FULL', tables);
  },
  ReindexStmt: (s) =>
    words(
      'REINDEX',
      s.kind?.replace('REINDEX_OBJECT_', ''),
      booleanOption(s.params, 'concurrently') && 'CONCURRENTLY',
      s.relation ? relationName(s.relation) : s.name,
    ),
  ClusterStmt: (s) => words('CLUSTER', s.relation && relationName(s.relation)),
  LockStmt: (s) => {
    const mode = (LOCK_MODES[(s.mode ?? 8) - 1] ?? 'AccessExclusiveLock').replace(/Lock$/, '');
    const tables = listOf(s.relations, 'RangeVar').map(relationName).join(', ');
    return `LOCK TABLE ${tables} IN ${mode.replace(/(?<=.)([A-Z])/g, ' $1').toUpperCase()} MODE`;
  },
  CreateTrigStmt: (s) => `CREATE TRIGGER ${s.trigname} ON ${relationName(s.relation!)}`,
  CommentStmt: (s) => `COMMENT ON ${objectWords(s.objtype)} ${objectName(s.object)}`,
  CreateFunctionStmt: (s) => words('CREATE', s.replace && 'OR REPLACE', s.is_procedure ? 'PROCEDURE' : 'FUNCTION', dottedName(s.funcname)),
  CreateEnumStmt: (s) => `CREATE TYPE ${dottedName(s.typeName)} AS ENUM`,
  AlterEnumStmt: (s) =>
    s.oldVal ? `ALTER TYPE ${dottedName(s.typeName)} RENAME VALUE` : `ALTER TYPE ${dottedName(s.typeName)} ADD VALUE '${s.newVal}'`,
  CreateSeqStmt: (s) => `CREATE SEQUENCE ${relationName(s.sequence!)}`,
  CreateExtensionStmt: (s) => `CREATE EXTENSION ${s.extname}`,
  CreateSchemaStmt: (s) => words('CREATE SCHEMA', s.schemaname),
};

function describeAlterTableCmd(cmd: AlterTableCmd): string {
  const column = (action: string) => `ALTER COLUMN ${cmd.name} ${action}`;
  const partition = nodeAs(cmd.def, 'PartitionCmd');
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      return `ADD COLUMN ${nodeAs(cmd.def, 'ColumnDef')?.colname}`;
    case 'AT_ColumnDefault':
      return column(cmd.def ? 'SET DEFAULT' : 'DROP DEFAULT');
    case 'AT_AddConstraint':
      return `ADD ${describeConstraint(nodeAs(cmd.def, 'Constraint') ?? {})}`;
    case 'AT_AlterConstraint':
      return `ALTER CONSTRAINT ${nodeAs(cmd.def, 'ATAlterConstraint')?.conname ?? ''}`.trimEnd();
    case 'AT_AttachPartition':
      return `ATTACH PARTITION ${relationName(partition!.name!)}`;
    case 'AT_DetachPartition':
      return words('DETACH PARTITION', relationName(partition!.name!), partition!.concurrent && 'CONCURRENTLY');
    case 'AT_DetachPartitionFinalize':
      return `DETACH PARTITION ${relationName(partition!.name!)} FINALIZE`;
    case 'AT_AddInherit':
    case 'AT_DropInherit': {
      const parent = relationName(nodeAs(cmd.def, 'RangeVar')!);
      return cmd.subtype === 'AT_AddInherit' ? `INHERIT ${parent}` : `NO INHERIT ${parent}`;
    }
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions': {
      const names = listOf(listItems(cmd.def), 'DefElem').map((d) => (d.defnamespace ? `${d.defnamespace}.` : '') + d.defname);
      return `${cmd.subtype === 'AT_SetRelOptions' ? 'SET' : 'RESET'} (${names.join(', ')})`;
    }
  }
  const columnAction = cmd.subtype && COLUMN_ACTIONS[cmd.subtype];
  if (columnAction) return column(columnAction);
  const action = (cmd.subtype && TABLE_ACTIONS[cmd.subtype]) ?? (cmd.subtype ?? '').replace(/^AT_/, '');
  return words(action, cmd.name);
}

const COLUMN_ACTIONS: Partial<Record<string, string>> = {
  AT_AlterColumnType: 'TYPE',
  AT_SetNotNull: 'SET NOT NULL',
  AT_DropNotNull: 'DROP NOT NULL',
  AT_SetStatistics: 'SET STATISTICS',
  AT_SetOptions: 'SET (…)',
  AT_ResetOptions: 'RESET (…)',
  AT_SetStorage: 'SET STORAGE',
  AT_SetCompression: 'SET COMPRESSION',
  AT_AddIdentity: 'ADD IDENTITY',
  AT_SetIdentity: 'SET IDENTITY',
  AT_DropIdentity: 'DROP IDENTITY',
  AT_SetExpression: 'SET EXPRESSION',
  AT_DropExpression: 'DROP EXPRESSION',
  AT_AlterColumnGenericOptions: 'OPTIONS',
};

/** Subcommands written as a phrase, followed by the name they act on (if any). */
const TABLE_ACTIONS: Partial<Record<string, string>> = {
  AT_DropColumn: 'DROP COLUMN',
  AT_DropConstraint: 'DROP CONSTRAINT',
  AT_ValidateConstraint: 'VALIDATE CONSTRAINT',
  AT_ClusterOn: 'CLUSTER ON',
  AT_DropCluster: 'SET WITHOUT CLUSTER',
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetTableSpace: 'SET TABLESPACE',
  AT_SetAccessMethod: 'SET ACCESS METHOD',
  AT_ChangeOwner: 'OWNER TO',
  AT_ReplicaIdentity: 'REPLICA IDENTITY',
  AT_EnableTrig: 'ENABLE TRIGGER',
  AT_EnableAlwaysTrig: 'ENABLE ALWAYS TRIGGER',
  AT_EnableReplicaTrig: 'ENABLE REPLICA TRIGGER',
  AT_EnableTrigAll: 'ENABLE TRIGGER ALL',
  AT_EnableTrigUser: 'ENABLE TRIGGER USER',
  AT_DisableTrig: 'DISABLE TRIGGER',
  AT_DisableTrigAll: 'DISABLE TRIGGER ALL',
  AT_DisableTrigUser: 'DISABLE TRIGGER USER',
  AT_EnableRule: 'ENABLE RULE',
  AT_EnableAlwaysRule: 'ENABLE ALWAYS RULE',
  AT_EnableReplicaRule: 'ENABLE REPLICA RULE',
  AT_DisableRule: 'DISABLE RULE',
  AT_EnableRowSecurity: 'ENABLE ROW LEVEL SECURITY',
  AT_DisableRowSecurity: 'DISABLE ROW LEVEL SECURITY',
  AT_ForceRowSecurity: 'FORCE ROW LEVEL SECURITY',
  AT_NoForceRowSecurity: 'NO FORCE ROW LEVEL SECURITY',
  AT_AddOf: 'OF',
  AT_DropOf: 'NOT OF',
  AT_GenericOptions: 'OPTIONS',
};

function describeConstraint(c: Constraint): string {
  const kind = CONSTRAINT_WORDS[c.contype ?? ''] ?? 'CONSTRAINT';
  return words(
    c.conname && `CONSTRAINT ${c.conname}`,
    kind,
    c.pktable && `REFERENCES ${relationName(c.pktable)}`,
    c.indexname && `USING INDEX ${c.indexname}`,
    c.skip_validation && 'NOT VALID',
  );
}

const CONSTRAINT_WORDS: Partial<Record<string, string>> = {
  CONSTR_PRIMARY: 'PRIMARY KEY',
  CONSTR_UNIQUE: 'UNIQUE',
  CONSTR_CHECK: 'CHECK',
  CONSTR_FOREIGN: 'FOREIGN KEY',
  CONSTR_EXCLUSION: 'EXCLUDE',
  CONSTR_NOTNULL: 'NOT NULL',
};

function describeRename(s: NodeOf<'RenameStmt'>): string {
  if (!s.relation) return words('ALTER', objectWords(s.renameType), objectName(s.object), 'RENAME TO', s.newname);
  const relation = relationName(s.relation);
  switch (s.renameType) {
    case 'OBJECT_COLUMN':
      return `ALTER ${objectWords(s.relationType)} ${relation} RENAME COLUMN ${s.subname} TO ${s.newname}`;
    case 'OBJECT_TABCONSTRAINT':
      return `ALTER TABLE ${relation} RENAME CONSTRAINT ${s.subname} TO ${s.newname}`;
    case 'OBJECT_TRIGGER':
    case 'OBJECT_POLICY':
    case 'OBJECT_RULE':
      return `ALTER ${objectWords(s.renameType)} ${s.subname} ON ${relation} RENAME TO ${s.newname}`;
    default:
      return `ALTER ${objectWords(s.renameType)} ${relation} RENAME TO ${s.newname}`;
  }
}

/** How SQL spells an object type: `OBJECT_MATVIEW` → `MATERIALIZED VIEW`. */
function objectWords(type: ObjectType | undefined): string {
  return OBJECT_WORDS[type ?? 'OBJECT_TABLE'] ?? (type ?? '').replace(/^OBJECT_/, '').replace(/_/g, ' ');
}

const OBJECT_WORDS: Partial<Record<ObjectType, string>> = {
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_TABCONSTRAINT: 'CONSTRAINT',
  OBJECT_DOMCONSTRAINT: 'CONSTRAINT',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
  OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
  OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OBJECT_LARGEOBJECT: 'LARGE OBJECT',
  OBJECT_OPCLASS: 'OPERATOR CLASS',
  OBJECT_OPFAMILY: 'OPERATOR FAMILY',
};

/** The name of a DROP/COMMENT/ALTER object, whichever node shape the grammar gave it. */
function objectName(object: Node | undefined, type?: ObjectType): string {
  const list = nodeAs(object, 'List');
  if (list) {
    // `DROP TRIGGER tr ON t` arrives as [t, tr].
    if (type && TABLE_CHILD_TYPES.has(type)) return `${dottedName(list.items?.slice(-1))} ON ${tableOfChild(object)}`;
    return dottedName(list.items);
  }
  const names = nodeAs(object, 'TypeName')?.names ?? nodeAs(object, 'ObjectWithArgs')?.objname;
  return nodeAs(object, 'String')?.sval ?? dottedName(names);
}

/** Joins the words that are present. */
function words(...parts: (string | false | undefined | null | 0 | '')[]): string {
  return parts.filter(Boolean).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Positions

/** 1-based line and column of UTF-16 offsets; columns count characters (code points), as PostgreSQL does. */
class TextPositions {
  private readonly lineStarts = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  at(offset: number): Required<Pick<SourceLocation, 'line' | 'column'>> {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    const lineStart = this.lineStarts[low]!;
    return { line: low + 1, column: [...this.text.slice(lineStart, offset)].length + 1 };
  }
}
