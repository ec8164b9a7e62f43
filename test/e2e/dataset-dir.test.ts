// `rehearse dataset inspect` through the real CLI: what it prints of a dataset directory, its
// --json, and the exit status of --verify on an intact and a damaged directory; a directory that is
// not a dataset; and `rehearse dataset capture`'s usage errors (no server needed for those).
import { spawn } from 'node:child_process';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInspection } from '../../src/datasets/dir/inspect.ts';
import { editManifest, shopDataset, writeDatasetDir } from '../helpers/dataset-dir.ts';
import { makeProject, REPO, runCli, type Project } from './cli.ts';

/** The bin run directly: runCli reads `--json FILE` as rehearse run's report file, and inspect's `--json` takes no file. */
async function runBin(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'rehearse.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

describe('rehearse dataset inspect', () => {
  let project: Project;
  beforeAll(async () => {
    project = await makeProject({ 'README.md': 'datasets' });
    const anonymization = {
      keyFingerprint: 'hmac-sha256:feedfacecafebeef',
      rules: { 'customers.name': 'fake:name', 'customers.note': 'mask' },
      keptPersonal: [],
      leakCheck: { sampled: 18, found: 0 },
    };
    await writeDatasetDir(join(project.dir, 'shop'), { ...shopDataset('mysql', { bulkOrders: 2000 }), anonymization });
    await writeDatasetDir(join(project.dir, 'damaged'), shopDataset('sqlite', { bulkOrders: 2000 }));
    await writeDatasetDir(join(project.dir, 'newer'), shopDataset('postgres'));
    await editManifest(join(project.dir, 'newer'), (m) => ((m.formatVersion = 7), (m.rehearseVersion = '3.0.0')));
  });
  afterAll(async () => {
    await project?.dispose();
  });

  it('prints the source, version, tables against production and the anonymization summary; exit 0', async () => {
    const r = await runCli(['dataset', 'inspect', 'shop'], project.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Dataset .*shop\n/);
    expect(r.stdout).toMatch(/source\s+MariaDB 10\.11\.19, database shop/);
    expect(r.stdout).toMatch(/migration\s+20240101120000/);
    expect(r.stdout).toMatch(/orders\s+2,004\s+20,004\s+64 MiB\s+10 %\s+\S+ KiB\s+1\/1\s+orders=10%/);
    expect(r.stdout).toMatch(/customers\.name\s+fake:name/);
    expect(r.stdout).toMatch(/leak check\s+passed: 18 personal source values sampled/);
    expect(r.stdout).not.toContain('Verification');
    expect(r.stderr).toBe('');
  });

  it('--verify on an intact directory: OK, exit 0', async () => {
    const r = await runCli(['dataset', 'inspect', 'shop', '--verify'], project.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Verification: OK — 4 data files, 2,014 rows, .* checksums and row counts match/);
  });

  it('--json: the inspection as data, verification included', async () => {
    const r = await runBin(['dataset', 'inspect', 'shop', '--verify', '--json'], project.dir);
    expect(r.code, r.stderr).toBe(0);
    const inspection = JSON.parse(r.stdout) as DatasetInspection;
    expect(inspection).toMatchObject({
      source: { engine: 'mysql', database: 'shop' },
      totals: { tables: 4, rows: 2014 },
      verification: { ok: true, rows: 2014, problems: [] },
      anonymization: { keyFingerprint: 'hmac-sha256:feedfacecafebeef' },
    });
    expect(inspection.tables.map((t) => t.name)).toEqual(['customers', 'orders', 'schema_migrations', 'audit_log']);
  });

  it('--verify on a damaged directory: names each file, table and what differs; exit 1', async () => {
    const dir = join(project.dir, 'damaged');
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    await truncate(join(dir, 'data/0002.tsv.gz'), manifest.tables[1].fileBytes - 30);
    await editManifest(dir, (m) => (m.tables[2].rows = 3));
    const r = await runCli(['dataset', 'inspect', 'damaged', '--verify'], project.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Verification: FAILED — 2 data files of 4 do not hold what the manifest says:');
    expect(r.stdout).toContain(`data/0002.tsv.gz (table orders) is ${manifest.tables[1].fileBytes - 30} bytes, the manifest says ${manifest.tables[1].fileBytes}: the file was truncated`);
    expect(r.stdout).toContain('data/0003.tsv.gz (table schema_migrations) holds 1 rows, the manifest says 3');
    expect(r.stderr).toContain('rehearse: damaged: 2 data file(s) do not hold what the manifest says');
    // Without --verify the manifest alone is read: exit 0.
    expect((await runCli(['dataset', 'inspect', 'damaged'], project.dir)).code).toBe(0);
  });

  it('a newer format version, a broken manifest, or no dataset at all: the file and the reason, exit 2', async () => {
    const newer = await runCli(['dataset', 'inspect', 'newer'], project.dir);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toBe('rehearse: newer/manifest.json: written by rehearse 3.0.0 with format 7; this rehearse reads format 1: upgrade rehearse\n');

    await writeFile(join(project.dir, 'newer', 'manifest.json'), '{"format": "rehearse-dataset", "formatVersion": 1, "tables": [}');
    const broken = await runCli(['dataset', 'inspect', 'newer'], project.dir);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe("rehearse: newer/manifest.json:1:63: the manifest is not valid JSON: Unexpected token '}'\n");

    await writeFile(join(project.dir, 'newer', 'manifest.json'), JSON.stringify({ format: 'rehearse-dataset', formatVersion: 1, tables: [] }));
    const incomplete = await runCli(['dataset', 'inspect', 'newer'], project.dir);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain('the manifest does not match format 1:');
    expect(incomplete.stderr).toMatch(/rehearseVersion: expected a string, got/);
    expect(incomplete.stderr).toMatch(/source: expected an object, got/);

    const none = await runCli(['dataset', 'inspect', 'README.md'], project.dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('README.md is a file, not a dataset directory');
  });
});

describe('rehearse dataset capture: usage', () => {
  let project: Project;
  beforeAll(async () => {
    project = await makeProject({ 'short.key': 'tiny\n' });
  });
  afterAll(async () => {
    await project?.dispose();
  });

  it('--from and --out are required; --jobs is a number; exit 2', async () => {
    expect((await runCli(['dataset', 'capture', '--out', 'ds'], project.dir)).stderr).toContain("required option '--from <url|file>' not specified");
    expect((await runCli(['dataset', 'capture', '--from', 'app.db'], project.dir)).code).toBe(2);
    const jobs = await runCli(['dataset', 'capture', '--from', 'app.db', '--out', 'ds', '--jobs', 'many'], project.dir);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain('--jobs expects a whole number from 1 to 64, got "many"');
  });

  it('a key too short to be secret, from --key-file or the environment: exit 2', async () => {
    const file = await runCli(['dataset', 'capture', '--from', 'app.db', '--out', 'ds', '--key-file', 'short.key'], project.dir);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('--key-file short.key: the anonymization key is 4 bytes; use at least 16 random bytes');
    const env = await runCli(['dataset', 'capture', '--from', 'app.db', '--out', 'ds'], project.dir, { env: { REHEARSE_ANONYMIZE_KEY: 'abc' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('REHEARSE_ANONYMIZE_KEY: the anonymization key is 3 bytes');
    const missing = await runCli(['dataset', 'capture', '--from', 'app.db', '--out', 'ds', '--key-file', 'nope.key'], project.dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--key-file nope.key: cannot read it (ENOENT)');
  });

  it('a source that cannot be reached: exit 3, the password never printed', async () => {
    const r = await runCli(['dataset', 'capture', '--from', 'postgres://app:s3cr3t-pw@127.0.0.1:1/shop', '--out', 'ds', '--allow-personal-data'], project.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('postgres://app:***@127.0.0.1:1/shop');
    expect(r.stderr).not.toContain('s3cr3t-pw');
  });
});
