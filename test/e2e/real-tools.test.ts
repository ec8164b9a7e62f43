// The real tools, installed from the npm registry (dbmate's binary, drizzle-orm's migrator), migrate
// a database the way production was migrated; pg_dump takes it as production's dump; rehearse
// then restores that dump, reads the version from the tool's own history table, and rehearses the
// migrations the tool has not applied yet. What the tool wrote must be what rehearse continues from.
import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, REPO, runCli, type CliResult, type Project } from './cli.ts';

const run = promisify(execFile);
const FIXTURES = join(REPO, 'test/fixtures/sources');

/** A database of the test's own (never one of rehearse's), on the test server. */
async function ownDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `realtool_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function sql(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

describeEngine('postgres', (engine) => {
  describe('dbmate 2.24 (npm) migrated production', () => {
    let project: Project;
    let r: CliResult;
    let dropDb: () => Promise<void>;
    beforeAll(async () => {
      project = await makeProject({});
      await cp(join(FIXTURES, 'dbmate/db/migrations'), join(project.dir, 'migrations'), { recursive: true });
      const db = await ownDatabase(engine.url!);
      dropDb = db.drop;
      // Production ran the first two migrations with dbmate itself; the last two are the change.
      await cp(join(project.dir, 'migrations'), join(project.dir, 'applied'), { recursive: true });
      await run('rm', [join(project.dir, 'applied/20261121143538_index_projects_slug.sql'), join(project.dir, 'applied/20261121143539_backfill_slugs.sql')]);
      const dbmate = join(REPO, 'node_modules/.bin/dbmate');
      await run(dbmate, ['--url', `${db.url}?sslmode=disable`, '--migrations-dir', join(project.dir, 'applied'), '--no-dump-schema', 'up']);
      await sql(db.url, "INSERT INTO projects (name) VALUES ('Linux Kernel'), ('QEMU'), ('Open vSwitch')");
      const { stdout } = await run('pg_dump', ['--no-owner', '--no-privileges', db.url], { maxBuffer: 64 * 1024 * 1024 });
      await writeFile(join(project.dir, 'prod.sql'), stdout);
      r = await runCli(['run', ...engineArgs('postgres'), '--source', 'dbmate', '--migrations', 'migrations', '--dataset', 'prod.sql', '--no-history', '--json', 'r.json'], project.dir);
    }, 180_000);
    afterAll(async () => {
      await dropDb?.();
      await project?.dispose();
    });

    it("reads the dump's version from dbmate's schema_migrations and rehearses what dbmate has not applied", () => {
      expect(r.code, r.stderr).toBe(0);
      const target = r.report!.targets[0]!;
      expect(target.dataset.version).toBe('20261121143537');
      expect(target.steps.filter((s) => s.phase === 'change').map((s) => [s.migration, s.status])).toEqual([
        ['20261121143538_index_projects_slug', 'success'],
        ['20261121143539_backfill_slugs', 'success'],
      ]);
      // The round trip passes through dbmate's table as dbmate keeps it: versions recorded and removed.
      expect(target.steps.filter((s) => s.phase === 'reapply').every((s) => s.status === 'success')).toBe(true);
      expect(target.schemaDrift?.differences).toEqual([]);
    });
  });

  describe("drizzle-orm 0.45 (npm) migrator migrated production", () => {
    let project: Project;
    let r: CliResult;
    let dropDb: () => Promise<void>;
    beforeAll(async () => {
      project = await makeProject({});
      await cp(join(FIXTURES, 'drizzle/drizzle'), join(project.dir, 'drizzle'), { recursive: true });
      const db = await ownDatabase(engine.url!);
      dropDb = db.drop;
      // Production's journal listed the first migration only; the change adds the next two.
      await cp(join(project.dir, 'drizzle'), join(project.dir, 'applied'), { recursive: true });
      const journalPath = join(project.dir, 'applied/meta/_journal.json');
      const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: unknown[] };
      await writeFile(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }, null, 2));
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      const pool = new pg.Pool({ connectionString: db.url });
      try {
        await migrate(drizzle(pool), { migrationsFolder: join(project.dir, 'applied') });
      } finally {
        await pool.end();
      }
      await sql(db.url, `INSERT INTO "projects" (name) VALUES ('Linux Kernel'), ('QEMU')`);
      const { stdout } = await run('pg_dump', ['--no-owner', '--no-privileges', db.url], { maxBuffer: 64 * 1024 * 1024 });
      await writeFile(join(project.dir, 'prod.sql'), stdout);
      r = await runCli(['run', ...engineArgs('postgres'), '--source', 'drizzle', '--migrations', 'drizzle', '--dataset', 'prod.sql', '--no-history', '--json', 'r.json'], project.dir);
    }, 180_000);
    afterAll(async () => {
      await dropDb?.();
      await project?.dispose();
    });

    it("reads the dump's version from drizzle.__drizzle_migrations and rehearses the rest of the journal", () => {
      expect(r.code, r.stderr).toBe(0);
      const target = r.report!.targets[0]!;
      expect(target.dataset.version).toBe('0000');
      expect(target.steps.filter((s) => s.phase === 'change').map((s) => [s.migration, s.status])).toEqual([
        ['0001_add_patch_hash', 'success'],
        ['0002_slippery_penance', 'success'],
      ]);
      expect(target.notes.join('\n')).toMatch(/rollback and reapply not rehearsed: drizzle keeps no down migrations/);
    });
  });
});
