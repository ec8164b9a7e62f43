// The relation locks a PostgreSQL statement takes, read off its parse tree by the lock levels the
// documentation gives (explicit-locking.html, and the per-subcommand notes of ALTER TABLE, which
// follow AlterTableGetLockLevel in tablecmds.c). Levels are those of PostgreSQL 13 and later.
//
// Only what the statement itself names can be known here: locks PostgreSQL takes on objects
// found through the catalogs (a dropped table's foreign-key partners, an index's table, a
// table's indexes) are not inferred. Relations the statement creates are left out: no other
// session can be waiting for them.
import type { AlterTableCmd, LockingClause, Node, RangeVar, SelectStmt } from 'libpg-query';
import type { InferredLock } from './statement.ts';
import type { NodeKind, NodeOf } from './postgres-parser.ts';
import {
  booleanOption,
  dottedName,
  listItems,
  listOf,
  nodeAs,
  nodeKind,
  rangeVarsIn,
  relationName,
  visitObjects,
} from './postgres-parser.ts';

/** PostgreSQL's table lock modes, weakest first (the numbering of `LOCK TABLE … IN … MODE`). */
export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

export function strongerLock(a: LockMode, b: LockMode): LockMode {
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

/** Locks of one statement: the strongest mode per relation, in order of first mention. */
class LockSet {
  private readonly modes = new Map<string, LockMode>();

  take(relation: string | RangeVar | undefined, mode: LockMode): void {
    if (relation === undefined) return;
    const name = typeof relation === 'string' ? relation : relationName(relation);
    if (name === '') return;
    const held = this.modes.get(name);
    this.modes.set(name, held ? strongerLock(held, mode) : mode);
  }

  list(): InferredLock[] {
    return [...this.modes].map(([relation, mode]) => ({ relation, mode }));
  }
}

/** The locks `statement` (one parse-tree statement node) takes; none for statements on no table. */
export function inferLocks(statement: Node): InferredLock[] {
  const locks = new LockSet();
  const kind = nodeKind(statement);
  const handler = HANDLERS[kind] as Handler<typeof kind> | undefined;
  handler?.(nodeAs(statement, kind)!, locks, statement);
  return locks.list();
}

type Handler<K extends NodeKind> = (stmt: NodeOf<K>, locks: LockSet, statement: Node) => void;

const query = (_: unknown, locks: LockSet, statement: Node) => takeQueryLocks(statement, locks);

const HANDLERS: { [K in NodeKind]?: Handler<K> } = {
  // SELECT … INTO creates its target: only what it reads is locked.
  SelectStmt: (stmt, locks) => takeQueryLocks({ SelectStmt: { ...stmt, intoClause: undefined } }, locks),
  InsertStmt: query,
  UpdateStmt: query,
  DeleteStmt: query,
  MergeStmt: query,
  ExplainStmt: (stmt, locks) => takeQueryLocks(stmt.query, locks),
  CreateTableAsStmt: (stmt, locks) => takeQueryLocks(stmt.query, locks),
  CopyStmt: (stmt, locks) => {
    locks.take(stmt.relation, stmt.is_from ? 'RowExclusiveLock' : 'AccessShareLock');
    takeQueryLocks(stmt.query, locks);
  },
  ViewStmt: (stmt, locks) => {
    // OR REPLACE swaps the rewrite rule of a view other sessions may be reading.
    if (stmt.replace) locks.take(stmt.view, 'AccessExclusiveLock');
    takeQueryLocks(stmt.query, locks);
  },
  RefreshMatViewStmt: (stmt, locks) =>
    locks.take(stmt.relation, stmt.concurrent ? 'ExclusiveLock' : 'AccessExclusiveLock'),

  IndexStmt: (stmt, locks) =>
    locks.take(stmt.relation, stmt.concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock'),
  ReindexStmt: (stmt, locks) => {
    if (booleanOption(stmt.params, 'concurrently')) locks.take(stmt.relation, 'ShareUpdateExclusiveLock');
    else if (stmt.kind === 'REINDEX_OBJECT_INDEX') locks.take(stmt.relation, 'AccessExclusiveLock');
    // REINDEX TABLE holds ShareLock on the table, but also AccessExclusiveLock on each index it
    // rebuilds, and the planner locks every index of a table: in practice reads wait too.
    else if (stmt.kind === 'REINDEX_OBJECT_TABLE') locks.take(stmt.relation, 'ShareLock');
  },
  ClusterStmt: (stmt, locks) => locks.take(stmt.relation, 'AccessExclusiveLock'),
  VacuumStmt: (stmt, locks) => {
    const full = stmt.is_vacuumcmd && booleanOption(stmt.options, 'full') === true;
    for (const rel of listOf(stmt.rels, 'VacuumRelation')) {
      locks.take(rel.relation, full ? 'AccessExclusiveLock' : 'ShareUpdateExclusiveLock');
    }
  },
  TruncateStmt: (stmt, locks) => {
    for (const rel of listOf(stmt.relations, 'RangeVar')) locks.take(rel, 'AccessExclusiveLock');
  },
  LockStmt: (stmt, locks) => {
    const mode = LOCK_MODES[(stmt.mode ?? 8) - 1] ?? 'AccessExclusiveLock';
    for (const rel of listOf(stmt.relations, 'RangeVar')) locks.take(rel, mode);
  },
  DropStmt: (stmt, locks) => {
    for (const object of stmt.objects ?? []) {
      const names = listItems(object);
      switch (stmt.removeType) {
        case 'OBJECT_INDEX':
          // The index's table is locked too, but only the catalog knows which table that is.
          locks.take(dottedName(names), stmt.concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock');
          break;
        case 'OBJECT_TABLE':
        case 'OBJECT_VIEW':
        case 'OBJECT_MATVIEW':
        case 'OBJECT_FOREIGN_TABLE':
        case 'OBJECT_SEQUENCE':
          locks.take(dottedName(names), 'AccessExclusiveLock');
          break;
        case 'OBJECT_TRIGGER':
        case 'OBJECT_RULE':
        case 'OBJECT_POLICY':
          // `DROP TRIGGER tr ON s.t` arrives as [s, t, tr]: the table is all but the last name.
          locks.take(dottedName(names.slice(0, -1)), 'AccessExclusiveLock');
          break;
      }
    }
  },
  CreateStmt: (stmt, locks) => {
    for (const parent of listOf(stmt.inhRelations, 'RangeVar')) {
      // A new partition changes the parent's partition descriptor; a new inheritance child only
      // its relhassubclass flag.
      locks.take(parent, stmt.partbound ? 'AccessExclusiveLock' : 'ShareUpdateExclusiveLock');
    }
    visitObjects(stmt.tableElts, (obj) => {
      const like = obj.TableLikeClause as { relation?: RangeVar } | undefined;
      if (like) locks.take(like.relation, 'AccessShareLock');
    });
    takeForeignKeyLocks(stmt, locks);
  },
  AlterTableStmt: (stmt, locks) => {
    for (const cmd of listOf(stmt.cmds, 'AlterTableCmd')) {
      locks.take(stmt.relation, alterTableCmdLock(cmd));
      takePartitionLocks(cmd, locks);
    }
    takeForeignKeyLocks(stmt, locks);
  },
  RenameStmt: (stmt, locks) =>
    // ALTER INDEX … RENAME changes no definition a running query depends on.
    locks.take(stmt.relation, stmt.renameType === 'OBJECT_INDEX' ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock'),
  AlterObjectSchemaStmt: (stmt, locks) => locks.take(stmt.relation, 'AccessExclusiveLock'),
  CreateTrigStmt: (stmt, locks) => locks.take(stmt.relation, 'ShareRowExclusiveLock'),
  CreatePolicyStmt: (stmt, locks) => locks.take(stmt.table, 'AccessExclusiveLock'),
  AlterPolicyStmt: (stmt, locks) => locks.take(stmt.table, 'AccessExclusiveLock'),
  RuleStmt: (stmt, locks) => locks.take(stmt.relation, 'AccessExclusiveLock'),
  AlterSeqStmt: (stmt, locks) => locks.take(stmt.sequence, 'ShareRowExclusiveLock'),
  CreateStatsStmt: (stmt, locks) => {
    for (const rel of listOf(stmt.relations, 'RangeVar')) locks.take(rel, 'ShareUpdateExclusiveLock');
  },
  CommentStmt: (stmt, locks) => {
    const names = listItems(stmt.object);
    if (stmt.objtype === 'OBJECT_COLUMN') locks.take(dottedName(names.slice(0, -1)), 'ShareUpdateExclusiveLock');
    else if (stmt.objtype && COMMENTABLE_RELATIONS.has(stmt.objtype)) locks.take(dottedName(names), 'ShareUpdateExclusiveLock');
  },
};

const COMMENTABLE_RELATIONS = new Set<string>([
  'OBJECT_TABLE',
  'OBJECT_INDEX',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_FOREIGN_TABLE',
  'OBJECT_SEQUENCE',
]);

/**
 * Reads and writes of a query, nested ones included (data-modifying CTEs, subqueries): the
 * targets of INSERT/UPDATE/DELETE/MERGE get RowExclusiveLock, rows locked by FOR UPDATE/SHARE
 * RowShareLock, every other table read AccessShareLock.
 */
function takeQueryLocks(tree: unknown, locks: LockSet): void {
  visitObjects(tree, (obj) => {
    for (const kind of ['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']) {
      const target = (obj[kind] as { relation?: RangeVar } | undefined)?.relation;
      locks.take(target, 'RowExclusiveLock');
    }
    const select = obj.SelectStmt as SelectStmt | undefined;
    for (const clause of select?.lockingClause ?? []) {
      takeRowLockingLocks(select!, nodeAs(clause, 'LockingClause')!, locks);
    }
  });
  for (const rv of rangeVarsIn(tree)) locks.take(rv, 'AccessShareLock');
}

/** `FOR UPDATE` locks rows of every table of the FROM list; `FOR UPDATE OF a` those of alias a. */
function takeRowLockingLocks(select: SelectStmt, clause: LockingClause, locks: LockSet): void {
  const named = new Set((clause.lockedRels ?? []).map((rel) => nodeAs(rel, 'RangeVar')?.relname));
  for (const rv of rangeVarsIn(select.fromClause)) {
    const referencedAs = rv.alias?.aliasname ?? rv.relname;
    if (named.size === 0 || named.has(referencedAs)) locks.take(rv, 'RowShareLock');
  }
}

/** A foreign key adds triggers to the referenced table, which needs the lock of CREATE TRIGGER. */
function takeForeignKeyLocks(stmt: unknown, locks: LockSet): void {
  visitObjects(stmt, (obj) => {
    if (obj.contype === 'CONSTR_FOREIGN') locks.take(obj.pktable as RangeVar | undefined, 'ShareRowExclusiveLock');
  });
}

/** ATTACH/DETACH PARTITION also lock the partition itself. */
function takePartitionLocks(cmd: AlterTableCmd, locks: LockSet): void {
  const partition = nodeAs(cmd.def, 'PartitionCmd');
  if (cmd.subtype === 'AT_AttachPartition') locks.take(partition?.name, 'AccessExclusiveLock');
  if (cmd.subtype === 'AT_DetachPartition') {
    locks.take(partition?.name, partition?.concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock');
  }
  if (cmd.subtype === 'AT_AddInherit') locks.take(nodeAs(cmd.def, 'RangeVar'), 'ShareUpdateExclusiveLock');
}

/** The lock one ALTER TABLE subcommand needs on the altered table (AlterTableGetLockLevel). */
function alterTableCmdLock(cmd: AlterTableCmd): LockMode {
  switch (cmd.subtype) {
    // Planner and maintenance settings that change no query result.
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
    case 'AT_ValidateConstraint':
    case 'AT_AttachPartition':
    case 'AT_DetachPartitionFinalize':
      return 'ShareUpdateExclusiveLock';
    case 'AT_DetachPartition':
      return nodeAs(cmd.def, 'PartitionCmd')?.concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock';
    // Triggers affect writes only.
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_EnableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrig':
    case 'AT_DisableTrigAll':
    case 'AT_DisableTrigUser':
      return 'ShareRowExclusiveLock';
    case 'AT_AddConstraint':
      // A foreign key (validated or NOT VALID) adds triggers: the lock of CREATE TRIGGER. Every
      // other constraint kind takes the strongest lock.
      return nodeAs(cmd.def, 'Constraint')?.contype === 'CONSTR_FOREIGN' ? 'ShareRowExclusiveLock' : 'AccessExclusiveLock';
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
      return relOptionsLock(listItems(cmd.def));
    default:
      return 'AccessExclusiveLock';
  }
}

/**
 * `SET (…)` on a table: fillfactor, parallel_workers and the toast, vacuum and autovacuum
 * parameters take ShareUpdateExclusiveLock; any other parameter AccessExclusiveLock.
 */
function relOptionsLock(options: Node[]): LockMode {
  const light = options.every((option) => {
    const def = nodeAs(option, 'DefElem');
    const name = def?.defname ?? '';
    return (
      def?.defnamespace === 'toast' ||
      LIGHT_RELOPTIONS.has(name) ||
      name.startsWith('autovacuum_') ||
      name.startsWith('vacuum_')
    );
  });
  return light ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock';
}

const LIGHT_RELOPTIONS = new Set(['fillfactor', 'parallel_workers', 'toast_tuple_target', 'log_autovacuum_min_duration']);
