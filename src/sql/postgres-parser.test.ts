import { beforeAll, describe, expect, it } from 'vitest';
import {
  booleanOption,
  loadPostgresParser,
  parsePostgres,
  PostgresSyntaxError,
  rangeVarsIn,
  relationName,
} from './postgres-parser.ts';

beforeAll(() => loadPostgresParser());

function texts(sql: string): string[] {
  return parsePostgres(sql).map((s) => sql.slice(s.start, s.end));
}

function syntaxErrorOffset(sql: string): number {
  try {
    parsePostgres(sql);
  } catch (error) {
    if (error instanceof PostgresSyntaxError) return error.offset;
    throw error;
  }
  throw new Error('expected a syntax error');
}

describe('parsePostgres', () => {
  it('gives no statements for empty, blank and comment-only text', () => {
    expect(parsePostgres('')).toEqual([]);
    expect(parsePostgres(' \n\t\n')).toEqual([]);
    expect(parsePostgres('-- nothing\n/* at /* all */ */\n;;\n')).toEqual([]);
  });

  it('maps UTF-8 byte offsets back to string offsets after multi-byte characters', () => {
    const sql = "SELECT 'é'; -- 😀 café\nSELECT '😀😀' AS x;\nSELECT 3";
    expect(texts(sql)).toEqual(["SELECT 'é'", "SELECT '😀😀' AS x", 'SELECT 3']);
  });

  it('trims comments and whitespace around a statement, and the last statement without a semicolon', () => {
    const sql = '/* lead */\n  -- more\n  SELECT 1 /* inner */ + 1  -- after\n; SELECT 2 -- trailing\n/* end */\n';
    expect(texts(sql)).toEqual(['SELECT 1 /* inner */ + 1', 'SELECT 2']);
  });

  it('keeps semicolons inside dollar-quoted bodies and strings', () => {
    const body = 'CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN PERFORM 1; RETURN 2; END $fn$ LANGUAGE plpgsql';
    expect(texts(`${body};\nSELECT ';' AS semi;`)).toEqual([body, "SELECT ';' AS semi"]);
  });

  it('names the node type of each statement', () => {
    expect(parsePostgres('BEGIN; ALTER TABLE t ADD c int; COMMIT').map((s) => s.kind)).toEqual([
      'TransactionStmt',
      'AlterTableStmt',
      'TransactionStmt',
    ]);
  });

  it('reports a syntax error at the string offset of the offending token', () => {
    const sql = "SELECT 'é😀';\n  SELEC 1";
    const offset = syntaxErrorOffset(sql);
    expect(sql.slice(offset)).toBe('SELEC 1');
  });

  it('reports an unexpected end of input at the end of the text', () => {
    const sql = 'SELECT 1 +';
    expect(syntaxErrorOffset(sql)).toBe(sql.length);
  });
});

describe('rangeVarsIn', () => {
  it('finds tables in joins, subqueries and CTE bodies but not CTE names or FOR UPDATE aliases', () => {
    const [stmt] = parsePostgres(
      'WITH recent AS (SELECT * FROM s.events) SELECT * FROM recent r JOIN users u ON u.id = r.uid ' +
        'WHERE EXISTS (SELECT 1 FROM bans b WHERE b.uid = u.id) FOR UPDATE OF u',
    );
    expect(rangeVarsIn(stmt!.node).map(relationName)).toEqual(['s.events', 'users', 'bans']);
  });
});

describe('booleanOption', () => {
  it('reads options written bare, with a boolean word or a number, and reports absent ones', () => {
    const [vacuum] = parsePostgres('VACUUM (FULL, ANALYZE false, VERBOSE 0, SKIP_LOCKED on) t');
    const options = (vacuum!.node as { VacuumStmt: { options: never[] } }).VacuumStmt.options;
    expect(booleanOption(options, 'full')).toBe(true);
    expect(booleanOption(options, 'analyze')).toBe(false);
    expect(booleanOption(options, 'verbose')).toBe(false);
    expect(booleanOption(options, 'skip_locked')).toBe(true);
    expect(booleanOption(options, 'freeze')).toBeUndefined();
  });
});
