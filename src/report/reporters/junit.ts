// The JUnit XML reporter (`--reporter junit=FILE`), for CI systems that show test results
// (Jenkins, GitLab, Azure, …): one <testsuite> per target, one <testcase> per step
// (`phase migration direction`, classname the target), findings of severity error as <failure>,
// warnings and info as <system-out> lines, skipped steps as <skipped>. Findings that belong to no
// step (schema drift, …) go to a `target-wide checks` test case. Validated against the JUnit schema
// Jenkins' xUnit plugin reads (test/fixtures/junit/junit-10.xsd). Pure: report in, text out.
import { formatDuration } from '../../checks/advice.ts';
import type { Finding } from '../../checks/finding.ts';
import type { StepEvidence, TargetEvidence } from '../../rehearsal/evidence.ts';
import type { Report } from '../report.ts';

export const TARGET_WIDE = 'target-wide checks';

/** Characters XML 1.0 does not allow at all, even escaped (control characters, lone surrogates, U+FFFE/U+FFFF). */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripInvalidXml(s: string): string {
  return s.replace(INVALID_XML, '');
}

export function escapeXmlText(s: string): string {
  return stripInvalidXml(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values: quotes, and whitespace as character references so attribute normalisation keeps it. */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function seconds(ms: number): string {
  return (ms / 1_000).toFixed(3);
}

interface Case {
  name: string;
  classname: string;
  timeMs: number;
  file?: string;
  failures: { message: string; type: string; body: string }[];
  errors: { message: string; type: string; body: string }[];
  skipped?: string;
  out: string[];
}

interface Suite {
  name: string;
  timeMs: number;
  properties: [string, string][];
  cases: Case[];
}

/** `change 0005_add_hash up` */
export function testCaseName(step: Pick<StepEvidence, 'phase' | 'migration' | 'direction'>): string {
  return `${step.phase} ${step.migration} ${step.direction}`;
}

/** The step a finding is about: same target, migration and phase (the first one, if the phase runs it twice). */
export function stepOfFinding(target: TargetEvidence, f: Finding): StepEvidence | undefined {
  if (f.migration === undefined || f.phase === undefined) return undefined;
  return target.steps.find((s) => s.migration === f.migration && s.phase === f.phase);
}

function findingText(f: Finding): string {
  const where = [f.migration, f.phase, f.table].filter(Boolean).join(' · ');
  return [`${f.severity} ${f.hazard}${where ? ` (${where})` : ''}: ${f.message}`, `  advice: ${f.advice}`, `  docs: ${f.docs}`].join('\n');
}

function addFinding(c: Case, f: Finding): void {
  if (f.severity === 'error') c.failures.push({ message: `${f.hazard}: ${f.message}`, type: f.hazard, body: findingText(f) });
  else c.out.push(findingText(f));
}

function suiteOf(target: TargetEvidence, findings: Finding[]): Suite {
  const cases = target.steps.map((step): Case => {
    const c: Case = { name: testCaseName(step), classname: target.label, timeMs: step.durationMs, file: step.file, failures: [], errors: [], out: [] };
    if (step.status === 'skipped') c.skipped = step.skippedBecause ?? 'skipped';
    return c;
  });
  const wide: Case = { name: TARGET_WIDE, classname: target.label, timeMs: 0, failures: [], errors: [], out: [] };
  for (const f of findings) {
    const step = stepOfFinding(target, f);
    addFinding(step ? cases[target.steps.indexOf(step)]! : wide, f);
  }
  // A step that failed with no error finding to say so (a trunk step, a timeout) is a test error.
  target.steps.forEach((step, i) => {
    const c = cases[i]!;
    if ((step.status === 'error' || step.status === 'timeout') && c.failures.length === 0) {
      const message = step.status === 'timeout' ? `timed out after ${formatDuration(step.durationMs)}` : (step.error?.message ?? 'failed');
      const at = step.error?.line !== undefined ? ` at ${step.error.file ?? step.file}:${step.error.line}` : '';
      c.errors.push({ message: `${step.status}${at}: ${message}`, type: step.status, body: `${step.status}${at}: ${message}` });
    }
  });
  const properties: [string, string][] = [
    ['engine', target.engine],
    ['serverVersion', target.serverVersion],
    ['dataset', target.dataset.path],
    ['datasetVersion', target.dataset.version],
    ...target.notes.map((n): [string, string] => ['note', n]),
  ];
  return { name: target.label, timeMs: target.durationMs, properties, cases: [...cases, wide] };
}

export function renderJunit(report: Report): string {
  const suites = report.targets.map((t) => suiteOf(t, report.findings.filter((f) => f.target === t.label)));
  // Findings of a target the report has no evidence for still reach the reader.
  const orphans = report.findings.filter((f) => !report.targets.some((t) => t.label === f.target));
  for (const label of new Set(orphans.map((f) => f.target))) {
    suites.push(suiteOf({ label, engine: '', serverVersion: '', dataset: { path: '', kind: 'seed-script', version: '', buildMs: 0, tableRows: {} }, steps: [], snapshots: [], notes: [], durationMs: 0 }, orphans.filter((f) => f.target === label)));
  }
  if (report.verdict === 'error') {
    const message = `${report.error?.code ?? 'ERROR'}: ${report.error?.message ?? 'rehearse could not run'}`;
    suites.push({
      name: 'rehearse',
      timeMs: report.durationMs,
      properties: [],
      cases: [{ name: 'rehearse run', classname: 'rehearse', timeMs: report.durationMs, failures: [], errors: [{ message, type: report.error?.code ?? 'ERROR', body: message }], out: [] }],
    });
  }
  const count = (pick: (c: Case) => boolean, of: Suite[] = suites) => of.reduce((n, s) => n + s.cases.filter(pick).length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rehearse" tests="${count(() => true)}" failures="${count((c) => c.failures.length > 0)}" errors="${count((c) => c.errors.length > 0)}" time="${seconds(report.durationMs)}">`,
  ];
  suites.forEach((s, id) => {
    const attrs = [
      `name="${escapeXmlAttr(s.name)}"`,
      `tests="${s.cases.length}"`,
      `failures="${count((c) => c.failures.length > 0, [s])}"`,
      `errors="${count((c) => c.errors.length > 0, [s])}"`,
      `skipped="${count((c) => c.skipped !== undefined, [s])}"`,
      `time="${seconds(s.timeMs)}"`,
      `timestamp="${escapeXmlAttr(report.startedAt.replace(/Z$/, ''))}"`,
      `id="${id}"`,
    ];
    lines.push(`  <testsuite ${attrs.join(' ')}>`);
    if (s.properties.length > 0) {
      lines.push('    <properties>');
      for (const [name, value] of s.properties) lines.push(`      <property name="${escapeXmlAttr(name)}" value="${escapeXmlAttr(value)}"/>`);
      lines.push('    </properties>');
    }
    for (const c of s.cases) lines.push(...renderCase(c));
    lines.push('  </testsuite>');
  });
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function renderCase(c: Case): string[] {
  const attrs = [`name="${escapeXmlAttr(c.name)}"`, `classname="${escapeXmlAttr(c.classname)}"`, `time="${seconds(c.timeMs)}"`];
  if (c.file) attrs.push(`file="${escapeXmlAttr(c.file)}"`);
  const open = `    <testcase ${attrs.join(' ')}`;
  const body: string[] = [];
  if (c.skipped !== undefined) body.push(`      <skipped message="${escapeXmlAttr(c.skipped)}"/>`);
  for (const e of c.errors) body.push(`      <error message="${escapeXmlAttr(e.message)}" type="${escapeXmlAttr(e.type)}">${escapeXmlText(e.body)}</error>`);
  for (const f of c.failures) body.push(`      <failure message="${escapeXmlAttr(f.message)}" type="${escapeXmlAttr(f.type)}">${escapeXmlText(f.body)}</failure>`);
  if (c.out.length > 0) body.push(`      <system-out>${escapeXmlText(c.out.join('\n\n'))}</system-out>`);
  return body.length === 0 ? [`${open}/>`] : [`${open}>`, ...body, '    </testcase>'];
}
