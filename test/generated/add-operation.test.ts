// Adding an operation is a schema edit and `npm run generate`, nothing else (README "Adding an
// endpoint"): a copy of schema/ gains `GET /models/{slug}` (a path parameter and string, integer,
// boolean and array query parameters), the real generator writes a scratch src/generated, and then
// the new typed function exists, type-checks, rejects a wrong call, and sends the right request
// (values as wire text, arrays exploded, the path percent-encoded) to a real server through the
// client's transport. A parameter the generator cannot serialize stops it, naming the operation and
// the parameter, and nothing is written.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateFromCopy, root, typeErrors } from "../helpers/generated.js";
import { json, startServer } from "../helpers/server.js";
import { createClient } from "../../src/client.js";
import { internalsOf } from "../../src/internals.js";
import type { Send } from "../../src/generated/client.js";

const work = join(root, ".tmp", `add-operation-${process.pid}`);

// The operation as a user would write it: its own file, one line in openapi.yaml.
const OPERATION = `
path:
  get:
    operationId: retrieveModel
    summary: One model by slug
    parameters:
      - { name: slug, in: path, required: true, schema: { type: string } }
      - { name: client_version, in: query, required: false, schema: { type: string } }
      - { name: limit, in: query, required: false, schema: { type: integer } }
      - { name: verbose, in: query, required: false, schema: { type: boolean } }
      - { name: tag, in: query, required: false, schema: { type: array, items: { type: string } } }
    responses:
      "200":
        description: The model.
        content:
          application/json:
            schema: { $ref: "./models.yaml#/ModelInfo" }
      default:
        $ref: "./components/errors.yaml#/ErrorResponse"
`;

const addOperation = (operation: string) => async (schema: string) => {
  await writeFile(join(schema, "model.yaml"), operation);
  const root = join(schema, "openapi.yaml");
  const yaml = await readFile(root, "utf8");
  const edited = yaml.replace(
    "paths:\n",
    'paths:\n  /models/{slug}:\n    $ref: "./model.yaml#/path"\n',
  );
  expect(edited).not.toBe(yaml);
  await writeFile(root, edited);
};

// Call sites, compiled against the scratch src/generated.
const GOOD = `
import { operations, retrieveModel, type Send } from "../src/generated/client.js";
declare const client: Send;
export async function call(): Promise<string | undefined> {
  const { data } = await retrieveModel(client, {
    path: { slug: "gpt-5.1-codex" },
    query: { client_version: "0.99.0", limit: 5, verbose: false, tag: ["a", "b"] },
  });
  const entry: { method: "GET"; path: "/models/{slug}"; stream: false } = operations.retrieveModel;
  void entry;
  return data?.slug;
}
`;
/** Wrong calls, each with the error the compiler must give. */
const WRONG: [string, string, RegExp][] = [
  ["a number slug", `retrieveModel(client, { path: { slug: 5 } });`, /'number' is not assignable/],
  [
    "no path parameters",
    `retrieveModel(client, { query: { client_version: "1" } });`,
    /Property 'path' is missing/,
  ],
  [
    "a string limit",
    `retrieveModel(client, { path: { slug: "m" }, query: { limit: "5" } });`,
    /'string' is not assignable to type 'number'/,
  ],
  [
    "one tag not in an array",
    `retrieveModel(client, { path: { slug: "m" }, query: { tag: "a" } });`,
    /'string' is not assignable to type 'string\[\]'/,
  ],
  [
    "a body it does not take",
    `retrieveModel(client, { model: "m" }, { path: { slug: "m" } });`,
    /Expected 2 arguments, but got 3/,
  ],
];
const wrongFile = (line: string) =>
  `import { retrieveModel, type Send } from "../src/generated/client.js";\n` +
  `declare const client: Send;\n${line}\n`;

async function compile(name: string, source: string): Promise<string[]> {
  const file = join(work, "calls", `${name}.ts`);
  await mkdir(join(work, "calls"), { recursive: true });
  await writeFile(file, source);
  return typeErrors([file]);
}

