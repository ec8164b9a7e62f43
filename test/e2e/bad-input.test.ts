// Bad input gets a clear error naming the file, line and value at fault, the documented exit
// status, and leaves no scratch database behind — on every engine, with the migrations and seed
// written in the engine's SQL dialect.
import { afterEach, describe, expect, it } from 'vitest';
import type { Dialect, EngineKind } from '../../src/engines/engine.ts';
import { describeEveryEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, runCli, type Project } from './cli.ts';
import { concat, insertRows, type Files, type PerDialect } from './shop.ts';

const PAIR: Files = {
  'migrations/0001_create_items.up.sql': 'CREATE TABLE items (id int PRIMARY KEY, name text);',
  'migrations/0001_create_items.down.sql': 'DROP TABLE items;',
};
const seed = (dialect: Dialect): Files => ({ 'seed.sql': `${insertRows(dialect, 'items', ['id', 'name'], ['g.n', concat(dialect, "'item '", 'g.n')], 100)}\n` });
const RUN = ['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0001', '--json', 'report.json'];

/** How each dialect's splitter refuses `SELEC 1;` (before anything runs). */
const UNPARSEABLE: PerDialect<RegExp> = {
  // The real PostgreSQL parser.
  postgres: /0002_broken\.up\.sql:4:1: syntax error at or near "SELEC"/,
  mysql: /0002_broken\.up\.sql:4:1: not a MySQL or MariaDB statement: it starts with "SELEC"/,
  // SQLite's own parser, on an empty in-memory database.
  sqlite: /0002_broken\.up\.sql:4:1: SQLite cannot parse this statement: near "SELEC": syntax error/,
};

/** The server's complaint about the duplicate primary key, as rehearse prints it (data values redacted). */
const DUPLICATE_KEY: PerDialect<RegExp> = {
  postgres: /seed\.sql:3:1: .*duplicate key value violates unique constraint "items_pkey"/,
  mysql: /seed\.sql:3:1: .*Duplicate entry '…' for key 'PRIMARY'/,
  sqlite: /seed\.sql:3:1: .*UNIQUE constraint failed: items\.id/,
};

/** A server URL on which nothing listens, with a password that must never be printed. */
const UNREACHABLE: Partial<Record<EngineKind, string>> = {
  postgres: 'postgres://app:s3cr3t-pw@127.0.0.1:1/postgres',
  mysql: 'mysql://app:s3cr3t-pw@127.0.0.1:1/test',
};

describeEveryEngine(({ kind, dialect }) => {
  describe('bad input', () => {
    let project: Project | undefined;
    afterEach(async () => {
      await project?.dispose();
      project = undefined;
    });

    const args = [...RUN, ...engineArgs(kind)];
    const run = async (files: Files, runArgs: string[] = args) => {
      project = await makeProject(files);
      return runCli(runArgs, project.dir);
    };

    it('an up file without its down: exit 2, names the file and the missing partner', async () => {
      const r = await run({ ...PAIR, ...seed(dialect), 'migrations/0002_add_price.up.sql': 'ALTER TABLE items ADD COLUMN price int;' });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('0002_add_price.up.sql');
      expect(r.stderr).toContain('0002_add_price.down.sql');
      expect(r.report?.verdict).toBe('error');
    });

    it('duplicate and non-numeric versions: exit 2, each file named', async () => {
      const r = await run({
        ...PAIR,
        ...seed(dialect),
        'migrations/0001_other.up.sql': 'SELECT 1;',
        'migrations/0001_other.down.sql': 'SELECT 1;',
        'migrations/v2_x.up.sql': 'SELECT 1;',
        'migrations/v2_x.down.sql': 'SELECT 1;',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('0001_other.up.sql');
      expect(r.stderr).toContain('0001_create_items.up.sql');
      expect(r.stderr).toContain('v2_x.up.sql');
    });

    it('a dataset version that matches no migration: exit 2 with the versions there are', async () => {
      const r = await run({ ...PAIR, ...seed(dialect) }, [...RUN.slice(0, 5), '--dataset-version', '7', ...engineArgs(kind)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/dataset version 7 matches no migration/);
      expect(r.stderr).toContain('0001');
    });

    const unparseable = UNPARSEABLE[dialect];
    if (unparseable) {
      it('unparseable SQL: exit 2 with file:line:column and the parser message', async () => {
        const r = await run({
          ...PAIR,
          ...seed(dialect),
          'migrations/0002_broken.up.sql': '-- add a price\nALTER TABLE items\n  ADD COLUMN price int;\nSELEC 1;\n',
          'migrations/0002_broken.down.sql': 'ALTER TABLE items DROP COLUMN price;',
        });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(unparseable);
      });
    }

    it('a seed script that fails halfway: exit 2 with its file:line; nothing half-restored is used', async () => {
      const r = await run({
        ...PAIR,
        'migrations/0002_add_price.up.sql': 'ALTER TABLE items ADD COLUMN price int;',
        'migrations/0002_add_price.down.sql': 'ALTER TABLE items DROP COLUMN price;',
        'seed.sql': "INSERT INTO items VALUES (1, 'a');\n\nINSERT INTO items VALUES (1, 'duplicate');\n",
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(DUPLICATE_KEY[dialect]);
      // The data values in the server's message ("Key (id)=(1)", "Duplicate entry '1'") are not echoed.
      expect(r.stderr).not.toContain("'duplicate'");
      expect(r.stderr).not.toContain("'1'");
      expect(r.report?.targets).toEqual([]);
    });

    const unreachable = UNREACHABLE[kind];
    if (unreachable) {
      it('an unreachable server: exit 3, and the password never printed', async () => {
        const r = await run({ ...PAIR, ...seed(dialect) }, [...RUN, '--engine', kind, '--url', unreachable]);
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/127\.0\.0\.1:1/);
        expect(r.stderr + r.stdout).not.toContain('s3cr3t-pw');
        expect(JSON.stringify(r.report)).not.toContain('s3cr3t-pw');
        expect(r.report?.verdict).toBe('error');
      });
    }
  });
});

describe('bad input on any engine', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.dispose();
    project = undefined;
  });

  const run = async (files: Files, args: string[] = RUN) => {
    project = await makeProject(files);
    return runCli(args, project.dir);
  };

  it('malformed config: exit 2 naming file, line and value', async () => {
    const r = await run({ ...PAIR, ...seed('postgres'), 'rehearse.config.yaml': 'limits:\n  blockingLockMs: fast\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rehearse\.config\.yaml:2:\d+: limits\.blockingLockMs: .*"fast"/);
  });

  it('an unknown engine: exit 2 listing the supported ones', async () => {
    const r = await run({ ...PAIR, ...seed('postgres') }, [...RUN, '--engine', 'oracle']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown engine oracle; expected one of pglite, postgres, mysql, sqlite/);
  });
});

describe('help', () => {
  it('answers at once, with examples', async () => {
    const r = await runCli(['run', '--help'], process.cwd());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--dataset-version');
    expect(r.ms).toBeLessThan(10_000);
  });
});
