// A matrix of targets through the real CLI: the unsharded run, the same matrix in two shards
// merged by `rehearse merge-reports`, and a target whose server is down. The two ways must reach
// the same verdict on the same evidence (timings aside), with the same JUnit test cases.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Report } from '../../src/report/report.ts';
import { describeEngine } from '../helpers/engines.ts';
import { makeProject, runCli, type CliResult, type Project } from './cli.ts';

// SQL both PostgreSQL and SQLite run as written: every target rehearses the same files.
const files = {
  'migrations/0001_customers.up.sql': 'CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL, tier integer NOT NULL DEFAULT 0);\n',
  'migrations/0001_customers.down.sql': 'DROP TABLE customers;\n',
  'migrations/0002_add_note.up.sql': 'ALTER TABLE customers ADD COLUMN note text;\n',
  'migrations/0002_add_note.down.sql': 'ALTER TABLE customers DROP COLUMN note;\n',
  // Fails on the data: every customer has tier 0.
  'migrations/0003_unique_tier.up.sql': 'CREATE UNIQUE INDEX customers_tier_key ON customers (tier);\n',
  'migrations/0003_unique_tier.down.sql': 'DROP INDEX customers_tier_key;\n',
  'seed.sql': "INSERT INTO customers (id, email) VALUES (1, 'a@example.com'), (2, 'b@example.com'), (3, 'c@example.com');\n",
  'small.sql': "INSERT INTO customers (id, email, tier) VALUES (1, 'a@example.com', 1);\n",
  'rehearse.config.yaml': `dataset: { path: seed.sql, version: "0001" }
history: false
targets:
  - engine: pglite
  - name: lite
    engine: sqlite
  - engine: pglite
    dataset: { path: small.sql, version: "0001" }
`,
};

/** The report without what differs between two runs of the same thing (timings, sizes, ids). */
function essence(report: Report) {
  return {
    verdict: report.verdict,
    targets: report.targets.map((t) => ({
      label: t.label,
      engine: t.engine,
      steps: t.steps.map((s) => ({ phase: s.phase, migration: s.migration, direction: s.direction, status: s.status, sqlstate: s.error?.sqlstate ?? null })),
    })),
    findings: report.findings.map((f) => ({ hazard: f.hazard, severity: f.severity, target: f.target, migration: f.migration, phase: f.phase })),
    limits: report.limits,
  };
}

const testcases = (xml: string) => [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"/g)].map((m) => `${m[2]} ${m[1]}`);

describeEngine('sqlite', () => {
  let project: Project;
  let whole: CliResult;
  let shards: CliResult[];
  let merged: CliResult;
  beforeAll(async () => {
    project = await makeProject(files);
    whole = await runCli(['run', '--json', 'whole.json', '--reporter', 'junit=whole.xml'], project.dir);
    shards = [];
    for (const shard of ['1/2', '2/2']) shards.push(await runCli(['run', '--shard', shard, '--reporter', 'blob'], project.dir));
    merged = await runCli(['merge-reports', 'blob-report', '--json', 'merged.json', '--reporter', 'junit=merged.xml'], project.dir);
  }, 240_000);
  afterAll(() => project?.dispose());

  it('rehearses every target of the matrix in one run, in the config order', () => {
    expect(whole.code, whole.stderr).toBe(1);
    expect(whole.report!.targets.map((t) => t.label)).toEqual(['pglite seed.sql', 'lite', 'pglite small.sql']);
    // The unique index fails on seed.sql's data on both engines, and passes on small.sql's one row.
    expect(whole.report!.findings.filter((f) => f.hazard === 'fails-on-data').map((f) => f.target)).toEqual(['pglite seed.sql', 'lite']);
  });

  it('splits the matrix between the shards, each exiting on its own share', () => {
    expect(shards.map((s) => s.code)).toEqual([1, 1]);
    expect(shards[0]!.stderr).toContain('rehearse: shard 1/2 of 3 target(s): pglite seed.sql, pglite small.sql');
    expect(shards[1]!.stderr).toContain('rehearse: shard 2/2 of 3 target(s): lite');
    expect(shards[1]!.stdout).toMatch(/\(shard 2\/2: 1 target; rehearse merge-reports gives the matrix's verdict\)/);
  });

  it('merges two shards into what one unsharded run reports', async () => {
    expect(merged.code, merged.stderr).toBe(1);
    expect(merged.stderr).toContain('rehearse: merged 2 blobs: 3 targets');
    expect(essence(merged.report!)).toEqual(essence(whole.report!));
    const wholeXml = await readFile(join(project.dir, 'whole.xml'), 'utf8');
    const mergedXml = await readFile(join(project.dir, 'merged.xml'), 'utf8');
    expect(testcases(mergedXml).length).toBeGreaterThan(0);
    expect(testcases(mergedXml)).toEqual(testcases(wholeXml));
  });

  it('refuses to merge part of the matrix', async () => {
    const part = await makeProject({ 'blobs/one.jsonl': await readFile(join(project.dir, 'blob-report/rehearse-1-of-2.jsonl'), 'utf8') });
    try {
      const r = await runCli(['merge-reports', 'blobs'], part.dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('shard 2/2 missing (targets "lite" never reported)');
    } finally {
      await part.dispose();
    }
  });

  it('reports a target whose server is down and still rehearses the others (exit 3)', async () => {
    const down = await makeProject({
      ...files,
      'rehearse.config.yaml': `dataset: { path: small.sql, version: "0001" }
history: false
targets:
  - name: down
    engine: postgres
    url: postgres://postgres@127.0.0.1:1/postgres
  - name: lite
    engine: sqlite
`,
    });
    try {
      const r = await runCli(['run', '--json', 'r.json'], down.dir);
      expect(r.code, r.stderr).toBe(3);
      expect(r.report!.verdict).toBe('error');
      expect(r.report!.targets.map((t) => t.label)).toEqual(['lite']);
      expect(r.report!.error).toMatchObject({ code: 'ENGINE_UNREACHABLE', targets: [{ target: 'down', code: 'ENGINE_UNREACHABLE' }] });
      expect(r.stderr).toMatch(/rehearse: down could not run: /);
      expect(r.stdout).toMatch(/^ERROR — down: /m);
    } finally {
      await down.dispose();
    }
  });
});
