// Values a JSON Schema (an OpenAPI 3.1 component) allows, built from the schema itself: either the
// `required` fields only, or every field. Where the schema offers a choice (anyOf/oneOf, an enum, a
// list of types), `branch` picks the option, clamped to the last one, so that building with
// branch 0, 1, … up to `widest` visits every option of every union at least once.
export type Schema = { [key: string]: unknown };

export interface BuildContext {
  /** The document whose `#/components/schemas/…` references are resolved. */
  document: Schema;
  /** true: every property (down to MAX_DEPTH levels of nesting); false: the `required` ones only. */
  full: boolean;
  branch: number;
  /** The most options any choice offered so far (updated while building). */
  widest: number;
}

// Optional fields are built down to this many levels of nesting; required ones always are.
const MAX_DEPTH = 6;

/** A value `schema` allows, built as `context` says. */
export function buildValue(schema: Schema, context: BuildContext, depth = 0): unknown {
  if (depth > 10 * MAX_DEPTH) throw new Error("schema-values: required fields nest without end");
  if (typeof schema.$ref === "string") {
    return buildValue(resolve(schema.$ref, context), context, depth);
  }
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return pick(schema.enum, context);
  if (Array.isArray(schema.allOf)) return buildValue(merged(schema, context), context, depth);
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options) return buildValue(pick(options, context), context, depth);
  const type = Array.isArray(schema.type) ? pick(schema.type, context) : schema.type;
  if (type === "object" || (type === undefined && schema.properties)) {
    return buildObject(schema, context, depth);
  }
  if (type === "array") {
    const count = Math.max(Number(schema.minItems ?? 0), context.full && depth < MAX_DEPTH ? 1 : 0);
    const items = (schema.items ?? {}) as Schema;
    return Array.from({ length: count }, () => buildValue(items, context, depth + 1));
  }
  if (type === "integer") return Number(schema.minimum ?? 0);
  if (type === "number") {
    // fractional on purpose (a fractional `created_at` must pass), within any bounds given
    const low = Number(schema.minimum ?? 0);
    return low + (Number(schema.maximum ?? low + 2) - low) / 4;
  }
  if (type === "boolean") return false;
  if (type === "null") return null;
  const text = "x".repeat(Math.max(1, Number(schema.minLength ?? 1)));
  // a pattern "x" does not match is beyond this builder: such a string is left out (undefined)
  return typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(text)
    ? undefined
    : text;
}

function buildObject(schema: Schema, context: BuildContext, depth: number): Schema {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = (schema.required ?? []) as string[];
  const keys = context.full && depth < MAX_DEPTH ? Object.keys(properties) : [];
  const value: Schema = {};
  for (const key of new Set([...required, ...keys])) {
    // a required field without a schema allows any value: a string, as its name suggests
    const field = buildValue(properties[key] ?? { type: "string" }, context, depth + 1);
    if (field !== undefined) value[key] = field;
    else if (required.includes(key)) throw new Error(`schema-values: cannot build "${key}"`);
  }
  return value;
}

// allOf: the values every part allows. Objects merge their properties and required fields (a part
// may require a field that another part defines); a field defined twice is built from both
// definitions (an allOf again); enums keep the values they share; other scalars use the first part.
function merged(schema: Schema, context: BuildContext): Schema {
  const parts = (schema.allOf as Schema[]).map((part) => {
    const target = typeof part.$ref === "string" ? resolve(part.$ref, context) : part;
    return target.allOf ? merged(target, context) : target;
  });
  if (parts.every((p) => Array.isArray(p.enum))) {
    return {
      enum: parts.map((p) => p.enum as unknown[]).reduce((a, b) => a.filter((v) => b.includes(v))),
    };
  }
  if (!parts.some((p) => p.properties || p.type === "object")) return parts[0]!;
  const properties: Record<string, Schema> = {};
  for (const part of parts) {
    for (const [key, definition] of Object.entries(
      (part.properties ?? {}) as Record<string, Schema>,
    )) {
      properties[key] = properties[key] ? { allOf: [properties[key], definition] } : definition;
    }
  }
  return { properties, required: parts.flatMap((p) => (p.required ?? []) as string[]) };
}

function pick<T>(options: T[], context: BuildContext): T {
  context.widest = Math.max(context.widest, options.length);
  return options[Math.min(context.branch, options.length - 1)]!;
}

function resolve(ref: string, context: BuildContext): Schema {
  const prefix = "#/components/schemas/";
  if (!ref.startsWith(prefix)) throw new Error(`schema-values: cannot resolve ${ref}`);
  const components = context.document.components as Schema;
  const target = (components.schemas as Record<string, Schema>)[ref.slice(prefix.length)];
  if (!target) throw new Error(`schema-values: ${ref} is not in the document`);
  return target;
}
