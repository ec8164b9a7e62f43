/**
 * The contenders' order in repetition `index` (from 0): as given in even ones, reversed in odd
 * ones (ABBA…), so that slow drift on the machine lands on every contender alike and cancels.
 */
export function interleavedOrder<T>(index: number, contenders: readonly T[]): T[] {
  return index % 2 === 0 ? [...contenders] : [...contenders].reverse();
}

/** One repetition: its number (from 1), the order its contenders ran in, and the conditions before each. */
export interface RepetitionOf<Contender extends string, Before> {
  rep: number;
  order: Contender[];
  before: Partial<Record<Contender, Before>>;
}
