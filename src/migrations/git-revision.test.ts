// A real git repository in a temp folder: a base commit and a working tree that differs from it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrationsAt, resolveRevision } from './git-revision.ts';

let repo: string;
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args], { cwd: repo, encoding: 'utf8' });

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'rehearse-git-'));
  mkdirSync(path.join(repo, 'db', 'migrations'), { recursive: true });
  git('init', '-q');
  writeFileSync(path.join(repo, 'db/migrations/0001_a.up.sql'), 'CREATE TABLE a (id int);\n');
  writeFileSync(path.join(repo, 'db/migrations/0001_a.down.sql'), 'DROP TABLE a;\n');
  writeFileSync(path.join(repo, 'db/migrations/notes.txt'), 'not a migration\n');
  writeFileSync(path.join(repo, 'README'), 'x\n');
  git('add', '-A');
  git('commit', '-qm', 'base');
  // The working tree moves on: an edit and a new file that is not committed at all.
  writeFileSync(path.join(repo, 'db/migrations/0001_a.up.sql'), 'CREATE TABLE a (id bigint);\n');
  writeFileSync(path.join(repo, 'db/migrations/0002_b.up.sql'), 'CREATE TABLE b (id int);\n');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('git revisions', () => {
  it("reads the migrations as the revision has them, not the working tree's", async () => {
    const rev = await resolveRevision(path.join(repo, 'db/migrations'), 'HEAD');
    expect(rev).toMatchObject({ rev: 'HEAD', dir: 'db/migrations' });
    expect(rev.commit).toMatch(/^[0-9a-f]{40}$/);
    const { migrations } = await readMigrationsAt(rev);
    expect(migrations.map((m) => m.id)).toEqual(['0001_a']);
    expect(migrations[0]?.up).toEqual({ path: 'HEAD:db/migrations/0001_a.up.sql', sql: 'CREATE TABLE a (id int);\n' });
    expect(migrations[0]?.down?.sql).toBe('DROP TABLE a;\n');
  });

  it('gives an empty list when the directory did not exist on the revision', async () => {
    mkdirSync(path.join(repo, 'other'), { recursive: true });
    const rev = await resolveRevision(path.join(repo, 'other'), 'HEAD');
    expect((await readMigrationsAt(rev)).migrations).toEqual([]);
  });

  it('says what to do with a revision it cannot find, and outside a repository', async () => {
    await expect(resolveRevision(path.join(repo, 'db/migrations'), 'origin/main')).rejects.toThrow(
      /^--base origin\/main: no such revision in .*fetch the target branch first/s,
    );
    const outside = mkdtempSync(path.join(tmpdir(), 'rehearse-nogit-'));
    try {
      await expect(resolveRevision(outside, 'HEAD')).rejects.toThrow(/is not inside a git repository/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses an option-looking revision instead of passing it to git as an option', async () => {
    await expect(resolveRevision(path.join(repo, 'db/migrations'), '--output=/tmp/x')).rejects.toThrow(/no such revision/);
  });
});
