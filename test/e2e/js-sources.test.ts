// Knex, Kysely and node-pg-migrate projects (test/fixtures/js/) rehearsed through the real CLI:
// the tool's own code runs in-process on rehearse's session, so every statement it sends is
// timed and, inside its transactions, its locks are read; its history table is the tool's.
import { cp, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, REPO, runCli, type CliResult, type Project } from './cli.ts';

const CASES = [
  {
    tool: 'knex',
    seed: "INSERT INTO users (name) VALUES ('ada'), ('grace');",
    version: '20240101090000',
    change: ['20240102090000_add_users_email_index', '20240103090000_create_posts'],
    errors: [],
  },
  {
    tool: 'kysely',
    seed: "INSERT INTO person (id, first_name) VALUES (101, 'ada'), (102, 'grace');",
    version: '1704099600000',
    change: ['1704186000000_add_person_email_index', '1704272400000_create_pet'],
    // create_pet inserts a person whose created_at defaults to now(): the reapply writes another
    // time than the change did, which a rollback in production would do too.
    errors: ['downgrade-loses-data'],
  },
  {
    tool: 'node-pg-migrate',
    seed: "INSERT INTO users (name) VALUES ('ada'), ('grace');",
    version: '1704099600000',
    change: ['1704186000000_add-users-email-index', '1704272400000_create-posts'],
    errors: [],
  },
] as const;

describeEachEngine((engine) => {
  for (const c of CASES) {
    let project: Project;
    let r: CliResult;
    beforeAll(async () => {
      project = await makeProject({ 'seed.sql': `${c.seed}\n` });
      await cp(join(REPO, 'test/fixtures/js', c.tool), project.dir, { recursive: true });
      // An installed project: its migrations import the tool, and rehearse loads the project's copy.
      await mkdir(join(project.dir, 'node_modules'), { recursive: true });
      await symlink(join(REPO, 'node_modules', c.tool), join(project.dir, 'node_modules', c.tool), 'dir');
      r = await runCli(['run', ...engineArgs(engine.kind), '--source', c.tool, '--dataset', 'seed.sql', '--dataset-version', c.version, '--no-history', '--json', 'r.json'], project.dir);
    }, 120_000);
    afterAll(() => project?.dispose());

    it(`${c.tool}: rehearses the tool's migrations in-process, statement by statement`, () => {
      expect(r.report!.findings.filter((f) => f.severity === 'error').map((f) => f.hazard)).toEqual(c.errors);
      expect(r.code, r.stderr).toBe(c.errors.length > 0 ? 1 : 0);
      const steps = r.report!.targets[0]!.steps;
      const change = steps.filter((s) => s.phase === 'change');
      expect(change.map((s) => [s.migration, s.status])).toEqual(c.change.map((m) => [m, 'success']));
      // The tool's statements, as it sent them: the table it creates among them.
      const created = change.at(-1)!;
      expect(created.statements.some((s) => /^create table/i.test(s.summary))).toBe(true);
      expect(created.statements.every((s) => s.status === 'success' && s.durationMs >= 0)).toBe(true);
      expect(steps.filter((s) => s.phase === 'reapply').every((s) => s.status === 'success')).toBe(true);
      expect(r.report!.targets[0]!.notes.join('\n')).toMatch(new RegExp(`${c.tool} [0-9.]+ from the project`));
    });
  }
});
