// How the SQLite observer names things. SQLite compares identifiers case-insensitively, so the
// key of a table or index (the `oid` of evidence, which SQLite does not have) is its name in
// lower case; the name shown is the one stored in sqlite_schema.

/** Quotes an identifier for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The key evidence uses for a table or index (SQLite has no oids; names are unique per database). */
export function relationKey(name: string): string {
  return name.toLowerCase();
}

/** SQLite's own objects (sqlite_schema, sqlite_sequence, sqlite_stat1, …) are not the application's. */
export const USER_OBJECTS = `name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`;

/** `sqlite_autoindex_*` indexes back UNIQUE and PRIMARY KEY constraints: they are the table's, and do count. */
export const USER_OR_AUTOINDEX = `(${USER_OBJECTS} OR name LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\')`;
