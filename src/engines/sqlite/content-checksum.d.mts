// Types of content-checksum.mjs, for the tests that check the hash against known values.
export declare class Fnv1a64 {
  reset(): void;
  byte(b: number): void;
  readonly lo: number;
  readonly hi: number;
}
export declare function mixed(lo: number, hi: number): [number, number];
export declare function feedValue(h: Fnv1a64, v: null | bigint | number | string | Uint8Array): void;
export declare function registerContentChecksum(db: unknown): void;
