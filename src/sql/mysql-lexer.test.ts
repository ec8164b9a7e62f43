import { describe, expect, it } from 'vitest';
import { MysqlLexer, MysqlSyntaxError, mysqlTokens, splitMysqlText, type MysqlLexerOptions } from './mysql-lexer.ts';

/** [text, line, column] of every statement. */
function split(sql: string, options?: MysqlLexerOptions) {
  return splitMysqlText(sql, options).map((s) => [s.text, s.line, s.column]);
}

function texts(sql: string, options?: MysqlLexerOptions) {
  return splitMysqlText(sql, options).map((s) => s.text);
}

function syntaxError(sql: string, options?: MysqlLexerOptions): MysqlSyntaxError {
  try {
    splitMysqlText(sql, options);
  } catch (error) {
    if (error instanceof MysqlSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a MysqlSyntaxError for: ${sql}`);
}

/** The same text fed in chunks of `size` characters. */
function splitInChunks(sql: string, size: number) {
  const lexer = new MysqlLexer();
  const out = [];
  for (let i = 0; i < sql.length; i += size) out.push(...lexer.write(sql.slice(i, i + size)));
  out.push(...lexer.end());
  return out.map((s) => [s.text, s.line, s.column, s.delimiter]);
}

describe('MysqlLexer: statements and positions', () => {
  it('cuts at semicolons, leaving comments before a statement and the delimiter out', () => {
    const sql = "-- header\nSELECT 1;\n  SELECT 'a;b' ;  # trailing\n/* block\n comment */ INSERT INTO t VALUES (1);\n";
    expect(split(sql)).toEqual([
      ['SELECT 1', 2, 1],
      ["SELECT 'a;b'", 3, 3],
      ['INSERT INTO t VALUES (1)', 5, 13],
    ]);
  });

  it('counts columns in characters after multi-byte text', () => {
    const sql = "-- café ☕ 😀\nSELECT 'é'; SELECT '😀'; /* ü */ SELECT 3\n";
    expect(split(sql)).toEqual([
      ["SELECT 'é'", 2, 1],
      ["SELECT '😀'", 2, 13],
      ['SELECT 3', 2, 33],
    ]);
  });

  it('returns the last statement without a delimiter, as the client sends it', () => {
    const [last] = splitMysqlText('SELECT 1;\nSELECT 2\n\n').slice(1);
    expect(last).toMatchObject({ text: 'SELECT 2', line: 2, column: 1, delimiter: '' });
  });

  it('gives nothing for empty, blank and comment-only input, and ignores empty statements', () => {
    for (const sql of ['', '\n\n', '-- only\n# comments\n/* and\n more */\n', ';;\n ; \n']) expect(split(sql)).toEqual([]);
  });

  it('reads CRLF line endings, DELIMITER lines included', () => {
    expect(split('SELECT 1;\r\nSELECT\r\n 2;\r\n')).toEqual([
      ['SELECT 1', 1, 1],
      ['SELECT\r\n 2', 2, 1],
    ]);
    expect(split('DELIMITER $$\r\nSELECT 1; SELECT 2$$\r\nDELIMITER ;\r\nSELECT 3;\r\n')).toEqual([
      ['SELECT 1; SELECT 2', 2, 1],
      ['SELECT 3', 4, 1],
    ]);
  });

  it('skips a UTF-8 byte order mark at the start, as the client does', () => {
    expect(split('\uFEFFSELECT 1;')).toEqual([['SELECT 1', 1, 2]]);
  });
});

describe('MysqlLexer: quotes', () => {
  it('keeps delimiters inside single, double and backtick quotes, with doubled quotes and backslash escapes', () => {
    const sql = "SELECT \"a;b\", `c;d`, 'e''f;g', 'h\\';i', \"j\\\";k\", `l``;m`;SELECT 2;";
    expect(texts(sql)).toEqual(["SELECT \"a;b\", `c;d`, 'e''f;g', 'h\\';i', \"j\\\";k\", `l``;m`", 'SELECT 2']);
  });

  it('takes no backslash escapes in backtick-quoted identifiers', () => {
    expect(texts('SELECT `a\\`; SELECT 2;')).toEqual(['SELECT `a\\`', 'SELECT 2']);
  });

  it('takes a backslash as an ordinary character under NO_BACKSLASH_ESCAPES', () => {
    const sql = "SELECT 'x\\', 'y';";
    expect(split(sql, { noBackslashEscapes: true })).toEqual([["SELECT 'x\\', 'y'", 1, 1]]);
    // With escapes on, \' escapes the quote: the string ends at 'y and a new one opens at column 16.
    const error = syntaxError(sql);
    expect([error.line, error.column]).toEqual([1, 16]);
    expect(error.message).toBe("unterminated string: the ' opened here is never closed");
  });

  it('reads "…" as an identifier without backslash escapes under ANSI_QUOTES', () => {
    expect(texts('SELECT "a\\"; SELECT 2;', { ansiQuotes: true })).toEqual(['SELECT "a\\"', 'SELECT 2']);
    expect(texts('SELECT "a\\"; SELECT 2";')).toEqual(['SELECT "a\\"; SELECT 2"']);
  });

  it('carries a quote across lines, and a backslash before the newline', () => {
    expect(split("SELECT 'line1;\nline2\\\n;';\nSELECT 2;")).toEqual([
      ["SELECT 'line1;\nline2\\\n;'", 1, 1],
      ['SELECT 2', 4, 1],
    ]);
  });

  it('ignores comment markers inside quotes', () => {
    expect(texts("SELECT '/*', '#', '-- ', \"*/\";SELECT 2;")).toEqual(["SELECT '/*', '#', '-- ', \"*/\"", 'SELECT 2']);
  });
});

describe('MysqlLexer: comments', () => {
  it('runs # and "-- " comments to the end of the line, delimiters and all', () => {
    expect(texts('SELECT 1 # c;\n;')).toEqual(['SELECT 1 # c;']);
    expect(texts('SELECT 1 -- c;\n, 2;')).toEqual(['SELECT 1 -- c;\n, 2']);
    expect(texts('SELECT 1 --\tc;\n;')).toEqual(['SELECT 1 --\tc;']);
    expect(texts('SELECT 1 --\n;')).toEqual(['SELECT 1 --']);
  });

  it('reads --x inside a statement as two minus signs, not a comment', () => {
    expect(texts('SELECT 5--x;SELECT 5--1;')).toEqual(['SELECT 5--x', 'SELECT 5--1']);
  });

  it('takes --x between statements for a comment, as the MariaDB client does', () => {
    expect(split('--x;\nSELECT 1;')).toEqual([['SELECT 1', 2, 1]]);
  });

  it('keeps delimiters and quotes inside /* … */ comments, which do not nest', () => {
    expect(texts("SELECT /* ; ' /* */ 1;")).toEqual(["SELECT /* ; ' /* */ 1"]);
    expect(split('/*\nDELIMITER $$\n*/SELECT 1;')).toEqual([['SELECT 1', 3, 3]]);
  });

  it('does not cut inside an optimizer hint', () => {
    expect(texts('SELECT /*+ BKA(t) ; */ 1;')).toEqual(['SELECT /*+ BKA(t) ; */ 1']);
  });
});

describe('MysqlLexer: executable comments', () => {
  it("keeps mysqldump's /*!NNNNN … */ headers as statements, starting at the comment", () => {
    const sql = '/*!40101 SET NAMES utf8mb4 */;\n/*!40014 SET FOREIGN_KEY_CHECKS=0 */;\n/* c */ /*!40000 ALTER TABLE `t` DISABLE KEYS */;\n';
    expect(split(sql)).toEqual([
      ['/*!40101 SET NAMES utf8mb4 */', 1, 1],
      ['/*!40014 SET FOREIGN_KEY_CHECKS=0 */', 2, 1],
      ['/*!40000 ALTER TABLE `t` DISABLE KEYS */', 3, 9],
    ]);
  });

  it("reads MariaDB's /*M! … */ and unversioned /*! … */ as code, quotes included", () => {
    expect(texts("/*M!100101 SET @x = ';' */;/*! SELECT 1 /* ; */ */;")).toEqual(["/*M!100101 SET @x = ';' */", '/*! SELECT 1 /* ; */ */']);
  });

  it("skips MariaDB's /*M!999999\\- enable the sandbox mode */ dump header, which no server runs", () => {
    const sql = '/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\n';
    expect(split(sql)).toEqual([['/*!40101 SET NAMES utf8mb4 */', 3, 1]]);
  });

  it('treats a comment versioned above the given server version as a comment', () => {
    const sql = '/*!80023 SELECT 1 */;\nSELECT 2;';
    expect(split(sql, { serverVersion: 50744 })).toEqual([['SELECT 2', 2, 1]]);
    expect(split(sql, { serverVersion: 80023 })).toEqual([
      ['/*!80023 SELECT 1 */', 1, 1],
      ['SELECT 2', 2, 1],
    ]);
  });

  it('reports a delimiter inside an executable comment, which leaves the server an unparsable statement', () => {
    const error = syntaxError('SELECT 0;\n  /*!50003 CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END */;');
    expect([error.line, error.column]).toEqual([2, 3]);
    expect(error.message).toMatch(/^the statement ends \(at its delimiter ;\) inside the executable comment opened at line 2, column 3/);
  });
});

describe('MysqlLexer: DELIMITER', () => {
  it('switches the delimiter for a trigger body and back, any case, never as a statement', () => {
    const trigger = ['CREATE TRIGGER trg BEFORE INSERT ON orders', 'FOR EACH ROW BEGIN', "  SET NEW.note = CONCAT(NEW.note, ';');", 'END'].join('\n');
    const sql = `DELIMITER $$\n${trigger}$$\n  delimiter ;\nSELECT 1;\n`;
    expect(splitInChunks(sql, sql.length)).toEqual([
      [trigger, 2, 1, '$$'],
      ['SELECT 1', 7, 1, ';'],
    ]);
  });

  it("follows mysqldump's DELIMITER ;; around triggers and routines", () => {
    const trigger = "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER t BEFORE INSERT ON o FOR EACH ROW BEGIN SET NEW.a = ';'; SET NEW.b = 2; END */";
    const lexer = new MysqlLexer();
    const statements = [...lexer.write(`DELIMITER ;;\n${trigger};;\nDELIMITER ;\nSELECT 1;\n`), ...lexer.end()];
    expect(statements.map((s) => [s.text, s.line, s.delimiter])).toEqual([
      [trigger, 2, ';;'],
      ['SELECT 1', 4, ';'],
    ]);
    expect(lexer.delimiter).toBe(';');
  });

  it('takes a quoted delimiter, and one like // that starts like a comment', () => {
    expect(texts("DELIMITER '$$'\nSELECT 1$$ SELECT 2$$")).toEqual(['SELECT 1', 'SELECT 2']);
    expect(texts('DELIMITER //\nSELECT 1 // SELECT 2;3//')).toEqual(['SELECT 1', 'SELECT 2;3']);
  });

  it('is text, not a command, inside a pending statement', () => {
    expect(texts('SELECT 1\nDELIMITER $$\n;')).toEqual(['SELECT 1\nDELIMITER $$']);
  });

  it('refuses DELIMITER without an argument, or with a backslash', () => {
    const missing = syntaxError('SELECT 1;\n  DELIMITER   \n');
    expect([missing.line, missing.column, missing.message]).toEqual([2, 3, "DELIMITER must be followed by a 'delimiter' character or string"]);
    expect(syntaxError('DELIMITER \\\\\n').message).toBe('DELIMITER cannot contain a backslash character');
  });
});

describe('MysqlLexer: streaming', () => {
  const script = [
    '/*!40101 SET NAMES utf8mb4 */;',
    "INSERT INTO `t` VALUES (1,'O\\'Brien; \"x\"'),(2,'back\\\\slash\\nnew line'),(3,'semi;colon -- not a comment /* nor */ # this');",
    'DELIMITER ;;',
    "CREATE PROCEDURE p() BEGIN SELECT ';'; -- a comment; here",
    'END ;;',
    'DELIMITER ;',
    "SELECT 'café 😀', `a``b` -- done",
    ';',
  ].join('\n');

  it('splits the same in chunks of any size as whole', () => {
    const whole = splitInChunks(script, script.length);
    expect(whole.map((s) => s.slice(1, 4))).toEqual([
      [1, 1, ';'],
      [2, 1, ';'],
      [4, 1, ';;'],
      [7, 1, ';'],
    ]);
    for (let size = 1; size <= 17; size++) expect(splitInChunks(script, size)).toEqual(whole);
  });

  it('streams a 50,000-row extended INSERT in small chunks', () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `(${i},'it''s; row ${i}','a\\'b;c',NULL)`);
    const insert = `INSERT INTO \`big\` VALUES ${rows.join(',')}`;
    const sql = `SELECT 0;\n${insert};\nUNLOCK TABLES;\n`;
    const lexer = new MysqlLexer();
    const statements = [];
    let largestBatch = 0;
    for (let i = 0; i < sql.length; i += 1000) {
      const done = lexer.write(sql.slice(i, i + 1000));
      largestBatch = Math.max(largestBatch, done.length);
      statements.push(...done);
    }
    statements.push(...lexer.end());
    expect(statements.map((s) => [s.text.length, s.line, s.column])).toEqual([
      [8, 1, 1],
      [insert.length, 2, 1],
      [13, 3, 1],
    ]);
    expect(statements[1]!.text).toBe(insert);
    expect(largestBatch).toBe(2);
  });

  it('refuses a statement that runs on past the limit (a quote left open)', () => {
    const lexer = new MysqlLexer({ maxStatementLength: 1000 });
    lexer.write("SELECT 1;\nINSERT INTO t VALUES ('never closed;\n");
    const error = (() => {
      try {
        for (let i = 0; i < 100; i++) lexer.write(`${'x'.repeat(50)};\n`);
      } catch (e) {
        return e as MysqlSyntaxError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(MysqlSyntaxError);
    expect([error.line, error.column]).toEqual([2, 1]);
    expect(error.message).toMatch(/runs on for over/);
  });
});

describe('MysqlLexer: errors at the end of the input', () => {
  it('names where an unterminated string, identifier or comment opened', () => {
    const string = syntaxError("SELECT 1;\nSELECT 'abc;\n");
    expect([string.line, string.column, string.message]).toEqual([2, 8, "unterminated string: the ' opened here is never closed"]);
    const identifier = syntaxError('SELECT `abc;');
    expect([identifier.line, identifier.column, identifier.message]).toEqual([1, 8, 'unterminated quoted identifier: the ` opened here is never closed']);
    const comment = syntaxError('SELECT 1; /* never\n closed');
    expect([comment.line, comment.column, comment.message]).toEqual([1, 11, 'unterminated comment: the /* opened here is never closed']);
  });

  it('reports an executable comment left open at the end', () => {
    const error = syntaxError('SELECT 1;\n/*!40101 SET NAMES utf8mb4');
    expect([error.line, error.column]).toEqual([2, 1]);
    expect(error.message).toMatch(/inside the executable comment opened at line 2, column 1/);
  });
});

describe('MysqlLexer: sql_mode', () => {
  it("follows SET sql_mode as the client follows the server's flags, restoring a saved mode", () => {
    const sql = [
      'SET @saved_sql_mode = @@sql_mode;',
      "/*!50003 SET sql_mode = 'STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES' */;",
      "SELECT 'C:\\';",
      'SET sql_mode = @saved_sql_mode;',
      "SELECT 'it\\'s;';",
    ].join('\n');
    const statements = splitMysqlText(sql);
    expect(statements.map((s) => [s.text, s.quoting.noBackslashEscapes])).toEqual([
      ['SET @saved_sql_mode = @@sql_mode', false],
      ["/*!50003 SET sql_mode = 'STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES' */", false],
      ["SELECT 'C:\\'", true],
      ['SET sql_mode = @saved_sql_mode', true],
      ["SELECT 'it\\'s;'", false],
    ]);
  });

  it('turns ANSI quotes on with ANSI and back with DEFAULT; a GLOBAL sql_mode leaves the session alone', () => {
    expect(texts("SET SESSION sql_mode = 'ANSI';\nSELECT \"a\\\";\nSET sql_mode = DEFAULT;\nSELECT \"b\\\";\";")).toEqual([
      "SET SESSION sql_mode = 'ANSI'",
      'SELECT "a\\"',
      'SET sql_mode = DEFAULT',
      'SELECT "b\\";"',
    ]);
    expect(texts("SET GLOBAL sql_mode = 'NO_BACKSLASH_ESCAPES';\nSELECT 'a\\';b';")).toEqual([
      "SET GLOBAL sql_mode = 'NO_BACKSLASH_ESCAPES'",
      "SELECT 'a\\';b'",
    ]);
  });
});

describe('mysqlTokens', () => {
  it('reads words, names, strings, numbers and variables, executable comments unwrapped and comments dropped', () => {
    const tokens = mysqlTokens("/*!40101 SET @a = @@GLOBAL.x, `b``c` = 'd''e\\n' */ -- c\n# d\n 42 0x1F /*M!999999 gone */ _utf8mb4'x'");
    expect(tokens.map((t) => [t.type, t.value])).toEqual([
      ['word', 'SET'],
      ['variable', '@a'],
      ['punct', '='],
      ['variable', '@@GLOBAL.x'],
      ['punct', ','],
      ['ident', 'b`c'],
      ['punct', '='],
      ['string', "d'e\n"],
      ['number', '42'],
      ['number', '0x1F'],
      ['word', '_utf8mb4'],
      ['string', 'x'],
    ]);
  });

  it('gives offsets into the text, and stops at the limit', () => {
    const text = "CREATE DEFINER=`root`@'%' VIEW v AS SELECT 1";
    const tokens = mysqlTokens(text, {}, 5);
    expect(tokens.map((t) => text.slice(t.start, t.end))).toEqual(['CREATE', 'DEFINER', '=', '`root`', "@'%'"]);
  });

  it('reads "…" as a string, or as a name under ANSI_QUOTES', () => {
    expect(mysqlTokens('"a"')[0]!.type).toBe('string');
    expect(mysqlTokens('"a"', { ansiQuotes: true })[0]!.type).toBe('ident');
  });
});
