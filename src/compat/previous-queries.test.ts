import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEveryEngine } from '../../test/helpers/engines.ts';
import type { Dialect, Engine, ScratchDatabase, Session } from '../engines/engine.ts';
import { InputError } from '../errors.ts';
import {
  baselinePreviousQueries,
  checkPreviousQueries,
  previousQueriesEvidence,
  readPreviousQueries,
  shortQueryText,
  skippedQueries,
  type PreviousQuery,
} from './previous-queries.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-previous-queries-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function readError(path: string, dialect: Dialect): Promise<InputError> {
  const error = await readPreviousQueries(path, dialect).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('readPreviousQueries', () => {
  test('splits a PostgreSQL file with the real parser: index, line, statement, kind', async () => {
    const path = await file(
      'pg.sql',
      [
        '-- captured from pg_stat_statements',
        '-- calls: 120, mean: 0.4 ms',
        'SELECT account_code, sum(amount_cents)',
        '  FROM ledger_entries WHERE booked_on >= $1 GROUP BY account_code;',
        '',
        "INSERT INTO ledger_entries (account_code, amount_cents) VALUES ($1, $2) RETURNING id; SET search_path = public;",
      ].join('\n'),
    );
    const queries = await readPreviousQueries(path, 'postgres');
    expect(queries.map(({ index, line, kind }) => ({ index, line, kind }))).toEqual([
      { index: 0, line: 3, kind: 'SelectStmt' },
      { index: 1, line: 6, kind: 'InsertStmt' },
      { index: 2, line: 6, kind: 'VariableSetStmt' },
    ]);
    expect(queries[0]!.sql).toBe('SELECT account_code, sum(amount_cents)\n  FROM ledger_entries WHERE booked_on >= $1 GROUP BY account_code');
  });

  test('reads `?` parameters on MySQL and SQLite', async () => {
    const path = await file('q.sql', "SELECT name FROM accounts WHERE id = ?;\nUPDATE accounts SET name = ? WHERE id = ?;\nREPLACE INTO accounts (id, name) VALUES (?, ?);\n");
    for (const dialect of ['mysql', 'sqlite'] as const) {
      const queries = await readPreviousQueries(path, dialect);
      expect(queries.map((q) => [q.line, q.kind]), dialect).toEqual([
        [1, 'SelectStmt'],
        [2, 'UpdateStmt'],
        [3, 'InsertStmt'],
      ]);
    }
  });

  test('a file that does not exist is an InputError naming it', async () => {
    const path = join(dir, 'nope.sql');
    const error = await readError(path, 'postgres');
    expect(error.message).toBe(`${path}: cannot read the previous app version's queries (--previous-queries): the file does not exist`);
    expect(error.location).toEqual({ file: path });
  });

  test('messages show the file as the caller names it', async () => {
    expect((await readError(join(dir, 'nope.sql'), 'postgres')).message).toMatch(/^\/.*nope\.sql: /);
    const missing = await readPreviousQueries(join(dir, 'nope.sql'), 'postgres', 'queries/nope.sql').catch((e: InputError) => e);
    expect((missing as InputError).message).toMatch(/^queries\/nope\.sql: cannot read/);
    const bad = await file('bad-display.sql', 'SELECT 1;\nSELEC 2;\n');
    const syntax = await readPreviousQueries(bad, 'postgres', 'queries/bad.sql').catch((e: InputError) => e);
    expect((syntax as InputError).message).toMatch(/^queries\/bad\.sql:2:1: syntax error/);
  });

  test('a directory is refused', async () => {
    const error = await readError(dir, 'postgres');
    expect(error.message).toMatch(/it is a directory, not a file/);
  });

  test('an empty file is refused', async () => {
    const path = await file('empty.sql', '\n  \n');
    expect((await readError(path, 'postgres')).message).toBe(`${path}: the previous app version's queries file is empty (--previous-queries expects SQL statements separated by semicolons)`);
  });

  test('a file of comments only says there are no queries in it', async () => {
    const path = await file('comments.sql', '-- SELECT 1;\n/* SELECT 2; */\n');
    for (const dialect of ['postgres', 'mysql', 'sqlite'] as const) {
      expect((await readError(path, dialect)).message, dialect).toBe(
        `no queries in ${path}: it holds only comments (--previous-queries expects SQL statements separated by semicolons)`,
      );
    }
  });

  test('a statement that does not parse is an InputError at file:line', async () => {
    const path = await file('bad.sql', 'SELECT 1;\n\nSELEC name FROM accounts;\n');
    for (const dialect of ['postgres', 'mysql', 'sqlite'] as const) {
      const error = await readError(path, dialect);
      expect(error.code, dialect).toBe('SQL_SYNTAX');
      expect(error.location, dialect).toMatchObject({ file: path, line: 3 });
      expect(error.message, dialect).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1: `));
    }
  });
});

describe('shortQueryText', () => {
  test('collapses whitespace and keeps the first 200 characters', () => {
    expect(shortQueryText('SELECT a,\n\t b\n  FROM t  ')).toBe('SELECT a, b FROM t');
    const long = `SELECT ${Array.from({ length: 100 }, (_, i) => `c${i}`).join(', ')} FROM t`;
    const shown = shortQueryText(long);
    expect(shown).toHaveLength(200);
    expect(shown.endsWith('…')).toBe(true);
    expect(long.startsWith(shown.slice(0, -1))).toBe(true);
  });
});

/** A statement the check cannot compile without running, per dialect. */
function settingStatement(dialect: Dialect): string {
  return { postgres: 'SET search_path = public', mysql: 'SET @previous_app = 1', sqlite: 'PRAGMA foreign_keys = ON' }[dialect];
}

function p(dialect: Dialect, n: number): string {
  return dialect === 'postgres' ? `$${n}` : '?';
}

describeEveryEngine(({ dialect, create }) => {
  describe('baseline and checks after each step', () => {
    let engine: Engine;
    let db: ScratchDatabase;
    let session: Session;
    let queries: PreviousQuery[];

    beforeAll(async () => {
      engine = create();
      await engine.open();
      db = await engine.createScratch('previous-queries');
      session = await engine.connect(db);
      await session.exec('CREATE TABLE accounts (id integer PRIMARY KEY, name varchar(50) NOT NULL, note varchar(200))');
      await session.exec('CREATE TABLE ledger_entries (id integer PRIMARY KEY, account_id integer NOT NULL, amount_cents integer NOT NULL)');
      await session.exec("INSERT INTO accounts (id, name, note) VALUES (1, 'first', 'kept')");
      const path = await file(
        `queries-${dialect}.sql`,
        [
          `SELECT id, amount_cents FROM ledger_entries WHERE account_id = ${p(dialect, 1)};`,
          `SELECT note FROM accounts WHERE id = ${p(dialect, 1)};`,
          `SELECT name FROM accounts WHERE id = ${p(dialect, 1)};`,
          'SELECT total FROM report_cache;',
          `${settingStatement(dialect)};`,
          `INSERT INTO accounts (id, name, note) VALUES (${p(dialect, 1)}, ${p(dialect, 2)}, ${p(dialect, 3)});`,
          '',
        ].join('\n'),
      );
      queries = await readPreviousQueries(path, dialect);
    });

    afterAll(async () => {
      await session?.close();
      await engine?.close();
    });

    test('before the change: what already fails and what cannot be compiled are set aside', async () => {
      const baseline = await baselinePreviousQueries(session, queries);
      expect(baseline.failingBefore.map((f) => f.index)).toEqual([3]);
      expect(baseline.failingBefore[0]!.message).toMatch(/report_cache/);
      expect(baseline.unchecked).toEqual([{ index: 4, reason: expect.stringContaining('not a statement rehearse can compile without running it') }]);
      expect([...skippedQueries(baseline)].sort()).toEqual([3, 4]);

      const evidence = previousQueriesEvidence('queries.sql', queries, baseline);
      expect(evidence.queries[1]).toEqual({ index: 1, line: 2, text: `SELECT note FROM accounts WHERE id = ${p(dialect, 1)}` });
      expect(evidence.failingBefore).toBe(baseline.failingBefore);
    });

    test('after each step: the queries the step broke, with the engine\'s error; nothing written', async () => {
      const baseline = await baselinePreviousQueries(session, queries);
      const skip = skippedQueries(baseline);

      expect(await checkPreviousQueries(session, queries, skip)).toEqual({ checked: 4, broken: [] });

      await session.exec('ALTER TABLE accounts DROP COLUMN note');
      const afterDrop = await checkPreviousQueries(session, queries, skip);
      expect(afterDrop.checked).toBe(4);
      expect(afterDrop.broken.map((b) => b.index)).toEqual([1, 5]);
      for (const broken of afterDrop.broken) expect(broken.message).toMatch(/note/);
      if (dialect === 'postgres') expect(afterDrop.broken.map((b) => b.sqlstate)).toEqual(['42703', '42703']);
      if (dialect === 'mysql') expect(afterDrop.broken.map((b) => b.errno)).toEqual([1054, 1054]);

      await session.exec('ALTER TABLE ledger_entries RENAME TO entries');
      const afterRename = await checkPreviousQueries(session, queries, skip);
      expect(afterRename.broken.map((b) => b.index)).toEqual([0, 1, 5]);
      if (dialect === 'postgres') expect(afterRename.broken[0]).toMatchObject({ sqlstate: '42P01', message: 'relation "ledger_entries" does not exist' });
      if (dialect === 'mysql') expect(afterRename.broken[0]).toMatchObject({ sqlstate: '42S02', errno: 1146 });
      if (dialect === 'sqlite') expect(afterRename.broken[0]).toMatchObject({ message: 'no such table: ledger_entries' });

      // Compiling the INSERT inserted nothing.
      const { rows } = await session.query<{ n: unknown }>('SELECT count(*) AS n FROM accounts');
      expect(Number(rows[0]!.n)).toBe(1);
    });

    if (dialect === 'postgres') {
      test('a value quoted in a compile error is redacted', async () => {
        const path = await file('values.sql', "SELECT name FROM accounts WHERE id = 'secret-value-42';\n");
        const baseline = await baselinePreviousQueries(session, await readPreviousQueries(path, 'postgres'));
        expect(baseline.failingBefore).toEqual([{ index: 0, message: 'invalid input syntax for type integer: "…"', sqlstate: '22P02' }]);
      });
    }
  });
});
