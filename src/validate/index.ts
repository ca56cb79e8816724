// validate(schemaName, value): checks a value against a schema of schema/openapi.yaml with ajv
// (JSON Schema 2020-12, strict). Lives behind the `codex-api/validate` export so the core client
// does not carry ajv. Validators are compiled once per schema name, on first use.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { schema, type SchemaName } from "../generated/schema.js";

export type { SchemaName };
/** One thing wrong with a value: where (a JSON Pointer) and what. */
export interface ValidationIssue {
  /** JSON Pointer into the value, e.g. `/content/0/text` (empty for the value itself). */
  path: string;
  message: string;
}
/** What `validate` returns: ok, or the issues found. */
export type ValidationResult = { ok: true } | { ok: false; errors: ValidationIssue[] };

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(name: string): ValidateFunction {
  let fn = compiled.get(name);
  if (fn) return fn;
  if (!Object.hasOwn(schema.$defs, name)) {
    throw new TypeError(`validate: unknown schema "${name}"; known: ${schemaNames().join(", ")}`);
  }
  if (!ajv) {
    ajv = new Ajv2020({ discriminator: true, allErrors: true, strict: true });
    ajv.addSchema(schema);
  }
  fn = ajv.getSchema(`${schema.$id}#/$defs/${name}`)!;
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
  if (fn(value)) return { ok: true };
  return { ok: false, errors: describe(fn.errors ?? []) };
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
