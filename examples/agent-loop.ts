// An agent loop over HTTP: the model calls a tool, the loop runs it and sends the output back, until
// the model answers with text. Argument and text deltas are printed as they arrive.
// Run: npx tsx examples/agent-loop.ts (the embedded mock server; with OPENAI_API_KEY, the service)
import { createClient, functionCallOutput, providers, type ResponseItem } from "codex-api";
import { startMockServer } from "codex-api/testing";

const key = process.env["OPENAI_API_KEY"];
const mock = key ? undefined : await startMockServer(); // it calls the tool, then answers its output
const client = createClient({
  provider: mock ? { baseUrl: `${mock.url}/v1` } : providers.openai(),
  ...(key ? { auth: key } : {}),
});

const tools = [
  {
    type: "function",
    name: "get_weather",
    description: "The current weather in a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
];
function runTool(name: string, args: string): string {
  const { city } = JSON.parse(args) as { city: string };
  return name === "get_weather" ? `Sunny, 21 °C in ${city}` : `no tool named ${name}`;
}

const input: ResponseItem[] = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] },
];
for (let turn = 1; turn <= 5; turn++) {
  const stream = await client.responses.stream({ model: "gpt-5.1-codex", input, tools });
  for await (const event of stream) {
    if (event.type === "functionCallArgumentsDelta") process.stdout.write(event.delta);
    if (event.type === "outputTextDelta") process.stdout.write(event.delta);
  }
  const { items, functionCalls } = await stream.collect(); // what the loop above saw, as items
  process.stdout.write("\n");
  input.push(...items);
  if (functionCalls.length === 0) break;
  for (const call of functionCalls) {
    input.push(functionCallOutput(call.callId, runTool(call.name, call.arguments)));
  }
}
await mock?.close();
