// Writes src/generated/client.ts: one typed function per operation of the bundled document, over a
// `Send` the caller provides (the client's transport). An operation whose 200 reply is
// text/event-stream is marked `stream` (the body comes back unread); the others parse JSON. A
// request body is the function's second argument; query and path parameters travel in its last
// one, `init` (header parameters are the caller's `headers`).
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

/** The type declarations, `init` type and request fields of one operation's parameters. */
function parameterParts(op: Operation) {
  const name = capitalize(op.operationId);
  const method = op.method.toUpperCase();
  const types: string[] = [];
  const fields: string[] = [];
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
  }
  const required = fields.some((f) => !f.includes("?:"));
  const init = fields.length === 0 ? "OperationInit" : `OperationInit & { ${fields.join("; ")} }`;
  // `{name}` segments become the percent-encoded values of `init.path`.
  const path =
    op.pathParams === "none"
      ? JSON.stringify(op.path)
      : "`" +
        op.path.replace(
          /\{([^}]+)\}/g,
          (_, p: string) => `\${encodeURIComponent(String(init.path[${JSON.stringify(p)}]))}`,
        ) +
        "`";
  return {
    types,
    initParam: `init: ${init}${required ? "" : " = {}"}`,
    request: [
      `method: "${method}"`,
      `path: ${path}`,
      ...(op.query === "none" ? [] : ["query: init.query"]),
      ...(op.body ? ["body"] : []),
      `stream: ${op.stream}`,
      "headers: init.headers",
      "signal: init.signal",
    ].join(", "),
  };
}

const PREAMBLE = `import type { paths } from "./openapi.js";

/** One request of a typed function, as a \`Send\` puts it on the wire. */
export interface OperationRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The path, its parameters filled in and percent-encoded. */
  path: string;
  query?: Record<string, string | undefined> | undefined;
  /** The JSON body, not yet serialized. */
  body?: unknown;
  /** A stream's body is handed back unread; any other reply is parsed as JSON. */
  stream: boolean;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

/** A 2xx reply: \`data\` is its parsed JSON body (undefined for a stream, whose body is unread). */
export interface Reply<T> {
  data: T;
  response: Response;
}

/** Sends one request and resolves with its 2xx reply: where retries, auth and timeouts live. */
export type Send = (request: OperationRequest) => Promise<Reply<unknown>>;

/** What each call may add to the request besides its body and parameters. */
export interface OperationInit {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}
`;

export function clientSource(operations: Operation[]): string {
  const parts = [
    PREAMBLE,
    `/** Every operation of the schema: method, path and whether its reply is a stream. */`,
    `export const operations = {`,
    ...operations.map(
      (op) =>
        `  ${op.operationId}: { method: "${op.method.toUpperCase()}", path: "${op.path}", stream: ${op.stream} },`,
    ),
    `} as const;`,
  ];
  for (const op of operations) {
    const name = capitalize(op.operationId);
    const at = `paths["${op.path}"]["${op.method}"]`;
    const method = op.method.toUpperCase();
    const { types, initParam, request } = parameterParts(op);
    if (op.body) {
      parts.push(
        ``,
        `/** The JSON body of ${method} ${op.path}. */`,
        `export type ${name}Body = ${at}["requestBody"]["content"]["application/json"];`,
      );
    }
    if (!op.stream) {
      parts.push(
        ``,
        `/** The JSON reply of ${method} ${op.path}. */`,
        `export type ${name}Reply = ${at}["responses"][200]["content"]["application/json"];`,
      );
    }
    const reply = op.stream ? "undefined" : `${name}Reply`;
    parts.push(
      ...types,
      ``,
      `/** ${method} ${op.path}: ${op.summary}${op.stream ? " (the body is returned unread, as a stream)" : ""}. */`,
      `export function ${op.operationId}(send: Send, ${op.body ? `body: ${name}Body, ` : ""}${initParam}) {`,
      `  return send({ ${request} }) as Promise<Reply<${reply}>>;`,
      `}`,
    );
  }
  return parts.join("\n") + "\n";
}
