// Each SQL migration tool's project, written by the real tool (test/fixtures/sources/), rehearsed
// through the real CLI with `--source`: read in the tool's order, run the way the tool runs each
// file, its history table kept as the tool keeps it, and the rollback of tools without downs
// reported as not rehearsable rather than failed.
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Report } from '../../src/report/report.ts';
import { describeEachEngine } from '../helpers/engines.ts';
import { engineArgs, makeProject, REPO, runCli, type CliResult, type Project } from './cli.ts';

const FIXTURES = join(REPO, 'test/fixtures/sources');

interface Case {
  source: string;
  /** The fixture's migrations directory. */
  dir: string;
  /** Rows a seed inserts at `version`. */
  seed: string;
  version: string;
  /** The change: the migrations above the version, in the tool's order. */
  change: string[];
  /**
   * `all`: rollback and reapply rehearsed; `none`: the tool keeps no downs; `partial`: some
   * migrations have none (Flyway without an undo file), so the rollback stops at the first.
   */
  downs: 'all' | 'none' | 'partial';
}

const CASES: Case[] = [
  {
    source: 'dbmate',
    dir: 'dbmate/db/migrations',
    seed: "INSERT INTO projects (name) VALUES ('Linux Kernel'), ('QEMU'), ('Open vSwitch');",
    version: '20261121143537',
    change: ['20261121143538_index_projects_slug', '20261121143539_backfill_slugs'],
    downs: 'all',
  },
  {
    source: 'flyway',
    dir: 'flyway/db/migration',
    seed: "INSERT INTO projects (name) VALUES ('Linux Kernel'), ('QEMU');",
    version: '1.1',
    change: ['1.2_index_project_slug', '1.10_backfill_project_slugs', '2_create_patches', '10_add_patch_hash'],
    downs: 'partial',
  },
  {
    source: 'prisma',
    dir: 'prisma/prisma/migrations',
    seed: `INSERT INTO "Project" (name) VALUES ('Linux Kernel'), ('QEMU');`,
    version: '20261121142920',
    change: ['20261121143014_add_patch_hash'],
    downs: 'none',
  },
  {
    source: 'drizzle',
    dir: 'drizzle/drizzle',
    seed: `INSERT INTO "projects" (name) VALUES ('Linux Kernel'), ('QEMU');`,
    version: '0000',
    change: ['0001_add_patch_hash', '0002_slippery_penance'],
    downs: 'none',
  },
];

describeEachEngine((engine) => {
  for (const c of CASES) {
    describe_(c, engine.kind);
  }
});

function describe_(c: Case, kind: string): void {
  let project: Project;
  let r: CliResult;
  beforeAll(async () => {
    project = await makeProject({ 'seed.sql': `${c.seed}\n` });
    await cp(join(FIXTURES, c.dir), join(project.dir, 'migrations'), { recursive: true });
    r = await runCli(['run', ...engineArgs(kind), '--source', c.source, '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', c.version, '--no-history', '--json', 'r.json'], project.dir);
  }, 120_000);
  afterAll(() => project?.dispose());

  it(`${c.source}: rehearses the change in the tool's order`, () => {
    expect(r.code, r.stderr).toBe(r.report?.verdict === 'fail' ? 1 : 0);
    const steps = (phase: string) => r.report!.targets[0]!.steps.filter((s) => s.phase === phase);
    expect(steps('change').map((s) => s.migration)).toEqual(c.change);
    expect(steps('change').every((s) => s.status === 'success')).toBe(true);
    if (c.downs === 'all') {
      expect(steps('rollback').map((s) => s.status)).toEqual(c.change.map(() => 'success'));
      expect(steps('reapply').map((s) => s.status)).toEqual(c.change.map(() => 'success'));
    } else if (c.downs === 'partial') {
      // 10 has no undo file (U10__…): Flyway cannot undo it, nor anything before it.
      const rollback = steps('rollback');
      expect(rollback[0]).toMatchObject({ migration: '10_add_patch_hash', status: 'skipped', skippedBecause: 'the migration has no down file' });
      expect(rollback.slice(1).every((s) => s.status === 'skipped' && /10_add_patch_hash cannot be undone/.test(s.skippedBecause ?? ''))).toBe(true);
      expect(steps('reapply').every((s) => s.status === 'skipped')).toBe(true);
    } else {
      expect(steps('rollback').every((s) => s.status === 'skipped' && /keeps no down migrations/.test(s.skippedBecause ?? ''))).toBe(true);
      expect(r.report!.targets[0]!.notes.join('\n')).toMatch(new RegExp(`rollback and reapply not rehearsed: ${c.source} keeps no down migrations`));
      expect(r.report!.findings.filter((f) => f.phase === 'rollback' || f.hazard.startsWith('downgrade'))).toEqual([]);
    }
  });

  if (c.source === 'dbmate') {
    it('dbmate: a section marked transaction:false runs outside a transaction (CREATE INDEX CONCURRENTLY passes)', () => {
      const index = r.report!.targets[0]!.steps.find((s) => s.phase === 'change' && s.migration === '20261121143538_index_projects_slug')!;
      expect(index.transaction).toBe('none');
    });
  }
  if (c.source === 'flyway') {
    it('flyway: says the repeatable migration is not rehearsed', async () => {
      expect(r.report!.targets[0]!.notes.join('\n')).toMatch(/1 Flyway repeatable migration\(s\) \(R__…\) are not rehearsed/);
      expect(JSON.parse(await readFile(join(project.dir, 'r.json'), 'utf8')) as Report).toBeTruthy();
    });
  }
}
