// The keyed primitives every rule is built from. All randomness comes from HMAC-SHA256 under the
// anonymization key (node:crypto), so an output is a function of (key, rule, input) and nothing
// else: the same input gives the same output in every table and every run with the same key.
//
// - `KeyedHash`: HMAC-SHA256 under a subkey per purpose (domain separation: `hash` and
//   `fake:email` never share bits);
// - `Sfc32`: a fast generator seeded from an HMAC, for choices that need more than 32 bytes
//   (filler words, a date block's shuffle): the seed is secret, so are the choices;
// - `KeyedPermutation`: a keyed bijection of [0, radix^n) (a 4-round Feistel network with
//   HMAC round functions, or a shuffled table for small domains): what keeps integer keys,
//   phone numbers and IPv4 addresses unique.
import { createHash, createHmac } from 'node:crypto';
import { HmacSha256 } from './sha256.ts';

/** `hmac-sha256:` + the first 16 hex of SHA-256(key): names the key without revealing it. */
export function keyFingerprint(key: Buffer): string {
  return `hmac-sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export class KeyedHash {
  private readonly hmac: HmacSha256;

  constructor(key: Buffer, purpose: string) {
    // The subkey by node:crypto (any key length); the many per-value HMACs under it by
    // sha256.ts, which gives the same bytes several times faster for short messages.
    this.hmac = new HmacSha256(createHmac('sha256', key).update(`rehearse-anonymize\u0000${purpose}`).digest());
  }

  /** HMAC-SHA256(subkey, message): 32 bytes. */
  digest(message: string): Buffer {
    return this.hmac.digest(message);
  }

  /** `bytes` bytes of keyed output (HMAC in counter mode past 32). */
  stream(message: string, bytes: number): Buffer {
    const first = this.digest(message);
    if (bytes <= first.length) return first.subarray(0, bytes);
    const blocks = [first];
    for (let i = 1; blocks.length * 32 < bytes; i++) blocks.push(this.digest(`${message}\u0000${i}`));
    return Buffer.concat(blocks).subarray(0, bytes);
  }
}

/** The first 6 bytes of a digest as a number in [0, 2^48). */
export function uint48(digest: Buffer, offset = 0): number {
  return digest.readUIntBE(offset, 6);
}

/** sfc32 (Chris Doty-Humphrey's small fast chaotic generator), seeded with 16 bytes. */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: Buffer) {
    this.a = seed.readUInt32BE(0);
    this.b = seed.readUInt32BE(4);
    this.c = seed.readUInt32BE(8);
    this.d = seed.readUInt32BE(12);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, n), n ≤ 2^32 (rejection sampling: no modulo bias). */
  below(n: number): number {
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      const x = this.next();
      if (x < limit) return x % n;
    }
  }
}

/** Fisher–Yates over [0, n) driven by `random`. */
export function shuffled(n: number, random: Sfc32): Int32Array {
  const table = new Int32Array(n);
  for (let i = 0; i < n; i++) table[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const t = table[i]!;
    table[i] = table[j]!;
    table[j] = t;
  }
  return table;
}

/** Domains up to this size are permuted by a shuffled table instead of a Feistel network. */
const TABLE_LIMIT = 4096;
const ROUNDS = 4;
/** Halves up to this size keep every round result in a typed array (512 KiB a round at most). */
const DENSE_MEMO = 1 << 16;
/** Round results remembered per round for larger halves. */
const SPARSE_MEMO = 1 << 16;

/**
 * A keyed bijection of [0, radix^exponent). Values are handled as two halves
 * (`a` ∈ [0, radix^⌊n/2⌋), `b` ∈ [0, radix^⌈n/2⌉)) so 64-bit domains work with plain numbers.
 * Round results are memoized: an int4 key's or an IPv4 address's halves (2^16 values each)
 * cost at most 2^16 HMACs per round however many rows there are.
 */
export class KeyedPermutation {
  /** Sizes of the high and low halves. */
  readonly high: number;
  readonly low: number;
  private readonly table: Int32Array | undefined;
  private readonly prefixes: string[];
  /** Per round: a dense array (NaN = not computed yet) or a bounded map. */
  private readonly memos: (Float64Array | Map<number, number>)[];

  constructor(
    private readonly hash: KeyedHash,
    tag: string,
    radix: number,
    exponent: number,
  ) {
    this.high = radix ** Math.floor(exponent / 2);
    this.low = radix ** Math.ceil(exponent / 2);
    const size = this.high * this.low;
    if (size <= TABLE_LIMIT) this.table = shuffled(size, new Sfc32(hash.digest(`${tag}\u0000table`)));
    this.prefixes = Array.from({ length: ROUNDS }, (_, round) => `${tag}\u0000${round}\u0000`);
    this.memos = Array.from({ length: this.table ? 0 : ROUNDS }, (_, round) => {
      // Even rounds read the low half, odd rounds the high half.
      const domain = round % 2 === 0 ? this.low : this.high;
      return domain <= DENSE_MEMO ? new Float64Array(domain).fill(NaN) : new Map<number, number>();
    });
  }

  /** Both halves through the network. */
  pair(a: number, b: number): [number, number] {
    if (this.table) {
      const x = this.table[a * this.low + b]!;
      return [Math.floor(x / this.low), x % this.low];
    }
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) a = (a + this.round(round, b)) % this.high;
      else b = (b + this.round(round, a)) % this.low;
    }
    return [a, b];
  }

  /** The permutation of one number (the domain must be below 2^53). */
  apply(x: number): number {
    const [a, b] = this.pair(Math.floor(x / this.low), x % this.low);
    return a * this.low + b;
  }

  /** A bijection of [0, limit) for limit ≤ the domain: cycle walking (apply until it lands below the limit). */
  applyBelow(x: number, limit: number): number {
    let y = this.apply(x);
    while (y >= limit) y = this.apply(y);
    return y;
  }

  private round(round: number, half: number): number {
    const memo = this.memos[round]!;
    if (memo instanceof Float64Array) {
      let value = memo[half]!;
      if (value !== value) memo[half] = value = this.compute(round, half);
      return value;
    }
    let value = memo.get(half);
    if (value === undefined) {
      value = this.compute(round, half);
      if (memo.size >= SPARSE_MEMO) memo.clear();
      memo.set(half, value);
    }
    return value;
  }

  private compute(round: number, half: number): number {
    return uint48(this.hash.digest(this.prefixes[round]! + half));
  }
}
