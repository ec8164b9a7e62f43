import { describe, expect, test } from 'vitest';
import { StatementSplitter, type ScriptStatement } from './statement-splitter.ts';

function split(script: string): ScriptStatement[] {
  const splitter = new StatementSplitter();
  const statements = script.split('\n').flatMap((line, index) => splitter.feed(line, index + 1));
  const last = splitter.finish();
  return last ? [...statements, last] : statements;
}

const texts = (script: string) => split(script).map((s) => s.text);

describe('StatementSplitter', () => {
  test('cuts at semicolons and reports where each statement starts, comments before it excluded', () => {
    const statements = split('-- header\nSET a = 1; SET b = 2;\n\n  /* note */ CREATE TABLE t (\n  id int -- the key;\n);');
    expect(statements).toEqual([
      { text: 'SET a = 1', line: 2, column: 1, firstWord: 'set' },
      { text: 'SET b = 2', line: 2, column: 12, firstWord: 'set' },
      { text: 'CREATE TABLE t (\n  id int -- the key;\n)', line: 4, column: 14, firstWord: 'create' },
    ]);
  });

  test('semicolons inside strings, identifiers, comments and dollar quotes do not cut', () => {
    expect(
      texts(
        [
          `INSERT INTO t VALUES ('a;b', 'it''s;', E'\\';x', "semi;colon");`,
          `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$`,
          `BEGIN PERFORM 1; RETURN $$;$$; END`,
          `$body$;`,
          `/* a /* nested; */ comment; */ SELECT 1;`,
          `SELECT a$b$c FROM t WHERE x = $1;`,
        ].join('\n'),
      ),
    ).toEqual([
      `INSERT INTO t VALUES ('a;b', 'it''s;', E'\\';x', "semi;colon")`,
      `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN PERFORM 1; RETURN $$;$$; END\n$body$`,
      'SELECT 1',
      'SELECT a$b$c FROM t WHERE x = $1',
    ]);
  });

  test('a backslash ends a plain string only in E-strings (standard_conforming_strings)', () => {
    expect(texts(`SELECT 'C:\\'; SELECT 2;`)).toEqual([`SELECT 'C:\\'`, 'SELECT 2']);
  });

  test('SQL-standard function bodies (BEGIN ATOMIC … END) stay whole, as in psql', () => {
    const script = [
      'CREATE OR REPLACE FUNCTION public.add(a int, b int) RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT CASE WHEN a > 0 THEN a + b ELSE b END;',
      '  SELECT 1;',
      'END;',
      'SELECT 2;',
    ].join('\n');
    expect(texts(script)).toEqual([script.split('\nSELECT 2;')[0]!.slice(0, -1), 'SELECT 2']);
  });

  test('BEGIN as a transaction statement still ends at its semicolon', () => {
    expect(texts('BEGIN; CREATE TABLE t (a int); COMMIT;')).toEqual(['BEGIN', 'CREATE TABLE t (a int)', 'COMMIT']);
  });

  test('semicolons inside parentheses do not cut (CREATE RULE … DO (a; b))', () => {
    expect(texts('CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2));')).toHaveLength(1);
  });

  test('a last statement ending in a line comment keeps the newline that closes the comment', () => {
    expect(texts('SELECT 1;\nSELECT 2 -- the end\n\n')).toEqual(['SELECT 1', 'SELECT 2 -- the end\n']);
  });

  test('a last statement without semicolon is returned by finish()', () => {
    expect(split('SELECT 1;\nSELECT\n  2\n')).toEqual([
      { text: 'SELECT 1', line: 1, column: 1, firstWord: 'select' },
      { text: 'SELECT\n  2', line: 2, column: 1, firstWord: 'select' },
    ]);
  });

  test('idle and inCode tell a statement boundary and an open quote apart', () => {
    const splitter = new StatementSplitter();
    splitter.feed('SELECT 1;', 1);
    expect(splitter.idle).toBe(true);
    splitter.feed("INSERT INTO t VALUES ('multi", 2);
    expect(splitter.idle).toBe(false);
    expect(splitter.inCode).toBe(false);
    expect(splitter.feed("line');", 3)).toEqual([{ text: "INSERT INTO t VALUES ('multi\nline')", line: 2, column: 1, firstWord: 'insert' }]);
    expect(splitter.idle).toBe(true);
  });
});
