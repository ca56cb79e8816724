// Keeping a model list fresh: list the models once, then list again only when a reply's
// `modelsEtag` says the server's list changed.
// Run: npx tsx examples/models-refresh.ts (the embedded mock; with OPENAI_API_KEY, the service)
import { createClient, providers, type ModelsList } from "codex-api";
import { startMockServer } from "codex-api/testing";

const key = process.env["OPENAI_API_KEY"];
// The mock plays a list that changes: its replies name "v2" while the first list was "v1".
const mock = key
  ? undefined
  : await startMockServer({
      models: [{ headers: { etag: '"v1"' } }, { headers: { etag: '"v2"' } }],
      responses: { headers: { "x-models-etag": '"v2"' } },
    });
const client = createClient({
  provider: mock ? { baseUrl: `${mock.url}/v1` } : providers.openai(),
  ...(key ? { auth: key } : {}),
});

let list: ModelsList = await client.models.list();
console.log(`listed ${list.models.length} models, etag ${list.etag}`);

const model = list.models[0]?.slug ?? "gpt-5.1-codex";
const input = [{ type: "message" as const, role: "user" as const, content: [] }];
const stream = await client.responses.stream({ model, input });
let latest = list.etag;
for await (const event of stream) {
  if (event.type === "modelsEtag") latest = event.etag;
}
if (latest !== list.etag) {
  const { data, requestId } = await client.models.list().withResponse();
  list = data;
  console.log(`the list changed: listed again (request ${requestId}), etag ${list.etag}`);
}
await mock?.close();
