// Small pieces of MySQL SQL text: quoting, and reading the DDL the server prints (SHOW CREATE …)
// so a database can be copied object by object.

/** Quotes an identifier with backticks (a backtick inside is doubled). */
export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * Quotes a string literal. Backslashes are refused rather than escaped: whether `\` escapes
 * depends on the server's sql_mode (NO_BACKSLASH_ESCAPES), and the only literals rehearse writes
 * itself (markers, names) never contain one.
 */
export function quoteLiteral(text: string): string {
  if (text.includes('\\')) throw new Error(`refusing to quote a literal containing a backslash: ${JSON.stringify(text)}`);
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The `DEFINER=user@host` clause removed from a CREATE VIEW / TRIGGER / PROCEDURE / FUNCTION, so
 * the copy is owned by the user rehearse connects as: naming another definer needs the SUPER
 * (MySQL: SET_USER_ID) privilege, which a CI user seldom has.
 */
export function withoutDefiner(createSql: string): string {
  const part = '(?:`(?:[^`]|``)*`|\'(?:[^\'\\\\]|\\\\.|\'\')*\'|[^\\s@`\']+)';
  return createSql.replace(new RegExp(`\\s+DEFINER\\s*=\\s*${part}(?:\\s*@\\s*${part})?`, 'i'), '');
}

/**
 * The FOREIGN KEY clauses of a `SHOW CREATE TABLE` text (`CONSTRAINT \`fk\` FOREIGN KEY (…)
 * REFERENCES \`t\` (…) ON DELETE …`). CREATE TABLE … LIKE copies everything but these, so a copy
 * re-adds them. The server prints one clause per line.
 */
export function foreignKeyClauses(createTableSql: string): string[] {
  const clauses: string[] = [];
  for (const line of createTableSql.split('\n')) {
    const match = /^\s*(CONSTRAINT\s+`(?:[^`]|``)*`\s+FOREIGN KEY\s.*?),?\s*$/.exec(line);
    if (match) clauses.push(match[1]!);
  }
  return clauses;
}

/** The table's next AUTO_INCREMENT value from its `SHOW CREATE TABLE` text, when it has one. */
export function autoIncrementOf(createTableSql: string): bigint | undefined {
  const tail = createTableSql.slice(createTableSql.lastIndexOf(')'));
  const match = /\bAUTO_INCREMENT=(\d+)/.exec(tail);
  return match ? BigInt(match[1]!) : undefined;
}

/**
 * The server prints views with every table qualified by its database (`\`src\`.\`t\``): a copy
 * in another database must point at its own tables, not the source's.
 */
export function requalified(sql: string, fromDatabase: string, toDatabase: string): string {
  return sql.replaceAll(`${quoteIdent(fromDatabase)}.`, `${quoteIdent(toDatabase)}.`);
}
