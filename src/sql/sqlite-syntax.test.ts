import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { checkSqliteSyntax } from './sqlite-syntax.ts';
import { splitSqliteFile } from './sqlite-split.ts';

const check = (sql: string) => checkSqliteSyntax([splitSqliteFile('migrations/0002_x.up.sql', sql)]);

describe('checkSqliteSyntax', () => {
  it('refuses a statement SQLite cannot parse, at its file, line and column', async () => {
    const error = await check('ALTER TABLE items ADD COLUMN price int;\n  SELEC 1;').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'SQL_SYNTAX', location: { file: 'migrations/0002_x.up.sql', line: 2, column: 3 } });
    expect((error as Error).message).toContain('near "SELEC": syntax error');
  });

  it('accepts statements that only name tables earlier migrations create', async () => {
    await expect(
      check('INSERT INTO items (id) VALUES (1);\nCREATE TRIGGER t AFTER INSERT ON items BEGIN UPDATE stock SET n = n - 1; END;\nCREATE INDEX i ON items (price);'),
    ).resolves.toBeUndefined();
  });
});
