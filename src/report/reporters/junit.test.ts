import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../report.ts';
import { fixtureErrorReport, fixtureReport, golden, HOSTILE_MIGRATION } from './fixture-report.ts';
import { escapeXmlAttr, renderJunit, stripInvalidXml, TARGET_WIDE } from './junit.ts';

const XSD = fileURLToPath(new URL('../../../test/fixtures/junit/junit-10.xsd', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rehearse-junit-'));

/** xmllint's verdict on `xml` against the Jenkins JUnit schema. Throws when xmllint is not installed. */
function validate(xml: string, name = 'report.xml'): { ok: boolean; output: string } {
  const file = join(dir, name);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint is needed to validate JUnit XML (Debian: apt-get install libxml2-utils): ${r.error.message}`);
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function cases(xml: string): string[] {
  return [...xml.matchAll(/<testcase name="([^"]*)"/g)].map((m) => m[1]!);
}

describe('renderJunit', () => {
  it('matches the golden file', () => {
    const xml = renderJunit(fixtureReport);
    expect(xml).toBe(golden('junit.xml', xml));
  });

  it('matches the golden file for a run that could not start', () => {
    const xml = renderJunit(fixtureErrorReport);
    expect(xml).toBe(golden('junit-error.xml', xml));
  });

  it('validates against the JUnit schema (xmllint), and the validator does reject an invalid document', () => {
    expect(validate(renderJunit(fixtureReport))).toMatchObject({ ok: true });
    expect(validate(renderJunit(fixtureErrorReport), 'error.xml')).toMatchObject({ ok: true });
    // A testcase without its required name: proves the schema is really applied.
    const bad = validate('<?xml version="1.0"?><testsuites><testsuite tests="1"><testcase classname="x"/></testsuite></testsuites>', 'bad.xml');
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/name/);
  });

  it('has one test case per target × step plus the target-wide checks, and counts failures and skips', () => {
    const xml = renderJunit(fixtureReport);
    const [server, pglite] = fixtureReport.targets;
    expect(cases(xml)).toHaveLength(server!.steps.length + pglite!.steps.length + 2);
    expect(cases(xml).filter((c) => c === TARGET_WIDE)).toHaveLength(2);
    expect(xml).toContain('<testsuites name="rehearse" tests="12" failures="1" errors="0"');
    expect(xml).toMatch(/<testsuite name="postgres@127\.0\.0\.1:5432" tests="5" failures="1" errors="0" skipped="1"/);
    // the error finding is a failure of its step, with advice
    expect(xml).toMatch(/<testcase name="change 0006_backfill_billing_interval up"[^>]*>\n\s*<failure message="fails-on-data: [^"]*" type="fails-on-data">[^<]*advice: Backfill/);
    // the warning goes to the step's system-out, the step passes
    expect(xml).toMatch(/<testcase name="change 0005_add_patches_hash up"[^>]*>\n\s*<system-out>warning blocking-lock/);
    // a finding without a migration lands in the target-wide test case
    expect(xml).toMatch(/<testcase name="target-wide checks" classname="postgres@127\.0\.0\.1:5432" time="0\.000">\n\s*<system-out>warning schema-drift/);
    expect(xml).toContain('<skipped message="0006_backfill_billing_interval failed"/>');
    expect(xml).toContain('time="4.800"');
  });

  it('escapes hostile names: no markup gets through', () => {
    const xml = renderJunit(fixtureReport);
    expect(xml).not.toContain('<script>');
    expect(xml).toContain(escapeXmlAttr(`change ${HOSTILE_MIGRATION} up`));
  });

  it('strips characters XML 1.0 does not allow and stays valid', () => {
    expect(stripInvalidXml('a\u0000b\u001bc\uD800d\uFFFEe\tf\ng😀')).toBe('abcde\tf\ng😀');
    const report: Report = {
      ...fixtureReport,
      findings: fixtureReport.findings.map((f) => ({ ...f, message: `${f.message} \u0000\u0007\u001b[31m\uDC00 "quoted" 'single' ]]>` })),
    };
    const xml = renderJunit(report);
    expect(xml).not.toMatch(/[\u0000\u0007\u001b]/);
    expect(validate(xml, 'control.xml')).toMatchObject({ ok: true });
  });

  it('reports a failed step with no error finding as a test error', () => {
    const [server] = fixtureReport.targets;
    const report: Report = { ...fixtureReport, targets: [server!], findings: [] };
    const xml = renderJunit(report);
    expect(xml).toContain(
      '<error message="error at db/migrations/0006_backfill_billing_interval.up.sql:3: column &quot;billing_interval&quot; of relation &quot;subscriptions&quot; contains null values" type="error">',
    );
    expect(validate(xml, 'step-error.xml')).toMatchObject({ ok: true });
  });

  it('reports a run that could not start as one errored test case', () => {
    const xml = renderJunit(fixtureErrorReport);
    expect(cases(xml)).toEqual(['rehearse run']);
    expect(xml).toContain('errors="1"');
    expect(xml).toContain('type="ENGINE_UNREACHABLE"');
  });
});
