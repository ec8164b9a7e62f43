// Blobs and merge-reports on a fixed report split into shards the way `--shard` splits a matrix.
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { EVENTS_VERSION } from '../rehearsal/events.ts';
import { type Blob, blobHeader, eventsOfReport, parseBlob, serializeBlob } from './blob.ts';
import { mergeBlobs } from './merge.ts';
import { type Report, type Shard, shardTargets, verdictOf } from './report.ts';
import { fixtureReport } from './reporters/fixture-report.ts';

const matrix = fixtureReport.targets.map((t) => t.label);

/** What shard `shard` of the fixture's matrix would have reported, as a blob read back from its text. */
function shardBlob(shard: Shard, overrides: Partial<Report> = {}, name = `rehearse-${shard.index}-of-${shard.total}.jsonl`): Blob {
  const labels = shardTargets(matrix, shard);
  const findings = fixtureReport.findings.filter((f) => labels.includes(f.target));
  const report: Report = {
    ...fixtureReport,
    targets: fixtureReport.targets.filter((t) => labels.includes(t.label)),
    findings,
    verdict: verdictOf(findings),
    startedAt: new Date(Date.parse(fixtureReport.startedAt) + shard.index * 1_000).toISOString(),
    durationMs: 10_000 * shard.index,
    shard,
    ...overrides,
  };
  return parseBlob(serializeBlob(blobHeader(matrix, shard), eventsOfReport(report, matrix)), name);
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected the merge to be refused');
}

