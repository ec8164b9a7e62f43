// HMAC-SHA256 for many short messages under one key. node:crypto's createHmac is exact but
// costs ~2.5 µs a call, nearly all of it setting up the key and the native object; with the
// key's inner and outer states computed once, a message of up to 55 bytes is two compression
// rounds here (~0.5 µs). Anonymizing spends one HMAC per value (four for a Feistel
// permutation), so this is the difference between keeping up with the capture and not.
// The output is checked against node:crypto in sha256.test.ts.

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const W = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes at `offset` into the state `h`. */
function compress(h: Int32Array, data: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + k) | 0;
}

export class HmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private readonly last = new Uint8Array(64);
  private buffer = new Uint8Array(256);

  /** `key` of at most 64 bytes (HMAC would hash a longer one first: callers pass 32-byte subkeys). */
  constructor(key: Uint8Array) {
    if (key.length > 64) throw new Error('HmacSha256: keys longer than 64 bytes are not supported');
    const pad = new Uint8Array(64);
    for (const [state, xor] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      for (let i = 0; i < 64; i++) pad[i] = (key[i] ?? 0) ^ xor;
      state.set(IV);
      compress(state, pad, 0);
    }
  }

  digest(message: string): Buffer {
    // UTF-8 into the buffer, with room for the padding: ASCII by hand, the rest by Buffer.
    let n = message.length;
    if (this.buffer.length < n * 3 + 72) this.buffer = new Uint8Array(n * 3 + 72);
    const buf = this.buffer;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = message.charCodeAt(i);
      if (c > 127) {
        ascii = false;
        break;
      }
      buf[i] = c;
    }
    if (!ascii) n = Buffer.from(buf.buffer, buf.byteOffset, buf.length).write(message, 0, 'utf8');
    const total = (n + 9 + 63) & ~63;
    buf[n] = 0x80;
    buf.fill(0, n + 1, total - 4);
    const bits = (n + 64) * 8; // the inner hash also covers the 64-byte padded key
    buf[total - 4] = bits >>> 24;
    buf[total - 3] = (bits >>> 16) & 255;
    buf[total - 2] = (bits >>> 8) & 255;
    buf[total - 1] = bits & 255;
    buf[total - 5] = Math.floor(bits / 0x1_0000_0000) & 255;
    const h = this.state;
    h.set(this.inner);
    for (let offset = 0; offset < total; offset += 64) compress(h, buf, offset);
    const last = this.last;
    for (let i = 0; i < 8; i++) {
      const w = h[i]!;
      last[i * 4] = w >>> 24;
      last[i * 4 + 1] = (w >>> 16) & 255;
      last[i * 4 + 2] = (w >>> 8) & 255;
      last[i * 4 + 3] = w & 255;
    }
    last[32] = 0x80;
    last.fill(0, 33, 62);
    last[62] = (96 * 8) >>> 8; // 64-byte padded key + 32-byte inner digest
    last[63] = (96 * 8) & 255;
    h.set(this.outer);
    compress(h, last, 0);
    const out = Buffer.allocUnsafe(32);
    for (let i = 0; i < 8; i++) {
      const w = h[i]!;
      out[i * 4] = w >>> 24;
      out[i * 4 + 1] = (w >>> 16) & 255;
      out[i * 4 + 2] = (w >>> 8) & 255;
      out[i * 4 + 3] = w & 255;
    }
    return out;
  }
}
