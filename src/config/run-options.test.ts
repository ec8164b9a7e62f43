import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsResolver } from '../checks/limits.ts';
import { UsageError } from '../errors.ts';
import { loadConfigFile } from './load.ts';
import { loadRunOptions, parseProductionRows, resolveRunOptions, resolveScale, type CliRunFlags } from './run-options.ts';
import type { ResolvedConfigFile } from './types.ts';

const cwd = '/repo';

function config(fields: Partial<ResolvedConfigFile> = {}): ResolvedConfigFile {
  return { file: '/repo/ci/rehearse.config.yaml', limits: {}, perMigrationLimits: {}, severity: {}, ...fields };
}

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('history options', () => {
  const flags: CliRunFlags = { dataset: 'seed.sql' };
  it('records to .rehearse/history.db in the current directory unless told otherwise', () => {
    expect(resolveRunOptions(undefined, flags, cwd).history).toEqual({ kind: 'sqlite', path: '/repo/.rehearse/history.db' });
    expect(resolveRunOptions(config({ history: '/repo/ci/h.db' }), flags, cwd).history).toEqual({ kind: 'sqlite', path: '/repo/ci/h.db' });
    expect(resolveRunOptions(config({ history: false }), flags, cwd).history).toEqual({ kind: 'off' });
  });
  it('lets --history and --no-history win over the config', () => {
    expect(resolveRunOptions(config({ history: false }), { ...flags, history: 'out/h.db' }, cwd).history).toEqual({ kind: 'sqlite', path: '/repo/out/h.db' });
    expect(resolveRunOptions(config({ history: '/repo/ci/h.db' }), { ...flags, history: false }, cwd).history).toEqual({ kind: 'off' });
    expect(resolveRunOptions(undefined, { ...flags, history: 'postgresql://ci@db/history' }, cwd).history).toEqual({ kind: 'postgres', url: 'postgresql://ci@db/history' });
  });
  it('takes learnedLimits from the flag over the config, and refuses it without a store', () => {
    expect(resolveRunOptions(config({ learnedLimits: true }), flags, cwd).learnedLimits).toBe(true);
    expect(resolveRunOptions(config({ learnedLimits: true }), { ...flags, learnedLimits: false }, cwd).learnedLimits).toBe(false);
    expect(usageError(() => resolveRunOptions(undefined, { ...flags, learnedLimits: true, history: false }, cwd)).message).toMatch(/--learned-limits: needs a history store/);
    expect(usageError(() => resolveRunOptions(undefined, { ...flags, history: ' ' }, cwd)).message).toMatch(/--history: expected a SQLite file path/);
  });
});

