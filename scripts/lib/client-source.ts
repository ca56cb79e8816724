// Writes src/generated/client.ts: openapi-fetch's createClient<paths> plus one typed function per
// operation of the bundled document. An operation whose 200 reply is text/event-stream is read
// with `parseAs: "stream"` (the body comes back unread); the others parse JSON.
import type { JsonObject } from "./json-schema.js";

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  summary: string;
  stream: boolean;
}

export function listOperations(document: JsonObject): Operation[] {
  const operations: Operation[] = [];
  const paths = document["paths"] as JsonObject;
  for (const path of Object.keys(paths).sort()) {
    const item = paths[path] as JsonObject;
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method] as JsonObject | undefined;
      if (!op) continue;
      const ok = ((op["responses"] as JsonObject)["200"] ?? {}) as JsonObject;
      const content = (ok["content"] ?? {}) as JsonObject;
      operations.push({
        operationId: op["operationId"] as string,
        method,
        path,
        summary: (op["summary"] as string | undefined) ?? "",
        stream: "text/event-stream" in content,
      });
    }
  }
  return operations;
}

const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1);

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
    parts.push(
      ``,
      `/** The JSON body of ${method} ${op.path}. */`,
      `export type ${body} = paths["${op.path}"]["${op.method}"]["requestBody"]["content"]["application/json"];`,
      ``,
      `/** ${method} ${op.path}: ${op.summary}${op.stream ? " (the body is returned unread, as a stream)" : ""}. */`,
      `export function ${op.operationId}(client: BaseClient, body: ${body}, init: OperationInit = {}) {`,
      `  return client.${method}("${op.path}", { body, ${op.stream ? `parseAs: "stream", ` : ""}headers: init.headers, signal: init.signal, fetch: init.fetch });`,
      `}`,
    );
  }
  return parts.join("\n") + "\n";
}
