// fake:ip. IPv4 addresses go through a keyed permutation of the 32-bit space (distinct
// addresses stay distinct; an address stored as a number maps to the number of the address
// its text maps to); IPv6 addresses become 128 keyed bits of their parsed form, so `::1` and
// `0:0:0:0:0:0:0:1` agree. A `/n` suffix, a `:port` and `[…]` brackets are kept; in a cidr
// column the host bits are zeroed, as cidr requires. Text columns may hold several addresses
// (`1.2.3.4, 10.0.0.1` from X-Forwarded-For): each one is replaced, the rest kept.
import { isIPv4, isIPv6 } from 'node:net';
import type { KeyedHash, KeyedPermutation } from './keyed.ts';

export class IpFaker {
  constructor(
    private readonly hash: KeyedHash,
    private readonly v4: KeyedPermutation,
    private readonly cidr: boolean,
  ) {}

  /** Every address in `value` replaced; undefined when there is none. */
  replace(value: string): string | undefined {
    let found = false;
    const out = value.replace(/[^\s,;]+/g, (token) => {
      const replaced = this.token(token);
      if (replaced === undefined) return token;
      found = true;
      return replaced;
    });
    return found ? out : undefined;
  }

  /** An IPv4 address as an unsigned 32-bit number. */
  number(n: number): number {
    return this.v4.apply(n);
  }

  private token(token: string): string | undefined {
    const slash = /^(.*?)(\/(\d{1,3}))?$/s.exec(token)!;
    const address = slash[1]!;
    const prefixText = slash[2] ?? '';
    const prefix = slash[3] === undefined ? undefined : Number(slash[3]);
    const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(:\d{1,5})?$/.exec(address);
    if (v4 && isIPv4(v4[1]!)) return this.ipv4(v4[1]!, prefix) + (v4[2] ?? '') + prefixText;
    const bracketed = /^\[([^\]]+)\](:\d{1,5})?$/.exec(address);
    if (bracketed && isIPv6(bracketed[1]!)) return `[${this.ipv6(bracketed[1]!, prefix)}]${bracketed[2] ?? ''}${prefixText}`;
    if (isIPv6(address)) return this.ipv6(address, prefix) + prefixText;
    return undefined;
  }

  private ipv4(address: string, prefix: number | undefined): string {
    const n = address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    let out = this.v4.apply(n);
    if (this.cidr && prefix !== undefined && prefix < 32) out = prefix === 0 ? 0 : Math.floor(out / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
    return [out >>> 24, (out >>> 16) & 255, (out >>> 8) & 255, out & 255].join('.');
  }

  private ipv6(address: string, prefix: number | undefined): string {
    const zone = address.indexOf('%');
    const bytes = parseIPv6(zone === -1 ? address : address.slice(0, zone))!;
    const out = Buffer.from(this.hash.digest(`v6\u0000${Buffer.from(bytes).toString('hex')}`).subarray(0, 16));
    if (this.cidr && prefix !== undefined && prefix < 128) {
      for (let bit = prefix; bit < 128; bit++) out[bit >> 3]! &= ~(0x80 >> (bit & 7));
    }
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(out.readUInt16BE(i).toString(16));
    return groups.join(':');
  }
}

/** The 16 bytes of an IPv6 address (checked by net.isIPv6 first), with `::` and an embedded IPv4 tail. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!isIPv6(text)) return undefined;
  const words = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (group.includes('.')) {
        const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
        return [a * 256 + b, c * 256 + d];
      }
      return [parseInt(group, 16)];
    });
  };
  const gap = text.indexOf('::');
  const head = words(gap === -1 ? text : text.slice(0, gap));
  const tail = gap === -1 ? [] : words(text.slice(gap + 2));
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 255;
  });
  return bytes;
}