describe('resolveRunOptions', () => {
  it('applies the defaults around a dataset given on the command line', () => {
    expect(resolveRunOptions(undefined, { dataset: 'seed.sql' }, cwd)).toEqual({
      migrationsDir: '/repo/migrations',
      source: 'golang-migrate',
      projectDir: '/repo',
      targets: [{ label: 'pglite', engine: 'pglite', url: undefined, dataset: { path: '/repo/seed.sql' }, productionRows: {} }],
      matrix: ['pglite'],
      limits: DEFAULT_LIMITS,
      perMigrationLimits: {},
      severity: {},
      jsonPath: undefined,
      scale: { mode: 'auto', fractions: [0.25, 0.5] },
      probes: true,
      base: undefined,
      previousQueriesPath: undefined,
      configFile: undefined,
      reporters: [],
      docsBaseUrl: undefined,
      gerritLabel: undefined,
      history: { kind: 'sqlite', path: '/repo/.rehearse/history.db' },
      learnedLimits: false,
    });
  });

  it('takes everything from the config file when no flag is given', () => {
    const file = config({
      migrations: '/repo/ci/sql',
      engine: 'postgres',
      url: 'postgres://ci@db/postgres',
      dataset: { path: '/repo/ci/seed.sql', version: '0004' },
      productionRows: { patches: 1_750_000 },
      limits: { blockingLockMs: 500 },
      perMigrationLimits: { '0005': { rowsChanged: 5_000_000 } },
      severity: { 'table-rewrite': 'warning' },
      json: '/repo/ci/report.json',
    });
    expect(resolveRunOptions(file, {}, cwd)).toMatchObject({
      migrationsDir: '/repo/ci/sql',
      targets: [{ label: 'postgres@db', engine: 'postgres', url: 'postgres://ci@db/postgres', dataset: { path: '/repo/ci/seed.sql', version: '0004' }, productionRows: { patches: 1_750_000 } }],
      limits: { ...DEFAULT_LIMITS, blockingLockMs: 500 },
      perMigrationLimits: { '0005': { rowsChanged: 5_000_000 } },
      severity: { 'table-rewrite': 'warning' },
      jsonPath: '/repo/ci/report.json',
      configFile: '/repo/ci/rehearse.config.yaml',
    });
  });

  it('lets flags override the config, with flag paths relative to the current directory', () => {
    const file = config({
      migrations: '/repo/ci/sql',
      engine: 'postgres',
      url: 'postgres://ci@db/postgres',
      dataset: { path: '/repo/ci/seed.sql', version: '0004' },
      productionRows: { patches: 1_750_000 },
      json: '/repo/ci/report.json',
    });
    const flags: CliRunFlags = {
      migrations: 'db/migrations',
      engine: 'pglite',
      url: 'postgres://other@db2/postgres',
      dataset: '/dumps/prod.sql',
      json: 'out.json',
      productionRows: 'projects=12',
      base: 'origin/main',
      previousQueries: 'queries.sql',
    };
    expect(resolveRunOptions(file, flags, cwd)).toMatchObject({
      migrationsDir: '/repo/db/migrations',
      // The config's version belongs to the config's dataset, not to the file named by --dataset.
      targets: [{ engine: 'pglite', url: 'postgres://other@db2/postgres', dataset: { path: '/dumps/prod.sql' }, productionRows: { projects: 12 } }],
      jsonPath: '/repo/out.json',
      base: 'origin/main',
      previousQueriesPath: '/repo/queries.sql',
    });
    expect(resolveRunOptions(file, flags, cwd).targets[0]!.dataset).not.toHaveProperty('version');
  });

  it('takes base and previousQueries from the config when no flag gives them', () => {
    const file = config({ base: 'origin/main', previousQueries: '/repo/app/queries.sql' });
    expect(resolveRunOptions(file, { dataset: 'seed.sql' }, cwd)).toMatchObject({ base: 'origin/main', previousQueriesPath: '/repo/app/queries.sql' });
    expect(resolveRunOptions(file, { dataset: 'seed.sql', base: 'HEAD~1' }, cwd).base).toBe('HEAD~1');
  });

  it('rehearses the lock queue when --lock-queue or the config asks, for 5 s or the time given; the flag wins', () => {
    const seed: CliRunFlags = { dataset: 'seed.sql' };
    expect(resolveRunOptions(config(), seed, cwd)).not.toHaveProperty('lockQueueMs');
    expect(resolveRunOptions(config(), { ...seed, lockQueue: true }, cwd).lockQueueMs).toBe(5_000);
    expect(resolveRunOptions(config(), { ...seed, lockQueue: '1.5s' }, cwd).lockQueueMs).toBe(1_500);
    expect(resolveRunOptions(config({ lockQueue: 10_000 }), seed, cwd).lockQueueMs).toBe(10_000);
    expect(resolveRunOptions(config({ lockQueue: 10_000 }), { ...seed, lockQueue: false }, cwd)).not.toHaveProperty('lockQueueMs');
    expect(usageError(() => resolveRunOptions(config(), { ...seed, lockQueue: 'long' }, cwd)).message).toBe(
      '--lock-queue: expected true, false, or how long the reading transaction stays open (a duration greater than 0 like "5s"), got "long"',
    );
  });

  it('runs traffic probes unless the config or --no-probes says not to; the flag wins', () => {
    const seed = { dataset: 'seed.sql' };
    expect(resolveRunOptions(config(), seed, cwd).probes).toBe(true);
    expect(resolveRunOptions(config({ probes: false }), seed, cwd).probes).toBe(false);
    expect(resolveRunOptions(config(), { ...seed, probes: false }, cwd).probes).toBe(false);
    expect(resolveRunOptions(config({ probes: false }), { ...seed, probes: true }, cwd).probes).toBe(true);
  });

  it('combines --dataset-version with either dataset path', () => {
    const file = config({ dataset: { path: '/repo/ci/seed.sql', version: '0004' } });
    expect(resolveRunOptions(file, { datasetVersion: '0007' }, cwd).targets[0]!.dataset).toEqual({ path: '/repo/ci/seed.sql', version: '0007' });
    expect(resolveRunOptions(file, { dataset: 's.sql', datasetVersion: '0002' }, cwd).targets[0]!.dataset).toEqual({
      path: '/repo/s.sql',
      version: '0002',
    });
  });

  it('says how to give a dataset when there is none', () => {
    const error = usageError(() => resolveRunOptions(undefined, {}, cwd));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe(
      'no dataset: pass --dataset FILE (a pg_dump plain-SQL dump or a seed script) or set dataset.path in rehearse.config.yaml',
    );
    // A config with only a version still has no dataset, and the message names that config.
    expect(usageError(() => resolveRunOptions(config({ dataset: { version: '4' } }), {}, cwd)).message).toMatch(
      /or set dataset\.path in \/repo\/ci\/rehearse\.config\.yaml$/,
    );
  });

  it('requires a server URL for the postgres engine, wherever the engine was chosen', () => {
    expect(usageError(() => resolveRunOptions(undefined, { engine: 'postgres', dataset: 'd.sql' }, cwd)).message).toMatch(
      /^engine postgres needs a server to create scratch databases on: pass --url postgres:\/\/user@host:5432\/postgres or set url in/,
    );
    expect(() => resolveRunOptions(config({ engine: 'postgres' }), { dataset: 'd.sql' }, cwd)).toThrow(/engine postgres needs a server/);
    expect(resolveRunOptions(config({ url: 'postgres://ci@db/postgres' }), { engine: 'postgres', dataset: 'd.sql' }, cwd).targets[0]!.url).toBe(
      'postgres://ci@db/postgres',
    );
  });

  it('checks flag values with the same rules as the config', () => {
    const run = (flags: CliRunFlags) => usageError(() => resolveRunOptions(undefined, { dataset: 'd.sql', ...flags }, cwd)).message;
    expect(run({ engine: 'foo' })).toBe('--engine: unknown engine foo; expected one of pglite, postgres, mysql, sqlite');
    expect(run({ engine: '' })).toBe('--engine: unknown engine ""; expected one of pglite, postgres, mysql, sqlite');
    expect(run({ engine: 'mysql' })).toBe('engine mysql needs a server to create scratch databases on: pass --url mysql://user@host:3306/ or set url in rehearse.config.yaml');
    expect(run({ engine: 'mysql', url: 'postgres://ci:secret@db/app' })).toBe(
      'engine mysql needs a mysql server, but the url is a postgres one (postgres://ci:***@db/app): pass --engine postgres, or a url like mysql://user@host:3306/',
    );
    expect(run({ source: 'flyweight' })).toBe(
      '--source: unknown migration source flyweight; expected one of golang-migrate, dbmate, flyway, prisma, drizzle, knex, kysely, node-pg-migrate, command',
    );
    // A command source needs its commands, which only a config can give.
    expect(run({ source: 'command' })).toMatch(/^source command needs the tool's commands: a command: block in rehearse\.config\.yaml/);
    expect(run({ url: 'ftp://root@db/app' })).toBe(
      '--url: expected a server URL like postgres://user@host:5432/postgres or mysql://user@host:3306/, got "ftp://root@db/app"',
    );
    expect(run({ url: 'db:5432 pw=secret' })).toMatch(/^--url: expected a server URL like .*, got "db:5432 pw=secret"$/);
    expect(run({ migrations: ' ' })).toBe('--migrations: expected a directory, got " "');
  });

  it('gives per-migration limits to the migrations they name, over the global ones', () => {
    const file = config({
      limits: { rowsChanged: 200_000 },
      perMigrationLimits: { '0005': { rowsChanged: 5_000_000 }, '0005_backfill': { walBytes: 1 } },
    });
    const options = resolveRunOptions(file, { dataset: 'd.sql' }, cwd);
    const limitsFor = limitsResolver(options.limits, options.perMigrationLimits);
    expect(limitsFor({ version: '0005', id: '0005_backfill' })).toEqual({ ...DEFAULT_LIMITS, rowsChanged: 5_000_000, walBytes: 1 });
    expect(limitsFor({ version: '0006', id: '0006_other' })).toEqual({ ...DEFAULT_LIMITS, rowsChanged: 200_000 });
  });
});

describe('reporters, docs base URL and Gerrit label', () => {
  const file = config({
    dataset: { path: '/repo/ci/seed.sql' },
    reporters: [{ name: 'junit', file: '/repo/ci/reports/rehearse.xml' }, { name: 'markdown' }],
    docsBaseUrl: 'https://config.example/docs',
    gerritLabel: 'Migration-Check',
  });

  it("takes the config's reporters, docsBaseUrl and gerritLabel when no flag is given", () => {
    expect(resolveRunOptions(file, {}, cwd)).toMatchObject({
      reporters: [{ name: 'junit', file: '/repo/ci/reports/rehearse.xml' }, { name: 'markdown' }],
      docsBaseUrl: 'https://config.example/docs',
      gerritLabel: 'Migration-Check',
    });
    expect(resolveRunOptions(undefined, { dataset: 'seed.sql' }, cwd).reporters).toEqual([]);
  });

  it("--reporter flags replace the config's list whole, their files relative to the current directory; the other flags win too", () => {
    const options = resolveRunOptions(file, { reporter: ['gerrit=out/review.json', 'github'], docsBaseUrl: 'https://flag.example', gerritLabel: 'Verified' }, cwd);
    expect(options.reporters).toEqual([{ name: 'gerrit', file: '/repo/out/review.json' }, { name: 'github' }]);
    expect(options.docsBaseUrl).toBe('https://flag.example');
    expect(options.gerritLabel).toBe('Verified');
    // an empty list (commander gives none when the flag is absent) keeps the config's
    expect(resolveRunOptions(file, { reporter: [] }, cwd).reporters).toHaveLength(2);
  });

  it('checks --reporter and --gerrit-label before asking for anything else', () => {
    expect(usageError(() => resolveRunOptions(undefined, { reporter: ['junt=x.xml'] }, cwd)).message).toBe(
      '--reporter: unknown reporter "junt"; did you mean junit? valid reporters: junit, markdown, github, gerrit, html, blob',
    );
    expect(usageError(() => resolveRunOptions(undefined, { reporter: ['gerrit'] }, cwd)).message).toMatch(/gerrit needs an output file/);
    expect(usageError(() => resolveRunOptions(file, { gerritLabel: 'Verified+1' }, cwd)).message).toMatch(/^--gerrit-label: expected a Gerrit label name/);
    expect(usageError(() => resolveRunOptions(file, { docsBaseUrl: ' ' }, cwd)).message).toMatch(/^--docs-base-url: expected a URL/);
  });

  it('loads reporters from a YAML config through to the run options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-reporters-'));
    try {
      writeFileSync(join(dir, 'rehearse.config.yaml'), 'dataset:\n  path: seed.sql\nreporters:\n  - gerrit=reports/review.json\n  - { name: markdown }\n');
      expect((await loadRunOptions({}, dir)).reporters).toEqual([{ name: 'gerrit', file: join(dir, 'reports/review.json') }, { name: 'markdown' }]);
      expect((await loadRunOptions({ reporter: ['junit=j.xml'] }, join(dir))).reporters).toEqual([{ name: 'junit', file: join(dir, 'j.xml') }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseProductionRows', () => {
  it('reads TABLE=ROWS pairs with count units, spaces and schema-qualified names', () => {
    expect(parseProductionRows('patches=1.75M, public.projects = 1200,events=2B,')).toEqual({
      patches: 1_750_000,
      'public.projects': 1200,
      events: 2_000_000_000,
    });
  });

  it('names the bad pair', () => {
    const message = (text: string) => usageError(() => parseProductionRows(text)).message;
    expect(message('patches=1.75M,projects')).toBe('--production-rows: "projects" is not TABLE=ROWS (e.g. patches=1.75M)');
    expect(message('=5')).toBe('--production-rows: "=5" is not TABLE=ROWS (e.g. patches=1.75M)');
    expect(message('patches=many')).toBe('--production-rows: patches=many: expected a count like 100000, "100k" or "1.5M", got "many"');
    expect(message('patches=-5')).toMatch(/^--production-rows: patches=-5: expected a count/);
    expect(message('patches=1,patches=2')).toBe('--production-rows: table patches is given twice');
    expect(message(' , ')).toBe('--production-rows: expected TABLE=ROWS pairs like patches=1.75M,projects=1200, got " , "');
  });

  it('keeps names that collide with Object.prototype as plain entries', () => {
    const rows = parseProductionRows('constructor=1,__proto__=2');
    expect(Object.keys(rows)).toEqual(['constructor', '__proto__']);
    expect(Object.getPrototypeOf(rows)).toBe(Object.prototype);
  });
});

describe('loadRunOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rehearse-run-options-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the config in the current directory, resolving its paths against it and flags against cwd', async () => {
    writeFileSync(join(dir, 'rehearse.config.yaml'), 'dataset:\n  path: seed.sql\n  version: "0004"\nlimits:\n  walBytes: 1GiB\n');
    const options = await loadRunOptions({ migrations: 'm' }, dir);
    expect(options).toMatchObject({
      configFile: join(dir, 'rehearse.config.yaml'),
      migrationsDir: join(dir, 'm'),
      targets: [{ dataset: { path: join(dir, 'seed.sql'), version: '0004' } }],
      limits: { ...DEFAULT_LIMITS, walBytes: 1024 ** 3 },
    });
    // The same file loaded on its own gives the same figures.
    expect((await loadConfigFile(join(dir, 'rehearse.config.yaml'))).limits).toEqual({ walBytes: 1024 ** 3 });
  });

  it('names a missing --config file', async () => {
    await expect(loadRunOptions({ config: 'ci/missing.yaml' }, dir)).rejects.toThrow(
      `config file ${join(dir, 'ci/missing.yaml')} not found`,
    );
  });
});

describe('probes in a config file', () => {
  it('reads probes: false and refuses anything but a boolean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-probes-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), 'probes: false\n');
      expect((await loadConfigFile(join(dir, 'a.yaml'))).probes).toBe(false);
      writeFileSync(join(dir, 'b.yaml'), 'limits: {}\n');
      expect(await loadConfigFile(join(dir, 'b.yaml'))).not.toHaveProperty('probes');
      writeFileSync(join(dir, 'c.yaml'), 'probes: "off"\n');
      await expect(loadConfigFile(join(dir, 'c.yaml'))).rejects.toThrow(/c\.yaml:1:\d+.*probes: expected true or false, got "off"/s);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveScale', () => {
  it('is automatic by default, on with --scale or any scale config, off with --no-scale or scale: false', () => {
    expect(resolveScale(undefined, undefined)).toEqual({ mode: 'auto', fractions: [0.25, 0.5] });
    expect(resolveScale(true, undefined)).toEqual({ mode: 'on', fractions: [0.25, 0.5] });
    expect(resolveScale(undefined, true)).toEqual({ mode: 'on', fractions: [0.25, 0.5] });
    expect(resolveScale(undefined, { fractions: [0.1, 0.3] })).toEqual({ mode: 'on', fractions: [0.1, 0.3] });
    expect(resolveScale(undefined, false)).toMatchObject({ mode: 'off' });
    // The flag wins over the config, and keeps the config's fractions.
    expect(resolveScale(false, { fractions: [0.1, 0.3] })).toMatchObject({ mode: 'off' });
    expect(resolveScale(true, false)).toEqual({ mode: 'on', fractions: [0.25, 0.5] });
    expect(resolveScale(true, { fractions: [0.2, 0.4] })).toEqual({ mode: 'on', fractions: [0.2, 0.4] });
  });

  it('reads scale from a config file, checking the fractions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-scale-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), 'scale:\n  fractions: [0.5, 0.2]\n');
      expect((await loadConfigFile(join(dir, 'a.yaml'))).scale).toEqual({ fractions: [0.2, 0.5] });
      writeFileSync(join(dir, 'b.yaml'), 'scale: false\n');
      expect((await loadConfigFile(join(dir, 'b.yaml'))).scale).toBe(false);
      writeFileSync(join(dir, 'c.yaml'), 'scale:\n  fractions: [0.5, 1]\n');
      await expect(loadConfigFile(join(dir, 'c.yaml'))).rejects.toThrow(/strictly between 0 and 1 .*got 1/);
      writeFileSync(join(dir, 'd.yaml'), 'scale: yes please\n');
      await expect(loadConfigFile(join(dir, 'd.yaml'))).rejects.toThrow(/expected true, false or \{ fractions: \[0\.25, 0\.5\] \}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
