// Prisma Migrate's _prisma_migrations on every engine: the schema engine's table, a row started
// before the script and finished after it, a failure left unfinished with its logs (what makes
// `migrate deploy` stop with P3009), no downs; and the rows Prisma 6.19.3 itself wrote
// (test/fixtures/sources/tracking/prisma/, PostgreSQL and SQLite) restored and read, then continued.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEveryEngine } from '../../../../test/helpers/engines.ts';
import { readPrismaMigrationsDir, type PrismaMigration } from '../prisma.ts';
import { trackingFor } from './index.ts';
import { asText, FIXTURES, plainMigration, Scratch, step } from './test-support.ts';

describeEveryEngine(({ dialect, kind, create }) => {
  describe('Prisma history table', () => {
    const t = new Scratch(dialect, create);
    const tracking = trackingFor('prisma', dialect);
    let m: PrismaMigration[];

    beforeAll(async () => {
      m = (await readPrismaMigrationsDir(path.join(FIXTURES, 'prisma/migrations'))).migrations;
      await t.open('tracking_prisma');
    });

    afterAll(() => t.close());

    /** Every column but the random id and the timestamps, which are there or not. */
    const rows = async () =>
      (
        await t.session.query<Record<string, unknown>>(
          'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count FROM _prisma_migrations ORDER BY started_at, migration_name',
        )
      ).rows.map((r) => {
        expect(asText(r.id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(r.started_at).not.toBeNull();
        return {
          migration_name: r.migration_name,
          checksum: r.checksum,
          finished: r.finished_at !== null,
          logs: r.logs,
          rolled_back: r.rolled_back_at !== null,
          applied_steps_count: Number(r.applied_steps_count),
        };
      });
    const row = (migration: PrismaMigration, finished: boolean, applied: number, logs: string | null = null) => ({
      migration_name: migration.migrationName,
      checksum: migration.checksum,
      finished,
      logs,
      rolled_back: false,
      applied_steps_count: applied,
    });

    test('no table reads as null; ensure creates the schema engine\'s table, once', async () => {
      expect(tracking.table).toBe('_prisma_migrations');
      expect(await tracking.read(t.session)).toBeNull();
      await tracking.ensure(t.session);
      await tracking.ensure(t.session);
      const expected = {
        postgres: [
          'id character varying(36) NOT NULL',
          'checksum character varying(64) NOT NULL',
          'finished_at timestamp with time zone NULL',
          'migration_name character varying(255) NOT NULL',
          'logs text NULL',
          'rolled_back_at timestamp with time zone NULL',
          'started_at timestamp with time zone NOT NULL default now()',
          'applied_steps_count integer NOT NULL default 0',
          '_prisma_migrations_pkey PRIMARY KEY id',
        ],
        mysql: [
          'id varchar(36) NOT NULL PRI',
          'checksum varchar(64) NOT NULL',
          'finished_at datetime(3) NULL default NULL',
          'migration_name varchar(255) NOT NULL',
          'logs text NULL default NULL',
          'rolled_back_at datetime(3) NULL default NULL',
          'started_at datetime(3) NOT NULL default current_timestamp(3)',
          'applied_steps_count int(10) unsigned NOT NULL default 0',
          'PRIMARY UNIQUE id',
          'collation utf8mb4_unicode_ci',
        ],
        sqlite: [
          'CREATE TABLE "_prisma_migrations" (\n' +
            '    "id"                    TEXT PRIMARY KEY NOT NULL,\n' +
            '    "checksum"              TEXT NOT NULL,\n' +
            '    "finished_at"           DATETIME,\n' +
            '    "migration_name"        TEXT NOT NULL,\n' +
            '    "logs"                  TEXT,\n' +
            '    "rolled_back_at"        DATETIME,\n' +
            '    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,\n' +
            '    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0\n' +
            ')',
        ],
      }[dialect];
      expect(await t.shape('_prisma_migrations')).toEqual(expected);
      expect(await tracking.read(t.session)).toEqual({ version: null, dirty: false });
    });

    test('a row is started before the script and finished after it', async () => {
      const [first, second] = [m[0]!, m[1]!];
      await tracking.beforeStep(t.session, step(first, 'up', first.versionNumber));
      // While the script runs (or if the process died there), Prisma sees an unfinished migration.
      expect(await rows()).toEqual([row(first, false, 0)]);
      expect(await tracking.read(t.session)).toEqual({ version: first.versionNumber, dirty: true });
      await tracking.afterStep(t.session, step(first, 'up', first.versionNumber), { status: 'success', durationMs: 5 });
      expect(await rows()).toEqual([row(first, true, 1)]);
      await tracking.beforeStep(t.session, step(second, 'up', second.versionNumber));
      await tracking.afterStep(t.session, step(second, 'up', second.versionNumber), { status: 'success', durationMs: 5 });
      expect(await rows()).toEqual([row(first, true, 1), row(second, true, 1)]);
      expect(await tracking.read(t.session)).toEqual({ version: 20240102120000n, dirty: false });
      expect(await tracking.readRestored(t.session)).toEqual({ version: '20240102120000', dirty: false });
      if (dialect === 'sqlite') {
        // The native schema engine binds timestamps as integer milliseconds on SQLite.
        const { rows: types } = await t.session.query<{ s: string; f: string }>('SELECT typeof(started_at) AS s, typeof(finished_at) AS f FROM _prisma_migrations');
        expect(types).toEqual([
          { s: 'integer', f: 'integer' },
          { s: 'integer', f: 'integer' },
        ]);
      }
    });

    test('a failed migration stays unfinished, its error in logs: Prisma stops there (P3009)', async () => {
      const broken = m[2]!;
      await tracking.beforeStep(t.session, step(broken, 'up', broken.versionNumber));
      await tracking.afterStep(t.session, step(broken, 'up', broken.versionNumber), { status: 'error', durationMs: 5, error: 'relation "no_such_table" does not exist' });
      expect((await rows()).at(-1)).toEqual(row(broken, false, 0, 'relation "no_such_table" does not exist'));
      expect(await tracking.read(t.session)).toEqual({ version: 20240103120000n, dirty: true });
      // Without the error, logs still say the migration failed.
      await tracking.beforeStep(t.session, step(broken, 'up', broken.versionNumber));
      await tracking.afterStep(t.session, step(broken, 'up', broken.versionNumber), { status: 'error', durationMs: 5 });
      expect(asText((await rows()).at(-1)?.logs)).toMatch(/the migration failed/);
    });

    test('`prisma migrate resolve --rolled-back` takes failed rows out; applied again, the version is clean', async () => {
      const broken = m[2]!;
      await t.session.query(`UPDATE _prisma_migrations SET rolled_back_at = ${dialect === 'postgres' ? 'now()' : dialect === 'mysql' ? 'NOW(3)' : '0'} WHERE finished_at IS NULL`);
      expect(await tracking.read(t.session)).toEqual({ version: 20240102120000n, dirty: false });
      await tracking.beforeStep(t.session, step(broken, 'up', broken.versionNumber));
      await tracking.afterStep(t.session, step(broken, 'up', broken.versionNumber), { status: 'success', durationMs: 5 });
      expect(await tracking.read(t.session)).toEqual({ version: 20240103120000n, dirty: false });
    });

    test('no down migrations; a migration not read by the Prisma reader is refused', async () => {
      await expect(tracking.beforeStep(t.session, step(m[1]!, 'down', m[0]!.versionNumber))).rejects.toThrow(/Prisma Migrate has no down migrations/);
      await expect(tracking.afterStep(t.session, step(m[1]!, 'down', m[0]!.versionNumber), { status: 'success', durationMs: 1 })).rejects.toThrow(
        /Prisma Migrate has no down migrations/,
      );
      await expect(tracking.beforeStep(t.session, step(plainMigration('5'), 'up', 5n))).rejects.toThrow(/Prisma tracking needs the migration as the Prisma reader returns it/);
    });

    test('readRestored: the table a dump created (PostgreSQL: with the empty search_path pg_dump leaves)', async () => {
      await t.drop('_prisma_migrations');
      const values =
        "('6f0b1f4e-9f5e-4f55-9b1a-1d4d2c1e0a01', 'aa', '2024-01-01 12:00:01', '0_init', NULL, NULL, '2024-01-01 12:00:00', 1), " +
        "('6f0b1f4e-9f5e-4f55-9b1a-1d4d2c1e0a02', 'bb', '2024-01-02 12:00:01', '20240102120000_add_slug', NULL, NULL, '2024-01-02 12:00:00', 1), " +
        "('6f0b1f4e-9f5e-4f55-9b1a-1d4d2c1e0a03', 'cc', NULL, '20240103120000_broken', 'boom', '2024-01-03 13:00:00', '2024-01-03 12:00:00', 0)";
      const script = {
        postgres:
          "SELECT pg_catalog.set_config('search_path', '', false); " +
          'CREATE TABLE public._prisma_migrations (id character varying(36) NOT NULL, checksum character varying(64) NOT NULL, finished_at timestamp with time zone, ' +
          'migration_name character varying(255) NOT NULL, logs text, rolled_back_at timestamp with time zone, started_at timestamp with time zone DEFAULT now() NOT NULL, ' +
          `applied_steps_count integer DEFAULT 0 NOT NULL); INSERT INTO public._prisma_migrations VALUES ${values};`,
        mysql:
          'CREATE TABLE `_prisma_migrations` (`id` varchar(36) NOT NULL, `checksum` varchar(64) NOT NULL, `finished_at` datetime(3) DEFAULT NULL, ' +
          '`migration_name` varchar(255) NOT NULL, `logs` text DEFAULT NULL, `rolled_back_at` datetime(3) DEFAULT NULL, `started_at` datetime(3) NOT NULL DEFAULT current_timestamp(3), ' +
          `\`applied_steps_count\` int(10) unsigned NOT NULL DEFAULT 0, PRIMARY KEY (\`id\`)); INSERT INTO \`_prisma_migrations\` VALUES ${values};`,
        sqlite:
          'CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, ' +
          `"rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0); INSERT INTO _prisma_migrations VALUES ${values};`,
      }[dialect];
      await t.session.exec(script);
      // The broken migration was rolled back: the newest one that counts is 20240102120000.
      expect(await tracking.readRestored(t.session)).toEqual({ version: '20240102120000', dirty: false });
      await t.reconnect();
      expect(await tracking.read(t.session)).toEqual({ version: 20240102120000n, dirty: false });
    });

    if (dialect === 'mysql') {
      test('no rows written by Prisma itself on MySQL/MariaDB: its WebAssembly schema engine (the only one runnable here) has no MySQL support', () => {
        console.warn(`[rehearse tests] ${kind}: Prisma fixture not available (see docs/migration-sources.md)`);
      });
      return;
    }

    test('the rows Prisma 6.19.3 wrote (`migrate deploy`: two migrations applied, the third failed), restored: read, then continued', async () => {
      await t.drop('_prisma_migrations');
      await t.restoreFixture('prisma');
      expect(await tracking.readRestored(t.session)).toEqual({ version: '20240103120000', dirty: true });
      await t.reconnect();
      expect(await tracking.read(t.session)).toEqual({ version: 20240103120000n, dirty: true });
      const written = await rows();
      expect(written.map((r) => ({ ...r, logs: r.logs === null ? null : 'logs' }))).toEqual([row(m[0]!, true, 1), row(m[1]!, true, 1), row(m[2]!, false, 0, 'logs')]);

      const shape = await t.shape('_prisma_migrations');

      // The same table, and the same steps give the same rows but for ids, times and the error's text.
      await t.drop('_prisma_migrations');
      await tracking.ensure(t.session);
      expect(await t.shape('_prisma_migrations')).toEqual(shape);
      for (const [i, migration] of m.entries()) {
        await tracking.beforeStep(t.session, step(migration, 'up', migration.versionNumber));
        await tracking.afterStep(t.session, step(migration, 'up', migration.versionNumber), { status: i < 2 ? 'success' : 'error', durationMs: 1, error: 'logs' });
      }
      expect(await rows()).toEqual(written.map((r) => ({ ...r, logs: r.logs === null ? null : 'logs' })));
    });
  });
});
