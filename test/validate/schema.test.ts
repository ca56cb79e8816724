// The schema against real data: the recorded corpus, the fixtures, and hand-broken values.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { schemaNames, validate, type SchemaName } from "../../src/validate/index.js";
import { corpusStreams } from "../helpers/corpus.js";

const fixtures = new URL("../fixtures/", import.meta.url).pathname;

function fixtureFiles(kind: "valid" | "invalid"): { schema: SchemaName; file: string }[] {
  return readdirSync(join(fixtures, kind)).flatMap((schema) =>
    readdirSync(join(fixtures, kind, schema)).map((f) => ({
      schema: schema as SchemaName,
      file: join(fixtures, kind, schema, f),
    })),
  );
}

describe("the corpus of recorded streams", () => {
  const streams = corpusStreams();

  it("has the 25 streams and 1887 events the corpus README lists", () => {
    expect(streams).toHaveLength(25);
    expect(streams.reduce((n, s) => n + s.lines.length, 0)).toBe(1887);
  });

  it.each(streams.map((s) => [s.name, s] as const))("%s: every event validates", (_, stream) => {
    const failures = stream.lines.flatMap((line, i) => {
      const result = validate("ResponseStreamEvent", JSON.parse(line));
      return result.ok ? [] : [{ line: i + 1, errors: result.errors }];
    });
    expect(failures).toEqual([]);
  });
});

describe("open variants are explicit, not a union made `{}`", () => {
  it("passes an event type the schema does not model, with any fields", () => {
    expect(validate("ResponseStreamEvent", { type: "response.future_thing", x: [1] })).toEqual({
      ok: true,
    });
  });

  it("still checks a known event type precisely", () => {
    const result = validate("ResponseStreamEvent", {
      type: "response.output_text.delta",
      item_id: "m",
      output_index: 0,
      content_index: 0,
      delta: 7,
    });
    expect(result).toEqual({ ok: false, errors: [{ path: "/delta", message: "must be string" }] });
  });

  it("rejects a value that is not an event at all", () => {
    expect(validate("ResponseStreamEvent", { no_type: true }).ok).toBe(false);
    expect(validate("ResponseStreamEvent", "response.created").ok).toBe(false);
    expect(validate("ResponseItem", { type: 3 }).ok).toBe(false);
  });

  it("passes an item of an unknown type, and checks a known one", () => {
    expect(validate("ResponseItem", { type: "ghost_snapshot", ghost_commit: {} }).ok).toBe(true);
    expect(validate("ResponseItem", { type: "function_call", call_id: "c" }).ok).toBe(false);
  });
});

describe("fixtures", () => {
  it.each(fixtureFiles("valid").map((f) => [f.file.slice(fixtures.length), f] as const))(
    "%s validates",
    (_, { schema, file }) => {
      expect(validate(schema, JSON.parse(readFileSync(file, "utf8")))).toEqual({ ok: true });
    },
  );

  const expectedPaths: Record<string, { path: string; message: string }> = {
    "invalid/ResponseItem/message-text-number.json": {
      path: "/content/0/text",
      message: "must be string",
    },
    "invalid/ResponseItem/function-call-no-name.json": {
      path: "",
      message: "must have required property 'name'",
    },
    "invalid/ResponsesApiRequest/input-not-array.json": {
      path: "/input",
      message: "must be array",
    },
    "invalid/MemorySummarizeRequest/no-source-path.json": {
      path: "/traces/0/metadata",
      message: "must have required property 'source_path'",
    },
  };

  it.each(Object.entries(expectedPaths))("%s is rejected at its path", (rel, expected) => {
    const [, schema] = rel.split("/");
    const result = validate(schema as SchemaName, JSON.parse(readFileSync(fixtures + rel, "utf8")));
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toContainEqual(expected);
  });

  it("every invalid .json fixture has an expected path above", () => {
    const listed = fixtureFiles("invalid")
      .filter((f) => f.file.endsWith(".json"))
      .map((f) => f.file.slice(fixtures.length));
    expect(listed.sort()).toEqual(Object.keys(expectedPaths).sort());
  });
});

describe("validate()", () => {
  it("throws a TypeError naming an unknown schema", () => {
    expect(() => validate("Nope" as SchemaName, {})).toThrow(/unknown schema "Nope"/);
  });

  it("knows every public schema", () => {
    for (const name of ["ResponseItem", "ResponseStreamEvent", "ResponsesApiRequest"]) {
      expect(schemaNames()).toContain(name);
    }
  });
});
