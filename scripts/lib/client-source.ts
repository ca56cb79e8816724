// Writes src/generated/client.ts: openapi-fetch's createClient<paths> plus one typed function per
// operation of the bundled document. An operation whose 200 reply is text/event-stream is read
// with `parseAs: "stream"` (the body comes back unread); the others parse JSON. A request body is
// the function's second argument; query and path parameters travel in its last one, `init`
// (header parameters are the caller's `headers`).
import type { JsonObject } from "./json-schema.js";

/** How the parameters of one kind (`query`, `path`) reach the function: absent, optional, required. */
type ParamUse = "none" | "optional" | "required";

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  summary: string;
  stream: boolean;
  body: boolean;
  query: ParamUse;
  pathParams: ParamUse;
}

/** `#/a/b` resolved in `document` (bundled documents keep local refs to `components`). */
function resolve(document: JsonObject, node: JsonObject): JsonObject {
  const ref = node["$ref"];
  if (typeof ref !== "string") return node;
  const parts = ref.replace(/^#\//, "").split("/");
  return parts.reduce((at, key) => at[key] as JsonObject, document);
}

function paramUse(parameters: JsonObject[], kind: string): ParamUse {
  const of = parameters.filter((p) => p["in"] === kind);
  if (of.length === 0) return "none";
  return of.some((p) => p["required"] === true) ? "required" : "optional";
}

export function listOperations(document: JsonObject): Operation[] {
  const operations: Operation[] = [];
  const paths = document["paths"] as JsonObject;
  for (const path of Object.keys(paths).sort()) {
    const item = resolve(document, paths[path] as JsonObject);
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method] as JsonObject | undefined;
      if (!op) continue;
      const ok = ((op["responses"] as JsonObject)["200"] ?? {}) as JsonObject;
      const content = (ok["content"] ?? {}) as JsonObject;
      const declared = [
        ...((item["parameters"] ?? []) as JsonObject[]),
        ...((op["parameters"] ?? []) as JsonObject[]),
      ];
      const parameters = declared.map((p) => resolve(document, p));
      operations.push({
        operationId: op["operationId"] as string,
        method,
        path,
        summary: (op["summary"] as string | undefined) ?? "",
        stream: "text/event-stream" in content,
        body: op["requestBody"] !== undefined,
        query: paramUse(parameters, "query"),
        pathParams: paramUse(parameters, "path"),
      });
    }
  }
  return operations;
}

const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** The type declarations, `init` type and openapi-fetch `params` of one operation's parameters. */
function parameterParts(op: Operation) {
  const name = capitalize(op.operationId);
  const method = op.method.toUpperCase();
  const types: string[] = [];
  const fields: string[] = [];
  const params: string[] = [];
  for (const [kind, use, suffix] of [
    ["query", op.query, "Query"],
    ["path", op.pathParams, "Path"],
  ] as const) {
    if (use === "none") continue;
    const type = `${name}${suffix}`;
    types.push(
      ``,
      `/** The ${kind} parameters of ${method} ${op.path}. */`,
      `export type ${type} = NonNullable<paths["${op.path}"]["${op.method}"]["parameters"]["${kind}"]>;`,
    );
    fields.push(`${kind}${use === "required" ? "" : "?"}: ${type}`);
    params.push(`${kind}: init.${kind}`);
  }
  const required = fields.some((f) => !f.includes("?:"));
  const init = fields.length === 0 ? "OperationInit" : `OperationInit & { ${fields.join("; ")} }`;
  return {
    types,
    initParam: `init: ${init}${required ? "" : " = {}"}`,
    params: params.length === 0 ? "" : `params: { ${params.join(", ")} }, `,
  };
}

export function clientSource(operations: Operation[]): string {
  const parts = [
    `import createClient, { type Client, type ClientOptions } from "openapi-fetch";`,
    `import type { paths } from "./openapi.js";`,
    ``,
    `export type BaseClient = Client<paths>;`,
    ``,
    `/** openapi-fetch bound to the paths of schema/openapi.yaml. */`,
    `export function createBaseClient(options: ClientOptions = {}): BaseClient {`,
    `  return createClient<paths>(options);`,
    `}`,
    ``,
    `/** What each call may add to the request besides its body. */`,
    `export interface OperationInit {`,
    `  headers?: Record<string, string>;`,
    `  signal?: AbortSignal;`,
    `  /** Sends this call (openapi-fetch's per-request fetch): where retries, auth and timeouts live. */`,
    `  fetch?: (request: Request) => Promise<Response>;`,
    `}`,
    ``,
    `/** Every operation of the schema: method, path and whether its reply is a stream. */`,
    `export const operations = {`,
    ...operations.map(
      (op) =>
        `  ${op.operationId}: { method: "${op.method.toUpperCase()}", path: "${op.path}", stream: ${op.stream} },`,
    ),
    `} as const;`,
  ];
  for (const op of operations) {
    const body = `${capitalize(op.operationId)}Body`;
    const method = op.method.toUpperCase();
    const { types, initParam, params } = parameterParts(op);
    if (op.body) {
      parts.push(
        ``,
        `/** The JSON body of ${method} ${op.path}. */`,
        `export type ${body} = paths["${op.path}"]["${op.method}"]["requestBody"]["content"]["application/json"];`,
      );
    }
    parts.push(
      ...types,
      ``,
      `/** ${method} ${op.path}: ${op.summary}${op.stream ? " (the body is returned unread, as a stream)" : ""}. */`,
      `export function ${op.operationId}(client: BaseClient, ${op.body ? `body: ${body}, ` : ""}${initParam}) {`,
      `  return client.${method}("${op.path}", { ${op.body ? "body, " : ""}${params}${op.stream ? `parseAs: "stream", ` : ""}headers: init.headers, signal: init.signal, fetch: init.fetch });`,
      `}`,
    );
  }
  return parts.join("\n") + "\n";
}
