// What a resumable stream reads of a payload without mapping it (src/stream/sequence.ts) agrees with
// parsing it: for random payloads (the key first, second, last, nested, inside strings, with or
// without whitespace, long or short), the top-level `sequence_number` read from the text is the one
// JSON.parse gives whenever that is a sequence number, and nothing otherwise. A payload that repeats
// the key at its top level is left out here (round-attack-sequence.test.ts: the last one counts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSequenceNumber, sequenceOf } from "../../src/stream/sequence.js";

const KEY = "sequence_number";
const key = fc.constantFrom(KEY, "type", "delta", "item", "x");
const otherKey = fc.constantFrom("type", "delta", "item", "x");
const scalar = fc.oneof(
  fc.integer({ min: -5, max: 2 ** 40 }),
  fc.constantFrom(0, 1.5, 2 ** 53, "7", KEY, `"${KEY}":3`, "{", "}", null, true),
  fc.string({ maxLength: 300 }),
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(key, tie("v"), { maxKeys: 4 }),
  ),
})).v;

/** A payload's members, the top-level key anywhere among them (or absent); nested ones anywhere. */
const payload = fc
  .record({
    before: fc.array(fc.tuple(otherKey, value), { maxLength: 4 }),
    own: fc.option(fc.oneof(fc.nat({ max: 2 ** 40 }), scalar), { nil: undefined }),
    after: fc.array(fc.tuple(otherKey, value), { maxLength: 4 }),
    space: fc.constantFrom(undefined, 1, "\t"),
  })
  .map(({ before, own, after, space }) => {
    const members: [string, unknown][] = [["type", "response.output_text.delta"], ...before];
    if (own !== undefined) members.push([KEY, own]);
    members.push(...after);
    const sep = space === undefined ? "" : " ";
    const text = members
      .map(([k, v]) => `${JSON.stringify(k)}:${sep}${JSON.stringify(v, null, space)}`)
      .join(`,${sep}`);
    return `{${text}}`;
  });

describe("sequenceOf", () => {
  it("agrees with JSON.parse on random payloads", () => {
    fc.assert(
      fc.property(payload, (data) => {
        const parsed = (JSON.parse(data) as Record<string, unknown>)[KEY];
        const read = sequenceOf(data);
        if (isSequenceNumber(parsed)) expect(read).toBe(parsed);
        else expect(read).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it("reads a long payload's number where the service or the mock writes it", () => {
    const text = "x".repeat(1_000_000);
    const second = `{"type":"response.output_item.done","sequence_number":41,"item":{"text":"${text}"}}`;
    const last = `{"type":"response.output_item.done","item":{"text":"${text}"},"sequence_number":42}`;
    expect(sequenceOf(second)).toBe(41);
    expect(sequenceOf(last)).toBe(42);
  });
});
