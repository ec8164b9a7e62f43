// One rule applied to one column: what it may be applied to (`ruleProblem`, at planning) and the
// function from a source value's text to the output's (`makeTransform`). Every output is built
// from HMAC-SHA256 of the input under a subkey of the rule (keyed.ts), and shaped to the column:
// its type family (types.ts) and its varchar(n) limit.
import { InputError } from '../../errors.ts';
import { DateShifter } from './dates.ts';
import { IpFaker } from './ip.ts';
import { KeyedHash, KeyedPermutation, Sfc32 } from './keyed.ts';
import { DEFAULT_MASK_KEEP, DEFAULT_SHIFT_DAYS, ruleText, type Rule } from './rules.ts';
import { fillJson, fillText } from './text.ts';
import type { ColumnType, TypeFamily } from './types.ts';
import * as words from './vocabulary.ts';
import type { FakeKind } from './define.ts';

export type ValueTransform = (value: string | null) => string | null;

/** The column a rule is applied to, as planning sees it. */
export interface Target {
  /** `table.column`, for messages. */
  label: string;
  type: ColumnType;
  /** varchar(n): outputs are built or cut to fit. */
  maxLength?: number;
  nullable: boolean;
  /** Alone or together with other columns, a primary or unique key. */
  unique: boolean;
}

/** Hex characters of the tag that makes emails, usernames and hashes unique: 64 bits. */
export const TAG_HEX = 16;
/** Bits a unique column's outputs need: n distinct values then collide with probability about n² / 2^65. */
export const UNIQUE_BITS = 64;

/** The families each rule writes values for; `keep`, `null` and `constant` go anywhere. */
const FITS: Record<string, readonly TypeFamily[]> = {
  hash: ['text', 'integer', 'decimal', 'uuid', 'binary'],
  mask: ['text'],
  'fake:email': ['text'],
  'fake:name': ['text'],
  'fake:first_name': ['text'],
  'fake:last_name': ['text'],
  'fake:username': ['text'],
  'fake:address': ['text'],
  'fake:city': ['text'],
  'fake:postcode': ['text'],
  'fake:company': ['text'],
  'fake:phone': ['text', 'integer', 'decimal'],
  'fake:ip': ['text', 'inet', 'integer'],
  'fake:text': ['text', 'json'],
  'fake:date_shift': ['text', 'date', 'timestamp'],
  'fake:uuid': ['text', 'uuid'],
};

/** Shortest column each fake kind needs whatever the column's role. */
const MIN_LENGTH: Partial<Record<FakeKind, number>> = { email: 13, uuid: 36 };
/** Shortest unique column for the kinds whose uniqueness comes from the 64-bit tag. */
const MIN_UNIQUE_LENGTH: Partial<Record<FakeKind, number>> = {
  email: TAG_HEX + '@example.com'.length,
  username: TAG_HEX + 'u_'.length,
  uuid: 36,
};
/** Fake kinds that cannot keep distinct values distinct (a short list of names, a shape, filler). */
const NOT_UNIQUE: readonly FakeKind[] = ['name', 'first_name', 'last_name', 'address', 'city', 'postcode', 'company', 'text'];

function fitKey(rule: Rule): string {
  return rule.kind === 'fake' ? `fake:${rule.fake}` : rule.kind;
}

const FAMILY_WORDS: Record<TypeFamily, string> = {
  text: 'text',
  integer: 'an integer',
  decimal: 'a number',
  uuid: 'a uuid',
  date: 'a date',
  timestamp: 'a timestamp',
  inet: 'an IP address',
  json: 'JSON',
  binary: 'binary',
  array: 'an array',
  other: 'a type rehearse does not generate values for',
};

function rulesFitting(family: TypeFamily): string {
  const fitting = Object.entries(FITS)
    .filter(([, families]) => families.includes(family))
    .map(([name]) => name);
  return ['keep', 'null', 'constant:<value>', ...fitting].join(', ');
}

