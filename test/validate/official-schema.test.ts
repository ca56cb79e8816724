// Drift check against the official OpenAI OpenAPI document (test/corpus/openai-openapi): every
// member of its stream event, output item and content part unions is modelled by name in schema/,
// and every value built from such a member (checked against the document itself first) passes
// validate().
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/generated/schema.js";
import { validate, type SchemaName } from "../../src/validate/index.js";
import { buildValue, type BuildContext, type Schema } from "../helpers/schema-values.js";

const document = JSON.parse(
  readFileSync(new URL("../corpus/openai-openapi/responses-subset.json", import.meta.url), "utf8"),
) as Schema;
const officialSchemas = (document.components as Schema).schemas as Record<string, Schema>;
const official = new Ajv2020({ strict: false, validateFormats: false });
official.addSchema({ ...document, $id: "openai" });

// The document's unions, each with the schema of ours that must accept its members.
const unions: { name: string; ours: SchemaName; size: number }[] = [
  { name: "ResponseStreamEvent", ours: "ResponseStreamEvent", size: 58 },
  { name: "OutputItem", ours: "ResponseItem", size: 28 },
  { name: "OutputContent", ours: "ContentPart", size: 3 },
  { name: "InputContent", ours: "ContentPart", size: 3 },
];

function members(union: string): string[] {
  const node = officialSchemas[union]!;
  const refs = (node.anyOf ?? node.oneOf) as { $ref: string }[];
  return refs.map((r) => r.$ref.split("/").pop()!);
}

/** The values built from one member: its required fields, then every field once per branch. */
function valuesOf(member: string): { label: string; value: Schema }[] {
  const root = { $ref: `#/components/schemas/${member}` };
  const build = (full: boolean, branch: number) => {
    const context: BuildContext = { document, full, branch, widest: 1 };
    return { value: buildValue(root, context) as Schema, widest: context.widest };
  };
  const values = [{ label: "required fields", value: build(false, 0).value }];
  for (let branch = 0, widest = 1; branch < widest; branch++) {
    const built = build(true, branch);
    widest = built.widest;
    values.push({ label: `all fields, branch ${branch}`, value: built.value });
  }
  return values;
}

/** The `type` values one of our unions models by name: its mapped members' `type` const or enum. */
function modelledByName(ours: SchemaName): Set<string> {
  const defs = schema.$defs as unknown as Record<string, Schema>;
  const then = defs[ours]!.then as { oneOf: { $ref: string }[] };
  return new Set(
    then.oneOf.flatMap(({ $ref }) => {
      const type = (defs[$ref.split("/").pop()!]!.properties as Record<string, Schema>).type!;
      return (type.const !== undefined ? [type.const] : type.enum) as string[];
    }),
  );
}

function notModelled(types: string[], ours: SchemaName): string[] {
  const named = modelledByName(ours);
  return types.filter((t) => !named.has(t));
}

describe.each(unions)("the official $name", ({ name, ours, size }) => {
  const names = members(name);

  it(`has the ${size} members the document had when it was copied`, () => {
    expect(names).toHaveLength(size);
  });

  it(`every member's type is modelled by name in ${ours}`, () => {
    const types = names.map((m) => (valuesOf(m)[0]!.value as { type: string }).type);
    expect(notModelled(types, ours)).toEqual([]);
  });

  it.each(names)(`%s: values built from its schema pass validate("${ours}")`, (member) => {
    const check = official.getSchema(`openai#/components/schemas/${member}`)!;
    const failures: { label: string; errors: unknown }[] = [];
    for (const { label, value } of valuesOf(member)) {
      const result = check(value) ? validate(ours, value) : undefined;
      if (!result)
        failures.push({ label: `${label}: the document rejects it`, errors: check.errors });
      else if (!result.ok) failures.push({ label, errors: result.errors });
    }
    expect(failures).toEqual([]);
  });
});

describe("the by-name check", () => {
  it("fails for a type that only the open variant lets through", () => {
    const ghost = { type: "ghost_snapshot", ghost_commit: { id: "c0ffee" } };
    expect(validate("ResponseItem", ghost)).toEqual({ ok: true });
    expect(notModelled(["message", "ghost_snapshot"], "ResponseItem")).toEqual(["ghost_snapshot"]);
  });
});

describe("values the official document allows", () => {
  const event = (fields: Schema) => validate("ResponseStreamEvent", fields);

  it("a fractional created_at", () => {
    const response = { id: "resp_1", created_at: 1756000000.25, output: [] };
    expect(event({ type: "response.created", sequence_number: 0, response })).toEqual({ ok: true });
  });

  it("annotation: null", () => {
    const added = { item_id: "m", output_index: 0, content_index: 0, annotation_index: 0 };
    const value = { type: "response.output_text.annotation.added", ...added, annotation: null };
    expect(event(value)).toEqual({ ok: true });
  });

  it("phase: null", () => {
    const message = { type: "message", role: "assistant", content: [], phase: null };
    expect(validate("ResponseItem", message)).toEqual({ ok: true });
  });

  it("a custom_tool_call_output whose output is a list", () => {
    const output = [
      { type: "input_text", text: "done" },
      { type: "input_image", detail: "auto" },
    ];
    const item = { type: "custom_tool_call_output", call_id: "c1", output };
    expect(validate("ResponseItem", item)).toEqual({ ok: true });
  });

  it("a function_call_output without call_id", () => {
    expect(validate("ResponseItem", { type: "function_call_output", output: "ok" })).toEqual({
      ok: true,
    });
  });
});
