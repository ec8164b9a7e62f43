// Short, readable descriptions of PostgreSQL statements for reports (`ALTER TABLE patches ADD
// COLUMN hash`, `CREATE INDEX CONCURRENTLY patches_date_idx ON patches`), built from the parse
// tree; the statement's own text, clipped, where no describer fits.
import type { AlterTableCmd, Constraint, Node, ObjectType } from 'libpg-query';
import { LOCK_MODES } from './postgres-locks.ts';
import { booleanOption, dottedName, listItems, listOf, nodeAs, nodeKind, relationName, tableOfChild, TABLE_CHILD_TYPES, type NodeKind, type NodeOf } from './postgres-parser.ts';

const SUMMARY_MAX = 100;
const FALLBACK_LENGTH = 60;

/** A short description for reports, built from the parse tree; the statement's text otherwise. */
export function summarize(node: Node, text: string): string {
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
