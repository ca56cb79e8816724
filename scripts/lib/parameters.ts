// What the generator can put on the wire: query parameters of scalar type (string, number,
// integer, boolean, or an enum of those) or arrays of them, in form style, exploded; path
// parameters of scalar type, in simple style. Anything else stops `npm run generate` with a
// message naming the operation and the parameter, never generated code that does not compile.
import type { JsonObject } from "./json-schema.js";

/** How the parameters of one kind (`query`, `path`) reach the function: absent, optional, required. */
export type ParamUse = "none" | "optional" | "required";

/** Thrown for a parameter the generator cannot serialize. */
export class UnsupportedParameter extends Error {
  override name = "UnsupportedParameter";
}

/** `#/a/b` resolved in `document` (bundled documents keep local refs to `components`). */
export function resolve(document: JsonObject, node: JsonObject): JsonObject {
  const ref = node["$ref"];
  if (typeof ref !== "string") return node;
  const parts = ref.replace(/^#\//, "").split("/");
  const target = parts.reduce((at, key) => at[key] as JsonObject, document);
  return resolve(document, target);
}

const SCALARS = new Set(["string", "number", "integer", "boolean"]);

/** Why `schema` is not a scalar (undefined when it is one). */
function notScalar(document: JsonObject, node: JsonObject | undefined): string | undefined {
  if (node === undefined) return "it has no schema";
  const schema = resolve(document, node);
  const type = schema["type"];
  if (typeof type === "string") return SCALARS.has(type) ? undefined : `its type is ${type}`;
  if (type !== undefined) return `its type is ${JSON.stringify(type)} (one type only, no null)`;
  const values = schema["enum"] ?? (schema["const"] === undefined ? undefined : [schema["const"]]);
  if (Array.isArray(values) && values.every((v) => SCALARS.has(typeof v) && v !== null)) {
    return undefined;
  }
  return "its schema has no scalar type";
}

/** Why the generator cannot serialize `param` (undefined when it can). */
function unsupported(document: JsonObject, param: JsonObject): string | undefined {
  const where = param["in"];
  const schema = param["schema"] as JsonObject | undefined;
  if (param["content"] !== undefined) return "parameters with `content` are not serialized";
  if (where === "path") {
    if (param["style"] !== undefined && param["style"] !== "simple")
      return "path style is not simple";
    return notScalar(document, schema);
  }
  if (where !== "query") return `parameters in ${String(where)} are not serialized`;
  if (param["style"] !== undefined && param["style"] !== "form") return "query style is not form";
  if (param["explode"] === false) return "arrays are sent exploded only (explode: false)";
  const resolved = schema && resolve(document, schema);
  if (resolved?.["type"] === "array") {
    const why = notScalar(document, resolved["items"] as JsonObject | undefined);
    return why && `its items are not scalars: ${why}`;
  }
  return notScalar(document, schema);
}

/**
 * The use of each kind of parameter of one operation; throws UnsupportedParameter naming the
 * operation and the first parameter the generator cannot serialize. Header parameters are the
 * caller's `headers` and are not checked.
 */
export function parameterUse(
  document: JsonObject,
  operationId: string,
  parameters: JsonObject[],
): { query: ParamUse; path: ParamUse } {
  for (const param of parameters) {
    if (param["in"] === "header") continue;
    const why = unsupported(document, param);
    if (why !== undefined) {
      const name = `${String(param["in"])} parameter "${String(param["name"])}"`;
      throw new UnsupportedParameter(`${operationId}: cannot serialize the ${name}: ${why}`);
    }
  }
  const use = (kind: string): ParamUse => {
    const of = parameters.filter((p) => p["in"] === kind);
    if (of.length === 0) return "none";
    return of.some((p) => p["required"] === true) ? "required" : "optional";
  };
  return { query: use("query"), path: use("path") };
}
