// Splits a PostgreSQL migration file into statements with the real parser and says, for each,
// what it is, which tables it names, which locks it takes and whether it can run inside a
// transaction block — and from that, how the whole file must be run.
import type { Node, ObjectType } from 'libpg-query';
import { InputError, type SourceLocation } from '../errors.ts';
import type { ParsedSqlFile, SqlStatement, TransactionMode } from './statement.ts';
import { inferLocks } from './postgres-locks.ts';
import { summarize } from './postgres-summary.ts';
import {
  booleanOption,
  dottedName,
  tableOfChild,
  TABLE_CHILD_TYPES,
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
