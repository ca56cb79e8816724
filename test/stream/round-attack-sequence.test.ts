// Payloads crafted against where src/stream/sequence.ts reads a top-level `sequence_number` from the
// text (the first 128 characters, the last 40, then a scan): keys that end in `"sequence_number`
// (an escaped quote) before or after the real one, a key spelled with unicode escapes, whitespace,
// braces inside strings, numbers JSON writes oddly, nested objects ending at the tail window,
// payloads shorter than either window and payloads that are not objects. Each reads what JSON.parse
// gives when that is a sequence number, and nothing otherwise, the key repeated at the top level
// included (JSON.parse keeps the last).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSequenceNumber, sequenceOf } from "../../src/stream/sequence.js";

const pad = (n: number) => "x".repeat(n);
const decoy = (n: number) => `"\\"sequence_number":${n}`;

const CASES: [string, string][] = [
  [
    "an escaped-quote key after the real one, in the head",
    `{"type":"t","sequence_number":7,${decoy(2)}}`,
  ],
  [
    "an escaped-quote key before the real one, in the head",
    `{"type":"t",${decoy(2)},"sequence_number":7}`,
  ],
  [
    "an escaped-quote key last, the real one mid-payload",
    `{"type":"t","d":"${pad(150)}","sequence_number":7,${decoy(2)}}`,
  ],
  [
    "an escaped-quote key first past the head, the real one later",
    `{"type":"t","d":"${pad(150)}",${decoy(2)},"sequence_number":7,"z":1}`,
  ],
  ["an escaped-quote key only", `{"type":"t",${decoy(2)}}`],
  [
    "a key ending in two escaped quotes",
    `{"type":"t","\\"\\"sequence_number":3,"sequence_number":8}`,
  ],
  [
    "a key with \\u0022 before the name",
    `{"type":"t","\\u0022sequence_number":3,"sequence_number":8}`,
  ],
  ["the key spelled with a unicode escape", `{"type":"t","\\u0073equence_number":9}`],
  [
    "the key spelled with a unicode escape, long",
    `{"type":"t","d":"${pad(300)}","sequenc\\u0065_number":9,"z":1}`,
  ],
  ["an escaped key, a \\u elsewhere and no number", `{"type":"t","d":"\\u00e9"}`],
  ["whitespace everywhere", `{ "type" : "t" ,\n\t"sequence_number"\r\n:\t 12 \n,"z":1 }`],
  [
    "whitespace after the closing brace",
    `{"type":"t","d":"${pad(150)}","sequence_number":12}\n \t`,
  ],
  ["a brace in a string before the key", `{"type":"t","d":"{","sequence_number":4}`],
  [
    "a closing brace in a string before the key",
    `{"type":"t","d":"}","sequence_number":4,"e":"{"}`,
  ],
  ["an exponent", `{"type":"t","sequence_number":7e0}`],
  ["an exponent past the head", `{"type":"t","d":"${pad(150)}","sequence_number":1E2,"z":1}`],
  ["a fraction that is whole", `{"type":"t","sequence_number":7.0}`],
  ["a negative zero", `{"type":"t","sequence_number":-0}`],
  ["a negative number", `{"type":"t","sequence_number":-3}`],
  ["16 digits, past the safe integers", `{"type":"t","sequence_number":9007199254740993}`],
  ["15 digits", `{"type":"t","sequence_number":999999999999999}`],
  ["zero", `{"type":"t","sequence_number":0}`],
  [
    "a nested object ending exactly in the tail window",
    `{"type":"t","sequence_number":5,"d":"${pad(150)}","item":{"sequence_number":99}}`,
  ],
  [
    "a nested key last, the real one past the head",
    `{"type":"t","d":"${pad(150)}","sequence_number":5,"item":{"k":"v","sequence_number":99}}`,
  ],
  [
    "a nested key in the head, the real one last",
    `{"type":"t","item":{"sequence_number":99},"d":"${pad(150)}","sequence_number":5}`,
  ],
  [
    "an array of objects before the key",
    `{"type":"t","a":[{"sequence_number":1}],"sequence_number":6}`,
  ],
  ["shorter than 40 characters", `{"sequence_number":3}`],
  ["shorter than 40, nested", `{"a":{"sequence_number":3}}`],
  ["an array", `[{"sequence_number":3}]`],
  ["a string", `"\\"sequence_number\\":3}"`],
  ["a number", `3`],
  ["null", `null`],
  ["the key as a string value", `{"type":"sequence_number","x":"sequence_number"}`],
  ["the number as a string", `{"type":"t","sequence_number":"3"}`],
  ["the key twice in the head", `{"type":"t","sequence_number":1,"sequence_number":9,"z":1}`],
  [
    "the key twice, the second past the head",
    `{"type":"t","sequence_number":1,"d":"${pad(150)}","sequence_number":9,"z":1}`,
  ],
  [
    "the key twice, the second last",
    `{"type":"t","sequence_number":1,"d":"${pad(150)}","sequence_number":9}`,
  ],
  [
    "the key twice, both past the head",
    `{"type":"t","d":"${pad(150)}","sequence_number":1,"e":"${pad(50)}","sequence_number":9,"z":1}`,
  ],
  [
    "the key twice, the second not a number",
    `{"type":"t","sequence_number":1,"sequence_number":null}`,
  ],
  [
    "the key twice, the first nested between",
    `{"type":"t","sequence_number":1,"a":{"sequence_number":5},"sequence_number":9,"z":1}`,
  ],
];

describe("sequenceOf on crafted payloads", () => {
  it.each(CASES)("%s: agrees with JSON.parse", (_what, data) => {
    const parsed = (JSON.parse(data) as { sequence_number?: unknown } | null)?.sequence_number;
    expect(sequenceOf(data)).toBe(isSequenceNumber(parsed) ? parsed : undefined);
  });

  it("the key repeated at the top level: the last one, as JSON.parse keeps it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 1000 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.nat({ max: 200 }), { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        (numbers, pads, last) => {
          const members = numbers.map(
            (n, i) => `"sequence_number":${n},"p${i}":"${pad(pads[i]!)}"`,
          );
          const data = `{"type":"t",${members.join(",")}${last ? `,"sequence_number":${numbers.at(-1)}` : ""}}`;
          expect(sequenceOf(data)).toBe(numbers.at(-1));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a random key ending in an escaped quote and the name never wins over the real one", () => {
    const name = fc.string({ maxLength: 6 }).map((s) => `${s}"sequence_number`);
    fc.assert(
      fc.property(
        name,
        fc.nat({ max: 1000 }),
        fc.nat({ max: 1000 }),
        fc.nat({ max: 300 }),
        fc.boolean(),
        (key, own, other, padding, first) => {
          const members: [string, unknown][] = [
            ["type", "t"],
            ["d", pad(padding)],
          ];
          const both: [string, unknown][] = [
            ["sequence_number", own],
            [key, other],
          ];
          members.push(...(first ? both.reverse() : both));
          const data = JSON.stringify(Object.fromEntries(members));
          expect(sequenceOf(data)).toBe(own);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
