// Unit-bearing values in configuration: durations, byte sizes and counts. A plain number is taken
// in the base unit (ms, bytes, items); a string may carry a unit suffix. Each parser returns a
// non-negative safe integer, or undefined for anything else, so callers phrase the error in their
// own context (config path or CLI flag) using the matching `*_EXPECTED` text.

/** What a duration looks like, for "expected …, got …" messages. */
export const DURATION_EXPECTED = 'a duration like 1500, "1.5s" or "2m"';
/** What a byte size looks like, for "expected …, got …" messages. */
export const BYTES_EXPECTED = 'a size like 1048576, "512MB" or "1GiB"';
/** What a count looks like, for "expected …, got …" messages. */
export const COUNT_EXPECTED = 'a count like 100000, "100k" or "1.5M"';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

// kB is 1000 and KiB is 1024, as SI and IEC define them. (PostgreSQL's own settings read kB as
// 1024; we follow the standards because `walBytes` is compared with pg_wal_lsn_diff, plain bytes.)
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

// B is a billion, not bytes: counts have no byte unit to clash with.
const COUNT_UNITS: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9 };

/** Milliseconds from `1500`, `"1500"`, `"250ms"`, `"1.5s"`, `"2m"`, `"1h"`. Units are lower case: `M` is not minutes. */
export function parseDuration(value: number | string): number | undefined {
  return typeof value === 'number' ? milliseconds(value) : parseWithUnit(value, DURATION_UNITS, false, milliseconds);
}

/** Bytes from `1048576`, `"512MB"`, `"1GiB"`, `"200 KiB"` (unit case-insensitive). */
export function parseBytes(value: number | string): number | undefined {
  return typeof value === 'number' ? wholeNumber(value) : parseWithUnit(value, BYTE_UNITS, true, wholeNumber);
}

/** A count from `100000`, `"100_000"`, `"100k"`, `"1.5M"`, `"2B"` (unit case-insensitive). */
export function parseCount(value: number | string): number | undefined {
  return typeof value === 'number' ? wholeNumber(value) : parseWithUnit(value, COUNT_UNITS, true, wholeNumber);
}

// Fractional milliseconds mean nothing for our limits, so they round, as "1.0005s" does.
function milliseconds(n: number): number | undefined {
  return n >= 0 ? toInteger(n) : undefined;
}

// A byte or row count written without a unit must already be whole: 1.5 rows is a typo, not a
// value to round. With a unit, a fraction is the point ("1.5M"), and the product is rounded.
function wholeNumber(n: number): number | undefined {
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

// A number without sign or exponent ("-1s" and "1e3s" are rejected, not misread), `_` allowed
// between digits as in YAML 1.1 and JS literals, then an optional unit after optional spaces.
const WITH_UNIT = /^(\d+(?:_\d+)*(?:\.\d+)?)\s*([a-z]*)$/i;

function parseWithUnit(
  text: string,
  units: Record<string, number>,
  ignoreCase: boolean,
  bare: (n: number) => number | undefined,
): number | undefined {
  const match = WITH_UNIT.exec(text.trim());
  if (!match) return undefined;
  const [, digits = '', unit = ''] = match;
  const n = Number(digits.replaceAll('_', ''));
  // Without a unit the string means what the same number would: "1500" is 1500 ms.
  if (unit === '') return bare(n);
  const factor = units[ignoreCase ? unit.toLowerCase() : unit];
  return factor === undefined ? undefined : toInteger(n * factor);
}

function toInteger(n: number): number | undefined {
  const rounded = Math.round(n);
  return Number.isSafeInteger(rounded) ? rounded : undefined;
}
