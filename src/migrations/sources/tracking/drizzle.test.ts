// drizzle's __drizzle_migrations on every engine: the migrator's table (PostgreSQL: in schema
// `drizzle`), a row per applied migration (hash, created_at = the journal's `when`), nothing for a
// failure, no downs; the version from the rows or, given the journal, as the migrator decides; and
// the rows drizzle-orm 0.45.4's migrator itself wrote (test/fixtures/sources/tracking/drizzle/)
// restored and read, then compared with what rehearse writes for the same steps.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEveryEngine } from '../../../../test/helpers/engines.ts';
import { readDrizzleDir, type DrizzleMigration } from '../drizzle.ts';
import { trackingFor } from './index.ts';
import { asText, FIXTURES, plainMigration, Scratch, step } from './test-support.ts';

describeEveryEngine(({ dialect, create }) => {
  describe('drizzle history table', () => {
    const t = new Scratch(dialect, create);
    const tracking = trackingFor('drizzle', dialect);
    const table = dialect === 'postgres' ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations';
    let m: DrizzleMigration[];

    beforeAll(async () => {
      m = (await readDrizzleDir(path.join(FIXTURES, 'drizzle/drizzle'))).migrations;
      await t.open('tracking_drizzle');
    });

    afterAll(() => t.close());

    const rows = async () =>
      (await t.session.query<{ id: unknown; hash: unknown; created_at: unknown }>(`SELECT id, hash, created_at FROM ${table} ORDER BY created_at`)).rows.map((r) => ({
        id: asText(r.id),
        hash: r.hash,
        created_at: asText(r.created_at),
      }));
    const ok = { status: 'success' as const, durationMs: 1 };

    test('no table reads as null; ensure creates the migrator\'s table (and schema), twice over', async () => {
      expect(tracking.table).toBe(table);
      expect(await tracking.read(t.session)).toBeNull();
      await tracking.ensure(t.session);
      await tracking.ensure(t.session);
      const expected = {
        postgres: [
          "id integer NOT NULL default nextval('drizzle.__drizzle_migrations_id_seq'::regclass)",
          'hash text NOT NULL',
          'created_at bigint NULL',
          '__drizzle_migrations_pkey PRIMARY KEY id',
        ],
        mysql: ['id bigint(20) unsigned NOT NULL PRI auto_increment', 'hash text NOT NULL', 'created_at bigint(20) NULL default NULL', 'PRIMARY UNIQUE id', expect.stringMatching(/^collation /)],
        sqlite: ['CREATE TABLE "__drizzle_migrations" (\n\t\t\t\tid SERIAL PRIMARY KEY,\n\t\t\t\thash text NOT NULL,\n\t\t\t\tcreated_at numeric\n\t\t\t)'],
      }[dialect];
      expect(await t.shape('__drizzle_migrations', dialect === 'postgres' ? 'drizzle' : undefined)).toEqual(expected);
      expect(await tracking.read(t.session)).toEqual({ version: null, dirty: false });
    });

    test('a row per applied migration, after its statements; nothing for a failed one', async () => {
      for (const migration of m) {
        await tracking.beforeStep(t.session, step(migration, 'up', migration.versionNumber));
        await tracking.afterStep(t.session, step(migration, 'up', migration.versionNumber), ok);
      }
      // SQLite: SERIAL is no SQLite type, so id is no rowid alias and stays NULL, as under drizzle.
      const id = (n: string) => (dialect === 'sqlite' ? null : n);
      expect(await rows()).toEqual([
        { id: id('1'), hash: m[0]!.hash, created_at: '1704110400000' },
        { id: id('2'), hash: m[1]!.hash, created_at: '1704196800000' },
      ]);
      expect(await tracking.read(t.session)).toEqual({ version: 1n, dirty: false });
      expect(await tracking.readRestored(t.session)).toEqual({ version: '0001', dirty: false });

      const next = { ...m[1]!, version: '0002', versionNumber: 2n, id: '0002_next', tag: '0002_next', when: 1704283200000, hash: 'f'.repeat(64) };
      await tracking.afterStep(t.session, step(next, 'up', 2n), { status: 'error', durationMs: 1 });
      expect(await rows()).toHaveLength(2);
      expect(await tracking.read(t.session)).toEqual({ version: 1n, dirty: false });
    });

    test('no down migrations; a migration not read by the drizzle reader is refused', async () => {
      await expect(tracking.beforeStep(t.session, step(m[1]!, 'down', 0n))).rejects.toThrow(/drizzle has no down migrations/);
      await expect(tracking.afterStep(t.session, step(m[1]!, 'down', 0n), ok)).rejects.toThrow(/drizzle has no down migrations/);
      await expect(tracking.afterStep(t.session, step(plainMigration('4'), 'up', 4n), ok)).rejects.toThrow(/drizzle tracking needs the migration as the drizzle reader returns it/);
    });

    test('with the journal, the version is the one the migrator would not apply again (by created_at, not by row count)', async () => {
      // A history squashed to one row holding the newest migration's `when`.
      await t.session.query(`DELETE FROM ${table}`);
      await t.session.query(`INSERT INTO ${table} (hash, created_at) VALUES ('squashed', 1704196800000)`);
      expect(await tracking.read(t.session)).toEqual({ version: 0n, dirty: false });
      const withJournal = trackingFor('drizzle', dialect, { migrations: m });
      expect(await withJournal.read(t.session)).toEqual({ version: 1n, dirty: false });
      expect(await withJournal.readRestored(t.session)).toEqual({ version: '0001', dirty: false });
      // A created_at before every entry: nothing applied as far as the migrator is concerned.
      await t.session.query(`UPDATE ${table} SET created_at = 1`);
      expect(await withJournal.read(t.session)).toEqual({ version: null, dirty: false });
    });

    test('readRestored: the table a dump created (PostgreSQL: in schema drizzle, with the empty search_path pg_dump leaves)', async () => {
      await t.drop(table);
      const values = `('${m[0]!.hash}', 1704110400000), ('${m[1]!.hash}', 1704196800000), ('${'e'.repeat(64)}', 1704283200000)`;
      const script = {
        postgres:
          "SELECT pg_catalog.set_config('search_path', '', false); CREATE SCHEMA drizzle; " +
          'CREATE TABLE drizzle.__drizzle_migrations (id integer NOT NULL, hash text NOT NULL, created_at bigint); ' +
          `INSERT INTO drizzle.__drizzle_migrations VALUES (1, '${m[0]!.hash}', 1704110400000), (2, '${m[1]!.hash}', 1704196800000), (3, '${'e'.repeat(64)}', 1704283200000);`,
        mysql: `CREATE TABLE \`__drizzle_migrations\` (\`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT, \`hash\` text NOT NULL, \`created_at\` bigint(20) DEFAULT NULL, PRIMARY KEY (\`id\`)); INSERT INTO \`__drizzle_migrations\` (hash, created_at) VALUES ${values};`,
        sqlite: `CREATE TABLE "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric); INSERT INTO __drizzle_migrations (hash, created_at) VALUES ${values};`,
      }[dialect];
      await t.session.exec(script);
      expect(await tracking.readRestored(t.session)).toEqual({ version: '0002', dirty: false });
      await t.reconnect();
      expect(await tracking.read(t.session)).toEqual({ version: 2n, dirty: false });
    });

    test('the rows drizzle-orm 0.45.4\'s migrator wrote (two migrations), restored from a dump: read, and the same as rehearse writes', async () => {
      await t.drop(table);
      await t.restoreFixture('drizzle');
      expect(await tracking.readRestored(t.session)).toEqual({ version: '0001', dirty: false });
      await t.reconnect();
      expect(await tracking.read(t.session)).toEqual({ version: 1n, dirty: false });
      expect(await trackingFor('drizzle', dialect, { migrations: m }).read(t.session)).toEqual({ version: 1n, dirty: false });
      const written = await rows();
      const schema = dialect === 'postgres' ? 'drizzle' : undefined;
      const shape = await t.shape('__drizzle_migrations', schema);

      // The same table, and the same rows for the same steps, when rehearse creates it.
      await t.drop(table);
      await tracking.ensure(t.session);
      expect(await t.shape('__drizzle_migrations', schema)).toEqual(shape);
      for (const migration of m) await tracking.afterStep(t.session, step(migration, 'up', migration.versionNumber), ok);
      expect(await rows()).toEqual(written);
    });
  });
});
