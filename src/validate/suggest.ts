// "Did you mean": the known name closest to a word, by edit distance. Used by the validator (a
// `type` one typo away from a known one) and the CLI (an unknown command or flag).

/** Levenshtein distance between `a` and `b`, giving up (returning `max + 1`) past `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
    }
    if (Math.min(...row) > max) return max + 1;
    previous = row;
  }
  return previous[b.length]!;
}

/** The candidate closest to `word` within `max` edits (the first on a tie), or undefined. */
export function closest(word: string, candidates: Iterable<string>, max = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate, max);
    if (d < bestDistance && candidate !== word) [best, bestDistance] = [candidate, d];
  }
  return best;
}
