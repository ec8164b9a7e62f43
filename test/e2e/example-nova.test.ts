// End to end: the Nova example (examples/nova, README there) through the real CLI on a MariaDB or
// MySQL server, as its README runs it, asserting on the findings it tells the story of. Never
// skipped: without a server at REHEARSE_TEST_MYSQL_URL (default the local MariaDB CI starts),
// rehearse exits 3 and the test fails with its message.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/checks/finding.ts';
import { REPO, runCli, type CliResult } from './cli.ts';

const MYSQL_URL = process.env.REHEARSE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const EXAMPLE = join(REPO, 'examples', 'nova');

describe('examples/nova on MySQL/MariaDB', () => {
  let dir: string;
  let run: CliResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rehearse-nova-'));
    // As the README runs it, less the scale runs (a third of the time, and a growth fit too noisy
    // at these sizes to assert on; test/e2e/scale.test.ts covers them).
    const args = ['run', '--config', join(EXAMPLE, 'rehearse.config.yaml'), '--url', MYSQL_URL, '--no-scale', '--json', join(dir, 'report.json')];
    run = await runCli(args, dir, { timeoutMs: 140_000 });
  }, 150_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const findings = (hazard: string, migration: string): Finding[] =>
    (run.report?.findings ?? []).filter((f) => f.hazard === hazard && f.migration === migration);

  it('fails the change (exit 1) with a report', () => {
    // A server that cannot be reached exits 3: its message is the assertion's message.
    expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(1);
    expect(run.report?.verdict).toBe('fail');
    expect(run.stdout).toContain('FAIL');
    const target = run.report!.targets[0]!;
    expect(target.engine).toBe('mysql');
    // The seed is deterministic: the same rows on every run and server.
    expect(target.dataset).toMatchObject({ kind: 'seed-script', version: '0002', tableRows: { instances: 15_000, block_device_mapping: 45_108 } });
  });

  it('applies 0003 and 0004, stops at 0005 on the data, and rehearses no rollback after it', () => {
    const steps = run.report!.targets[0]!.steps;
    expect(steps.map((s) => `${s.phase}:${s.migration}:${s.direction}:${s.status}`)).toEqual([
      'change:0003_bdm_connection_info_mediumtext:up:success',
      'change:0004_bdm_volume_type:up:success',
      'change:0005_instances_config_drive_boolean:up:error',
      'rollback:0005_instances_config_drive_boolean:down:skipped',
      'rollback:0004_bdm_volume_type:down:skipped',
      'rollback:0003_bdm_connection_info_mediumtext:down:skipped',
      'reapply:0003_bdm_connection_info_mediumtext:up:skipped',
      'reapply:0004_bdm_volume_type:up:skipped',
      'reapply:0005_instances_config_drive_boolean:up:skipped',
    ]);
    const [widen, volumeType, configDrive] = steps;
    // MODIFY TEXT -> MEDIUMTEXT copies the table: new storage for it and every index, writes blocked.
    expect(widen!.rewrites.map((r) => r.relation)).toContain('block_device_mapping');
    expect(widen!.rewrites.filter((r) => r.relationKind === 'index')).toHaveLength(5);
    expect(widen!.locks.some((l) => l.table === 'block_device_mapping' && l.blocks.writes)).toBe(true);
    // ADD COLUMN at the end is INSTANT: nothing rewritten, nothing blocked.
    expect(volumeType!.rewrites).toEqual([]);
    expect(volumeType!.locks.every((l) => !l.blocks.reads && !l.blocks.writes)).toBe(true);
    // '' and 'True' do not convert to BOOLEAN under strict SQL mode; an empty database migrates fine.
    expect(configDrive!.error).toMatchObject({ errno: 1292, sqlstate: '22007', line: 9 });
    expect(configDrive!.error?.message).toMatch(/Truncated incorrect INTEGER value/);
    expect(configDrive!.passesOnEmptyDatabase).toBe(true);
    expect(configDrive!.leftDirty).toBe(true);
  });

  it('reports the rewrite of block_device_mapping, blocking at production size, and the failure on real data', () => {
    expect(findings('table-rewrite', '0003_bdm_connection_info_mediumtext')).toEqual([
      expect.objectContaining({ severity: 'error', phase: 'change', table: 'block_device_mapping' }),
    ]);
    const blocking = findings('blocking-lock', '0003_bdm_connection_info_mediumtext').find((f) => f.table === 'block_device_mapping');
    // Writes wait for the whole copy: about the limit on the dataset, far over it at production size.
    expect(blocking).toMatchObject({ severity: 'error', table: 'block_device_mapping', evidence: { atProductionSize: true } });
    expect(blocking!.message).toMatch(/^(Reads and writes|Writes) of block_device_mapping .* at production size/);
    expect(blocking!.advice).toMatch(/ALGORITHM=COPY/);
    expect(blocking!.advice).toMatch(/gh-ost|pt-online-schema-change/);
    expect(findings('fails-on-data', '0005_instances_config_drive_boolean')).toEqual([
      expect.objectContaining({ severity: 'error', phase: 'change', table: 'instances' }),
    ]);
    // Nothing else, and nothing at all on the instant ADD COLUMN of 0004. Allowed but not required
    // on 0003: slow-step depends on how fast this machine copies the table (the linear prediction
    // crosses 60 s near 0.75 s on the dataset), write-volume on whether the copy's row writes count
    // as rows changed.
    const widen = ['table-rewrite', 'blocking-lock', 'slow-step', 'write-volume'].map((h) => `${h}:0003_bdm_connection_info_mediumtext`);
    const allowed = new Set([...widen, 'fails-on-data:0005_instances_config_drive_boolean']);
    expect((run.report?.findings ?? []).filter((f) => !allowed.has(`${f.hazard}:${f.migration}`))).toEqual([]);
  });
});

describe('examples/nova/generate-seed.ts', () => {
  it('writes the committed seed.sql byte for byte', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rehearse-nova-seed-'));
    try {
      const out = join(dir, 'seed.sql');
      const child = spawn(process.execPath, ['--import', 'tsx', join(EXAMPLE, 'generate-seed.ts'), '--out', out], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((res) => child.on('close', res));
      expect(code, stderr).toBe(0);
      expect(await readFile(out, 'utf8')).toBe(await readFile(join(EXAMPLE, 'seed.sql'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
