// dbmate's schema_migrations on every engine: the table dbmate creates, a row per applied version,
// deleted by a rollback, nothing for a failure; and the rows dbmate 2.36.0 itself wrote
// (test/fixtures/sources/tracking/dbmate/) restored and read, then continued.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEveryEngine } from '../../../../test/helpers/engines.ts';
import { readDbmateDir, type DbmateMigration } from '../dbmate.ts';
import { trackingFor } from './index.ts';
import { asText, FIXTURES, plainMigration, Scratch, step } from './test-support.ts';

describeEveryEngine(({ dialect, create }) => {
  describe('dbmate history table', () => {
    const t = new Scratch(dialect, create);
    const tracking = trackingFor('dbmate', dialect);
    let m: DbmateMigration[];

    beforeAll(async () => {
      m = await readDbmateDir(path.join(FIXTURES, 'dbmate/db/migrations'));
      await t.open('tracking_dbmate');
    });

    afterAll(() => t.close());

    const versions = async () => (await t.session.query<{ version: unknown }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => asText(r.version));

    test('no table reads as null; ensure creates dbmate\'s table, twice over', async () => {
      expect(tracking.table).toBe('schema_migrations');
      expect(await tracking.read(t.session)).toBeNull();
      await tracking.ensure(t.session);
      await tracking.ensure(t.session);
      const expected = {
        postgres: ['version character varying NOT NULL', 'schema_migrations_pkey PRIMARY KEY version'],
        mysql: ['version varchar(128) NOT NULL PRI', 'PRIMARY UNIQUE version', expect.stringMatching(/^collation /)],
        sqlite: ['CREATE TABLE "schema_migrations" (version varchar(128) primary key)'],
      }[dialect];
      expect(await t.shape('schema_migrations')).toEqual(expected);
      expect(await tracking.read(t.session)).toEqual({ version: null, dirty: false });
    });

    test('up inserts the version as written, down deletes it, a failure changes nothing', async () => {
      const [first, second] = [m[0]!, m[1]!];
      for (const [migration, after] of [
        [first, first.versionNumber],
        [second, second.versionNumber],
      ] as const) {
        await tracking.beforeStep(t.session, step(migration, 'up', after));
        await tracking.afterStep(t.session, step(migration, 'up', after), { status: 'success', durationMs: 3 });
      }
      expect(await versions()).toEqual(['20240101120000', '20240102120000']);
      expect(await tracking.read(t.session)).toEqual({ version: 20240102120000n, dirty: false });

      // A failed rollback: dbmate's transaction takes the delete with it.
      await tracking.beforeStep(t.session, step(second, 'down', first.versionNumber));
      await tracking.afterStep(t.session, step(second, 'down', first.versionNumber), { status: 'error', durationMs: 1 });
      expect(await versions()).toEqual(['20240101120000', '20240102120000']);

      await tracking.afterStep(t.session, step(second, 'down', first.versionNumber), { status: 'success', durationMs: 1 });
      expect(await versions()).toEqual(['20240101120000']);
      expect(await tracking.read(t.session)).toEqual({ version: 20240101120000n, dirty: false });

      await tracking.afterStep(t.session, step(second, 'up', second.versionNumber), { status: 'error', durationMs: 1 });
      expect(await versions()).toEqual(['20240101120000']);
      expect(await tracking.read(t.session)).toEqual({ version: 20240101120000n, dirty: false });

      await tracking.afterStep(t.session, step(first, 'down', null), { status: 'success', durationMs: 1 });
      expect(await tracking.read(t.session)).toEqual({ version: null, dirty: false });
    });

    test('a migration not read by the dbmate reader is refused with a clear error', async () => {
      await expect(tracking.afterStep(t.session, step(plainMigration('7'), 'up', 7n), { status: 'success', durationMs: 1 })).rejects.toThrow(
        /dbmate tracking needs the migration as the dbmate reader returns it .*7_plain is a plain migration/,
      );
    });

    test('readRestored: the table a dump created (PostgreSQL: with the empty search_path pg_dump leaves); versions as text', async () => {
      await t.drop('schema_migrations');
      const script = {
        postgres:
          "SELECT pg_catalog.set_config('search_path', '', false); CREATE TABLE public.schema_migrations (version character varying NOT NULL); " +
          "INSERT INTO public.schema_migrations VALUES ('001'), ('20240102120000'), ('9');",
        mysql: "CREATE TABLE `schema_migrations` (`version` varchar(128) NOT NULL, PRIMARY KEY (`version`)); INSERT INTO `schema_migrations` VALUES ('001'),('20240102120000'),('9');",
        sqlite: `CREATE TABLE IF NOT EXISTS "schema_migrations" (version varchar(128) primary key); INSERT INTO schema_migrations VALUES('001'),('20240102120000'),('9');`,
      }[dialect];
      await t.session.exec(script);
      expect(await tracking.readRestored(t.session)).toEqual({ version: '20240102120000', dirty: false });
      await t.reconnect();
      expect(await tracking.read(t.session)).toEqual({ version: 20240102120000n, dirty: false });
    });

    test('the rows dbmate 2.36.0 wrote (`dbmate up` of two migrations), restored from a dump: read, then continued as dbmate would', async () => {
      await t.drop('schema_migrations');
      await t.restoreFixture('dbmate');
      expect(await tracking.readRestored(t.session)).toEqual({ version: '20240102120000', dirty: false });
      await t.reconnect();
      expect(await tracking.read(t.session)).toEqual({ version: 20240102120000n, dirty: false });
      const written = await versions();
      const shape = await t.shape('schema_migrations');

      // The same table, and the same two steps hold the same rows, when rehearse creates it.
      await t.drop('schema_migrations');
      await tracking.ensure(t.session);
      expect(await t.shape('schema_migrations')).toEqual(shape);
      for (const migration of m) await tracking.afterStep(t.session, step(migration, 'up', migration.versionNumber), { status: 'success', durationMs: 1 });
      expect(await versions()).toEqual(written);

      // `dbmate rollback` left the first row only (observed on all three engines).
      await tracking.afterStep(t.session, step(m[1]!, 'down', m[0]!.versionNumber), { status: 'success', durationMs: 1 });
      expect(await versions()).toEqual(['20240101120000']);
    });
  });
});
