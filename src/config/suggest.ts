// "Did you mean …?" for unknown keys and names: the closest candidate within a small edit
// distance, so typos get a fix and unrelated words get none.

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  // One row of the dynamic-programming table at a time: O(|b|) memory.
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `word` at distance ≤ `maxDistance` (ties: the earlier candidate), or
 * undefined. Case differences count as edits but are the likeliest typo, so they are tried first.
 */
export function closestMatch(word: string, candidates: readonly string[], maxDistance = 2): string | undefined {
  const caseless = candidates.find((c) => c.toLowerCase() === word.toLowerCase());
  if (caseless !== undefined) return caseless;
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}
