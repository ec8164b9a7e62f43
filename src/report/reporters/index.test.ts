import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { fixtureErrorReport, fixtureReport } from './fixture-report.ts';
import { renderGerrit } from './gerrit.ts';
import { renderGithub } from './github.ts';
import { parseGerritLabel, parseReporterSpec, reporterNames, writeReports } from './index.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('parseReporterSpec', () => {
  it('reads a name and an optional output file', () => {
    expect(parseReporterSpec('junit=out/rehearse.xml')).toEqual({ name: 'junit', file: 'out/rehearse.xml' });
    expect(parseReporterSpec('markdown')).toEqual({ name: 'markdown' });
    expect(parseReporterSpec('github=annotations.txt')).toEqual({ name: 'github', file: 'annotations.txt' });
    expect(parseReporterSpec('markdown=a=b.md')).toEqual({ name: 'markdown', file: 'a=b.md' });
  });

  it('refuses unknown names, listing the valid ones', () => {
    expect(() => parseReporterSpec('pdf=x.pdf')).toThrow(UsageError);
    expect(() => parseReporterSpec('junt=x.xml')).toThrow(`valid reporters: ${reporterNames.join(', ')}`);
    expect(() => parseReporterSpec('gerit=r.json')).toThrow('--reporter: unknown reporter "gerit"; did you mean gerrit? valid reporters: junit, markdown, github, gerrit, html, blob');
  });

  it('refuses junit and gerrit without a file and an empty file name', () => {
    expect(() => parseReporterSpec('junit')).toThrow(/junit needs an output file/);
    expect(() => parseReporterSpec('gerrit')).toThrow('--reporter: gerrit needs an output file, e.g. gerrit=reports/review.json');
    expect(parseReporterSpec('gerrit=review.json')).toEqual({ name: 'gerrit', file: 'review.json' });
    expect(() => parseReporterSpec('markdown=')).toThrow(/file name is empty/);
  });
});

describe('writeReports', () => {
  it('writes each reporter to its file (directories created) or to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-reports-'));
    const printed: string[] = [];
    const written = await writeReports(fixtureReport, [parseReporterSpec('junit=out/deep/r.xml'), parseReporterSpec('markdown')], {
      cwd: dir,
      env: {},
      stdout: (t) => printed.push(t),
    });
    expect(written).toEqual([
      { name: 'junit', to: resolve(dir, 'out/deep/r.xml') },
      { name: 'markdown', to: 'stdout' },
    ]);
    expect(readFileSync(join(dir, 'out/deep/r.xml'), 'utf8')).toBe(renderJunit(fixtureReport));
    expect(printed).toEqual([renderMarkdown(fixtureReport)]);
  });

  it('github: annotations to stdout and the Markdown appended to $GITHUB_STEP_SUMMARY, docs under $REHEARSE_DOCS_URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-reports-'));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, 'earlier step\n');
    const printed: string[] = [];
    const env = { GITHUB_STEP_SUMMARY: summary, REHEARSE_DOCS_URL: 'https://docs.example/rehearse' };
    const written = await writeReports(fixtureReport, [parseReporterSpec('github')], { cwd: dir, env, stdout: (t) => printed.push(t) });
    expect(written.map((w) => w.to)).toEqual(['stdout', '$GITHUB_STEP_SUMMARY']);
    expect(printed).toEqual([renderGithub(fixtureReport)]);
    const text = readFileSync(summary, 'utf8');
    expect(text).toBe(`earlier step\n${renderMarkdown(fixtureReport, { docsBaseUrl: 'https://docs.example/rehearse' })}\n`);
    expect(text).toContain('(https://docs.example/rehearse/docs/hazards/fails-on-data.md)');
  });

  it('an explicit docs base wins over the environment; no summary without $GITHUB_STEP_SUMMARY', async () => {
    const printed: string[] = [];
    const written = await writeReports(fixtureReport, [parseReporterSpec('markdown')], {
      env: { REHEARSE_DOCS_URL: 'https://env.example' },
      docsBaseUrl: 'https://flag.example/',
      stdout: (t) => printed.push(t),
    });
    expect(written).toHaveLength(1);
    expect(printed[0]).toContain('(https://flag.example/docs/hazards/blocking-lock.md)');
    expect(printed[0]).not.toContain('env.example');
  });

  it('gerrit: the review JSON in its file, voting on the label asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-reports-'));
    await writeReports(fixtureReport, [parseReporterSpec('gerrit=out/review.json')], { cwd: dir, env: {}, gerritLabel: parseGerritLabel('Migration-Check') });
    const text = readFileSync(join(dir, 'out/review.json'), 'utf8');
    expect(text).toBe(renderGerrit(fixtureReport, { label: 'Migration-Check' }));
    expect(JSON.parse(text).labels).toEqual({ 'Migration-Check': -1 });
    expect(() => parseGerritLabel('Verified+1')).toThrow(/--gerrit-label: expected a Gerrit label name/);
  });

  it('writes reports for a run that could not start', async () => {
    const printed: string[] = [];
    await writeReports(fixtureErrorReport, [parseReporterSpec('markdown'), parseReporterSpec('github')], { env: {}, stdout: (t) => printed.push(t) });
    expect(printed.join('')).toContain('**ERROR**: rehearse could not run');
    expect(printed.join('')).toContain('::error title=rehearse could not run::');
  });
});

describe('rehearse run --reporter', () => {
  const run = (args: string[]) => promisify(execFile)(process.execPath, [join(repoRoot, 'bin/rehearse.js'), 'run', ...args], { cwd: repoRoot }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

  it('refuses an unknown reporter with a usage error before anything runs', async () => {
    const r = await run(['--reporter', 'junit=x.xml', '--reporter', 'nope', '--migrations', 'does-not-exist']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reporter: unknown reporter "nope"; valid reporters: junit, markdown, github, gerrit, html, blob');
  });

  it('documents the option with an example in --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--reporter <name[=file]>');
    expect(r.stdout).toContain('--reporter junit=reports/rehearse.xml --reporter markdown=reports/comment.md --reporter github');
  });
});
