import { expect, test } from 'vitest';
import { parseScratchMarker, parseScratchName, scratchDatabaseName, scratchMarker } from './scratch-name.ts';

const origin = { host: 'ci-7', pid: 4242, started: new Date('2025-03-04T05:06:07.890Z') };

test('a scratch name says when and by which process, in lower case', () => {
  const name = scratchDatabaseName('Golden Copy!', origin);
  expect(name).toMatch(/^rehearse_20250304050607_4242_[0-9a-f]{4}_golden_copy$/);
  expect(parseScratchName(name)).toEqual({ pid: 4242, started: new Date('2025-03-04T05:06:07Z'), purpose: 'golden_copy' });
});

test('a long purpose is cut so the name fits PostgreSQL identifiers (63 bytes)', () => {
  const name = scratchDatabaseName('x'.repeat(200), { ...origin, pid: 4_194_304 });
  expect(Buffer.byteLength(name)).toBe(63);
  expect(parseScratchName(name)?.pid).toBe(4_194_304);
});

test('names rehearse does not make are not scratch names', () => {
  expect(parseScratchName('rehearse_prod')).toBeNull();
  expect(parseScratchName('rehearse_20250304050607_12_abcd')).toBeNull();
  expect(parseScratchName('app_20250304050607_12_abcd_x')).toBeNull();
});

test('the marker comment reads back; foreign comments do not', () => {
  expect(parseScratchMarker(scratchMarker(origin))).toEqual(origin);
  expect(parseScratchMarker('{"rehearse":2,"host":"x","pid":1,"started":"2025-01-01T00:00:00Z"}')).toBeNull();
  expect(parseScratchMarker('production database, do not drop')).toBeNull();
  expect(parseScratchMarker(null)).toBeNull();
});
