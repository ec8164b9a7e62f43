import { describe, expect, it } from 'vitest';
import { KeyedHash, KeyedPermutation, keyFingerprint, Sfc32, shuffled } from './keyed.ts';

const key = Buffer.from('keyed test key');

describe('keyFingerprint', () => {
  it('is hmac-sha256: and 16 hex of SHA-256(key), and never contains the key', () => {
    // SHA-256("abc") = ba7816bf8f01cfea…
    expect(keyFingerprint(Buffer.from('abc'))).toBe('hmac-sha256:ba7816bf8f01cfea');
    expect(keyFingerprint(key)).not.toContain(key.toString('hex').slice(0, 8));
  });
});

describe('KeyedHash', () => {
  it('depends on the key and the purpose (domain separation)', () => {
    const a = new KeyedHash(key, 'hash').digest('x');
    expect(new KeyedHash(key, 'hash').digest('x')).toEqual(a);
    expect(new KeyedHash(key, 'fake:email').digest('x')).not.toEqual(a);
    expect(new KeyedHash(Buffer.from('another key'), 'hash').digest('x')).not.toEqual(a);
  });

  it('streams more than 32 bytes, the first 32 being the digest', () => {
    const h = new KeyedHash(key, 's');
    const long = h.stream('v', 100);
    expect(long).toHaveLength(100);
    expect(long.subarray(0, 32)).toEqual(h.digest('v'));
    expect(new Set(long.toString('hex').match(/.{64}/g)).size).toBe(3);
  });
});

describe('KeyedPermutation', () => {
  it('is a bijection of small domains (a shuffled table) and of large ones (Feistel), per key', () => {
    const h = new KeyedHash(key, 'perm');
    for (const [radix, exponent] of [
      [10, 1],
      [10, 3],
      [2, 12],
      [2, 16],
      [10, 5],
      [2, 17],
    ] as const) {
      const p = new KeyedPermutation(h, `${radix}^${exponent}`, radix, exponent);
      const size = radix ** exponent;
      const seen = new Uint8Array(size);
      for (let x = 0; x < size; x++) {
        const y = p.apply(x);
        expect(y >= 0 && y < size).toBe(true);
        seen[y] = 1;
      }
      expect(seen.every((v) => v === 1), `${radix}^${exponent}`).toBe(true);
    }
  });

  it('moves most values, and differently under another key', () => {
    const p = new KeyedPermutation(new KeyedHash(key, 'p'), 't', 2, 32);
    const q = new KeyedPermutation(new KeyedHash(Buffer.from('other'), 'p'), 't', 2, 32);
    const xs = Array.from({ length: 1000 }, (_, i) => i * 7919);
    expect(xs.filter((x) => p.apply(x) === x).length).toBeLessThan(3);
    expect(xs.filter((x) => p.apply(x) === q.apply(x)).length).toBeLessThan(3);
  });

  it('handles 64-bit domains as two 32-bit halves', () => {
    const p = new KeyedPermutation(new KeyedHash(key, 'p'), 't', 2, 63);
    expect(p.high).toBe(2 ** 31);
    expect(p.low).toBe(2 ** 32);
    const outs = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const [a, b] = p.pair(i % 3, i);
      expect(a < p.high && b < p.low).toBe(true);
      outs.add(`${a}:${b}`);
    }
    expect(outs.size).toBe(5000);
  });

  it('applyBelow is a bijection of [0, limit) by cycle walking', () => {
    const p = new KeyedPermutation(new KeyedHash(key, 'p'), 'w', 10, 4);
    const limit = 9000;
    const seen = new Set<number>();
    for (let x = 0; x < limit; x++) {
      const y = p.applyBelow(x, limit);
      expect(y).toBeLessThan(limit);
      seen.add(y);
    }
    expect(seen.size).toBe(limit);
  });
});

describe('Sfc32 and shuffled', () => {
  it('are determined by the seed', () => {
    const seed = new KeyedHash(key, 's').digest('seed');
    expect(shuffled(50, new Sfc32(seed))).toEqual(shuffled(50, new Sfc32(seed)));
    expect(shuffled(50, new Sfc32(new KeyedHash(key, 's').digest('other')))).not.toEqual(shuffled(50, new Sfc32(seed)));
    expect([...shuffled(50, new Sfc32(seed))].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('below(n) stays below n and reaches every value', () => {
    const r = new Sfc32(Buffer.alloc(16, 1));
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) counts[r.below(7)]!++;
    expect(counts.every((c) => c > 800 && c < 1200)).toBe(true);
  });
});
