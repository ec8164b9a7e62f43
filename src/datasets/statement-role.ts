// What a statement of a dataset script means for how it is run, read off the real parser's tree
// (libpg-query, PostgreSQL's own grammar). Only statements whose first word can matter are
// parsed: parsing costs about as much as the server takes to run a small INSERT, and a
// `--inserts` dump has millions of them.

import { loadModule, parseSync } from 'libpg-query';

export type StatementRole =
  /** Runs as part of a batch. */
  | { kind: 'plain' }
  /** `COPY … FROM STDIN`: the lines after it are its data. `textFormat`: one row per line. */
  | { kind: 'copy-from-stdin'; textFormat: boolean }
  /** `ALTER … OWNER TO`: skipped, as with pg_restore --no-owner (the roles need not exist here). */
  | { kind: 'ownership' }
  /** GRANT / REVOKE / ALTER DEFAULT PRIVILEGES: skipped, as with --no-privileges (same reason). */
  | { kind: 'privileges' }
  /** Cannot run inside a transaction block, or manages transactions itself. */
  | { kind: 'needs-autocommit'; reason: string }
  /** Reaches beyond the scratch database (roles, databases, server files…) or cannot be run faithfully: refused. */
  | { kind: 'refused'; reason: string };

/** First words of the statements that may be anything but `plain`. */
const WORDS_WORTH_PARSING = new Set([
  'copy', 'alter', 'grant', 'revoke', 'create', 'drop', 'comment', 'vacuum', 'reindex', 'cluster', 'discard',
  'begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release', 'prepare', 'do', 'call', 'set',
]);

let loading: Promise<void> | undefined;

/** libpg-query's WASM must be loaded once before `roleOf` is called. */
export function loadParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

export function roleOf(statement: { text: string; firstWord: string }): StatementRole {
  if (!WORDS_WORTH_PARSING.has(statement.firstWord)) return { kind: 'plain' };
  let node: Record<string, Node>;
  try {
    const tree = parseSync(statement.text) as unknown as { stmts?: { stmt: Record<string, Node> }[] };
    const only = tree.stmts?.length === 1 ? tree.stmts[0] : undefined;
    if (!only) return { kind: 'plain' };
    node = only.stmt;
  } catch {
    // The server will report the syntax error with its own words and SQLSTATE.
    return { kind: 'plain' };
  }
  const [type, fields] = Object.entries(node)[0] as [string, Node];
  return roleOfNode(type, fields);
}

/** A parse-tree node's fields, loosely typed: only the few read here are named. */
type Node = Record<string, any>;

