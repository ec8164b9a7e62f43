import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { findConfigFile, loadConfigFile } from './load.ts';

// The package's public entry, by absolute file URL: the config lives outside the repository.
const repoIndex = new URL('../index.ts', import.meta.url).href;
const root = mkdtempSync(join(tmpdir(), 'rehearse-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** Writes `files` into a fresh directory and returns its path. */
function project(files: Record<string, string>): string {
  const dir = join(root, `p${++dirs}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function loadError(file: string, env: Record<string, string> = {}): Promise<UsageError> {
  const error = await loadConfigFile(file, { env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

const FULL_YAML = `# every key, with units
migrations: ./db/migrations
source: golang-migrate
engine: postgres
url: postgres://ci@localhost:5432/postgres
dataset:
  path: ./seed.sql
  version: 0004
productionRows:
  patches: 1.75M
base: origin/main
previousQueries: ./app/queries.sql
limits:
  blockingLockMs: 1.5s
  stepDurationMs: 2m
  statementTimeoutMs: 5m
  idleTimeoutMs: 300000
  rowsChanged: 100k
  walBytes: 512MB
  stepTimeoutMs: 1h
  migrations:
    0005: { rowsChanged: 5M }
    "0006_backfill_hash":
      walBytes: 2 GiB
hazards:
  table-rewrite: warning
  slow-step: off
json: ./out/report.json
`;

describe('loadConfigFile: YAML', () => {
  it('validates, converts units, keeps versions as written and resolves paths against the config directory', async () => {
    const dir = project({ 'rehearse.config.yaml': FULL_YAML });
    const config = await loadConfigFile(join(dir, 'rehearse.config.yaml'));
    expect(config).toEqual({
      file: join(dir, 'rehearse.config.yaml'),
      migrations: join(dir, 'db/migrations'),
      source: 'golang-migrate',
      engine: 'postgres',
      url: 'postgres://ci@localhost:5432/postgres',
      dataset: { path: join(dir, 'seed.sql'), version: '0004' },
      productionRows: { patches: 1_750_000 },
      base: 'origin/main',
      previousQueries: join(dir, 'app/queries.sql'),
      limits: {
        blockingLockMs: 1500,
        stepDurationMs: 120_000,
        statementTimeoutMs: 300_000,
        idleTimeoutMs: 300_000,
        rowsChanged: 100_000,
        walBytes: 512_000_000,
        stepTimeoutMs: 3_600_000,
      },
      perMigrationLimits: { '0005': { rowsChanged: 5_000_000 }, '0006_backfill_hash': { walBytes: 2 * 1024 ** 3 } },
      severity: { 'table-rewrite': 'warning', 'slow-step': 'off' },
      json: join(dir, 'out/report.json'),
    });
  });

  it('treats an empty file as an empty config', async () => {
    const dir = project({ 'rehearse.config.yml': '# nothing yet\n' });
    expect(await loadConfigFile(join(dir, 'rehearse.config.yml'))).toEqual({
      file: join(dir, 'rehearse.config.yml'),
      limits: {},
      perMigrationLimits: {},
      severity: {},
    });
  });

  it('shares limits through YAML merge keys', async () => {
    const dir = project({
      'rehearse.config.yaml': `limits:
  migrations:
    "0005": &backfill { rowsChanged: 5M, walBytes: 4GiB }
    "0007": { <<: *backfill, rowsChanged: 10M }
`,
    });
    const config = await loadConfigFile(join(dir, 'rehearse.config.yaml'));
    expect(config.perMigrationLimits['0007']).toEqual({ rowsChanged: 10_000_000, walBytes: 4 * 1024 ** 3 });
  });

  it('reports a syntax error with its line and column', async () => {
    const dir = project({ 'rehearse.config.yaml': 'engine: pglite\ndataset:\n  path: [seed.sql\nlimits: {}\n' });
    const error = await loadError(join(dir, 'rehearse.config.yaml'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.location).toMatchObject({ file: expect.stringMatching(/rehearse\.config\.yaml$/), line: 4, column: 1 });
    expect(error.message).toMatch(/rehearse\.config\.yaml:4:1: YAML syntax error: /);
  });

  it('reports a duplicate key as a syntax error at the second occurrence', async () => {
    const dir = project({ 'rehearse.config.yaml': 'engine: pglite\nengine: postgres\n' });
    const error = await loadError(join(dir, 'rehearse.config.yaml'));
    expect(error.location).toMatchObject({ line: 2, column: 1 });
    expect(error.message).toContain('Map keys must be unique');
  });

  it('reports a bad value at its exact line and column, with the path, what was expected and what was found', async () => {
    const dir = project({
      'rehearse.config.yaml': `engine: pglite
dataset:
  path: ./seed.sql
limits:
  rowsChanged: 100k
  # the next value is not a duration
  blockingLockMs: fast
`,
    });
    const error = await loadError(join(dir, 'rehearse.config.yaml'));
    expect(error.location).toMatchObject({ line: 7, column: 19 });
    expect(error.message).toMatch(
      /rehearse\.config\.yaml:7:19: limits\.blockingLockMs: expected a duration like 1500, "1\.5s" or "2m", got "fast"$/,
    );
  });

  it('reports an unknown key at the key, suggesting the closest known one', async () => {
    const dir = project({ 'rehearse.config.yaml': 'limits:\n  migrations:\n    "0005":\n      rowChanged: 5M\n' });
    const error = await loadError(join(dir, 'rehearse.config.yaml'));
    expect(error.location).toMatchObject({ line: 4, column: 7 });
    expect(error.message).toMatch(/:4:7: limits\.migrations\.0005\.rowChanged: unknown key; did you mean rowsChanged\?$/);
  });

  it('lists the known keys when no key is close, and suggests hazard ids', async () => {
    const dir = project({ 'rehearse.config.yaml': 'hazards:\n  table-rewrites: off\ndatabase: x\n' });
    const error = await loadError(join(dir, 'rehearse.config.yaml'));
    const [first, second] = error.message.split('\n');
    expect(first).toMatch(/:2:3: hazards\.table-rewrites: unknown key; did you mean table-rewrite\?$/);
    expect(second).toMatch(/:3:1: database: unknown key; expected one of migrations, source, command, sandbox, engine, url, dataset, /);
  });

  it('reports every problem, in file order, each with its own location', async () => {
    const dir = project({
      'rehearse.config.yaml': 'limits:\n  walBytes: lots\nengine: oracle\nhazards:\n  slow-step: warn\n',
    });
    const lines = (await loadError(join(dir, 'rehearse.config.yaml'))).message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/rehearse\.config\.yaml:2:13: limits\.walBytes: expected a size like 1048576, "512MB" or "1GiB", got "lots"$/);
    expect(lines[1]).toMatch(/rehearse\.config\.yaml:3:9: engine: unknown engine oracle; expected one of pglite, postgres, mysql, sqlite$/);
    expect(lines[2]).toMatch(/rehearse\.config\.yaml:5:14: hazards\.slow-step: expected one of error, warning, info, off, got "warn"$/);
  });

  it('reads lockQueue as true (5 s) or a duration, and names a bad value at its line', async () => {
    const on = project({ 'rehearse.config.yaml': 'lockQueue: true\n' });
    expect((await loadConfigFile(join(on, 'rehearse.config.yaml'))).lockQueue).toBe(5_000);
    const timed = project({ 'rehearse.config.yaml': 'lockQueue: 12s\n' });
    expect((await loadConfigFile(join(timed, 'rehearse.config.yaml'))).lockQueue).toBe(12_000);
    const bad = project({ 'rehearse.config.yaml': 'engine: pglite\nlockQueue: 0\n' });
    expect((await loadError(join(bad, 'rehearse.config.yaml'))).message).toMatch(/:2:12: lockQueue: expected true, false, or how long .* got 0$/);
  });

  it('refuses a zero timeout, which PostgreSQL would read as "no timeout"', async () => {
    const dir = project({ 'rehearse.config.yaml': 'limits:\n  statementTimeoutMs: 0\n' });
    expect((await loadError(join(dir, 'rehearse.config.yaml'))).message).toContain(
      'limits.statementTimeoutMs: expected a duration greater than 0',
    );
  });

  it('replaces ${VAR} from the environment and names an unset variable at its line', async () => {
    const yaml = 'engine: postgres\nurl: postgres://ci:${PG_PASSWORD}@${PG_HOST}/postgres\ndataset:\n  path: ${SEED}\n';
    const dir = project({ 'rehearse.config.yaml': yaml });
    const file = join(dir, 'rehearse.config.yaml');
    const config = await loadConfigFile(file, { env: { PG_PASSWORD: 'pw', PG_HOST: 'db', SEED: 'seed.sql' } });
    expect(config.url).toBe('postgres://ci:pw@db/postgres');
    expect(config.dataset?.path).toBe(join(dir, 'seed.sql'));

    const error = await loadError(file, { PG_PASSWORD: 'pw', PG_HOST: 'db' });
    expect(error.location).toMatchObject({ line: 4, column: 9 });
    expect(error.message).toMatch(/:4:9: dataset\.path: environment variable SEED is not set$/);
  });

  it('never prints the password of a bad URL', async () => {
    const dir = project({ 'rehearse.config.yaml': 'url: http://ci:hunter2@db/postgres\n' });
    const error = await loadError(join(dir, 'rehearse.config.yaml'));
    expect(error.message).toContain('url: expected a server URL like postgres://user@host:5432/postgres or mysql://user@host:3306/, got "http://ci:***@db/postgres"');
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects a top level that is not a mapping', async () => {
    const dir = project({ 'rehearse.config.yaml': '- engine: pglite\n' });
    expect((await loadError(join(dir, 'rehearse.config.yaml'))).message).toMatch(/:1:1: expected an object, got a list$/);
  });
});

describe('loadConfigFile: history', () => {
  it('resolves a history file against the config directory and keeps a URL, false and learnedLimits', async () => {
    const dir = project({ 'a.yaml': 'history: out/h.db\nlearnedLimits: true\n', 'b.yaml': 'history: postgres://ci@db/hist\n', 'c.yaml': 'history: false\n', 'd.yaml': 'history: true\n' });
    expect(await loadConfigFile(join(dir, 'a.yaml'))).toMatchObject({ history: join(dir, 'out/h.db'), learnedLimits: true });
    expect((await loadConfigFile(join(dir, 'b.yaml'))).history).toBe('postgres://ci@db/hist');
    expect((await loadConfigFile(join(dir, 'c.yaml'))).history).toBe(false);
    expect(await loadConfigFile(join(dir, 'd.yaml'))).not.toHaveProperty('history');
  });
  it('names a bad history or learnedLimits value at its line', async () => {
    const dir = project({ 'rehearse.config.yaml': 'engine: pglite\nhistory: 3\nlearnedLimits: yes please\n' });
    const error = (await loadConfigFile(join(dir, 'rehearse.config.yaml')).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/:2:\d+.*history.*expected a SQLite file path, a postgres:\/\/ URL, true or false, got 3/s);
    expect(error.message).toMatch(/:3:\d+.*learnedLimits.*expected true or false/s);
  });
});

describe('loadConfigFile: TS and JS', () => {
  it('imports a rehearse.config.ts that uses defineConfig from the package, without a build', async () => {
    const dir = project({
      'rehearse.config.ts': `import { defineConfig } from ${JSON.stringify(repoIndex)};
const rows: number = 5_000_000;
export default defineConfig({
  migrations: 'sql',
  dataset: { path: 'dump.sql' },
  limits: { blockingLockMs: '2s', walBytes: '1GiB', migrations: { '0005_backfill': { rowsChanged: rows } } },
  hazards: { 'blocking-lock': 'warning' },
});
`,
    });
    const config = await loadConfigFile(join(dir, 'rehearse.config.ts'));
    expect(config).toMatchObject({
      migrations: join(dir, 'sql'),
      dataset: { path: join(dir, 'dump.sql') },
      limits: { blockingLockMs: 2000, walBytes: 1024 ** 3 },
      perMigrationLimits: { '0005_backfill': { rowsChanged: 5_000_000 } },
      severity: { 'blocking-lock': 'warning' },
    });
  });

  it('loads exactly the file named, even with a .mts beside a .mjs', async () => {
    const dir = project({
      'package.json': '{ "type": "module" }',
      'rehearse.config.mjs': 'export default { limits: { rowsChanged: "1k" } };\n',
      'rehearse.config.mts': 'export default { engine: "pglite" as const, json: "r.json" };\n',
    });
    expect(await loadConfigFile(join(dir, 'rehearse.config.mjs'))).toMatchObject({ limits: { rowsChanged: 1000 }, json: undefined });
    expect(await loadConfigFile(join(dir, 'rehearse.config.mts'))).toMatchObject({ limits: {}, json: join(dir, 'r.json') });
  });

  it('loads a CommonJS rehearse.config.js', async () => {
    const dir = project({ 'rehearse.config.js': 'module.exports = { dataset: { path: "seed.sql", version: 4 } };\n' });
    expect((await loadConfigFile(join(dir, 'rehearse.config.js'))).dataset).toEqual({ path: join(dir, 'seed.sql'), version: '4' });
  });

  it('treats a key set to undefined as absent, so it cannot erase a default', async () => {
    const dir = project({ 'rehearse.config.mjs': 'export default { limits: { walBytes: undefined, rowsChanged: "2k" } };\n' });
    const { limits } = await loadConfigFile(join(dir, 'rehearse.config.mjs'));
    expect(Object.keys(limits)).toEqual(['rowsChanged']);
  });

  it('names the file and the path of a bad value (a module has no lines to point at)', async () => {
    const dir = project({ 'rehearse.config.ts': 'export default { limits: { walBytes: "1 gigabyte" }, enigne: "pglite" };\n' });
    const error = await loadError(join(dir, 'rehearse.config.ts'));
    expect(error.location).toEqual({ file: expect.stringMatching(/rehearse\.config\.ts$/), line: undefined, column: undefined });
    const lines = error.message.split('\n');
    expect(lines[0]).toMatch(/rehearse\.config\.ts: limits\.walBytes: expected a size like 1048576, "512MB" or "1GiB", got "1 gigabyte"$/);
    expect(lines[1]).toMatch(/rehearse\.config\.ts: enigne: unknown key; did you mean engine\?$/);
  });

  it('explains a missing default export and a module that fails to load', async () => {
    const dir = project({
      'rehearse.config.ts': 'export const config = { engine: "pglite" };\n',
      'rehearse.config.mts': 'export default { engine: \n',
    });
    expect((await loadError(join(dir, 'rehearse.config.ts'))).message).toMatch(
      /rehearse\.config\.ts: no default export; expected `export default defineConfig\(\{ … \}\)`$/,
    );
    const broken = await loadError(join(dir, 'rehearse.config.mts'));
    expect(broken.code).toBe('CONFIG_INVALID');
    expect(broken.message).toMatch(/rehearse\.config\.mts: could not load the config: /);
  });
});

describe('finding and opening config files', () => {
  it('names a missing explicit config file', async () => {
    const error = await loadError(join(root, 'nope', 'rehearse.config.yaml'));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe(`config file ${resolve(root, 'nope', 'rehearse.config.yaml')} not found`);
  });

  it('says when the config path is a directory', async () => {
    expect((await loadError(root)).message).toBe(`config file ${root} is not a file`);
  });

  it('refuses a file type it cannot read', async () => {
    const dir = project({ 'rehearse.json': '{}' });
    expect((await loadError(join(dir, 'rehearse.json'))).message).toMatch(/unsupported file type; expected one of \.ts, /);
  });

  it('finds the config in the documented order, and nothing where there is none', () => {
    const dir = project({ 'rehearse.config.yaml': '', 'rehearse.config.mjs': '', 'rehearse.config.ts': '' });
    expect(findConfigFile(dir)).toBe(join(dir, 'rehearse.config.ts'));
    const ymlOnly = project({ 'rehearse.config.yml': '' });
    expect(findConfigFile(ymlOnly)).toBe(join(ymlOnly, 'rehearse.config.yml'));
    expect(findConfigFile(project({ 'README.md': '' }))).toBeUndefined();
  });
});

describe('reporters in a config file', () => {
  it('reads "NAME[=FILE]" strings and { name, file } objects, files relative to the config file; docsBaseUrl and gerritLabel', async () => {
    const dir = project({
      'rehearse.config.yaml': `reporters:
  - junit=reports/rehearse.xml
  - markdown
  - { name: gerrit, file: reports/review.json }
  - name: github
docsBaseUrl: https://github.com/acme/shop/blob/main
gerritLabel: Migration-Check
`,
    });
    const config = await loadConfigFile(join(dir, 'rehearse.config.yaml'));
    expect(config.reporters).toEqual([
      { name: 'junit', file: join(dir, 'reports/rehearse.xml') },
      { name: 'markdown' },
      { name: 'gerrit', file: join(dir, 'reports/review.json') },
      { name: 'github' },
    ]);
    expect(config.docsBaseUrl).toBe('https://github.com/acme/shop/blob/main');
    expect(config.gerritLabel).toBe('Migration-Check');
    const none = project({ 'rehearse.config.yaml': 'engine: pglite\n' });
    expect(await loadConfigFile(join(none, 'rehearse.config.yaml'))).not.toHaveProperty('reporters');
  });

  it('names an unknown reporter at its line with a did-you-mean, and a missing or empty file', async () => {
    const dir = project({
      'rehearse.config.yaml': `engine: pglite
reporters:
  - junt=reports/rehearse.xml
  - gerrit
  - { name: gerit, file: r.json }
  - { name: junit, file: "" }
  - { name: markdown, out: x.md }
  - 42
`,
    });
    const lines = (await loadError(join(dir, 'rehearse.config.yaml'))).message.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/rehearse\.config\.yaml:3:5: reporters\.0: unknown reporter "junt"; did you mean junit\? valid reporters: junit, markdown, github, gerrit, html, blob$/);
    expect(lines[1]).toMatch(/rehearse\.config\.yaml:4:5: reporters\.1: gerrit needs an output file, e\.g\. gerrit=reports\/review\.json$/);
    expect(lines[2]).toMatch(/rehearse\.config\.yaml:5:13: reporters\.2\.name: unknown reporter "gerit"; did you mean gerrit\?/);
    expect(lines[3]).toMatch(/rehearse\.config\.yaml:6:26: reporters\.3\.file: junit: the file name is empty$/);
    expect(lines[4]).toMatch(/rehearse\.config\.yaml:7:\d+: reporters\.4\.out: unknown key; expected name, file$/);
    expect(lines[5]).toMatch(/rehearse\.config\.yaml:8:5: reporters\.5: expected a reporter like "junit=reports\/rehearse\.xml" or \{ name: junit, file: reports\/rehearse\.xml \}, got 42$/);
    const error = await loadError(join(dir, 'rehearse.config.yaml'));
    expect(error.location).toMatchObject({ line: 3, column: 5 });
  });

  it('refuses a reporters value that is not a list, a docsBaseUrl that is not an http(s) URL and a bad gerritLabel', async () => {
    const dir = project({ 'rehearse.config.yaml': 'reporters: junit=r.xml\ndocsBaseUrl: docs/\ngerritLabel: "Verified +1"\n' });
    const lines = (await loadError(join(dir, 'rehearse.config.yaml'))).message.split('\n');
    expect(lines[0]).toMatch(/:1:12: reporters: expected a list, got "junit=r\.xml"$/);
    expect(lines[1]).toMatch(/:2:14: docsBaseUrl: expected an http\(s\) URL like "https:\/\/github\.com\/acme\/shop\/blob\/main", got "docs\/"$/);
    expect(lines[2]).toMatch(/:3:14: gerritLabel: expected a Gerrit label name like Verified or Migration-Check, got "Verified \+1"$/);
  });

  it('takes reporters from a TS config, typed by defineConfig', async () => {
    const dir = project({
      'rehearse.config.ts': `import { defineConfig } from ${JSON.stringify(repoIndex)};
export default defineConfig({ reporters: ['junit=out/r.xml', { name: 'gerrit', file: 'out/review.json' }] });
`,
    });
    const config = await loadConfigFile(join(dir, 'rehearse.config.ts'));
    expect(config.reporters).toEqual([
      { name: 'junit', file: resolve(dir, 'out/r.xml') },
      { name: 'gerrit', file: resolve(dir, 'out/review.json') },
    ]);
  });
});

describe('targets in a config file', () => {
  it('reads the matrix with dataset paths relative to the config', async () => {
    const dir = project({
      'rehearse.config.yaml': `dataset: { path: seed.sql, version: "0004" }
targets:
  - name: pg15
    engine: postgres
    url: postgres://ci@db:5432/postgres
    productionRows: { orders: 1.5M }
  - engine: sqlite
    dataset: { path: data/small.sql }
`,
    });
    const config = await loadConfigFile(join(dir, 'rehearse.config.yaml'));
    expect(config.targets).toEqual([
      { name: 'pg15', engine: 'postgres', url: 'postgres://ci@db:5432/postgres', productionRows: { orders: 1_500_000 } },
      { engine: 'sqlite', dataset: { path: resolve(dir, 'data/small.sql') } },
    ]);
  });

  it('names each bad target entry at its line: a repeated name, an unknown key, a bad engine, an empty list', async () => {
    const repeated = project({ 'rehearse.config.yaml': 'targets:\n  - name: pg\n  - name: pg\n    engine: sqlite\n' });
    expect((await loadError(join(repeated, 'rehearse.config.yaml'))).message).toMatch(/rehearse\.config\.yaml:3:11: targets\.1\.name: target name "pg" is already used by targets\[0\]$/);
    const dir = project({
      'rehearse.config.yaml': `targets:
  - name: pg
  - name: pg2
    engine: oracle
  - { name: " padded", datset: x.sql }
`,
    });
    const lines = (await loadError(join(dir, 'rehearse.config.yaml'))).message.split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/rehearse\.config\.yaml:4:13: targets\.1\.engine: unknown engine oracle; expected one of pglite, postgres, mysql, sqlite$/),
      expect.stringMatching(/rehearse\.config\.yaml:5:13: targets\.2\.name: expected a target name like "pg15-prod" \(1 to 64 printable characters\), got " padded"$/),
      expect.stringMatching(/rehearse\.config\.yaml:5:\d+: targets\.2\.datset: unknown key/),
    ]);
    const empty = project({ 'rehearse.config.yaml': 'targets: []\n' });
    expect((await loadError(join(empty, 'rehearse.config.yaml'))).message).toMatch(/:1:10: targets: expected at least one target/);
  });
});

describe('a command source in a config file', () => {
  it('resolves the commands against the config directory', async () => {
    const dir = project({ 'rehearse.config.yaml': 'source: command\ncommand:\n  preset: alembic\n  cwd: app\n  env: { ALEMBIC_CONFIG: alembic.ini }\nsandbox: false\n' });
    const config = await loadConfigFile(join(dir, 'rehearse.config.yaml'));
    expect(config.source).toBe('command');
    expect(config.sandbox).toBe(false);
    expect(config.command).toMatchObject({ preset: 'alembic', cwd: resolve(dir, 'app'), env: { ALEMBIC_CONFIG: 'alembic.ini' } });
  });

  it('names a bad command block at its line', async () => {
    const dir = project({ 'rehearse.config.yaml': 'source: command\ncommand:\n  preset: alembc\nsandbox: maybe\n' });
    const lines = (await loadError(join(dir, 'rehearse.config.yaml'))).message.split('\n');
    expect(lines[0]).toMatch(/rehearse\.config\.yaml:3:11: command\.preset: expected one of alembic, django, rails, sqitch, nova-manage, got string "alembc"$/);
    expect(lines[1]).toMatch(/rehearse\.config\.yaml:4:10: sandbox: expected true or false, got "maybe"$/);
  });
});
