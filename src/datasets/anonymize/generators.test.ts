import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors.ts';
import { makeTransform, ruleProblem, type Target, type ValueTransform } from './generators.ts';
import { parseRuleText, type Rule } from './rules.ts';
import { columnType } from './types.ts';

const KEY = Buffer.from('generators test key');
const OTHER_KEY = Buffer.from('another key');

function rule(text: string): Rule {
  const parsed = parseRuleText(text);
  if (!('rule' in parsed)) throw new Error(parsed.problem);
  return parsed.rule;
}

function target(type: string, options: Partial<Omit<Target, 'type'>> = {}): Target {
  return { label: 't.c', type: columnType(type), nullable: true, unique: false, ...options };
}

/** The transform of `text` on a column of `type`, which planning must accept. */
function transform(text: string, type = 'text', options: Partial<Omit<Target, 'type'>> & { key?: Buffer } = {}): ValueTransform {
  const { key = KEY, ...rest } = options;
  const t = target(type, rest);
  expect(ruleProblem(rule(text), t)).toBeUndefined();
  return makeTransform(rule(text), t, key);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('every rule', () => {
  /** Rule, column type, and inputs of that type (the first is the one checked). */
  const kinds: [string, string, (i: number) => string][] = [
    ['hash', 'text', (i) => `jane${i}@example.org`],
    ['hash', 'integer', (i) => String(42 + i)],
    ['hash', 'numeric', (i) => `${1234 + i}.56`],
    ['hash', 'uuid', (i) => `7c9e6679-7425-40de-944b-e07fc1f9${String(i).padStart(4, '0')}`],
    ['fake:email', 'text', (i) => `jane${i}@example.org`],
    ['fake:name', 'text', (i) => `Jane Roe ${i}`],
    ['fake:username', 'text', (i) => `jroe${i}`],
    ['fake:phone', 'text', (i) => `+44 20 7946 ${String(958 + i).padStart(4, '0')}`],
    ['fake:address', 'text', (i) => `${221 + i} Baker Street`],
    ['fake:company', 'text', (i) => `Acme ${i} Ltd`],
    ['fake:ip', 'inet', (i) => `192.168.1.${20 + i}`],
    ['fake:text', 'text', (i) => `Call me at jane${i}@example.org any time after five`],
    ['fake:date_shift', 'date', (i) => `1985-03-${String(12 + i).padStart(2, '0')}`],
    ['fake:uuid', 'text', (i) => `anything ${i}`],
  ];

  it.each(kinds)('%s on %s: the same output for the same input and key, every time and in every instance', (r, type, input) => {
    const out = transform(r, type)(input(0));
    expect(out).not.toBe(input(0));
    expect(transform(r, type)(input(0))).toBe(out);
    const again = transform(r, type);
    again(input(1));
    expect(again(input(0))).toBe(out);
  });

  it.each(kinds)('%s on %s: another key gives other outputs', (r, type, input) => {
    const a = transform(r, type);
    const b = transform(r, type, { key: OTHER_KEY });
    const same = Array.from({ length: 15 }, (_, i) => input(i)).filter((v) => a(v) === b(v)).length;
    // Dates move within ±365 days, so two keys agree now and then; the rest almost never.
    expect(same).toBeLessThan(r === 'fake:date_shift' ? 4 : 2);
  });

  it('keeps NULL NULL (constant excepted: every row gets it) and empty strings empty', () => {
    for (const [r, type] of kinds) {
      expect(transform(r, type)(null), r).toBeNull();
      expect(transform(r, type)(''), r).toBe('');
    }
    expect(transform('mask')(null)).toBeNull();
    expect(transform('mask')('')).toBe('');
    expect(transform('constant:x')(null)).toBe('x');
    expect(transform('constant:x')('')).toBe('x');
    expect(transform('null')('a')).toBeNull();
    expect(transform('keep')('a')).toBe('a');
  });
});

describe('hash', () => {
  it('is hex of the HMAC on text, cut to a varchar limit', () => {
    expect(transform('hash')('secret-token')).toMatch(/^[0-9a-f]{64}$/);
    expect(transform('hash', 'varchar(20)', { maxLength: 20 })('secret-token')).toMatch(/^[0-9a-f]{20}$/);
    expect(transform('hash', 'varchar(20)', { maxLength: 20 })('secret-token')).toBe(transform('hash')('secret-token')!.slice(0, 20));
  });

  it('keeps 100k distinct values distinct', () => {
    const f = transform('hash', 'text', { unique: true });
    const outs = new Set<string>();
    for (let i = 0; i < 100_000; i++) outs.add(f(`token-${i}`)!);
    expect(outs.size).toBe(100_000);
  });

  it('maps an integer type onto its own range, keeping the sign: a bijection, so keys stay unique', () => {
    const f = transform('hash', 'smallint', { unique: true });
    const outs = new Set<string>();
    for (let i = 0; i < 32768; i++) {
      const out = Number(f(String(i)));
      expect(out >= 0 && out <= 32767).toBe(true);
      outs.add(String(out));
    }
    expect(outs.size).toBe(32768);
    expect(Number(f('-1'))).toBeLessThan(0);
    expect(Number(f('-32768'))).toBeGreaterThanOrEqual(-32768);

    const int4 = transform('hash', 'integer', { unique: true });
    const ids = new Set<string>();
    for (let i = 1; i <= 100_000; i++) {
      const out = Number(int4(String(i)));
      expect(out >= 0 && out <= 2_147_483_647).toBe(true);
      ids.add(String(out));
    }
    expect(ids.size).toBe(100_000);
  });

  it('handles bigint and unsigned ranges to their ends', () => {
    const big = transform('hash', 'bigint');
    for (const v of ['9223372036854775807', '0', '1', '-9223372036854775808']) {
      const out = BigInt(big(v)!);
      expect(out >= -(2n ** 63n) && out < 2n ** 63n).toBe(true);
      expect(out < 0n).toBe(v.startsWith('-'));
    }
    const unsigned = transform('hash', 'int(10) unsigned');
    const out = Number(unsigned('4294967295'));
    expect(out >= 0 && out < 2 ** 32).toBe(true);
    const tiny = transform('hash', 'tinyint(1)');
    expect(Math.abs(Number(tiny('1')))).toBeLessThan(128);
  });

  it('keeps values beyond a narrower range (a bigint key an integer column references) a bijection of their own', () => {
    const f = transform('hash', 'integer');
    const outs = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const small = BigInt(f(String(i))!);
      const large = BigInt(f(String(2 ** 31 + i * 1_000_003))!);
      expect(small >= 0n && small < 2n ** 31n).toBe(true);
      expect(large >= 2n ** 31n && large < 2n ** 63n).toBe(true);
      outs.add(String(small)).add(String(large));
    }
    expect(outs.size).toBe(4000);
  });

  it('gives SQLite text in an INTEGER column the hex of its HMAC', () => {
    expect(transform('hash', 'INTEGER')('not a number')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('permutes the digits of numbers keeping their shape, so numeric(p, s) still fits', () => {
    const f = transform('hash', 'numeric(10,2)');
    expect(f('-1234.56')).toMatch(/^-[1-9]\d{3}\.\d{2}$/);
    expect(f('0.50')).toMatch(/^0\.\d{2}$/);
    expect(f('7')).toMatch(/^[1-9]$/);
    expect(f('1.5e+10')).toMatch(/^\d\.\de\+10$/);
    expect(f('NaN')).toBe('NaN');
    const outs = new Set<string>();
    for (let i = 1000; i < 10000; i++) outs.add(f(`${i}.25`)!);
    expect(outs.size).toBe(9000);
    expect([...outs].every((o) => /^[1-9]\d{3}\.\d{2}$/.test(o))).toBe(true);
    expect(f('123456789012345678901234567890')).toMatch(/^[1-9]\d{29}$/);
  });

  it('gives uuid columns uuids and binary columns bytes of the same length', () => {
    expect(transform('hash', 'uuid')('7c9e6679-7425-40de-944b-e07fc1f90ae7')).toMatch(UUID);
    expect(transform('hash', 'bytea')('\\x0102ab')).toMatch(/^\\x[0-9a-f]{6}$/);
    expect(transform('hash', 'varbinary(16)')('DEADBEEF00112233DEADBEEF00112233')).toMatch(/^[0-9a-f]{32}$/);
    expect(transform('hash', 'bytea')(`\\x${'ab'.repeat(100)}`)).toMatch(/^\\x[0-9a-f]{200}$/);
  });
});

describe('mask', () => {
  it('stars all but the last n characters (2 by default), keeping the length', () => {
    expect(transform('mask')('+49 170 1234567')).toBe('*************67');
    expect(transform('mask:4')('4111111111111111')).toBe('************1111');
    expect(transform('mask:0')('secret')).toBe('******');
    expect(transform('mask')('Zoë😀x')).toBe('***😀x');
  });

  it('always stars at least one character', () => {
    expect(transform('mask')('ab')).toBe('*b');
    expect(transform('mask:4')('a')).toBe('*');
  });
});

describe('fake', () => {
  it('email: first.last.<64-bit tag>@ a reserved domain, shortened to fit a limit', () => {
    const f = transform('fake:email');
    expect(f('jane@corp.example')).toMatch(/^[a-z]+\.[a-z]+\.[0-9a-f]{16}@example\.(com|net|org)$/);
    const narrow = transform('fake:email', 'varchar(30)', { maxLength: 30, unique: true });
    for (let i = 0; i < 200; i++) {
      const out = narrow(`user${i}@corp.example`)!;
      expect(out.length).toBeLessThanOrEqual(30);
      expect(out).toMatch(/@example\.(com|net|org)$/);
      expect(out).toContain(f(`user${i}@corp.example`)!.split('.')[2]!.split('@')[0]!);
    }
    expect(transform('fake:email', 'varchar(16)', { maxLength: 16 })('jane@corp.example')).toMatch(/^[0-9a-f]{4}@example\.com$/);
  });

  it('email and username: 100k distinct inputs give 100k distinct outputs', () => {
    for (const kind of ['fake:email', 'fake:username']) {
      const f = transform(kind, 'text', { unique: true });
      const outs = new Set<string>();
      for (let i = 0; i < 100_000; i++) outs.add(f(`person${i}@corp.example`)!);
      expect(outs.size, kind).toBe(100_000);
    }
  });

  it('names, companies, cities and addresses look the part and fit the column', () => {
    expect(transform('fake:name')('Jane Roe')).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(transform('fake:first_name')('Jane')).toMatch(/^[A-Z][a-z]+$/);
    expect(transform('fake:last_name')('Roe')).toMatch(/^[A-Z][a-z]+$/);
    expect(transform('fake:company')('Acme')).toMatch(/^[A-Z][a-z]+ [A-Za-z ]+$/);
    expect(transform('fake:city')('London')).toMatch(/^[A-Z][a-z]+( [A-Z][a-z]+)?$/);
    expect(transform('fake:address')('221B Baker Street')).toMatch(/^\d{1,3} [A-Z][a-z]+ [A-Z][a-z]+$/);
    for (const kind of ['fake:name', 'fake:first_name', 'fake:last_name', 'fake:company', 'fake:city', 'fake:address', 'fake:username']) {
      for (const limit of [3, 8, 12]) {
        const f = transform(kind, `varchar(${limit})`, { maxLength: limit });
        for (let i = 0; i < 50; i++) expect(f(`input ${i}`)!.length, `${kind} in ${limit}`).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('postcode keeps the shape: digits, letters and their case, separators', () => {
    const f = transform('fake:postcode');
    expect(f('SW1A 1AA')).toMatch(/^[A-Z]{2}\d[A-Z] \d[A-Z]{2}$/);
    expect(f('90210-1234')).toMatch(/^\d{5}-\d{4}$/);
    expect(f('1234 ab')).toMatch(/^\d{4} [a-z]{2}$/);
  });

  it('phone permutes the digits and keeps the formatting: distinct numbers stay distinct', () => {
    const f = transform('fake:phone', 'text', { unique: true });
    expect(f('+44 (20) 7946-0958')).toMatch(/^\+\d{2} \(\d{2}\) \d{4}-\d{4}$/);
    const outs = new Set<string>();
    for (let i = 0; i < 100_000; i++) outs.add(f(`+1 555 ${String(i).padStart(7, '0')}`)!);
    expect(outs.size).toBe(100_000);
    const numeric = transform('fake:phone', 'bigint');
    expect(numeric('4915112345678')).toMatch(/^[1-9]\d{12}$/);
  });

  it('ip: v4 stays v4 (a bijection), v6 stays v6, suffixes, ports and lists are kept', () => {
    const f = transform('fake:ip', 'inet', { unique: true });
    const v4 = f('192.168.1.20')!;
    expect(isIPv4(v4)).toBe(true);
    expect(f('192.168.1.20/24')).toBe(`${v4}/24`);
    expect(isIPv6(f('2001:db8::1')!)).toBe(true);
    expect(f('::1')).toBe(f('0:0:0:0:0:0:0:1'));
    expect(f('fe80::1/64')).toMatch(/^[0-9a-f:]+\/64$/);
    const outs = new Set<string>();
    for (let i = 0; i < 100_000; i++) outs.add(f(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)!);
    expect(outs.size).toBe(100_000);

    const cidr = transform('fake:ip', 'cidr');
    expect(cidr('10.1.0.0/16')).toMatch(/^\d+\.\d+\.0\.0\/16$/);
    expect(cidr('2001:db8::/32')).toMatch(/^[0-9a-f]+:[0-9a-f]+:0:0:0:0:0:0\/32$/);

    const text = transform('fake:ip');
    const list = text('203.0.113.7, 10.0.0.1:8080, [2001:db8::2]:443')!;
    const [a, b, c] = list.split(', ');
    expect(isIPv4(a!)).toBe(true);
    expect(b).toMatch(/^[\d.]+:8080$/);
    expect(c).toMatch(/^\[[0-9a-f:]+\]:443$/);
    expect(a).toBe(v4 === f('203.0.113.7') ? v4 : f('203.0.113.7'));
    expect(text('unknown')).toBe('unknown');
    // An address stored as a number maps to the number of the address its text maps to.
    const asNumber = transform('fake:ip', 'int unsigned');
    const n = Number(asNumber(String(192 * 2 ** 24 + 168 * 2 ** 16 + 256 + 20)));
    expect([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')).toBe(v4);
  });

  it('text: as many words, never longer, whitespace and capitals kept', () => {
    const f = transform('fake:text');
    const input = 'Call me at jane.doe@example.org\nor +1 555 0100.  Thanks, Jane!';
    const out = f(input)!;
    expect(out.split(/\s+/)).toHaveLength(input.split(/\s+/).length);
    expect(out.length).toBeLessThanOrEqual(input.length);
    expect(out.replace(/\S/g, '')).toBe(input.replace(/\S/g, ''));
    expect(out).toMatch(/^[A-Z]/);
    expect(out).not.toMatch(/jane|example|555/i);
    expect(out.endsWith('!')).toBe(true);
    const emoji = f('😀😀 日本語')!;
    expect(Array.from(emoji).length).toBeLessThanOrEqual(Array.from('😀😀 日本語').length);
  });

  it('text on JSON: every string value filled, keys, numbers and layout kept, still valid JSON', () => {
    const f = transform('fake:text', 'jsonb');
    const input = '{"name": "Jane Roe", "emails": ["jane@example.org"], "age": 41, "ok": true, "n": null, "nested": {"note": "say \\"hi\\"\\n"}}';
    const out = f(input)!;
    const parsed = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['name', 'emails', 'age', 'ok', 'n', 'nested']);
    expect(parsed.age).toBe(41);
    expect(parsed.ok).toBe(true);
    expect(parsed.n).toBeNull();
    expect(out).not.toMatch(/Jane|example/);
    expect((parsed.name as string).split(' ')).toHaveLength(2);
    expect(f('"just a string"')).toMatch(/^"\w+ \w+ \w+"$/);
    expect(f('[1, 2.5e3]')).toBe('[1, 2.5e3]');
  });

  it('text on JSON refuses what is not JSON, without showing the value', () => {
    const f = transform('fake:text', 'json');
    expect(() => f('{not json: jane@example.org')).toThrow(InputError);
    expect(() => f('{not json: jane@example.org')).toThrow(/^t\.c: fake:text cannot read one of its values \(expected JSON; the value is not shown\)/);
    expect(() => f('{not json: jane@example.org')).not.toThrow(/jane/);
  });

  it('date_shift refuses what is not a date, without showing the value', () => {
    const f = transform('fake:date_shift', 'text');
    expect(f('2024-01-31')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(() => f('31/01/2024')).toThrow(/t\.c: fake:date_shift:365 cannot read one of its values \(expected a date like 2024-01-31/);
  });

  it('uuid: a version-4-shaped uuid, unique across 100k inputs', () => {
    const f = transform('fake:uuid', 'uuid', { unique: true });
    const outs = new Set<string>();
    for (let i = 0; i < 100_000; i++) outs.add(f(String(i))!);
    expect(outs.size).toBe(100_000);
    expect([...outs].slice(0, 100).every((u) => UUID.test(u))).toBe(true);
  });
});

describe('ruleProblem', () => {
  const problem = (text: string, type: string, options: Partial<Omit<Target, 'type'>> = {}) => ruleProblem(rule(text), target(type, options));

  it('accepts what fits', () => {
    expect(problem('hash', 'integer', { unique: true })).toBeUndefined();
    expect(problem('fake:date_shift:30', 'timestamptz', { unique: true })).toBeUndefined();
    expect(problem('null', 'text', { unique: true })).toBeUndefined();
    expect(problem('constant:5', 'integer')).toBeUndefined();
    expect(problem('keep', 'boolean', { unique: true, nullable: false })).toBeUndefined();
  });

  it('refuses null on NOT NULL columns', () => {
    expect(problem('null', 'text', { nullable: false })).toBe('t.c is NOT NULL: null cannot apply; use keep, constant:<value>, hash, mask, fake:email, fake:name, fake:first_name, fake:last_name, fake:username, fake:address, fake:city, fake:postcode, fake:company, fake:phone, fake:ip, fake:text, fake:date_shift, fake:uuid');
  });

  it('refuses rules that cannot keep a unique column unique', () => {
    expect(problem('constant:x', 'text', { unique: true })).toMatch(/^t\.c is unique: constant:… would give every row the same value/);
    expect(problem('mask', 'text', { unique: true })).toMatch(/^t\.c is unique \(alone or in a unique key\): mask would make values that end alike equal/);
    expect(problem('fake:name', 'text', { unique: true })).toMatch(/fake:name draws from a short list and would repeat values; use a rule that keeps values distinct \(hash, fake:email/);
    expect(problem('fake:text', 'text', { unique: true })).toMatch(/fake:text draws from a short list/);
    expect(problem('fake:ip', 'cidr', { unique: true })).toMatch(/zeroes a cidr's host bits/);
  });

  it('refuses limits too short for the rule, or for a unique column', () => {
    expect(problem('hash', 'varchar(12)', { unique: true, maxLength: 12 })).toBe(
      't.c is unique (alone or in a unique key) and holds 12 characters: hash would keep 48 bits, fewer than the 64 needed to stay unique in practice; widen the column to 16 or keep it',
    );
    expect(problem('hash', 'varchar(12)', { maxLength: 12 })).toBeUndefined();
    expect(problem('fake:email', 'varchar(27)', { unique: true, maxLength: 27 })).toMatch(/holds 27 characters: fake:email needs 28 to carry its 64-bit tag/);
    expect(problem('fake:email', 'varchar(12)', { maxLength: 12 })).toBe('t.c holds 12 characters: fake:email needs at least 13');
    expect(problem('fake:uuid', 'varchar(32)', { maxLength: 32 })).toBe('t.c holds 32 characters: fake:uuid needs at least 36');
    expect(problem('constant:toolong', 'varchar(3)', { maxLength: 3 })).toBe(`t.c: constant "toolong" is longer than the column's 3 characters`);
  });

  it('refuses rules that cannot write the column type, naming those that can', () => {
    expect(problem('fake:email', 'integer')).toBe('t.c is an integer (integer): fake:email cannot write it; rules that fit: keep, null, constant:<value>, hash, fake:phone, fake:ip');
    expect(problem('mask', 'uuid')).toBe('t.c is a uuid (uuid): mask:2 cannot write it; rules that fit: keep, null, constant:<value>, hash, fake:uuid');
    expect(problem('hash', 'boolean')).toMatch(/is a type rehearse does not generate values for \(boolean\): hash cannot write it; rules that fit: keep, null, constant:<value>$/);
    expect(problem('fake:text', 'text[]')).toMatch(/is an array \(text\[\]\)/);
    expect(problem('fake:date_shift', 'time')).toMatch(/fake:date_shift:365 cannot write it/);
    expect(problem('hash', 'date')).toMatch(/rules that fit: keep, null, constant:<value>, fake:date_shift$/);
    expect(problem('fake:ip', 'smallint')).toMatch(/fake:ip needs a 32-bit integer/);
    expect(problem('constant:abc', 'integer')).toBe('t.c: constant "abc" is not an integer');
    expect(problem('constant:{', 'jsonb')).toBe('t.c: constant "{" is not JSON');
  });
});
