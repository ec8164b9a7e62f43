// Flyway's flyway_schema_history on every engine: Flyway's create script, a row per migration run
// (installed_rank, checksum, installed_by, execution_time, success), a failure recorded only where
// Flyway could not roll it back, undo rows (Flyway Teams), and the current version as Flyway's
// MigrationInfoService works it out. Flyway itself could not be run here: the expectations come
// from its source (see flyway.ts).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEveryEngine } from '../../../../test/helpers/engines.ts';
import { encodeDottedVersion } from '../version-order.ts';
import { readFlywayDir, type FlywayMigration } from '../flyway.ts';
import { currentState } from './flyway.ts';
import { trackingFor } from './index.ts';
import { asText, FIXTURES, plainMigration, prepared, Scratch, step } from './test-support.ts';

const v = (version: string) => encodeDottedVersion(version.split('.').map(BigInt)) as bigint;

describe('Flyway current version (MigrationInfoServiceImpl)', () => {
  const row = (rank: number, version: string | null, type = 'SQL', success = true) => ({ rank, version, type, success });

  test('the highest applied version; 1.10 above 1.9; repeatables, the schema marker and failures', () => {
    expect(currentState([])).toEqual({ version: null, dirty: false });
    expect(currentState([row(0, null, 'SCHEMA'), row(1, '1', 'BASELINE'), row(2, '1.10'), row(3, '1.9'), row(4, null)])).toEqual({ version: '1.10', dirty: false });
    // A failed migration counts as current (Flyway's current() includes it), and Flyway stops there.
    expect(currentState([row(1, '1'), row(2, '2', 'SQL', false)])).toEqual({ version: '2', dirty: true });
    // A failed repeatable also stops Flyway.
    expect(currentState([row(1, '1'), row(2, null, 'SQL', false)])).toEqual({ version: '1', dirty: true });
  });

  test('a successful undo takes the latest row of its version out; a failed one does not; `repair`\'s DELETE marker too', () => {
    expect(currentState([row(1, '1'), row(2, '1.1'), row(3, '1.1', 'UNDO_SQL')])).toEqual({ version: '1', dirty: false });
    expect(currentState([row(1, '1'), row(2, '1.1'), row(3, '1.1', 'UNDO_SQL'), row(4, '1.1')])).toEqual({ version: '1.1', dirty: false });
    expect(currentState([row(1, '1'), row(2, '1.1'), row(3, '1.1', 'UNDO_SQL', false)])).toEqual({ version: '1.1', dirty: true });
    expect(currentState([row(1, '1'), row(2, '2'), row(3, '2', 'DELETE')])).toEqual({ version: '1', dirty: false });
    // Ranks, not row order, decide.
    expect(currentState([row(3, '1.1', 'UNDO_SQL'), row(1, '1'), row(2, '1.1')])).toEqual({ version: '1', dirty: false });
  });
});