describe('mergeBlobs', () => {
  it('joins the shards into the unsharded report: targets and findings in matrix order, one verdict', () => {
    // Given in reverse order, as a directory listing may.
    const { report, notes } = mergeBlobs([shardBlob({ index: 2, total: 2 }), shardBlob({ index: 1, total: 2 })]);
    expect(notes).toEqual([]);
    expect(report.targets).toEqual(fixtureReport.targets);
    expect(report.findings).toEqual([...fixtureReport.findings].sort((a, b) => matrix.indexOf(a.target) - matrix.indexOf(b.target)));
    expect(report.verdict).toBe(fixtureReport.verdict);
    expect(report).not.toHaveProperty('shard');
    // From the first shard's start to the last shard's end.
    expect(report.startedAt).toBe(new Date(Date.parse(fixtureReport.startedAt) + 1_000).toISOString());
    expect(report.durationMs).toBe(2_000 + 20_000 - 1_000);
  });

  it('merges one unsharded blob into the report it came from', () => {
    const blob = parseBlob(serializeBlob(blobHeader(matrix, undefined), eventsOfReport(fixtureReport, matrix)), 'rehearse.jsonl');
    const { report } = mergeBlobs([blob]);
    expect(report).toEqual({ ...fixtureReport, findings: report.findings });
    expect(new Set(report.findings)).toEqual(new Set(fixtureReport.findings));
  });

  it('gives the error verdict when a target could not run, with the others still reported', () => {
    const failed = { target: matrix[1]!, code: 'ENGINE_UNREACHABLE', message: 'connection refused' };
    const second = shardBlob({ index: 2, total: 2 }, { targets: [], findings: [], verdict: 'error', error: { ...failed, targets: [failed] } });
    const { report } = mergeBlobs([shardBlob({ index: 1, total: 2 }), second]);
    expect(report.verdict).toBe('error');
    expect(report.targets.map((t) => t.label)).toEqual([matrix[0]]);
    expect(report.error).toEqual({ code: 'ENGINE_UNREACHABLE', message: `${matrix[1]}: connection refused`, targets: [failed] });
  });

  it('counts every target of a shard that could not start as failed', () => {
    const second = shardBlob({ index: 2, total: 2 }, { targets: [], findings: [], verdict: 'error', error: { code: 'USAGE', message: 'no dataset' } });
    const { report } = mergeBlobs([shardBlob({ index: 1, total: 2 }), second]);
    expect(report.verdict).toBe('error');
    expect(report.error?.targets).toEqual([{ target: matrix[1], code: 'USAGE', message: 'no dataset' }]);
  });

  it('refuses a missing shard, naming the targets no one rehearsed', () => {
    expect(refusal(() => mergeBlobs([shardBlob({ index: 1, total: 2 })]))).toBe(
      `shard 2/2 missing (targets "${matrix[1]}" never reported): a verdict without them could pass a change no one rehearsed there`,
    );
    expect(refusal(() => mergeBlobs([shardBlob({ index: 2, total: 3 })]))).toMatch(/^shards 1\/3, 3\/3 missing \(targets "/);
  });

  it('refuses a shard given twice, shards of two splits, an unsharded blob among shards', () => {
    expect(refusal(() => mergeBlobs([shardBlob({ index: 1, total: 2 }, {}, 'a.jsonl'), shardBlob({ index: 1, total: 2 }, {}, 'b.jsonl')]))).toBe('shard 1/2 is there twice: a.jsonl and b.jsonl');
    expect(refusal(() => mergeBlobs([shardBlob({ index: 1, total: 2 }), shardBlob({ index: 2, total: 3 })]))).toMatch(/is shard 1\/2 but .* is shard 2\/3: merge the shards of one split/);
    const whole = parseBlob(serializeBlob(blobHeader(matrix, undefined), eventsOfReport(fixtureReport, matrix)), 'whole.jsonl');
    expect(refusal(() => mergeBlobs([whole, shardBlob({ index: 1, total: 2 })]))).toMatch(/^whole\.jsonl is an unsharded run's blob/);
  });

  it("refuses blobs of another matrix, an unfinished shard, shards held to other limits, and nothing", () => {
    const other = parseBlob(serializeBlob(blobHeader(['x', 'y'], { index: 2, total: 2 }), []), 'other.jsonl');
    expect(refusal(() => mergeBlobs([shardBlob({ index: 1, total: 2 }), other]))).toMatch(/^the blobs come from different matrices: .* has targets \[.*\], other\.jsonl has \["x","y"\]/);
    const unfinished = shardBlob({ index: 2, total: 2 });
    unfinished.events = unfinished.events.filter((e) => e.type !== 'run-finished');
    expect(refusal(() => mergeBlobs([shardBlob({ index: 1, total: 2 }), unfinished]))).toMatch(/the run did not finish \(no run-finished event\): the shard was interrupted or crashed/);
    const stricter = shardBlob({ index: 2, total: 2 }, { limits: { blockingLockMs: 10 } });
    expect(refusal(() => mergeBlobs([shardBlob({ index: 1, total: 2 }), stricter]))).toMatch(/were held to different limits/);
    expect(refusal(() => mergeBlobs([]))).toMatch(/^no blobs to merge/);
  });

  it('notes shards that ran different rehearse versions', () => {
    const { notes } = mergeBlobs([shardBlob({ index: 1, total: 2 }), shardBlob({ index: 2, total: 2 }, { rehearseVersion: '0.2.0' })]);
    expect(notes).toEqual(['rehearse: the shards ran different rehearse versions (0.1.0, 0.2.0)']);
  });
});

describe('parseBlob', () => {
  const text = serializeBlob(blobHeader(matrix, { index: 1, total: 2 }), eventsOfReport(fixtureReport, matrix));

  it('reads back what serializeBlob wrote', () => {
    const blob = parseBlob(text, 'b.jsonl');
    expect(blob.header).toMatchObject({ format: 'rehearse-blob', eventsVersion: EVENTS_VERSION, matrix, shard: { index: 1, total: 2 } });
    expect(blob.events.at(-1)).toEqual({ type: 'run-finished', report: fixtureReport });
  });

  it('names the file and line of what is not a blob', () => {
    const lines = text.split('\n');
    const broken = [...lines.slice(0, 3), '{"type": "finding", ', ...lines.slice(3)].join('\n');
    expect(() => parseBlob(broken, 'b.jsonl')).toThrow(/^b\.jsonl:4: not a JSON line \(/);
    expect(() => parseBlob('{"format":"something-else"}\n', 'x.jsonl')).toThrow(/^x\.jsonl:1: not a rehearse blob: expected a header with "format": "rehearse-blob"/);
    expect(() => parseBlob(`${lines[0]}\n42\n`, 'b.jsonl')).toThrow(/^b\.jsonl:2: expected an event object with a "type"$/);
  });

  it('refuses another event format with a message saying what to do', () => {
    const future = text.replace(`"eventsVersion":${EVENTS_VERSION}`, '"eventsVersion":99');
    expect(() => parseBlob(future, 'b.jsonl')).toThrow(
      new RegExp(`^b\\.jsonl:1: written by rehearse 0\\.1\\.0 in event format 99; this rehearse \\(.*\\) reads format ${EVENTS_VERSION}: merge with the rehearse version the shards ran$`),
    );
  });
});
