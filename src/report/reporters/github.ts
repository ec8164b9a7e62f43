// The GitHub Actions reporter (`--reporter github`): one workflow command per finding
// (`::error file=…,line=…,title=…::message`, `::warning`, `::notice` for info), placed on the
// migration file of the finding's step — the failing statement's line when the step failed, else
// the line its evidence names, else line 1 — and the Markdown report appended to the job summary
// ($GITHUB_STEP_SUMMARY) by writeReports. Values are escaped as @actions/core escapes them.
import type { Finding } from '../../checks/finding.ts';
import type { Report } from '../report.ts';
import { stepOfFinding } from './junit.ts';

/** A command's message: `%`, CR and LF (a newline shows as a line break in the annotation). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value: as data, plus `:` and `,`, which would end the value. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND = { error: 'error', warning: 'warning', info: 'notice' } as const;

/**
 * A working-tree path for a step's file: a base-revision file (`origin/main:db/x.up.sql`) is
 * annotated at the same path, which is where the pull request shows it.
 */
export function annotationPath(file: string): string {
  const colon = file.indexOf(':');
  return colon > 0 ? file.slice(colon + 1) : file;
}

/**
 * Where a finding points: the migration file of its step, at the failing statement's line when
 * the step failed, else at the line the finding's evidence names (`evidence.line`), else line 1.
 */
export function locationOf(report: Report, f: Finding): { file: string; line: number } | undefined {
  const target = report.targets.find((t) => t.label === f.target);
  if (!target || f.migration === undefined) return undefined;
  const step = stepOfFinding(target, f) ?? target.steps.find((s) => s.migration === f.migration);
  if (!step) return undefined;
  const evidenceLine = typeof f.evidence.line === 'number' && f.evidence.line > 0 ? f.evidence.line : undefined;
  return { file: annotationPath(step.error?.file ?? step.file), line: step.error?.line ?? evidenceLine ?? 1 };
}

/** `blocking-lock on postgres@db:5432 (0005_add_hash, change)` */
function title(f: Finding): string {
  const where = [f.migration, f.phase].filter(Boolean).join(', ');
  return `${f.hazard} on ${f.target}${where ? ` (${where})` : ''}`;
}

export function renderGithub(report: Report): string {
  const lines: string[] = [];
  if (report.verdict === 'error') {
    lines.push(`::error title=${escapeProperty('rehearse could not run')}::${escapeData(`${report.error?.code ?? 'ERROR'}: ${report.error?.message ?? 'rehearse could not run'}`)}`);
  }
  for (const f of report.findings) {
    const at = locationOf(report, f);
    const props = [...(at ? [`file=${escapeProperty(at.file)}`, `line=${at.line}`] : []), `title=${escapeProperty(title(f))}`];
    const message = [f.message + (f.table ? ` [table ${f.table}]` : ''), '', `Advice: ${f.advice}`, `Docs: ${f.docs}`].join('\n');
    lines.push(`::${COMMAND[f.severity]} ${props.join(',')}::${escapeData(message)}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
