// The content checksum every rehearse SQLite connection provides, as an aggregate SQL function:
//
//   SELECT rehearse_checksum(with_columns, col_a, col_b, …) FROM t   -- columns in name order
//
// returns JSON `{"row": "<16 hex>", "columns": ["<16 hex>", …]}`: the sum modulo 2^64 of a 64-bit
// hash per row (and per value of each column, when `with_columns` is 1). A sum does not depend on
// row order; values never leave the process, only their hashes' sum does. SQLite has no built-in
// hash function, so this one is JavaScript, registered on the connection with better-sqlite3.
//
// Each value is hashed with its storage class, so NULL, '' , 0, 0.0, '0' and x'' all differ:
// a tag byte (NULL 0, INTEGER 1, REAL 2, TEXT 3, BLOB 4), then the length and the content
// (integers in decimal, reals in JavaScript's shortest round-trip form, text as UTF-16 code units,
// blobs as bytes). The hash is FNV-1a 64 computed in 16-bit limbs (no BigInt per byte), then mixed
// with murmur3's 32-bit finaliser on both halves, a bijection that spreads FNV's weak high bits.
// A row's hash is FNV-1a over the unmixed hashes of its values, in the order given.
//
// Plain JavaScript on purpose: it runs in the session process, which loads no TypeScript.

/** FNV-1a 64-bit, state in four 16-bit limbs, least significant first. */
export class Fnv1a64 {
  constructor() {
    this.reset();
  }

  reset() {
    // offset basis 0xcbf29ce484222325
    this.h0 = 0x2325;
    this.h1 = 0x8422;
    this.h2 = 0x9ce4;
    this.h3 = 0xcbf2;
  }

  byte(b) {
    const h0 = this.h0 ^ b;
    // h × 0x100000001b3 = h × 0x1b3 + (h << 40), modulo 2^64
    const t0 = h0 * 0x1b3;
    let t1 = this.h1 * 0x1b3;
    let t2 = this.h2 * 0x1b3 + (h0 << 8);
    let t3 = this.h3 * 0x1b3 + (this.h1 << 8);
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    t3 += t2 >>> 16;
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }

  /** The raw FNV state as two unsigned 32-bit halves. */
  get lo() {
    return ((this.h1 << 16) | this.h0) >>> 0;
  }

  get hi() {
    return ((this.h3 << 16) | this.h2) >>> 0;
  }
}

function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The mixed 64-bit value of an FNV state, as [lo, hi] (each step is invertible, so no collisions are added). */
export function mixed(lo, hi) {
  const mixedLo = fmix32((lo ^ fmix32(hi)) >>> 0);
  const mixedHi = fmix32((hi ^ mixedLo) >>> 0);
  return [mixedLo, mixedHi];
}

function feedUint32(h, n) {
  h.byte(n & 0xff);
  h.byte((n >>> 8) & 0xff);
  h.byte((n >>> 16) & 0xff);
  h.byte((n >>> 24) & 0xff);
}

function feedText(h, s) {
  feedUint32(h, s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h.byte(c & 0xff);
    h.byte(c >>> 8);
  }
}

/** Feeds one SQLite value (as better-sqlite3 passes it with safeIntegers: INTEGER as bigint) with its storage class. */
export function feedValue(h, v) {
  if (v === null || v === undefined) {
    h.byte(0);
  } else if (typeof v === 'bigint') {
    h.byte(1);
    feedText(h, v.toString());
  } else if (typeof v === 'number') {
    h.byte(2);
    feedText(h, Object.is(v, -0) ? '-0' : String(v));
  } else if (typeof v === 'string') {
    h.byte(3);
    feedText(h, v);
  } else {
    h.byte(4);
    feedUint32(h, v.length);
    for (let i = 0; i < v.length; i++) h.byte(v[i]);
  }
}

/** A sum modulo 2^64 kept as two 32-bit halves. */
class Sum64 {
  lo = 0;
  hi = 0;

  add([lo, hi]) {
    const low = this.lo + lo;
    const carry = low >= 0x100000000 ? 1 : 0;
    this.lo = low - carry * 0x100000000;
    this.hi = (this.hi + hi + carry) % 0x100000000;
  }

  toString() {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

/** Registers `rehearse_checksum` on a better-sqlite3 connection. */
export function registerContentChecksum(db) {
  const value = new Fnv1a64();
  const row = new Fnv1a64();
  db.aggregate('rehearse_checksum', {
    start: () => ({ rows: new Sum64(), columns: [] }),
    step(state, withColumns, ...values) {
      row.reset();
      for (let i = 0; i < values.length; i++) {
        value.reset();
        feedValue(value, values[i]);
        feedUint32(row, value.lo);
        feedUint32(row, value.hi);
        if (withColumns) (state.columns[i] ??= new Sum64()).add(mixed(value.lo, value.hi));
      }
      state.rows.add(mixed(row.lo, row.hi));
    },
    result: (state) => JSON.stringify({ row: state.rows.toString(), columns: state.columns.map(String) }),
    varargs: true,
    deterministic: true,
    safeIntegers: true,
  });
}
