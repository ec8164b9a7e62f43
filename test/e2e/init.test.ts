// `rehearse init` in real projects the tools wrote (test/fixtures/sources/): it finds the tool,
// writes a config and a seed, and `rehearse run` then rehearses the newest migration as written.
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, REPO, runCli, type Project } from './cli.ts';

const FIXTURES = join(REPO, 'test/fixtures/sources');

describe('rehearse init', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.dispose();
    project = undefined;
  });

  for (const [tool, seed, newest] of [
    ['prisma', `INSERT INTO "Project" (name) VALUES ('Linux Kernel'), ('QEMU');`, '20261121143014_add_patch_hash'],
    ['dbmate', "INSERT INTO projects (name, slug) VALUES ('Linux Kernel', NULL), ('QEMU', NULL);", '20261121143539_backfill_slugs'],
    ['drizzle', `INSERT INTO "projects" (name) VALUES ('Linux Kernel');`, '0002_slippery_penance'],
  ] as const) {
    it(`${tool}: writes a config that runs, rehearsing the newest migration`, async () => {
      project = await makeProject({});
      await cp(join(FIXTURES, tool), project.dir, { recursive: true });
      const init = await runCli(['init'], project.dir);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toMatch(new RegExp(`found ${tool} in `));
      const config = await readFile(join(project.dir, 'rehearse.config.yaml'), 'utf8');
      expect(config).toMatch(new RegExp(`^source: ${tool}$`, 'm'));
      expect(config).toMatch(/^engine: pglite /m);
      await writeFile(join(project.dir, 'rehearse/seed.sql'), `${seed}\n`, { flag: 'a' });

      const run = await runCli(['run', '--no-history', '--json', 'r.json'], project.dir);
      expect(run.code, run.stderr).toBe(0);
      const change = run.report!.targets[0]!.steps.filter((s) => s.phase === 'change');
      expect(change.map((s) => [s.migration, s.status])).toEqual([[newest, 'success']]);
    }, 120_000);
  }

  // Tools whose projects run on SQLite here: Alembic and Django as commands (sandboxed), Knex in-process.
  // Django adds a column with a default on SQLite by rebuilding the table: a real table-rewrite.
  for (const [tool, fixture, seed, newest, errors] of [
    ['alembic', 'command/alembic', "INSERT INTO widgets (id, name) VALUES (1, 'sprocket');", 'b2c3d4e5f6a7_add_widget_price', []],
    ['django', 'command/django', "INSERT INTO inventory_item (id, name) VALUES (1, 'bolt');", 'inventory.0002_item_price_cents', ['table-rewrite']],
    ['knex', 'js/knex', "INSERT INTO users (name) VALUES ('ada');", '20240103090000_create_posts', []],
  ] as const) {
    it(`${tool}: writes a config that runs on SQLite, rehearsing the newest migration`, async () => {
      project = await makeProject({});
      await cp(join(REPO, 'test/fixtures', fixture), project.dir, { recursive: true });
      // The failing migrations are for other tests.
      await rm(join(project.dir, 'migrations/versions/c3d4e5f6a7b8_backfill_from_missing_table.py'), { force: true });
      await rm(join(project.dir, 'inventory/migrations/0003_backfill_from_missing_table.py'), { force: true });
      if (tool === 'knex') {
        await mkdir(join(project.dir, 'node_modules'), { recursive: true });
        await symlink(join(REPO, 'node_modules/knex'), join(project.dir, 'node_modules/knex'), 'dir');
      }
      const init = await runCli(['init'], project.dir);
      expect(init.code, init.stderr).toBe(0);
      const config = await readFile(join(project.dir, 'rehearse.config.yaml'), 'utf8');
      expect(config).toMatch(/^engine: sqlite$/m);
      expect(config).toMatch(tool === 'knex' ? /^source: knex$/m : new RegExp(`^source: command\ncommand:\n  preset: ${tool} `, 'm'));
      await writeFile(join(project.dir, 'rehearse/seed.sql'), `${seed}\n`, { flag: 'a' });
      const run = await runCli(['run', '--no-history', '--json', 'r.json'], project.dir);
      expect(run.report!.findings.filter((f) => f.severity === 'error').map((f) => f.hazard)).toEqual(errors);
      expect(run.code, run.stderr).toBe(errors.length > 0 ? 1 : 0);
      const change = run.report!.targets[0]!.steps.filter((s) => s.phase === 'change');
      expect(change.map((s) => [s.migration, s.status])).toEqual([[newest, 'success']]);
    }, 120_000);
  }

  it('refuses to overwrite a config, and says what it looked for in a project without migrations', async () => {
    project = await makeProject({ 'rehearse.config.yaml': 'engine: pglite\n', 'README.md': '# nothing here\n' });
    const again = await runCli(['init'], project.dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/rehearse\.config\.yaml already exists in .*: pass --force to overwrite it/);
    const none = await runCli(['init', '--force'], project.dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no migration tool found in .*: looked for golang-migrate/);
  });
});
