// Running command-source commands, with commands of one's own (Node scripts, so nothing but Node
// is needed): templates expanded per argument, the environment built from the scratch database at
// the sandbox's endpoint, the sandbox's network cut, and the errors for what cannot run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError, UsageError } from '../../errors.ts';
import { defaultPath, type Sandbox } from '../../sandbox/index.ts';
import { REPO_ROOT } from '../../sandbox/testing.ts';
import type { CommandConnection } from './connection.ts';
import { currentVersion, listVersions, prepareCommandSandbox, runCommandStep } from './run.ts';
import { commandTestEngines, describeIf, listener, resolved, whySandboxUnavailable, type ScratchDatabase } from './testing.ts';

/** A Node script as a template argument: single-quoted (the scripts use double quotes only). */
const node = (script: string) => `node -e '${script}'`;
const PRINT_ARGS = node('console.log(JSON.stringify(process.argv.slice(1)))');
const PRINT_ENV = node('console.log(JSON.stringify(process.env))');
const PROBE = node(
  'const [h, p] = process.env.PROBE.split(":"); require("net").connect(Number(p), h).on("connect", () => { console.log("connected"); process.exit(0) }).on("error", (e) => { console.log(e.code); process.exit(0) })',
);

describe('commands of one’s own, on SQLite', () => {
  let dir: string;
  let connection: CommandConnection;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rehearse-cmd-run-'));
    connection = { engine: 'sqlite', url: join(dir, 'scratch.db'), database: 'scratch', file: join(dir, 'scratch.db') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const modes = [
    { name: 'sandboxed', sandbox: true, reason: whySandboxUnavailable() },
    { name: 'unsandboxed', sandbox: false, reason: undefined },
  ];
  for (const mode of modes) {
    describeIf(mode.name, mode.reason, () => {
      let sandbox: Sandbox;
      let probe: Awaited<ReturnType<typeof listener>>;
      beforeAll(async () => {
        sandbox = await prepareCommandSandbox(connection, { sandbox: mode.sandbox });
        probe = await listener();
      });
      afterAll(async () => {
        await sandbox?.dispose();
        await probe?.close();
      });

      test('list and current are read one version per line; a version stays one argument', async () => {
        const spec = resolved(
          {
            list: node('console.log("001 create users"); console.log(""); console.log("002")'),
            current: node('console.log("migrating...\\n001")'),
            up: `${PRINT_ARGS} up {version} --name={version}`,
            down: `${PRINT_ARGS} down --to={previous}`,
            base: '0',
          },
          dir,
        );
        expect(await listVersions(spec, connection, sandbox)).toEqual([
          { version: '001', name: 'create users', previous: null },
          { version: '002', previous: '001' },
        ]);
        expect(await currentVersion(spec, connection, sandbox)).toBe('001');
        const evil = `1 --force; touch "${dir}/owned" 'x'`;
        const up = await runCommandStep(spec, { version: evil, direction: 'up' }, connection, sandbox);
        expect(up.exitCode).toBe(0);
        expect(JSON.parse(up.stdout)).toEqual(['up', evil, `--name=${evil}`]);
        expect(up.command.slice(0, 2)).toEqual(['node', '-e']);
        const down = await runCommandStep(spec, { version: '001', previous: null, direction: 'down' }, connection, sandbox);
        expect(JSON.parse(down.stdout)).toEqual(['down', '--to=0']);
        const down2 = await runCommandStep(spec, { version: '002', previous: '001', direction: 'down' }, connection, sandbox);
        expect(JSON.parse(down2.stdout)).toEqual(['down', '--to=001']);
      });

      test('the environment: the database, the configuration’s variables, nothing of rehearse’s', async () => {
        process.env.REHEARSE_CMD_TEST_SECRET = 'hunter2';
        try {
          const spec = resolved({ up: PRINT_ENV, list: 'true', env: { APP_ENV: 'rehearsal' } }, dir);
          const result = await runCommandStep(spec, { version: '1', direction: 'up' }, connection, sandbox);
          expect(JSON.parse(result.stdout)).toEqual({
            APP_ENV: 'rehearsal',
            DATABASE_URL: `sqlite:///${connection.file}`,
            PATH: defaultPath(),
            HOME: sandbox.home,
            LANG: 'C.UTF-8',
          });
        } finally {
          delete process.env.REHEARSE_CMD_TEST_SECRET;
        }
      });

      test(mode.sandbox ? 'a listener on 127.0.0.1 is out of reach' : 'a listener on 127.0.0.1 is reached (the probe works)', async () => {
        const spec = resolved({ up: PROBE, list: 'true', env: { PROBE: probe.address } }, dir);
        const result = await runCommandStep(spec, { version: '1', direction: 'up' }, connection, sandbox);
        expect(result.stdout.trim()).toBe(mode.sandbox ? 'ECONNREFUSED' : 'connected');
      });
    });
  }

  test('a failing list, unreadable output, no such program: errors naming the key and the command', async () => {
    const sandbox = { sandbox: false };
    const failing = resolved({ up: 'true', list: node('console.error("no migrations directory"); process.exit(3)') }, dir);
    const error = await listVersions(failing, connection, sandbox).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`command.list \`node -e 'console.error("no migrations directory"); process.exit(3)'\` exited with status 3:\nno migrations directory`);
    const unreadable = resolved({ preset: 'alembic', list: node('console.log("Usage: alembic [options]")') }, dir);
    await expect(listVersions(unreadable, connection, sandbox)).rejects.toThrow(/^command\.list `node -e .*`: no `<down> -> <revision>, <message>` line in the output of alembic history:\nUsage: alembic \[options\]$/);
    const missing = resolved({ up: 'no-such-migrate-tool up {version}', list: 'true' }, dir);
    await expect(runCommandStep(missing, { version: '1', direction: 'up' }, connection, sandbox)).rejects.toThrow(UsageError);
    await expect(runCommandStep(missing, { version: '1', direction: 'up' }, connection, sandbox)).rejects.toThrow(/cannot run the migration command no-such-migrate-tool: not found in its PATH/);
  });

  test('steps that cannot be expanded are usage errors, before anything runs', async () => {
    const sandbox = { sandbox: false };
    const noDown = resolved({ up: 'true', list: 'true' }, dir);
    await expect(runCommandStep(noDown, { version: '1', direction: 'down' }, connection, sandbox)).rejects.toThrow('it has no `down` command; set command.down');
    const nova = resolved({ preset: 'nova-manage', list: 'true' }, dir);
    await expect(runCommandStep(nova, { version: '1', direction: 'down' }, connection, sandbox)).rejects.toThrow('(preset nova-manage has none)');
    const noBase = resolved({ up: 'true', down: 'tool down {previous}', list: 'true' }, dir);
    await expect(runCommandStep(noBase, { version: '1', previous: null, direction: 'down' }, connection, sandbox)).rejects.toThrow(
      'command.down: {previous} has no value for 1: it is the first version and nothing says what comes before the first (set command.base)',
    );
    await expect(runCommandStep(noBase, { version: '2', direction: 'down' }, connection, sandbox)).rejects.toThrow('does not say which version comes before it');
    const django = resolved({ preset: 'django' }, dir);
    await expect(runCommandStep(django, { version: 'not-a-django-id', direction: 'up' }, connection, sandbox)).rejects.toThrow('app_label.migration_name');
  });

  test('a step over its time limit is killed and says so', async () => {
    const spec = resolved({ up: node('setTimeout(() => {}, 60000)'), list: 'true' }, dir);
    const result = await runCommandStep(spec, { version: '1', direction: 'up' }, connection, { sandbox: false }, { timeoutMs: 300 });
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true });
  });
});