function roleOfNode(type: string, n: Node): StatementRole {
  switch (type) {
    case 'CopyStmt':
      if (n.filename !== undefined || n.is_program) {
        return { kind: 'refused', reason: 'COPY with a server-side file or program reads or writes outside the scratch database' };
      }
      if (!n.is_from) return { kind: 'refused', reason: 'COPY … TO STDOUT has nowhere to write during a restore' };
      return { kind: 'copy-from-stdin', textFormat: copyFormat(n) === 'text' };
    case 'AlterOwnerStmt':
      return { kind: 'ownership' };
    case 'AlterTableStmt':
      return (n.cmds as Node[]).every((cmd) => cmd.AlterTableCmd?.subtype === 'AT_ChangeOwner') ? { kind: 'ownership' } : { kind: 'plain' };
    case 'GrantStmt':
    case 'GrantRoleStmt':
    case 'AlterDefaultPrivilegesStmt':
      return { kind: 'privileges' };
    case 'TransactionStmt':
      return { kind: 'needs-autocommit', reason: 'the script manages its own transactions' };
    case 'CallStmt':
      return { kind: 'needs-autocommit', reason: 'CALL may commit inside the procedure' };
    case 'DoStmt':
      return /\b(commit|rollback)\b/i.test(JSON.stringify(n.args ?? []))
        ? { kind: 'needs-autocommit', reason: 'a DO block commits or rolls back' }
        : { kind: 'plain' };
    case 'IndexStmt':
      return n.concurrent ? { kind: 'needs-autocommit', reason: 'CREATE INDEX CONCURRENTLY' } : { kind: 'plain' };
    case 'DropStmt':
      return n.concurrent ? { kind: 'needs-autocommit', reason: 'DROP INDEX CONCURRENTLY' } : { kind: 'plain' };
    case 'ReindexStmt':
      return (n.params as Node[] | undefined)?.some((p) => p.DefElem?.defname === 'concurrently') ||
        n.kind === 'REINDEX_OBJECT_SYSTEM' ||
        n.kind === 'REINDEX_OBJECT_DATABASE'
        ? { kind: 'needs-autocommit', reason: 'REINDEX CONCURRENTLY / SYSTEM / DATABASE' }
        : { kind: 'plain' };
    case 'VacuumStmt':
      return n.is_vacuumcmd ? { kind: 'needs-autocommit', reason: 'VACUUM' } : { kind: 'plain' };
    case 'ClusterStmt':
      return n.relation ? { kind: 'plain' } : { kind: 'needs-autocommit', reason: 'CLUSTER of every table' };
    case 'DiscardStmt':
      return n.target === 'DISCARD_ALL' ? { kind: 'needs-autocommit', reason: 'DISCARD ALL' } : { kind: 'plain' };
    case 'AlterEnumStmt':
      // Allowed in a transaction, but the new value is unusable until the transaction commits.
      return n.oldVal === undefined ? { kind: 'needs-autocommit', reason: 'ALTER TYPE … ADD VALUE' } : { kind: 'plain' };
    case 'CreateSubscriptionStmt':
    case 'AlterSubscriptionStmt':
    case 'DropSubscriptionStmt':
      return { kind: 'refused', reason: 'subscriptions connect to other servers' };
    case 'CreateRoleStmt':
    case 'AlterRoleStmt':
    case 'AlterRoleSetStmt':
    case 'DropRoleStmt':
      return { kind: 'refused', reason: 'roles belong to the whole server, not to the scratch database (create them on the server beforehand)' };
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterDatabaseStmt':
    case 'AlterDatabaseSetStmt':
    case 'AlterDatabaseRefreshCollStmt':
      return { kind: 'refused', reason: 'statements on databases reach beyond the scratch database' };
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'AlterTableSpaceOptionsStmt':
      return { kind: 'refused', reason: 'tablespaces belong to the whole server' };
    case 'AlterSystemStmt':
      return { kind: 'refused', reason: 'ALTER SYSTEM changes the whole server' };
    case 'VariableSetStmt': {
      if (n.kind !== 'VAR_SET_VALUE') return { kind: 'plain' };
      const constant = n.args?.[0]?.A_Const;
      // libpg-query leaves out zero values: `= 0` arrives as `ival: {}`.
      const value = String(constant?.sval?.sval ?? (constant?.ival ? (constant.ival.ival ?? 0) : '')).toLowerCase();
      // Scripts are read as UTF-8 and drivers speak UTF-8: another client encoding would garble text silently.
      if (n.name === 'client_encoding' && !isUtf8(value)) {
        return { kind: 'refused', reason: 'rehearse reads scripts as UTF-8 (dump with pg_dump --encoding=UTF8)' };
      }
      // The statement splitter reads quotes the modern way (backslash escapes only in E'…').
      if (n.name === 'standard_conforming_strings' && ['off', 'false', '0'].includes(value)) {
        return { kind: 'refused', reason: 'rehearse reads scripts with standard_conforming_strings on (the default since PostgreSQL 9.1)' };
      }
      return { kind: 'plain' };
    }
    case 'CommentStmt':
      return ['OBJECT_DATABASE', 'OBJECT_ROLE', 'OBJECT_TABLESPACE'].includes(n.objtype)
        ? { kind: 'refused', reason: 'comments on databases, roles and tablespaces belong to the whole server' }
        : { kind: 'plain' };
    default:
      return { kind: 'plain' };
  }
}

function copyFormat(n: Node): string {
  for (const option of (n.options as Node[] | undefined) ?? []) {
    const def = option.DefElem as Node | undefined;
    // The old spellings (`COPY … CSV`, `WITH BINARY`) parse to this option too.
    if (def?.defname === 'format') return String(def.arg?.String?.sval ?? 'text').toLowerCase();
  }
  return 'text';
}

function isUtf8(encoding: string): boolean {
  return ['utf8', 'unicode'].includes(encoding.replace(/[-_]/g, ''));
}