describeEveryEngine(({ dialect, create }) => {
  describe('Flyway history table', () => {
    const t = new Scratch(dialect, create);
    const tracking = trackingFor('flyway', dialect);
    let m: FlywayMigration[];
    let user: string;

    beforeAll(async () => {
      m = (await readFlywayDir(path.join(FIXTURES, 'flyway/db/migration'))).migrations;
      await t.open('tracking_flyway');
      const sql = { postgres: 'SELECT current_user AS u', mysql: "SELECT SUBSTRING_INDEX(USER(),'@',1) AS u", sqlite: "SELECT '' AS u" }[dialect];
      user = String((await t.session.query<{ u: string }>(sql)).rows[0]!.u);
    });

    afterAll(() => t.close());

    const rows = async () =>
      (
        await t.session.query<Record<string, unknown>>(
          `SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success, installed_on FROM flyway_schema_history ORDER BY installed_rank`,
        )
      ).rows.map((r) => {
        const on = r.installed_on instanceof Date ? r.installed_on.toISOString() : asText(r.installed_on);
        expect(on, 'installed_on is filled by the column default').toMatch(/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d/);
        return [
          Number(r.installed_rank),
          asText(r.version),
          r.description,
          r.type,
          r.script,
          r.checksum === null ? null : Number(r.checksum),
          r.installed_by,
          Number(r.execution_time),
          r.success === true || Number(r.success) === 1,
        ];
      });
    const ok = (durationMs: number) => ({ status: 'success' as const, durationMs });
    const failed = (durationMs: number) => ({ status: 'error' as const, durationMs });

    test('no table reads as null; ensure runs Flyway\'s create script once', async () => {
      expect(tracking.table).toBe('flyway_schema_history');
      expect(await tracking.read(t.session)).toBeNull();
      await tracking.ensure(t.session);
      await tracking.ensure(t.session);
      const expected = {
        postgres: [
          'installed_rank integer NOT NULL',
          'version character varying(50) NULL',
          'description character varying(200) NOT NULL',
          'type character varying(20) NOT NULL',
          'script character varying(1000) NOT NULL',
          'checksum integer NULL',
          'installed_by character varying(100) NOT NULL',
          'installed_on timestamp without time zone NOT NULL default now()',
          'execution_time integer NOT NULL',
          'success boolean NOT NULL',
          'flyway_schema_history_pk PRIMARY KEY installed_rank',
          'flyway_schema_history_s_idx INDEX success',
        ],
        mysql: [
          'installed_rank int(11) NOT NULL PRI',
          'version varchar(50) NULL default NULL',
          'description varchar(200) NOT NULL',
          'type varchar(20) NOT NULL',
          'script varchar(1000) NOT NULL',
          'checksum int(11) NULL default NULL',
          'installed_by varchar(100) NOT NULL',
          'installed_on timestamp NOT NULL default current_timestamp()',
          'execution_time int(11) NOT NULL',
          'success tinyint(1) NOT NULL MUL',
          'flyway_schema_history_s_idx success',
          'PRIMARY UNIQUE installed_rank',
          expect.stringMatching(/^collation /),
        ],
        sqlite: [
          'CREATE TABLE "flyway_schema_history" (\n' +
            '    "installed_rank" INT NOT NULL PRIMARY KEY,\n' +
            '    "version" VARCHAR(50),\n' +
            '    "description" VARCHAR(200) NOT NULL,\n' +
            '    "type" VARCHAR(20) NOT NULL,\n' +
            '    "script" VARCHAR(1000) NOT NULL,\n' +
            '    "checksum" INT,\n' +
            '    "installed_by" VARCHAR(100) NOT NULL,\n' +
            `    "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),\n` +
            '    "execution_time" INT NOT NULL,\n' +
            '    "success" BOOLEAN NOT NULL\n' +
            ')',
          'CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success")',
        ],
      }[dialect];
      expect(await t.shape('flyway_schema_history')).toEqual(expected);
      expect(await tracking.read(t.session)).toEqual({ version: null, dirty: false });
    });

    test('one row per migration: rank, version as displayed, description, SQL, script, checksum, user, whole milliseconds, success', async () => {
      for (const [migration, ms] of [
        [m[0]!, 12.9],
        [m[1]!, 3.2],
      ] as const) {
        await tracking.beforeStep(t.session, step(migration, 'up', migration.versionNumber));
        await tracking.afterStep(t.session, step(migration, 'up', migration.versionNumber), ok(ms));
      }
      expect(await rows()).toEqual([
        [1, '1', 'create projects', 'SQL', 'V1__create_projects.sql', 482454921, user, 12, true],
        [2, '1.1', 'add slug', 'SQL', 'V1_1__add_slug.sql', -1989521310, user, 3, true],
      ]);
      expect(await tracking.read(t.session)).toEqual({ version: v('1.1'), dirty: false });
      expect(await tracking.readRestored(t.session)).toEqual({ version: '1.1', dirty: false });
    });

    test('a failed migration: a success = false row only where Flyway cannot roll it back', async () => {
      const backfill = m[2]!;
      await tracking.afterStep(t.session, step(prepared(backfill, 'per-file'), 'up', backfill.versionNumber), failed(40));
      if (dialect === 'mysql') {
        // MySQL/MariaDB: no DDL transactions, so Flyway always records the failure.
        expect((await rows()).at(-1)).toEqual([3, '2', 'backfill slugs', 'SQL', 'V2__backfill_slugs.sql', -1764224648, user, 40, false]);
      } else {
        // The migration's transaction rolled back: nothing to record.
        expect(await rows()).toHaveLength(2);
        expect(await tracking.read(t.session)).toEqual({ version: v('1.1'), dirty: false });
        // Run outside a transaction (CREATE INDEX CONCURRENTLY …): Flyway records the failure.
        await tracking.afterStep(t.session, step(prepared(backfill, 'none'), 'up', backfill.versionNumber), failed(40));
        expect((await rows()).at(-1)).toEqual([3, '2', 'backfill slugs', 'SQL', 'V2__backfill_slugs.sql', -1764224648, user, 40, false]);
      }
      // Flyway now refuses to migrate; its current version is the failed one.
      expect(await tracking.read(t.session)).toEqual({ version: v('2'), dirty: true });
      expect(await tracking.readRestored(t.session)).toEqual({ version: '2', dirty: true });
      // `flyway repair` deletes failed rows.
      await t.session.query(`DELETE FROM flyway_schema_history WHERE success = ${dialect === 'postgres' ? 'FALSE' : '0'}`);
      expect(await tracking.read(t.session)).toEqual({ version: v('1.1'), dirty: false });
    });

    test('an undo (Flyway Teams) adds an UNDO_SQL row with the undo file\'s description, script and checksum; the version falls back', async () => {
      const slug = m[1]!;
      await tracking.beforeStep(t.session, step(slug, 'down', m[0]!.versionNumber));
      await tracking.afterStep(t.session, step(slug, 'down', m[0]!.versionNumber), ok(1));
      expect((await rows()).at(-1)).toEqual([3, '1.1', 'drop slug', 'UNDO_SQL', 'U1_1__drop_slug.sql', 572239266, user, 1, true]);
      expect(await tracking.read(t.session)).toEqual({ version: v('1'), dirty: false });
      // Migrated again: a new SQL row, and 1.1 is current again.
      await tracking.afterStep(t.session, step(slug, 'up', slug.versionNumber), ok(2));
      expect((await rows()).at(-1)).toEqual([4, '1.1', 'add slug', 'SQL', 'V1_1__add_slug.sql', -1989521310, user, 2, true]);
      expect(await tracking.read(t.session)).toEqual({ version: v('1.1'), dirty: false });
    });

    test('a down without an undo file, and a migration not read by the Flyway reader, are refused', async () => {
      await expect(tracking.afterStep(t.session, step(m[0]!, 'down', null), ok(1))).rejects.toThrow(/V?1_create_projects has no undo migration/);
      await expect(tracking.beforeStep(t.session, step(plainMigration('3'), 'up', 3n))).rejects.toThrow(/Flyway tracking needs the migration as the Flyway reader returns it/);
    });

    test('installedBy, when set, is written instead of the database user', async () => {
      const named = trackingFor('flyway', dialect, { installedBy: 'deployer' });
      await named.afterStep(t.session, step(m[2]!, 'up', m[2]!.versionNumber), ok(5));
      expect((await rows()).at(-1)).toEqual([5, '2', 'backfill slugs', 'SQL', 'V2__backfill_slugs.sql', -1764224648, 'deployer', 5, true]);
      expect(await tracking.read(t.session)).toEqual({ version: v('2'), dirty: false });
    });

    test('readRestored: the table a dump created (PostgreSQL: with the empty search_path pg_dump leaves), a baseline row included', async () => {
      await t.drop('flyway_schema_history');
      const values =
        "(1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'admin', '2024-01-01 12:00:00', 0, TRUE), " +
        "(2, '1.2', 'add slug', 'SQL', 'V1_2__add_slug.sql', 123, 'admin', '2024-01-02 12:00:00', 7, TRUE), " +
        "(3, '1.10', 'index slug', 'SQL', 'V1_10__index_slug.sql', 456, 'admin', '2024-01-03 12:00:00', 9, TRUE)";
      const script = {
        postgres:
          "SELECT pg_catalog.set_config('search_path', '', false); " +
          'CREATE TABLE public.flyway_schema_history (installed_rank integer NOT NULL, version character varying(50), description character varying(200) NOT NULL, ' +
          'type character varying(20) NOT NULL, script character varying(1000) NOT NULL, checksum integer, installed_by character varying(100) NOT NULL, ' +
          'installed_on timestamp without time zone DEFAULT now() NOT NULL, execution_time integer NOT NULL, success boolean NOT NULL); ' +
          `INSERT INTO public.flyway_schema_history VALUES ${values};`,
        mysql:
          'CREATE TABLE `flyway_schema_history` (`installed_rank` int(11) NOT NULL, `version` varchar(50) DEFAULT NULL, `description` varchar(200) NOT NULL, ' +
          '`type` varchar(20) NOT NULL, `script` varchar(1000) NOT NULL, `checksum` int(11) DEFAULT NULL, `installed_by` varchar(100) NOT NULL, ' +
          '`installed_on` timestamp NOT NULL DEFAULT current_timestamp(), `execution_time` int(11) NOT NULL, `success` tinyint(1) NOT NULL, PRIMARY KEY (`installed_rank`)); ' +
          `INSERT INTO \`flyway_schema_history\` VALUES ${values};`,
        sqlite:
          'CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, ' +
          '"type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, ' +
          `"installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL); ` +
          `INSERT INTO flyway_schema_history VALUES ${values.replaceAll('TRUE', '1')};`,
      }[dialect];
      await t.session.exec(script);
      expect(await tracking.readRestored(t.session)).toEqual({ version: '1.10', dirty: false });
      await t.reconnect();
      expect(await tracking.read(t.session)).toEqual({ version: v('1.10'), dirty: false });
      // Continued: the next rank after the restored rows.
      await tracking.afterStep(t.session, step(m[2]!, 'up', m[2]!.versionNumber), ok(1));
      expect((await rows()).at(-1)?.slice(0, 4)).toEqual([4, '2', 'backfill slugs', 'SQL']);
    });
  });
});
