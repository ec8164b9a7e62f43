// bench: reading the migrations directory at `--base` from git, as rehearse does (one `git ls-tree`
// and one `git cat-file --batch` for every file) vs. the baseline a script would write (one
// `git show REV:path` per file), on a generated repository with N migration pairs. Also times the
// comparison of base and head (split with the real parser, diffs of the edited files).
//
//   npx tsx bench/history-from-git.ts [--migrations 1000] [--repeat 5]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readMigrationsAt, resolveRevision, migrationFilesAt } from '../src/migrations/git-revision.ts';
import { readGolangMigrateDir } from '../src/migrations/golang-migrate.ts';
import { compareHistory } from '../src/migrations/history.ts';
import { prepareMigrations } from '../src/migrations/prepare.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('migrations', 1000);
const REPEAT = arg('repeat', 5);

const repo = mkdtempSync(path.join(tmpdir(), 'rehearse-bench-git-'));
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@localhost', ...args], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 30 });
const dir = path.join(repo, 'db', 'migrations');
mkdirSync(dir, { recursive: true });
const version = (i: number) => String(i).padStart(6, '0');
const up = (i: number, edited = false) =>
  `-- migration ${i}\nCREATE TABLE t${i} (\n  id bigint PRIMARY KEY,\n  name text NOT NULL${edited ? ',\n  note text' : ''}\n);\nCREATE INDEX t${i}_name_idx ON t${i} (name);\n`;
for (let i = 1; i <= N; i++) {
  writeFileSync(path.join(dir, `${version(i)}_t${i}.up.sql`), up(i));
  writeFileSync(path.join(dir, `${version(i)}_t${i}.down.sql`), `DROP TABLE t${i};\n`);
}
git('init', '-q');
git('add', '-A');
git('commit', '-qm', 'base');
// The head edits one applied migration in a hundred and adds one.
for (let i = 1; i <= N; i += 100) writeFileSync(path.join(dir, `${version(i)}_t${i}.up.sql`), up(i, true));
writeFileSync(path.join(dir, `${version(N + 1)}_new.up.sql`), 'CREATE TABLE fresh (id int);\n');
writeFileSync(path.join(dir, `${version(N + 1)}_new.down.sql`), 'DROP TABLE fresh;\n');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

try {
  const rev = await resolveRevision(dir, 'HEAD');
  const rehearse: number[] = [];
  const baseline: number[] = [];
  const compare: number[] = [];
  const head = await prepareMigrations(await readGolangMigrateDir(dir), { dialect: 'postgres' });
  let edited = 0;
  for (let r = 0; r < REPEAT; r++) {
    rehearse.push(await time(() => readMigrationsAt(rev)));
    baseline.push(
      await time(async () => {
        for (const f of await migrationFilesAt(rev)) git('show', `HEAD:db/migrations/${f.file}`);
      }),
    );
    const base = await prepareMigrations((await readMigrationsAt(rev)).migrations, { dialect: 'postgres' });
    compare.push(await time(async () => (edited = compareHistory(base, head).rewritten.length)));
  }
  const files = 2 * N;
  console.log(`history from git: ${files} files (${N} migration pairs), ${REPEAT} repetitions, median`);
  console.log(`  rehearse (ls-tree + one cat-file --batch): ${median(rehearse).toFixed(0)} ms`);
  console.log(`  baseline (git show per file):             ${median(baseline).toFixed(0)} ms  (${(median(baseline) / median(rehearse)).toFixed(1)}× rehearse)`);
  console.log(`  compare base and head (${edited} edited, diffs included): ${median(compare).toFixed(0)} ms`);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
