import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from './suggest.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['engine', 'engnie', 2],
    ['rowChanged', 'rowsChanged', 1],
  ])('%s → %s is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestMatch', () => {
  const keys = ['blockingLockMs', 'stepDurationMs', 'rowsChanged', 'walBytes'];

  it('suggests the nearest key within two edits', () => {
    expect(closestMatch('rowChanged', keys)).toBe('rowsChanged');
    expect(closestMatch('walbyte', keys)).toBe('walBytes');
    expect(closestMatch('blockingLockM', keys)).toBe('blockingLockMs');
  });

  it('prefers a case-only difference even when it is more than two edits', () => {
    expect(closestMatch('BLOCKINGLOCKMS', keys)).toBe('blockingLockMs');
  });

  it('suggests nothing for unrelated words', () => {
    expect(closestMatch('timeout', keys)).toBeUndefined();
    expect(closestMatch('walBytesPerStep', keys)).toBeUndefined();
  });
});