/** Why `rule` cannot be applied to `target`, or undefined when it can. */
export function ruleProblem(rule: Rule, target: Target): string | undefined {
  const { family } = target.type;
  const text = ruleText(rule);
  const limit = target.maxLength;
  const kindOf = `${target.label} is ${FAMILY_WORDS[family]} (${target.type.type})`;
  if (rule.kind === 'keep') return undefined;
  if (rule.kind === 'null') {
    return target.nullable ? undefined : `${target.label} is NOT NULL: null cannot apply; use ${rulesFitting(family).replace('keep, null, ', 'keep, ')}`;
  }
  if (rule.kind === 'constant') {
    if (target.unique) return `${target.label} is unique: constant:… would give every row the same value; use a rule that keeps values distinct (${uniqueAdvice(family)}) or keep`;
    const bad = constantProblem(rule.value, target.type);
    if (bad) return `${target.label}: constant ${JSON.stringify(rule.value)} is not ${bad}`;
    if (limit !== undefined && [...rule.value].length > limit) return `${target.label}: constant ${JSON.stringify(rule.value)} is longer than the column's ${limit} characters`;
    return undefined;
  }
  const families = FITS[fitKey(rule)]!;
  if (!families.includes(family)) return `${kindOf}: ${text} cannot write it; rules that fit: ${rulesFitting(family)}`;
  if (rule.kind === 'fake' && rule.fake === 'ip' && family === 'integer' && (target.type.bits ?? 0) < 32) return `${kindOf}: fake:ip needs a 32-bit integer; rules that fit: ${rulesFitting(family)}`;
  if (rule.kind === 'fake') {
    const min = MIN_LENGTH[rule.fake];
    if (family === 'text' && limit !== undefined && min !== undefined && limit < min) return `${target.label} holds ${limit} characters: fake:${rule.fake} needs at least ${min}`;
  }
  if (!target.unique) return undefined;
  // Unique columns: the rule must keep distinct values distinct.
  const unique = `${target.label} is unique (alone or in a unique key)`;
  if (rule.kind === 'mask') return `${unique}: mask would make values that end alike equal; use a rule that keeps values distinct (${uniqueAdvice(family)}) or keep`;
  if (rule.kind === 'hash') {
    if (family === 'text' && limit !== undefined && limit < TAG_HEX) {
      return `${unique} and holds ${limit} characters: hash would keep ${limit * 4} bits, fewer than the ${UNIQUE_BITS} needed to stay unique in practice; widen the column to ${TAG_HEX} or keep it`;
    }
    return undefined;
  }
  if (NOT_UNIQUE.includes(rule.fake)) return `${unique}: fake:${rule.fake} draws from a short list and would repeat values; use a rule that keeps values distinct (${uniqueAdvice(family)}) or keep`;
  if (rule.fake === 'ip' && target.type.cidr) return `${unique}: fake:ip zeroes a cidr's host bits, which can make networks equal; use keep`;
  const minUnique = MIN_UNIQUE_LENGTH[rule.fake];
  if (family === 'text' && limit !== undefined && minUnique !== undefined && limit < minUnique) {
    return `${unique} and holds ${limit} characters: fake:${rule.fake} needs ${minUnique} to carry its ${UNIQUE_BITS}-bit tag; widen the column or use hash`;
  }
  return undefined;
}

function uniqueAdvice(family: TypeFamily): string {
  switch (family) {
    case 'text':
      return 'hash, fake:email, fake:username, fake:uuid, fake:phone, fake:ip or fake:date_shift';
    case 'integer':
    case 'decimal':
      return 'hash or fake:phone';
    case 'uuid':
      return 'hash or fake:uuid';
    case 'date':
    case 'timestamp':
      return 'fake:date_shift';
    case 'inet':
      return 'fake:ip';
    default:
      return 'hash';
  }
}

function constantProblem(value: string, type: ColumnType): string | undefined {
  switch (type.family) {
    case 'integer':
      return /^[+-]?\d+$/.test(value) ? undefined : 'an integer';
    case 'decimal':
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(NaN|[+-]?Infinity)$/.test(value) ? undefined : 'a number';
    case 'uuid':
      return /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value) ? undefined : 'a uuid';
    case 'json':
      try {
        JSON.parse(value);
        return undefined;
      } catch {
        return 'JSON';
      }
    default:
      return undefined;
  }
}

/** Thrown while a value is transformed: names the column and rule, never the value. */
function unreadable(target: Target, rule: Rule, expected: string): InputError {
  return new InputError(
    'CONFIG_INVALID',
    `${target.label}: ${ruleText(rule)} cannot read one of its values (expected ${expected}; the value is not shown); choose another rule for this column`,
  );
}

