// Turns the bundled OpenAPI document into one JSON Schema 2020-12 document that strict ajv accepts:
// `components.schemas` become `$defs`, `discriminator.mapping` goes (ajv rejects it), vendor
// extensions and OpenAPI-only keywords go, and a union marked `x-codex-open-variant: Name` is
// wrapped so that an unmapped tag value is checked against `$defs/Name` instead of failing.
export type Json = string | number | boolean | null | Json[] | JsonObject;
export type JsonObject = { [key: string]: Json };

export const SCHEMA_ID = "codex-api";
const OPENAPI_ONLY = new Set(["example", "externalDocs", "xml"]);

export function toJsonSchema(document: JsonObject): JsonObject {
  const components = document["components"] as JsonObject;
  const schemas = components["schemas"] as JsonObject;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: SCHEMA_ID,
    $defs: convert(schemas) as JsonObject,
  };
}

function convert(node: Json): Json {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("x-") || OPENAPI_ONLY.has(key)) continue;
    if (key === "$ref" && typeof value === "string") {
      out[key] = value.replace("#/components/schemas/", "#/$defs/");
    } else if (key === "discriminator") {
      out[key] = { propertyName: (value as JsonObject)["propertyName"] as string };
    } else {
      out[key] = convert(value);
    }
  }
  const openVariant = node["x-codex-open-variant"];
  return typeof openVariant === "string" ? withOpenVariant(node, out, openVariant) : out;
}

function withOpenVariant(source: JsonObject, closed: JsonObject, fallback: string): JsonObject {
  const discriminator = source["discriminator"] as JsonObject | undefined;
  const mapping = discriminator?.["mapping"] as JsonObject | undefined;
  if (!discriminator || !mapping) {
    throw new Error(`x-codex-open-variant ${fallback} needs a discriminator with a mapping`);
  }
  const tag = discriminator["propertyName"] as string;
  const { description, ...union } = closed;
  const wrapped: JsonObject = {
    type: "object",
    required: [tag],
    properties: { [tag]: { type: "string" } },
    if: {
      type: "object",
      required: [tag],
      properties: { [tag]: { enum: Object.keys(mapping).sort() } },
    },
    then: union,
    else: { $ref: `#/$defs/${fallback}` },
  };
  return description === undefined ? wrapped : { description, ...wrapped };
}