const postgres = commandTestEngines().find((engine) => engine.engine === 'postgres')!;

describeIf('commands of one’s own on PostgreSQL, sandboxed', whySandboxUnavailable() ?? postgres.reason, () => {
  let db: ScratchDatabase;
  let sandbox: Sandbox;
  beforeAll(async () => {
    db = await postgres.create();
    sandbox = await prepareCommandSandbox(db.connection, { sandbox: true });
  });
  afterAll(async () => {
    await sandbox?.dispose();
    await db?.drop();
  });

  test('DATABASE_URL and PG* name the sandbox’s endpoint, which leads to the scratch database; the server’s own address is out of reach', async () => {
    const endpoint = sandbox.endpoint as { host: string; port: number };
    const env = resolved({ up: PRINT_ENV, list: 'true' }, REPO_ROOT);
    const seen = JSON.parse((await runCommandStep(env, { version: '1', direction: 'up' }, db.connection, sandbox)).stdout);
    expect(seen).toMatchObject({ PGHOST: '127.0.0.1', PGPORT: String(endpoint.port), PGDATABASE: db.connection.database, PGUSER: db.connection.user });
    expect(seen.DATABASE_URL).toBe(`postgres://${db.connection.user}@127.0.0.1:${endpoint.port}/${db.connection.database}`);
    expect(`127.0.0.1:${endpoint.port}`).not.toBe(db.serverAddress);

    // The repository's own `pg`, run from its root, connecting with DATABASE_URL.
    const query = node('const c = new (require("pg").Client)(process.env.DATABASE_URL); c.connect().then(() => c.query("SELECT current_database() AS db")).then((r) => console.log(r.rows[0].db)).finally(() => c.end())');
    const connect = resolved({ up: query, list: 'true' }, REPO_ROOT);
    const result = await runCommandStep(connect, { version: '1', direction: 'up' }, db.connection, sandbox);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(db.connection.database);

    const direct = resolved({ up: PROBE, list: 'true', env: { PROBE: db.serverAddress! } }, REPO_ROOT);
    expect((await runCommandStep(direct, { version: '1', direction: 'up' }, db.connection, sandbox)).stdout.trim()).toBe('ECONNREFUSED');
  });
});
