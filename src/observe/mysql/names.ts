// How rehearse names MySQL/MariaDB objects in evidence. A scratch database is the only schema a
// rehearsal uses, so a table is just `table`; an index, whose name is only unique within its
// table (every InnoDB table has a `PRIMARY`), is `table.index`.

export { quoteIdent } from '../../engines/mysql/sql-text.ts';
export { MARKER_TABLE } from '../../engines/mysql/scratch-marker.ts';

export function indexDisplayName(table: string, index: string): string {
  return `${table}.${index}`;
}

/**
 * Tables that are no user's: in-flight ALTER copies (`#sql-…`, `#sql2-…`, `#sql-ib…`) and InnoDB's
 * FULLTEXT auxiliary tables (`FTS_<table id>_…`).
 */
export function isInternalTable(name: string): boolean {
  return name.startsWith('#sql') || /^FTS_[0-9a-f]{16}_/i.test(name);
}

/**
 * InnoDB names tables `database/table` in its dictionary (INNODB_SYS_TABLES, INNODB_TABLES), in
 * MySQL's file-name encoding: letters, digits and `_` as they are, anything else as `@xxxx`
 * (its code point in hex, e.g. `my-table` → `my@002dtable`). Non-ASCII letters use shorter codes
 * too complex to be worth decoding here: such names come back undecoded (`null`), and the
 * observer then has no storage id for that table (it cannot see its rewrites).
 */
export function decodeInnodbName(encoded: string): { database: string; table: string } | null {
  const slash = encoded.indexOf('/');
  if (slash < 0) return null;
  const database = decodeFileName(encoded.slice(0, slash));
  const table = decodeFileName(encoded.slice(slash + 1));
  return database === null || table === null ? null : { database, table };
}

function decodeFileName(encoded: string): string | null {
  let decoded = '';
  for (let i = 0; i < encoded.length; i++) {
    const ch = encoded[i]!;
    if (ch !== '@') {
      decoded += ch;
      continue;
    }
    const hex = /^[0-9a-f]{4}/.exec(encoded.slice(i + 1));
    if (!hex) return null;
    decoded += String.fromCodePoint(parseInt(hex[0], 16));
    i += 4;
  }
  return decoded;
}
