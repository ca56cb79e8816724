// Compiled by `npm run typecheck` (never run): typed calls to every operation of the generated
// client. A field renamed in schema/ and regenerated makes this file fail to compile; the
// expect-error lines fail when the types stop rejecting what they must reject.
// test/generated/schema-rename.test.ts compiles it against a renamed schema to show that.
import {
  compactResponses,
  createResponse,
  listModels,
  summarizeMemories,
  type Send,
} from "../../src/generated/client.js";
import type { ResponseItem } from "../../src/generated/openapi.js";

declare const client: Send;
const message: ResponseItem = {
  type: "message",
  role: "user",
  content: [{ type: "input_text", text: "hi" }],
};

export async function callAll(): Promise<void> {
  const streamed = await createResponse(client, {
    model: "gpt-5.1-codex",
    instructions: "be brief",
    input: [message],
    tools: [],
    tool_choice: "auto",
    parallel_tool_calls: false,
    store: false,
    stream: true,
    include: [],
  });
  const body: ReadableStream<Uint8Array> | null = streamed.response.body;
  // @ts-expect-error a stream's body is left unread: there is no data
  streamed.data.output;

  const compacted = await compactResponses(client, {
    model: "gpt-5.1-codex",
    instructions: "compact",
    input: [message],
  });
  const firstType: string | undefined = compacted.data?.output[0]?.type;

  const summarized = await summarizeMemories(client, {
    model: "gpt-5.1-codex",
    traces: [{ id: "t1", metadata: { source_path: "/tmp/r.jsonl" }, items: [message] }],
  });
  const summary: string | undefined = summarized.data?.output[0]?.memory_summary;

  const listed = await listModels(client, { query: { client_version: "0.99.0" } });
  const slug: string | undefined = listed.data?.models[0]?.slug;
  await listModels(client);

  // @ts-expect-error `input` must be a list of items, not a string
  await compactResponses(client, { model: "m", instructions: "", input: "hi" });
  // @ts-expect-error the list of raw memories is named `traces` on the wire
  await summarizeMemories(client, { model: "m", rawMemories: [] });

  // @ts-expect-error the query parameter is `client_version`, a string
  await listModels(client, { query: { client_version: 99 } });

  void [body, firstType, summary, slug];
}
