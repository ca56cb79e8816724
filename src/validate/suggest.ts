// "Did you mean": the known name closest to a word, by edit distance. Used by the validator (a
// `type` one typo away from a known one) and the CLI (an unknown command or flag).
import { editDistance } from "../options.js";

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
