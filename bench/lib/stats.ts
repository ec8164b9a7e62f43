// The statistics every benchmark summarises its repetitions with.

export interface Summary {
  median: number;
  min: number;
  max: number;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function stats(xs: number[]): Summary {
  return { median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)) };
}

/** f of every item, those it has a value for: one column of the repetitions (a contender may be missing from one). */
export function column<R, T>(items: R[], f: (item: R) => T | undefined): T[] {
  return items.map(f).filter((x): x is T => x !== undefined);
}