/** The transform of `rule` on `target` (ruleProblem must have found nothing). */
export function makeTransform(rule: Rule, target: Target, key: Buffer): ValueTransform {
  switch (rule.kind) {
    case 'keep':
      return (v) => v;
    case 'null':
      return () => null;
    case 'constant': {
      const value = rule.value;
      return () => value;
    }
    case 'mask': {
      const keep = rule.keep ?? DEFAULT_MASK_KEEP;
      return (v) => (v === null || v === '' ? v : mask(v, keep));
    }
    default: {
      const core = coreTransform(rule, target, key);
      return (v) => (v === null || v === '' ? v : core(v));
    }
  }
}

/** Every character but the last `keep` becomes `*`; at least one is always masked. */
function mask(value: string, keep: number): string {
  const chars = Array.from(value);
  const kept = Math.min(keep, chars.length - 1);
  return '*'.repeat(chars.length - kept) + chars.slice(chars.length - kept).join('');
}

function coreTransform(rule: Rule, target: Target, key: Buffer): (v: string) => string {
  const family = target.type.family;
  const fit = (s: string) => (target.maxLength !== undefined && s.length > target.maxLength ? s.slice(0, target.maxLength) : s);
  const first = (candidates: string[]) => fit(candidates.find((c) => target.maxLength === undefined || c.length <= target.maxLength) ?? candidates[candidates.length - 1]!);
  if (rule.kind === 'hash') return hashTransform(target, key);
  if (rule.kind !== 'fake') throw new Error(`no core transform for ${rule.kind}`);
  const hash = new KeyedHash(key, ruleText(rule));
  switch (rule.fake) {
    case 'email':
      return (v) => {
        const d = hash.digest(v);
        const tag = d.toString('hex', 16, 16 + TAG_HEX / 2);
        const domain = pick(words.EMAIL_DOMAINS, d, 4);
        const full = `${pick(words.FIRST_NAMES, d, 0).toLowerCase()}.${pick(words.LAST_NAMES, d, 2).toLowerCase()}.${tag}@${domain}`;
        const short = `${tag}@example.com`;
        if (target.maxLength === undefined || short.length <= target.maxLength) return first([full, short]);
        return `${tag.slice(0, target.maxLength - '@example.com'.length)}@example.com`;
      };
    case 'username':
      return (v) => {
        const d = hash.digest(v);
        const tag = d.toString('hex', 16, 16 + TAG_HEX / 2);
        return first([`${pick(words.FIRST_NAMES, d, 0).toLowerCase()}_${pick(words.LAST_NAMES, d, 2).toLowerCase()}_${tag}`, `u_${tag}`]);
      };
    case 'name':
      return (v) => {
        const d = hash.digest(v);
        const given = pick(words.FIRST_NAMES, d, 0);
        const family = pick(words.LAST_NAMES, d, 2);
        return first([`${given} ${family}`, `${given[0]}. ${family}`, family]);
      };
    case 'first_name':
      return (v) => fit(pick(words.FIRST_NAMES, hash.digest(v), 0));
    case 'last_name':
      return (v) => fit(pick(words.LAST_NAMES, hash.digest(v), 2));
    case 'company':
      return (v) => {
        const d = hash.digest(v);
        const name = pick(words.LAST_NAMES, d, 2);
        return first([`${name} ${pick(words.COMPANY_SUFFIXES, d, 4)}`, name]);
      };
    case 'city':
      return (v) => fit(pick(words.CITIES, hash.digest(v), 0));
    case 'address':
      return (v) => {
        const d = hash.digest(v);
        const number = 1 + (d.readUInt16BE(6) % 299);
        const street = pick(words.STREETS, d, 0);
        const suffix = d[4]! % words.STREET_SUFFIXES.length;
        return first([`${number} ${street} ${words.STREET_SUFFIXES[suffix]}`, `${number} ${street} ${words.STREET_SUFFIXES_SHORT[suffix]}`]);
      };
    case 'postcode':
      // The shape stays (digits, letters and their case, separators): `SW1A 1AA`, `1234 AB`, `90210-1234`.
      return (v) => {
        const random = new Sfc32(hash.digest(v));
        return v.replace(/[0-9A-Za-z]/g, (c) => {
          if (c <= '9') return String(random.below(10));
          const letter = String.fromCharCode(97 + random.below(26));
          return c <= 'Z' ? letter.toUpperCase() : letter;
        });
      };
    case 'phone': {
      // Digits through a keyed permutation per digit count (formatting kept): distinct numbers stay distinct.
      const digits = new DigitPermuter(hash);
      if (family === 'integer' || family === 'decimal') {
        return (v) => {
          const out = numberTransform(v, digits);
          if (out === undefined) throw unreadable(target, rule, 'a number');
          return out;
        };
      }
      // All the digits of a value permuted as one string, then put back between the separators.
      return (v) => {
        const permuted = digits.permute(v.replace(/\D+/g, ''), false);
        let i = 0;
        return v.replace(/\d/g, () => permuted[i++]!);
      };
    }
    case 'ip': {
      const ip = new IpFaker(hash, new KeyedPermutation(hash, 'v4', 2, 32), target.type.cidr === true);
      if (family === 'integer') {
        return (v) => {
          const n = /^\d+$/.test(v) ? Number(v) : NaN;
          if (!(n < 2 ** 32)) throw unreadable(target, rule, 'an IPv4 address as a number below 2^32');
          return String(ip.number(n));
        };
      }
      return (v) => {
        const out = ip.replace(v);
        if (out === undefined && family === 'inet') throw unreadable(target, rule, 'an IP address');
        // A text value with no address in it ("unknown") holds no address to hide.
        return out ?? v;
      };
    }
    case 'text':
      if (family === 'json') {
        return (v) => {
          try {
            return fillJson(v, new Sfc32(hash.digest(v)));
          } catch {
            throw unreadable(target, rule, 'JSON');
          }
        };
      }
      return (v) => fillText(v, new Sfc32(hash.digest(v)));
    case 'date_shift': {
      const shifter = new DateShifter(hash, rule.days ?? DEFAULT_SHIFT_DAYS);
      return (v) => {
        const out = shifter.shift(v);
        if (out === undefined) throw unreadable(target, rule, 'a date like 2024-01-31, optionally with a time and zone');
        return out;
      };
    }
    case 'uuid':
      return (v) => uuidFrom(hash.digest(v));
  }
}

