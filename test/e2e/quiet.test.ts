// `rehearse run --quiet`: no progress lines, no step table; the findings, the verdict and the
// exit status as always.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngine } from '../helpers/engines.ts';
import { makeProject, runCli, type CliResult, type Project } from './cli.ts';
import { migration, shopWith } from './shop.ts';

describeEngine('pglite', () => {
  let project: Project;
  let r: CliResult;
  beforeAll(async () => {
    project = await makeProject(shopWith('postgres', migration('0003_add_coupon', 'ALTER TABLE orders ADD COLUMN coupon text;', 'ALTER TABLE orders DROP COLUMN coupon;')));
    r = await runCli(['run', '--migrations', 'migrations', '--dataset', 'seed.sql', '--dataset-version', '0002', '--quiet', '--no-history'], project.dir);
  }, 120_000);
  afterAll(() => project?.dispose());

  it('prints the verdict and nothing of the progress or the steps', () => {
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/phase change|build dataset/);
    expect(r.stdout).not.toMatch(/0003_add_coupon/);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^PASS/);
  });
});
