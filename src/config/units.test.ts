import { describe, expect, it } from 'vitest';
import { parseBytes, parseCount, parseDuration } from './units.ts';

describe('parseDuration', () => {
  it.each([
    [1500, 1500],
    [0, 0],
    [1.4, 1],
    ['1500', 1500],
    ['250ms', 250],
    ['1.5s', 1500],
    ['1.5 s', 1500],
    [' 2m ', 120_000],
    ['1h', 3_600_000],
    ['1_000ms', 1000],
    ['1.0005s', 1001],
    ['2.5', 3],
  ] as const)('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  // `5M` would be minutes to some readers and months to others: units are lower case only.
  it.each([-1, '-1s', '-0.5s', 'fast', '', 's', '1e3', '1e3s', '5M', '1S', '1 d', '1.s', '.5s', '1__0s', Number.NaN, Infinity])(
    'rejects %j',
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );
});

describe('parseBytes', () => {
  it.each([
    [0, 0],
    [1024, 1024],
    ['512', 512],
    ['512B', 512],
    ['1kB', 1000],
    ['1KB', 1000],
    ['200 KiB', 204_800],
    ['512MB', 512_000_000],
    ['1GiB', 1024 ** 3],
    ['1gib', 1024 ** 3],
    ['1.5KiB', 1536],
    ['2TB', 2e12],
  ] as const)('%j is %d bytes', (input, bytes) => {
    expect(parseBytes(input)).toBe(bytes);
  });

  it.each([-1, 1.5, '1.5', '-1GiB', 'big', '1 GiBs', '1K', '1 gigabyte', '1e9', Number.MAX_VALUE, '9999999TiB'])('rejects %j', (input) => {
    expect(parseBytes(input)).toBeUndefined();
  });
});

describe('parseCount', () => {
  it.each([
    [0, 0],
    [100_000, 100_000],
    ['100000', 100_000],
    ['100_000', 100_000],
    ['100k', 100_000],
    ['100K', 100_000],
    ['1.5M', 1_500_000],
    ['1.75m', 1_750_000],
    ['2B', 2e9],
  ] as const)('%j is %d', (input, count) => {
    expect(parseCount(input)).toBe(count);
  });

  it.each([-5, 0.5, '0.5', '-100k', 'many', '10 rows', '1.5G', '1,000', Infinity])('rejects %j', (input) => {
    expect(parseCount(input)).toBeUndefined();
  });
});