/** `list[n]` with n from the two bytes of `d` at `offset`. */
function pick<T>(list: readonly T[], d: Buffer, offset: number): T {
  return list[d.readUInt16BE(offset) % list.length]!;
}

/** A version-4-shaped UUID from 16 keyed bytes. */
export function uuidFrom(d: Buffer): string {
  const b = Buffer.from(d.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function hashTransform(target: Target, key: Buffer): (v: string) => string {
  const { type } = target;
  const hash = new KeyedHash(key, `hash:${type.family}`);
  const hex = (v: string) => {
    const h = hash.digest(v).toString('hex');
    return target.maxLength !== undefined ? h.slice(0, target.maxLength) : h;
  };
  switch (type.family) {
    case 'integer': {
      // Non-negative values map within [0, 2^bits), negative ones within the negative range:
      // a bijection of the type's range that keeps the sign (ids stay positive). Values beyond
      // the narrowest range (a bigint key whose referencing column is an integer) map among
      // themselves in the 64-bit range, so the whole stays a bijection.
      // SQLite may keep text in an INTEGER column: such values get the hex of their HMAC.
      const bits = type.unsigned ? (type.bits ?? 64) : (type.bits ?? 64) - 1;
      const widest = type.unsigned ? 64 : 63;
      const permutation = new KeyedPermutation(hash, `int${bits}`, 2, bits);
      const wide = bits < widest ? new KeyedPermutation(hash, `int${widest}`, 2, widest) : undefined;
      return (v) => integerHash(v, bits, permutation, widest, wide) ?? hex(v);
    }
    case 'decimal': {
      const digits = new DigitPermuter(hash);
      // NaN, Infinity: not personal, and no digits to change.
      return (v) => numberTransform(v, digits) ?? v;
    }
    case 'uuid':
      return (v) => uuidFrom(hash.digest(v));
    case 'binary':
      // Same length as the input: bytea's `\x…` (its hex output), or the hex a dataset keeps MySQL/SQLite binaries in.
      return (v) => {
        const prefix = v.startsWith('\\x') ? '\\x' : '';
        const length = v.length - prefix.length;
        return prefix + hash.stream(v, Math.ceil(length / 2)).toString('hex').slice(0, length);
      };
    default:
      return hex;
  }
}

function integerHash(v: string, bits: number, permutation: KeyedPermutation, widest: number, wide: KeyedPermutation | undefined): string | undefined {
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  if (bits <= 52 && v.length <= 15) {
    // The usual case, in plain numbers (exact below 2^53).
    const x = Number(v);
    const negative = x < 0;
    const magnitude = negative ? -1 - x : x;
    if (magnitude < 2 ** bits) {
      const out = permutation.apply(magnitude);
      return String(negative ? -1 - out : out);
    }
  }
  const x = BigInt(v);
  const negative = x < 0n;
  // -1 - x maps the negative range [-2^b, -1] onto [0, 2^b - 1].
  const magnitude = negative ? -1n - x : x;
  let out: bigint;
  if (magnitude < 1n << BigInt(bits)) out = permuteBig(permutation, magnitude);
  else if (wide && magnitude < 1n << BigInt(widest)) {
    // Cycle walking: the wide permutation restricted to [2^bits, 2^widest) is a bijection of it.
    out = permuteBig(wide, magnitude);
    while (out < 1n << BigInt(bits)) out = permuteBig(wide, out);
  } else return undefined;
  return String(negative ? -1n - out : out);
}

function permuteBig(permutation: KeyedPermutation, x: bigint): bigint {
  const low = BigInt(permutation.low);
  const [a, b] = permutation.pair(Number(x / low), Number(x % low));
  return BigInt(a) * low + BigInt(b);
}

/**
 * A number's text with its digits permuted and its shape kept: sign, decimal point, exponent,
 * the count of digits before and after the point (so numeric(p, s) still fits), and a leading
 * digit that stays non-zero. Undefined when `v` is not a plain number.
 */
function numberTransform(v: string, digits: DigitPermuter): string | undefined {
  const m = /^([+-]?)(\d*)(?:(\.)(\d*))?([eE][+-]?\d+)?$/.exec(v);
  if (!m || (m[2] === '' && (m[4] ?? '') === '')) return undefined;
  const [, sign, whole = '', point = '', fraction = '', exponent = ''] = m;
  return sign + digits.permute(whole, true) + point + digits.permute(fraction, false, 'fraction') + exponent;
}

/** Digits are permuted in chunks of at most this many (10^12 < 2^53: plain numbers). */
const CHUNK = 12;

/**
 * Keyed bijections of digit strings of each length, chunk by chunk. With `leadingNonZero`, a
 * string that starts with a non-zero digit keeps one there (a number keeps its magnitude's
 * digit count), and one that starts with 0 keeps its 0.
 */
class DigitPermuter {
  private readonly permutations = new Map<string, KeyedPermutation>();

  constructor(private readonly hash: KeyedHash) {}

  permute(digits: string, leadingNonZero: boolean, part = 'whole'): string {
    if (digits === '') return digits;
    if (leadingNonZero && digits[0] === '0') return '0' + this.permute(digits.slice(1), false, `${part}0`);
    let out = '';
    for (let start = 0, chunk = 0; start < digits.length; start += CHUNK, chunk++) {
      const piece = digits.slice(start, start + CHUNK);
      const n = piece.length;
      const permutation = this.permutation(`${part}/${chunk}/${n}`, n);
      const x = Number(piece);
      let y: number;
      if (leadingNonZero && start === 0 && digits[0] !== '0') {
        // [10^(n-1), 10^n): shift down, permute within the 9·10^(n-1) values, shift back.
        const floor = 10 ** (n - 1);
        y = permutation.applyBelow(x - floor, 9 * floor) + floor;
      } else {
        y = permutation.apply(x);
      }
      out += String(y).padStart(n, '0');
    }
    return out;
  }

  private permutation(tag: string, n: number): KeyedPermutation {
    let p = this.permutations.get(tag);
    if (p === undefined) {
      p = new KeyedPermutation(this.hash, tag, 10, n);
      this.permutations.set(tag, p);
    }
    return p;
  }
}
