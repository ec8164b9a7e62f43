// The alembic preset against Alembic itself (Debian's python3-alembic), on the fixture project
// test/fixtures/command/alembic: three revisions, the last failing.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CommandConnection } from './connection.ts';
import { prepareCommandSandbox, runCommandStep } from './run.ts';
import { commandTestEngines, copyFixture, describeIf, describeScenario, resolved, whySandboxUnavailable, whyToolMissing, type ScratchDatabase } from './testing.ts';

const alembicMissing = whyToolMissing(['python3', '-c', 'import alembic, sqlalchemy, psycopg2, MySQLdb'], 'python3-alembic python3-psycopg2 python3-mysqldb');

describeScenario({
  preset: 'alembic',
  fixture: 'alembic',
  toolReason: alembicMissing,
  versions: [
    { version: 'a1b2c3d4e5f6', name: 'create widgets', previous: null },
    { version: 'b2c3d4e5f6a7', name: 'add widget price', previous: 'a1b2c3d4e5f6' },
    { version: 'c3d4e5f6a7b8', name: 'backfill from a table that does not exist', previous: 'b2c3d4e5f6a7' },
  ],
  table: 'widgets',
  firstUp: ['-m', 'alembic', 'upgrade', 'a1b2c3d4e5f6'],
  probes: true,
});

// Over the server's Unix socket: the sandbox relays from a socket of the same name in its own
// directory, which DATABASE_URL (`?host=<dir>` / `?unix_socket=<file>`) and PGHOST/MYSQL_UNIX_PORT name.
for (const engine of commandTestEngines().filter((e) => e.engine !== 'sqlite')) {
  describeIf(`the alembic preset on ${engine.engine} over its Unix socket, sandboxed`, whySandboxUnavailable() ?? alembicMissing ?? engine.reason, () => {
    let db: ScratchDatabase;
    let dir: string;
    let socketPath: string | undefined;
    beforeAll(async () => {
      dir = copyFixture('alembic');
      db = await engine.create();
      socketPath = await db.serverSocket();
    });
    afterAll(async () => {
      await db?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('applies and undoes the first revision', async () => {
      if (!socketPath) return console.warn(`[rehearse tests] the ${engine.engine} socket test did not run: the server has no socket on this machine`);
      const connection: CommandConnection = { ...db.connection, socketPath };
      const spec = resolved({ preset: 'alembic' }, dir);
      const sandbox = await prepareCommandSandbox(connection, { sandbox: true });
      try {
        expect('socketPath' in sandbox.endpoint && sandbox.endpoint.socketPath).toMatch(/rehearse-sandbox-/);
        const first = { version: 'a1b2c3d4e5f6', previous: null };
        const up = await runCommandStep(spec, { ...first, direction: 'up' }, connection, sandbox);
        expect(up.exitCode, up.stderr).toBe(0);
        expect(await db.tables()).toEqual(['alembic_version', 'widgets']);
        const down = await runCommandStep(spec, { ...first, direction: 'down' }, connection, sandbox);
        expect(down.exitCode, down.stderr).toBe(0);
        expect(await db.tables()).not.toContain('widgets');
      } finally {
        await sandbox.dispose();
      }
    });
  });
}
