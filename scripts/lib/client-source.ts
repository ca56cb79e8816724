// Writes src/generated/client.ts: one typed function per operation of the bundled document, over a
// `Send` the caller provides (the client's transport, contract in src/transport/send.ts). An
// operation whose 200 reply is text/event-stream is marked `stream` (the body comes back unread);
// the others parse JSON; one whose 200 reply may be either gets both, the streamed one named
// `<operationId>Stream`. A request body is the function's second argument; query and path
// parameters travel in its last one, `init` (header parameters are the caller's `headers`): query
// values become wire text through `formQuery`, path values are percent-encoded. A parameter that
// cannot be serialized stops generation (./parameters.ts).
import type { JsonObject } from "./json-schema.js";
import { parameterUse, resolve, type ParamUse } from "./parameters.js";

export interface Operation {
  /** The function's name: the operationId, plus `Stream` for the streamed twin of a JSON one. */
  operationId: string;
  /** The stem of the operation's type names (the operationId, capitalized). */
  typeName: string;
  /** False for a streamed twin: its types are its JSON operation's. */
  declaresTypes: boolean;
  method: string;
  path: string;
  summary: string;
  stream: boolean;
  body: boolean;
  query: ParamUse;
  pathParams: ParamUse;
}

const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** The operations of `document`; throws UnsupportedParameter for a parameter it cannot send. */
export function listOperations(document: JsonObject): Operation[] {
  const operations: Operation[] = [];
  const paths = document["paths"] as JsonObject;
  for (const path of Object.keys(paths).sort()) {
    const item = resolve(document, paths[path] as JsonObject);
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method] as JsonObject | undefined;
      if (!op) continue;
      const ok = ((op["responses"] as JsonObject)["200"] ?? {}) as JsonObject;
      const content = (resolve(document, ok)["content"] ?? {}) as JsonObject;
      const declared = [
        ...((item["parameters"] ?? []) as JsonObject[]),
        ...((op["parameters"] ?? []) as JsonObject[]),
      ];
      const operationId = op["operationId"] as string;
      const parameters = declared.map((p) => resolve(document, p));
      const use = parameterUse(document, operationId, parameters);
      const stream = "text/event-stream" in content;
      const base = {
        operationId,
        typeName: capitalize(operationId),
        declaresTypes: true,
        method,
        path,
        summary: (op["summary"] as string | undefined) ?? "",
        stream,
        body: op["requestBody"] !== undefined,
        query: use.query,
        pathParams: use.path,
      };
      const both = stream && "application/json" in content;
      operations.push(both ? { ...base, stream: false } : base);
      if (both) {
        operations.push({ ...base, operationId: `${operationId}Stream`, declaresTypes: false });
      }
    }
  }
  return operations;
}

/** The type declarations, `init` type and request fields of one operation's parameters. */
function parameterParts(op: Operation) {
  const name = op.typeName;
  const method = op.method.toUpperCase();
  const types: string[] = [];
  const fields: string[] = [];
  for (const [kind, use, suffix] of [
    ["query", op.query, "Query"],
    ["path", op.pathParams, "Path"],
  ] as const) {
    if (use === "none") continue;
    const type = `${name}${suffix}`;
    if (op.declaresTypes) {
      types.push(
        ``,
        `/** The ${kind} parameters of ${method} ${op.path}. */`,
        `export type ${type} = NonNullable<paths["${op.path}"]["${op.method}"]["parameters"]["${kind}"]>;`,
      );
    }
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
      ...(op.query === "none" ? [] : ["query: formQuery(init.query)"]),
      ...(op.body ? ["body"] : []),
      `stream: ${op.stream}`,
      "headers: init.headers",
      "signal: init.signal",
    ].join(", "),
  };
}

/** The imports and re-exports every generated client starts with. */
function preamble(operations: Operation[]): string[] {
  const query = operations.some((op) => op.query !== "none");
  return [
    `import type { paths } from "./openapi.js";`,
    query
      ? `import { formQuery, type OperationInit, type Reply, type Send } from "../transport/send.js";`
      : `import type { OperationInit, Reply, Send } from "../transport/send.js";`,
    ``,
    `export type { OperationInit, OperationRequest, Reply, Send } from "../transport/send.js";`,
    ``,
  ];
}

/** The declarations and the typed function of one operation. */
function operationSource(op: Operation): string[] {
  const name = op.typeName;
  const at = `paths["${op.path}"]["${op.method}"]`;
  const method = op.method.toUpperCase();
  const { types, initParam, request } = parameterParts(op);
  const parts: string[] = [];
  if (op.body && op.declaresTypes) {
    parts.push(
      ``,
      `/** The JSON body of ${method} ${op.path}. */`,
      `export type ${name}Body = ${at}["requestBody"]["content"]["application/json"];`,
    );
  }
  if (!op.stream && op.declaresTypes) {
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
  return parts;
}

/** The source of src/generated/client.ts. */
export function clientSource(operations: Operation[]): string {
  const parts = [
    ...preamble(operations),
    `/** Every operation of the schema: method, path and whether its reply is a stream. */`,
    `export const operations = {`,
    ...operations.map(
      (op) =>
        `  ${op.operationId}: { method: "${op.method.toUpperCase()}", path: "${op.path}", stream: ${op.stream} },`,
    ),
    `} as const;`,
    ...operations.flatMap(operationSource),
  ];
  return parts.join("\n") + "\n";
}
