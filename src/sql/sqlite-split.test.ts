import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { describeSqliteScript, normalizeSqliteSql, splitSqliteFile, sqliteBlockedBy } from './sqlite-split.ts';

function one(sql: string) {
  const file = splitSqliteFile('one.sql', sql);
  if (file.statements.length !== 1) throw new Error(`expected one statement in: ${sql}, got ${file.statements.length}`);
  return file.statements[0]!;
}

function syntaxError(sql: string): InputError {
  try {
    splitSqliteFile('migrations/0002_bad.up.sql', sql);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('splitSqliteFile: statements and positions', () => {
  it('gives zero statements for empty and comment-only files', () => {
    for (const sql of ['', '\n;\n;;', '-- only a comment\n/* and\n another */\n']) {
      const file = splitSqliteFile('empty.sql', sql);
      expect(file.statements).toEqual([]);
      expect(file.transactionMode).toBe('per-file');
    }
  });

  it('cuts at semicolons outside quotes, identifiers and comments', () => {
    const sql = [
      "INSERT INTO t (a) VALUES ('x;y'); -- a comment; with a semicolon",
      'UPDATE "odd;name" SET `b;` = [c;d] /* ; */ WHERE e = \'it\'\';s\';',
      "SELECT x'00ff', 1e+5, :p, ?2",
    ].join('\n');
    const file = splitSqliteFile('m.sql', sql);
    expect(file.statements.map((s) => [s.sql, s.line, s.column])).toEqual([
      ["INSERT INTO t (a) VALUES ('x;y')", 1, 1],
      ["UPDATE \"odd;name\" SET `b;` = [c;d] /* ; */ WHERE e = 'it'';s'", 2, 1],
      ["SELECT x'00ff', 1e+5, :p, ?2", 3, 1],
    ]);
    expect(file.statements[1]!.tables).toEqual(['odd;name']);
  });

  it('leaves comments before a statement out of its text and position, and counts columns in characters', () => {
    const sql = "-- café ☕ 😀\n/* multi\n   line */   ALTER TABLE patches ADD COLUMN hash TEXT ;  -- why\nSELECT '😀'; SELECT 3\n";
    const file = splitSqliteFile('m.sql', sql);
    expect(file.statements.map((s) => [s.sql, s.line, s.column])).toEqual([
      ['ALTER TABLE patches ADD COLUMN hash TEXT', 3, 14],
      ["SELECT '😀'", 4, 1],
      ['SELECT 3', 4, 13],
    ]);
  });

  it('keeps a CREATE TRIGGER body whole, with CASE … END inside it and END as a column name', () => {
    const trigger = [
      'CREATE TEMP TRIGGER IF NOT EXISTS audit AFTER UPDATE OF status ON orders',
      'FOR EACH ROW WHEN (CASE WHEN new.status = 1 THEN 1 ELSE 0 END) = 1',
      'BEGIN',
      "  INSERT INTO log (msg) VALUES ('changed; really');",
      '  UPDATE totals SET n = CASE WHEN n IS NULL THEN 1 ELSE CASE n WHEN 0 THEN 1 ELSE n + 1 END END;',
      '  UPDATE spans SET end = 1;',
      'END',
    ].join('\n');
    const file = splitSqliteFile('t.sql', `${trigger};\nDROP TABLE x;\n`);
    expect(file.statements.map((s) => [s.sql, s.line, s.kind])).toEqual([
      [trigger, 1, 'CreateTrigStmt'],
      ['DROP TABLE x', 8, 'DropStmt'],
    ]);
    expect(file.statements[0]!.summary).toBe('CREATE TRIGGER audit ON orders');
    expect(file.statements[0]!.tables).toEqual(['orders']);
  });

  it('keeps the body of a trigger that ends the file without a semicolon', () => {
    const file = splitSqliteFile('t.sql', 'CREATE TRIGGER t1 BEFORE DELETE ON a BEGIN DELETE FROM b WHERE b.a = old.id; END');
    expect(file.statements).toHaveLength(1);
  });
});

describe('splitSqliteFile: syntax errors at file:line:column', () => {
  it('reports an unterminated string where it starts', () => {
    const error = syntaxError("CREATE TABLE tags (id INTEGER);\n-- é 😀\n  INSERT INTO tags VALUES ('😀 open;\n");
    expect(error.code).toBe('SQL_SYNTAX');
    expect(error.location).toEqual({ file: 'migrations/0002_bad.up.sql', line: 3, column: 28 });
    expect(error.message).toBe('migrations/0002_bad.up.sql:3:28: unterminated string literal');
  });

  it('reports unterminated quoted identifiers and comments', () => {
    expect(syntaxError('SELECT "a FROM t').location).toMatchObject({ line: 1, column: 8 });
    expect(syntaxError('SELECT [a FROM t').message).toContain('unterminated quoted identifier [');
    const comment = syntaxError('SELECT 1;\n  /* never closed\nDROP TABLE t;');
    expect(comment.location).toMatchObject({ line: 2, column: 3 });
    expect(comment.message).toContain('SQLite would silently ignore the rest of the file');
  });

  it('reports a trigger whose body never ends', () => {
    const error = syntaxError('SELECT 1;\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  DELETE FROM b;\n');
    expect(error.location).toMatchObject({ line: 2, column: 1 });
    expect(error.message).toContain('CREATE TRIGGER without the END');
  });
});

describe('splitSqliteFile: what each statement is', () => {
  it.each([
    ['CREATE TABLE IF NOT EXISTS main.Users (id INTEGER PRIMARY KEY, org INT REFERENCES orgs(id))', 'CreateStmt', 'CREATE TABLE users', ['users', 'orgs'], ['users']],
    ['CREATE TABLE "Copy" AS SELECT * FROM src JOIN other o ON o.id = src.id', 'CreateTableAsStmt', 'CREATE TABLE Copy AS', ['Copy', 'src', 'other'], ['Copy']],
    ['CREATE VIRTUAL TABLE docs USING fts5(body)', 'CreateStmt', 'CREATE VIRTUAL TABLE docs USING fts5', ['docs'], ['docs']],
    ['CREATE UNIQUE INDEX IF NOT EXISTS u_email ON users (lower(email))', 'IndexStmt', 'CREATE UNIQUE INDEX u_email ON users', ['users'], ['users']],
    ['CREATE VIEW v AS SELECT a FROM t1, t2 AS x, (SELECT 1) s, json_each(t1.j) WHERE 1', 'ViewStmt', 'CREATE VIEW v', ['v', 't1', 't2'], ['v']],
    ['DROP TABLE IF EXISTS old', 'DropStmt', 'DROP TABLE old', ['old'], ['old']],
    ['DROP INDEX idx', 'DropStmt', 'DROP INDEX idx', ['idx'], ['idx']],
    ['DROP TRIGGER tr', 'DropStmt', 'DROP TRIGGER tr', [], []],
    ['ALTER TABLE new_parent RENAME TO parent', 'RenameStmt', 'ALTER TABLE new_parent RENAME TO parent', ['new_parent', 'parent'], ['new_parent']],
    ['ALTER TABLE t RENAME COLUMN a TO b', 'RenameStmt', 'ALTER TABLE t RENAME COLUMN a TO b', ['t'], ['t']],
    ['ALTER TABLE t ADD COLUMN p INT REFERENCES parents(id)', 'AlterTableStmt', 'ALTER TABLE t ADD COLUMN p', ['t', 'parents'], ['t']],
    ['ALTER TABLE t DROP c', 'AlterTableStmt', 'ALTER TABLE t DROP COLUMN c', ['t'], ['t']],
    ['INSERT OR REPLACE INTO t (a) SELECT a FROM s', 'InsertStmt', 'INSERT OR REPLACE INTO t', ['t', 's'], ['t']],
    ['REPLACE INTO t VALUES (1)', 'InsertStmt', 'REPLACE INTO t', ['t'], ['t']],
    ['WITH RECURSIVE src(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM src), x AS (SELECT * FROM base) INSERT INTO t SELECT n FROM src, x', 'InsertStmt', 'INSERT INTO t', ['t', 'base'], ['t']],
    ['UPDATE OR IGNORE t SET a = (SELECT max(b) FROM u) FROM v WHERE t.id = v.id', 'UpdateStmt', 'UPDATE t', ['t', 'u', 'v'], ['t']],
    ['DELETE FROM t WHERE a IS NOT DISTINCT FROM b', 'DeleteStmt', 'DELETE FROM t', ['t'], ['t']],
    ["SELECT count(*) FROM users WHERE email = 'secret@example.com'", 'SelectStmt', 'SELECT … FROM users', ['users'], []],
    ['BEGIN IMMEDIATE TRANSACTION', 'TransactionStmt', 'BEGIN IMMEDIATE TRANSACTION', [], []],
    ['PRAGMA foreign_keys = off', 'PragmaStmt', 'PRAGMA foreign_keys = OFF', [], []],
    ["PRAGMA main.key = 'passphrase'", 'PragmaStmt', 'PRAGMA key = ?', [], []],
    ['PRAGMA foreign_key_check(child)', 'PragmaStmt', 'PRAGMA foreign_key_check(child)', [], []],
    ['VACUUM', 'VacuumStmt', 'VACUUM', [], []],
    ['ANALYZE t', 'VacuumStmt', 'ANALYZE t', ['t'], []],
    ['REINDEX t_idx', 'ReindexStmt', 'REINDEX t_idx', ['t_idx'], ['t_idx']],
    ["EXPLAIN QUERY PLAN SELECT * FROM t", 'ExplainStmt', 'EXPLAIN SELECT … FROM t', ['t'], []],
    ["SELECT 1 = 1; ATTACH 'x.db' AS x", 'SelectStmt', 'SELECT', [], []],
  ])('%s', (sql, kind, summary, tables, written) => {
    const statement = splitSqliteFile('k.sql', sql).statements[0]!;
    expect({ kind: statement.kind, summary: statement.summary, tables: statement.tables }).toEqual({ kind, summary, tables });
    expect(statement.inferredLocks).toEqual((written as string[]).map((relation) => ({ relation, mode: 'SQLITE_RESERVED' })));
  });

  it('never puts data values into the summary of a statement it does not describe', () => {
    const statement = one("SAVEPOINT x; INSERT INTO t VALUES (1)".split(';')[0]!);
    expect(statement.summary).toBe('SAVEPOINT x');
    expect(one("SELECT 'secret', 42, x'ff' UNION SELECT 1").summary).toBe('SELECT');
    expect(describeSqliteScript("FROB 'secret' 42")[0]!.summary).toBe('FROB ? ?');
  });

  it('marks transaction control, and what cannot take effect inside a transaction', () => {
    const flags = (sql: string) => {
      const s = one(sql);
      return [s.transactionControl, s.nonTransactional];
    };
    expect(flags('COMMIT')).toEqual([true, false]);
    expect(flags('ROLLBACK TO sp')).toEqual([true, false]);
    expect(flags('VACUUM')).toEqual([false, true]);
    expect(flags("VACUUM INTO 'copy.db'")).toEqual([false, true]);
    expect(flags('PRAGMA foreign_keys = OFF')).toEqual([false, true]);
    expect(flags('PRAGMA journal_mode = WAL')).toEqual([false, true]);
    expect(flags('PRAGMA foreign_keys')).toEqual([false, false]);
    expect(flags('PRAGMA defer_foreign_keys = ON')).toEqual([false, false]);
    expect(flags("ATTACH 'other.db' AS other")).toEqual([false, true]);
  });
});

describe('splitSqliteFile: how golang-migrate runs the file', () => {
  const twelveStep = [
    'PRAGMA foreign_keys = OFF;',
    'BEGIN;',
    'CREATE TABLE new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);',
    'INSERT INTO new_parent SELECT id, name FROM parent;',
    'DROP TABLE parent;',
    'ALTER TABLE new_parent RENAME TO parent;',
    'PRAGMA foreign_key_check;',
    'COMMIT;',
    'PRAGMA foreign_keys = ON;',
  ].join('\n');

  it('wraps a file in one transaction, as the sqlite3 driver does by default', () => {
    expect(splitSqliteFile('a.sql', 'CREATE TABLE a (id INT); CREATE INDEX ai ON a (id);')).toMatchObject({ transactionMode: 'per-file' });
  });

  it('keeps the wrapping when a statement cannot take effect in it, and says why', () => {
    const file = splitSqliteFile('a.sql', 'PRAGMA foreign_keys = OFF;\nDROP TABLE parent;');
    expect(file.transactionMode).toBe('per-file');
    expect(file.transactionModeReason).toContain('statement 1 (PRAGMA foreign_keys = OFF) cannot take effect inside the transaction');
  });

  it('runs a file with its own BEGIN/COMMIT as written, and notes it needs x-no-tx-wrap', () => {
    const file = splitSqliteFile('a.sql', twelveStep);
    expect(file.transactionMode).toBe('file-managed');
    expect(file.transactionModeReason).toContain('x-no-tx-wrap=true');
    expect(file.statements.map((s) => s.kind)).toEqual([
      'PragmaStmt',
      'TransactionStmt',
      'CreateStmt',
      'InsertStmt',
      'DropStmt',
      'RenameStmt',
      'PragmaStmt',
      'TransactionStmt',
      'PragmaStmt',
    ]);
  });

  it('runs statements in autocommit with x-no-tx-wrap, or when the file opts out', () => {
    expect(splitSqliteFile('a.sql', 'DROP TABLE a;', { noTxWrap: true }).transactionMode).toBe('none');
    expect(splitSqliteFile('a.sql', twelveStep, { noTxWrap: true }).transactionModeReason).toBe('the file has its own BEGIN/COMMIT');
    expect(splitSqliteFile('a.sql', '-- rehearse:no-transaction\nVACUUM;').transactionMode).toBe('none');
  });
});

describe('sqliteBlockedBy and normalizeSqliteSql', () => {
  it('says the write lock blocks writers only, EXCLUSIVE readers too', () => {
    expect(sqliteBlockedBy('SQLITE_RESERVED')).toEqual({ reads: false, writes: true });
    expect(sqliteBlockedBy('SQLITE_EXCLUSIVE')).toEqual({ reads: true, writes: true });
    expect(sqliteBlockedBy('AccessExclusiveLock')).toEqual({ reads: false, writes: false });
  });

  it('drops comments and evens out whitespace, keeping quoted text', () => {
    expect(normalizeSqliteSql("CREATE  INDEX i\n  ON t ( a ,b ) -- why\n WHERE c = 'x  y'")).toBe("CREATE INDEX i ON t (a, b) WHERE c = 'x  y'");
  });
});
