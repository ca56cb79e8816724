// `npm run demo`: the whole library against the embedded mock server, in one run. Lists the models
// and their ETag, streams a reply (text appears as it arrives; its `modelsEtag` is compared with the
// list's), shows the rate-limit snapshot and token usage, compacts the history, summarizes it as a
// memory, then runs a tool loop over a WebSocket, printing the bytes each turn sent. Point it at a
// real server with CODEX_BASE_URL and CODEX_API_KEY.
import { createClient, type ResponseItem } from "../src/index.js";
import { startMockServer } from "../src/testing/index.js";
import { connectResponses } from "../src/websocket/index.js";

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[22m` : s);
const step = (title: string) => console.log(`\n== ${title}`);

// The mock's replies name the model list they were served with, as a real server's do.
const listEtag = '"demo-models-1"';
const mock = process.env["CODEX_BASE_URL"]
  ? undefined
  : await startMockServer({
      models: { headers: { etag: listEtag } },
      responses: { dripMs: 25, headers: { "x-models-etag": listEtag } },
    });
const baseUrl = process.env["CODEX_BASE_URL"] ?? `${mock!.url}/v1`;
console.log(mock ? `embedded mock server at ${baseUrl}` : `server: ${baseUrl}`);

const sentPerSend: string[] = [];
const client = createClient({
  provider: { baseUrl },
  auth: process.env["CODEX_API_KEY"] ?? process.env["OPENAI_API_KEY"] ?? "demo-token",
  telemetry: {
    onWebSocketRequest: (r) =>
      sentPerSend.push(`${r.bytesSent} bytes${r.incremental ? " (incremental)" : " (full)"}`),
  },
});
const model = process.env["CODEX_MODEL"] ?? "gpt-5.1-codex";
const question: ResponseItem = {
  type: "message",
  role: "user",
  content: [{ type: "input_text", text: "What does codex-api do, in one sentence?" }],
};

try {
  step("1. models.list: what the server offers");
  const { models, etag } = await client.models.list({ clientVersion: "0.1.0" });
  for (const m of models)
    console.log(`  - ${m.slug}${m.display_name ? ` (${m.display_name})` : ""}`);
  console.log(dim(`etag: ${etag ?? "(none)"}`));

  step("2. responses.stream: text as it arrives");
  const stream = await client.responses.stream({
    model,
    instructions: "Answer briefly.",
    input: [question],
    reasoning: { effort: "low", summary: "auto" },
  });
  console.log(dim(`request id: ${stream.requestId ?? "(none)"}`));
  const output: ResponseItem[] = [];
  for await (const event of stream) {
    if (event.type === "reasoningSummaryDelta") process.stdout.write(dim(event.delta));
    else if (event.type === "reasoningSummaryPartAdded") process.stdout.write(dim("[thinking] "));
    else if (event.type === "outputItemAdded" && event.item.type === "message")
      process.stdout.write("\n");
    else if (event.type === "outputTextDelta") process.stdout.write(event.delta);
    else if (event.type === "modelsEtag")
      console.log(dim(`models etag ${event.etag === etag ? "unchanged" : "changed: list again"}`));
    else if (event.type === "outputItemDone") output.push(event.item);
    else if (event.type === "completed") {
      console.log(`\n\nresponse ${event.responseId} completed`);
      console.log("token usage:", event.tokenUsage);
    }
  }
  console.log("rate limits:", JSON.stringify(stream.rateLimits ?? "(none sent)"));

  step("3. compact.compactInput: the history, compacted");
  const history = [question, ...output];
  const compacted = await client.compact.compactInput({
    model,
    input: history,
    instructions: "Compact the conversation.",
  });
  console.log(`${history.length} items in, ${compacted.length} out:`);
  for (const item of compacted) console.log(`  - ${item.type}`);

  step("4. memories.summarizeInput: the history as a memory");
  const summaries = await client.memories.summarizeInput({
    model,
    rawMemories: [{ id: "demo-trace", metadata: { source_path: "demo" }, items: history }],
  });
  for (const s of summaries) {
    console.log(`  trace:  ${s.traceSummary}\n  memory: ${s.memorySummary}`);
  }

  step("5. a tool loop over one WebSocket: each turn sends only what is new");
  await toolLoop();
} finally {
  await mock?.close();
}

/** Up to 4 turns: the model calls `run_tests`, the loop answers, the history grows. */
async function toolLoop(): Promise<void> {
  const socket = connectResponses(client);
  const tools = [{ type: "function", name: "run_tests", description: "Runs the test suite" }];
  const history: ResponseItem[] = [
    { type: "message", role: "user", content: [{ type: "input_text", text: "Fix the build." }] },
  ];
  try {
    for (let turn = 1; turn <= 4; turn++) {
      const stream = await socket.stream({
        model,
        instructions: "Use tools.",
        tools,
        input: history,
      });
      const { items, text } = await stream.collect();
      history.push(...items);
      const calls = items.filter((item) => item.type === "function_call");
      const sent = sentPerSend.splice(0).join(" + ");
      console.log(`turn ${turn}: sent ${sent}; ${calls.length} tool call(s); ${text.slice(0, 50)}`);
      if (calls.length === 0) break;
      for (const call of calls) {
        const output = `ok: ${turn * 10} tests passed`;
        history.push({ type: "function_call_output", call_id: call.call_id, output });
      }
    }
    const size = new TextEncoder().encode(JSON.stringify(history)).length;
    console.log(dim(`history is now ${size} bytes; over HTTP every turn would send all of it`));
  } finally {
    await socket.close();
  }
}