describe("adding an operation to the schema", () => {
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("without it, the call site does not compile (the check can fail)", async () => {
    await generateFromCopy(work);
    expect((await compile("good", GOOD)).join("\n")).toMatch(/retrieveModel/);
  });

  describe("with it", () => {
    beforeAll(() => generateFromCopy(work, addOperation(OPERATION)), 60_000);

    it("the typed function and its operations entry appear, and the call site compiles", async () => {
      const client = await readFile(join(work, "src/generated/client.ts"), "utf8");
      expect(client).toContain("export function retrieveModel(");
      expect(client).toContain("export type RetrieveModelPath");
      expect(client).toContain("export type RetrieveModelQuery");
      expect(await compile("good", GOOD)).toEqual([]);
    });

    it.each(WRONG)("a call with %s does not compile", async (name, line, error) => {
      const errors = await compile(name.replace(/ /g, "-"), wrongFile(line));
      expect(errors.join("\n")).toMatch(error);
    });

    it("sends GET <base>/models/<slug>?client_version=… to a real server", async () => {
      const server = await startServer(json(200, { slug: "a b", extra: 1 }));
      try {
        const generated = (await import(join(work, "src/generated/client.ts"))) as {
          retrieveModel(send: Send, init: object): Promise<{ data?: unknown }>;
        };
        // The client's own transport is the Send: retries, auth and limits apply as to every call.
        const client = createClient({ provider: { baseUrl: `${server.url}/v1` } });
        const { transport } = internalsOf(client)!.endpoints;
        const { data } = await generated.retrieveModel(transport.sender("models"), {
          path: { slug: "a b/c" },
          query: { client_version: "0.99.0", limit: 1e21, verbose: true, tag: ["x y", "z"] },
        });
        expect(data).toEqual({ slug: "a b", extra: 1 });
        expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
          "GET /v1/models/a%20b%2Fc?client_version=0.99.0&limit=1000000000000000000000&verbose=true&tag=x+y&tag=z",
        ]);
      } finally {
        await server.close();
      }
    });
  });

  it.each([
    [
      "an object",
      "{ name: filter, in: query, schema: { type: object } }",
      /query parameter "filter": its type is object/,
    ],
    [
      "a nullable integer",
      '{ name: filter, in: query, schema: { type: [integer, "null"] } }',
      /query parameter "filter": its type is \["integer","null"\]/,
    ],
    [
      "an array of arrays",
      "{ name: filter, in: query, schema: { type: array, items: { type: array } } }",
      /query parameter "filter": its items are not scalars/,
    ],
    [
      "arrays not exploded",
      "{ name: filter, in: query, explode: false, schema: { type: array, items: { type: string } } }",
      /query parameter "filter": arrays are sent exploded only/,
    ],
    [
      "a deepObject",
      "{ name: filter, in: query, style: deepObject, schema: { type: string } }",
      /query parameter "filter": query style is not form/,
    ],
    [
      "a cookie",
      "{ name: filter, in: cookie, schema: { type: string } }",
      /cookie parameter "filter": parameters in cookie/,
    ],
  ])(
    "a parameter of %s stops `npm run generate`, naming it; nothing is written",
    async (_, param, message) => {
      const operation = OPERATION.replace("    responses:", `      - ${param}\n    responses:`);
      expect(operation).not.toBe(OPERATION);
      const failed = await generateFromCopy(work, addOperation(operation)).then(
        () => "generated",
        (error: { stderr?: string }) => error.stderr ?? String(error),
      );
      expect(failed).toMatch(/schema error: retrieveModel: cannot serialize the /);
      expect(failed).toMatch(message);
      await expect(readFile(join(work, "src/generated/client.ts"), "utf8")).rejects.toThrow(
        /ENOENT/,
      );
    },
    60_000,
  );
});
