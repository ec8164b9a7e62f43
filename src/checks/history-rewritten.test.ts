import { describe, expect, it } from 'vitest';
import type { HistoryEvidence, RewrittenMigration } from '../rehearsal/evidence.ts';
import { historyRewrittenCheck, severityOf } from './history-rewritten.ts';
import { outOfOrderCheck } from './out-of-order.ts';
import { context, target } from './test-fixtures.ts';

const history = (overrides: Partial<HistoryEvidence> = {}): HistoryEvidence => ({
  base: 'origin/main',
  baseCommit: 'a'.repeat(40),
  baseLatest: '0003',
  rewritten: [],
  outOfOrder: [],
  trunk: [],
  change: [],
  ...overrides,
});

const edited = (file: Partial<RewrittenMigration['files'][number]> = {}, overrides: Partial<RewrittenMigration> = {}): RewrittenMigration => ({
  migration: '0001_create_reviews',
  version: '0001',
  change: 'edited',
  appliedBecause: 'dataset',
  files: [{ direction: 'up', basePath: 'origin/main:migrations/0001_create_reviews.up.sql', headPath: 'migrations/0001_create_reviews.up.sql', change: 'edited', onlyCommentsOrWhitespace: false, diff: '-CHECK (rating BETWEEN 1 AND 5)\n+CHECK (rating BETWEEN 0 AND 10)', ...file }],
  ...overrides,
});

describe('history-rewritten', () => {
  it('is an error when an applied up was edited, with the diff in the evidence', () => {
    const [f, ...rest] = historyRewrittenCheck.run(context(target({ history: history({ rewritten: [edited()] }) })));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'error', migration: '0001_create_reviews' });
    expect(f?.message).toBe(
      "0001_create_reviews, applied in production (at or below the dataset's version 0001), has its up file edited by the change: production keeps what the original built, while every fresh database (CI, development, new installs) gets the edit",
    );
    expect(f?.evidence.diff).toContain('+CHECK (rating BETWEEN 0 AND 10)');
    expect(f?.advice).toMatch(/new migration/);
  });

  it('grades by what changed: deleted and moved are errors, down-only and name-only edits warnings, comments info', () => {
    expect(severityOf(edited({}, { change: 'deleted', files: [{ direction: 'up', basePath: 'x', change: 'deleted' }] }))).toBe('error');
    expect(severityOf(edited({ change: 'renamed', headPath: 'migrations/0007_create_reviews.up.sql', diff: undefined, onlyCommentsOrWhitespace: undefined }, { change: 'renamed' }))).toBe('error');
    expect(severityOf(edited({ change: 'renamed', headPath: 'migrations/0001_reviews.up.sql', diff: undefined, onlyCommentsOrWhitespace: undefined }, { change: 'renamed' }))).toBe('warning');
    expect(severityOf(edited({ direction: 'down' }))).toBe('warning');
    expect(severityOf(edited({ onlyCommentsOrWhitespace: true }))).toBe('info');
  });

  it('finds nothing without --base (no history evidence) or when nothing was rewritten', () => {
    expect(historyRewrittenCheck.run(context(target()))).toEqual([]);
    expect(historyRewrittenCheck.run(context(target({ history: history() })))).toEqual([]);
  });
});

describe('out-of-order', () => {
  it('is an error for a new migration below the base', () => {
    const h = history({ outOfOrder: [{ migration: '0002_add_index', version: '0002', below: '0003_tags', belowSource: 'base', file: 'migrations/0002_add_index.up.sql' }] });
    const [f] = outOfOrderCheck.run(context(target({ history: h })));
    expect(f).toMatchObject({ severity: 'error', migration: '0002_add_index', phase: 'change' });
    expect(f?.message).toMatch(/^0002_add_index sorts below 0003_tags, the newest migration on origin\/main: golang-migrate never applies it in production/);
    expect(f?.advice).toMatch(/rename both files/);
  });

  it('finds nothing when every new version is above the base', () => {
    expect(outOfOrderCheck.run(context(target({ history: history() })))).toEqual([]);
  });
});
