// The history tables' bookkeeping beyond what the step-by-step comparisons with the real tools
// cover (knex.test.ts, kysely.test.ts, node-pg-migrate.test.ts): knex's lock, failed steps, versions
// read back, a dump restored with an empty search_path.
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { describeEngine } from '../../../test/helpers/engines.ts';
import { InputError } from '../../errors.ts';
import type { TrackedStep } from '../tracking.ts';
import { readJsMigrations, trackingFor } from './index.ts';
import { createTestDatabase, FIXTURES, type TestDatabase } from './test-harness.ts';

const open: TestDatabase[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

async function database(dialect: 'postgres' | 'sqlite'): Promise<TestDatabase> {
  const db = await createTestDatabase(dialect);
  open.push(db);
  return db;
}

describe('knex on sqlite', () => {
  describeEngine('sqlite', () => {

    test('the lock is taken before a step and freed after it, failed or not; a held lock is dirty and refuses the next step', async () => {
      const db = await database('sqlite');
      const { migrations } = await readJsMigrations('knex', { projectDir: path.join(FIXTURES, 'knex') });
      const tracking = trackingFor('knex', 'sqlite', { migrations });
      await tracking.ensure(db.session);
      await tracking.ensure(db.session);
      expect((await db.session.query('SELECT * FROM knex_migrations_lock')).rows).toEqual([{ index: 1, is_locked: 0 }]);
      expect(await tracking.read(db.session)).toEqual({ version: null, dirty: false });

      const first: TrackedStep = { migration: migrations[0]!, direction: 'up', versionAfter: migrations[0]!.versionNumber };
      await tracking.beforeStep(db.session, first);
      expect(await tracking.read(db.session)).toEqual({ version: null, dirty: true });
      await expect(tracking.beforeStep(db.session, first)).rejects.toThrow('Migration table is already locked');
      await tracking.afterStep(db.session, first, { status: 'error', durationMs: 1 });
      expect(await tracking.read(db.session)).toEqual({ version: null, dirty: false });
      expect((await db.session.query('SELECT count(*) AS n FROM knex_migrations')).rows).toEqual([{ n: 0 }]);

      for (const m of migrations) {
        const step: TrackedStep = { migration: m, direction: 'up', versionAfter: m.versionNumber };
        await tracking.beforeStep(db.session, step);
        await tracking.afterStep(db.session, step, { status: 'success', durationMs: 1 });
      }
      expect(await tracking.read(db.session)).toEqual({ version: 20240103090000n, dirty: false });
      expect(await tracking.readRestored(db.session)).toEqual({ version: '20240103090000', dirty: false });
      const rows = (await db.session.query('SELECT name, batch, typeof(migration_time) AS t FROM knex_migrations ORDER BY id')).rows;
      expect(rows).toEqual(migrations.map((m, i) => ({ name: m.trackingName, batch: i + 1, t: 'integer' })));
    });

    test('recorded names map to versions through the listed migrations, else through their leading digits', async () => {
      const db = await database('sqlite');
      const tracking = trackingFor('knex', 'sqlite');
      await tracking.ensure(db.session);
      await db.session.query(`INSERT INTO knex_migrations (name, batch) VALUES ('0007_seven.js', 1), ('0012_twelve.js', 1)`);
      expect(await tracking.readRestored(db.session)).toEqual({ version: '0012', dirty: false });
      await db.session.query(`INSERT INTO knex_migrations (name, batch) VALUES ('init.js', 2)`);
      await expect(tracking.read(db.session)).rejects.toThrow(InputError);
    });
  });
});

describe('kysely on sqlite', () => {
  describeEngine('sqlite', () => {

    test('a migration without down keeps its row, as the Migrator keeps it', async () => {
      const db = await database('sqlite');
      const { migrations } = await readJsMigrations('kysely', { projectDir: path.join(FIXTURES, 'kysely') });
      const tracking = trackingFor('kysely', 'sqlite', { migrations });
      await tracking.ensure(db.session);
      const { down: _down, ...withoutDown } = migrations[0]!;
      await tracking.afterStep(db.session, { migration: withoutDown, direction: 'up', versionAfter: 1n }, { status: 'success', durationMs: 1 });
      await tracking.afterStep(db.session, { migration: withoutDown, direction: 'down', versionAfter: null }, { status: 'success', durationMs: 1 });
      expect(await tracking.read(db.session)).toEqual({ version: 1704099600000n, dirty: false });
      await tracking.afterStep(db.session, { migration: migrations[0]!, direction: 'down', versionAfter: null }, { status: 'success', durationMs: 1 });
      expect(await tracking.read(db.session)).toEqual({ version: null, dirty: false });
    });
  });
});

test('node-pg-migrate keeps no history outside PostgreSQL', () => {
  expect(() => trackingFor('node-pg-migrate', 'sqlite')).toThrow(/PostgreSQL only/);
});

describe('every tool', () => {
  describeEngine('postgres', () => {

    test("a restored dump's history is found in public with an empty search_path, and not before it exists", async () => {
      const db = await database('postgres');
      for (const tool of ['knex', 'kysely', 'node-pg-migrate'] as const) {
        const { migrations } = await readJsMigrations(tool, { projectDir: path.join(FIXTURES, tool) });
        const tracking = trackingFor(tool, 'postgres', { migrations });
        expect(await tracking.read(db.session)).toBeNull();
        await tracking.ensure(db.session);
        const step: TrackedStep = { migration: migrations[1]!, direction: 'up', versionAfter: migrations[1]!.versionNumber };
        await tracking.beforeStep(db.session, step);
        await tracking.afterStep(db.session, step, { status: 'success', durationMs: 1 });
        await db.session.query(`SELECT pg_catalog.set_config('search_path', '', false)`);
        expect(await tracking.readRestored(db.session), tool).toEqual({ version: migrations[1]!.version, dirty: false });
        await db.session.query('SET search_path TO DEFAULT');
        expect(await tracking.read(db.session), tool).toEqual({ version: migrations[1]!.versionNumber, dirty: false });
      }
    });
  });
});
