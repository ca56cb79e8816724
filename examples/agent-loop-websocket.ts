// The same agent loop over one WebSocket (`codex-api/websocket`, needs `npm install ws`): from the
// second turn on, only the new items (the tool's output) are sent.
// Run: npx tsx examples/agent-loop-websocket.ts (the embedded mock; with OPENAI_API_KEY, the service)
import { createClient, functionCallOutput, providers, type ResponseItem } from "codex-api";
import { startMockServer } from "codex-api/testing";
import { connectResponses } from "codex-api/websocket";

const key = process.env["OPENAI_API_KEY"];
const mock = key ? undefined : await startMockServer();
const client = createClient({
  provider: mock ? { baseUrl: `${mock.url}/v1` } : providers.openai(),
  ...(key ? { auth: key } : {}),
  telemetry: { onWebSocketRequest: (r) => console.log(`[sent ${r.bytesSent} bytes]`) },
});
const socket = connectResponses(client); // connects on first use, reused turn after turn

const tools = [{ type: "function", name: "list_files", parameters: { type: "object" } }];
const input: ResponseItem[] = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "What is here?" }] },
];
try {
  for (let turn = 1; turn <= 5; turn++) {
    const stream = await socket.stream({ model: "gpt-5.1-codex", input, tools });
    for await (const event of stream) {
      if (event.type === "outputTextDelta") process.stdout.write(event.delta);
    }
    const { items, functionCalls } = await stream.collect();
    input.push(...items); // append what came, change nothing else: the next turn goes incrementally
    for (const call of functionCalls) {
      console.log(`calling ${call.name}(${call.arguments})`);
      input.push(functionCallOutput(call.callId, "README.md package.json src/"));
    }
    if (functionCalls.length === 0) break;
  }
  process.stdout.write("\n");
} finally {
  await socket.close();
  await mock?.close();
}
