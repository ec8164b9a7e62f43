import { expect, test } from 'vitest';
import { judgeLeftover, type LeftoverContext } from './leftovers.ts';
import { scratchMarker } from './scratch-name.ts';

const now = new Date('2025-06-01T12:00:00Z');
const hourAgo = new Date(now.getTime() - 3600_000);
const twoDaysAgo = new Date(now.getTime() - 48 * 3600_000);
const context: LeftoverContext = { host: 'ci-7', now, isProcessAlive: (pid) => pid === 100 };

const candidate = (started: Date, pid: number, marker: { host: string } | null, connections = 0) => ({
  name: `rehearse_${started.toISOString().replace(/\D/g, '').slice(0, 14)}_${pid}_abcd_golden`,
  comment: marker ? scratchMarker({ host: marker.host, pid, started }) : null,
  connections,
});

test('a database of a dead process on this host is removed, even when recent', () => {
  expect(judgeLeftover(candidate(hourAgo, 200, { host: 'ci-7' }), context)).toBe('creator-gone');
});

test('a database of a live process on this host stays', () => {
  expect(judgeLeftover(candidate(twoDaysAgo, 100, { host: 'ci-7' }, 1), context)).toBe('keep');
});

test('another host: removed only when older than a day and nobody is connected', () => {
  expect(judgeLeftover(candidate(hourAgo, 200, { host: 'ci-8' }), context)).toBe('keep');
  expect(judgeLeftover(candidate(twoDaysAgo, 200, { host: 'ci-8' }, 2), context)).toBe('keep');
  expect(judgeLeftover(candidate(twoDaysAgo, 200, { host: 'ci-8' }), context)).toBe('abandoned');
});

test('without a marker (crash before COMMENT ON DATABASE) the name dates it', () => {
  expect(judgeLeftover(candidate(hourAgo, 200, null), context)).toBe('keep');
  expect(judgeLeftover(candidate(twoDaysAgo, 200, null), context)).toBe('abandoned');
});

test('databases not named the way rehearse names them are never touched', () => {
  expect(judgeLeftover({ name: 'rehearse_prod', comment: null, connections: 0 }, context)).toBe('keep');
});
