// validate(schemaName, value): checks a value against a schema of schema/openapi.yaml with ajv
// (JSON Schema 2020-12, strict). Lives behind the `codex-api/validate` export so the core client
// does not carry ajv. Validators are compiled once per schema name, on first use, from a copy of the
// schema with its $refs inlined: ajv joins the errors of a $ref'd subschema with `concat`, which is
// quadratic in the number of failing items; inlined, validation stays linear.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { schema, type SchemaName } from "../generated/schema.js";
import { knownTypes, typeTypos, type ValidationIssue } from "./typos.js";

export type { ValidationIssue };

export type { SchemaName };
/**
 * What `validate` returns: ok, or the first issues found (at most 100) and how many more there were.
 * `warnings` lists what the schema accepts but is likely a mistake: a `type` it does not know that
 * is one or two edits away from one it knows (`"mesage"`), which passes as an open variant.
 */
export type ValidationResult =
  | { ok: true; warnings?: ValidationIssue[] }
  | {
      ok: false;
      errors: ValidationIssue[];
      /** How many more issues there were than the 100 listed; absent when none. */
      omitted?: number;
    };

/** The most issues one result lists. */
export const MAX_ISSUES = 100;

type Node = unknown;
const defs = schema.$defs as Record<string, Node>;

/** `node` with every `#/$defs/X` reference replaced by X itself (a cycle keeps its $ref). */
function inlineRefs(node: Node, path: string[]): Node {
  if (Array.isArray(node)) return node.map((n) => inlineRefs(n, path));
  if (typeof node !== "object" || node === null) return node;
  const { $ref, ...rest } = node as Record<string, Node>;
  const out: Record<string, Node> = {};
  if (typeof $ref === "string" && $ref.startsWith("#/$defs/")) {
    const name = $ref.slice("#/$defs/".length);
    if (path.includes(name)) out["$ref"] = $ref;
    else Object.assign(out, inlineRefs(defs[name], [...path, name]));
  } else if ($ref !== undefined) out["$ref"] = $ref;
  for (const [key, value] of Object.entries(rest)) out[key] = inlineRefs(value, path);
  return out;
}

let ajv: Ajv2020 | undefined;
let known: Set<string> | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(name: string): ValidateFunction {
  let fn = compiled.get(name);
  if (fn) return fn;
  if (!Object.hasOwn(schema.$defs, name)) {
    throw new TypeError(`validate: unknown schema "${name}"; known: ${schemaNames().join(", ")}`);
  }
  ajv ??= new Ajv2020({ discriminator: true, allErrors: true, strict: true });
  const inlined = inlineRefs(defs[name], [name]) as Record<string, Node>;
  fn = ajv.compile({ ...inlined, $id: `${schema.$id}/${name}`, $defs: defs });
  compiled.set(name, fn);
  return fn;
}

/** The names `validate` accepts: every schema under `components.schemas`. */
export function schemaNames(): SchemaName[] {
  return Object.keys(schema.$defs).sort() as SchemaName[];
}

/** Validates `value` against `components/schemas/<schemaName>`. Throws only for an unknown name. */
export function validate(schemaName: SchemaName, value: unknown): ValidationResult {
  const fn = validatorFor(schemaName);
  if (fn(value)) {
    known ??= knownTypes(schema.$defs);
    const warnings = typeTypos(value, known, MAX_ISSUES);
    return warnings.length > 0 ? { ok: true, warnings } : { ok: true };
  }
  const errors = describe(fn.errors ?? []);
  if (errors.length <= MAX_ISSUES) return { ok: false, errors };
  return { ok: false, errors: errors.slice(0, MAX_ISSUES), omitted: errors.length - MAX_ISSUES };
}

// ajv reports a failed `then`/`else` branch and a failed `if` beside the errors that caused them;
// only the causes say something. The same error can also come twice through shared subschemas.
function describe(errors: ErrorObject[]): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const e of errors) {
    if (e.keyword === "if") continue;
    const message = formatMessage(e);
    const key = `${e.instancePath}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path: e.instancePath, message });
  }
  return issues;
}

function formatMessage(e: ErrorObject): string {
  const base = e.message ?? e.keyword;
  if (e.keyword === "enum" || e.keyword === "const") {
    const allowed = e.keyword === "enum" ? e.params.allowedValues : [e.params.allowedValue];
    return `${base}: ${(allowed as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  }
  if (e.keyword === "discriminator" && e.params.tagValue !== undefined) {
    return `${base} (got ${JSON.stringify(e.params.tagValue)})`;
  }
  return base;
}
