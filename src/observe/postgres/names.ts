// How rehearse names PostgreSQL relations in evidence: bare in the public schema (as migrations
// usually write them), schema-qualified elsewhere. Identifiers are shown as PostgreSQL stores them.

export function displayName(schema: string, relation: string): string {
  return schema === 'public' ? relation : `${schema}.${relation}`;
}

/** Quotes an identifier for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualified(schema: string, relation: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(relation)}`;
}

/** Schemas that hold no user data: catalogs, TOAST and temporary schemas. */
export const USER_SCHEMA_FILTER = `n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

export const RELATION_KINDS: Record<string, 'table' | 'index' | 'sequence' | 'view' | 'materialized view' | 'other'> = {
  r: 'table',
  p: 'table',
  i: 'index',
  I: 'index',
  S: 'sequence',
  v: 'view',
  m: 'materialized view',
};

/**
 * The table a relation belongs to, for evidence: an index belongs to its table, and a partition
 * (or a partition's index) to the root of its partition tree — a migration that alters a
 * partitioned table locks every partition, and that is one table to the application.
 * Expects `c` (the relation) and `i` (its pg_index row, if an index) in scope.
 */
export const OWNING_TABLE = `coalesce(pg_partition_root(coalesce(i.indrelid, c.oid)), coalesce(i.indrelid, c.oid))`;
