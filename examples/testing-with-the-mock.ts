// Testing your own agent loop with the mock server (`codex-api/testing`): a scripted first reply
// (a failure the client retries), a reply that depends on the request, and the requests it recorded.
// Run: npx tsx examples/testing-with-the-mock.ts (in a test runner, the asserts are your `expect`s)
import assert from "node:assert/strict";
import { createClient, functionCallOutput, type ResponseItem } from "codex-api";
import { startMockServer } from "codex-api/testing";

const mock = await startMockServer(
  {
    responses: [
      { status: 503, headers: { "retry-after-ms": "10" } }, // retried by the client
      {}, // the canned reply: a call to the first tool
      (request) => {
        // A function of the request: answer the tool's output in our own words.
        const input = (request.body as { input: ResponseItem[] }).input;
        const output = input.find((item) => item.type === "function_call_output");
        return output ? {} : { status: 400, body: { error: { message: "no tool output" } } };
      },
    ],
  },
  { models: ["gpt-5.1-codex"] }, // any other model gets the service's 400 model_not_found
);
const client = createClient({ provider: { baseUrl: `${mock.url}/v1` } });

const tools = [{ type: "function", name: "get_time", parameters: { type: "object" } }];
const input: ResponseItem[] = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "What time is it?" }] },
];
const first = await (
  await client.responses.stream({ model: "gpt-5.1-codex", input, tools })
).collect();
const [call] = first.functionCalls;
assert.equal(call?.name, "get_time");

input.push(...first.items, functionCallOutput(call.callId, "12:00"));
const second = await (
  await client.responses.stream({ model: "gpt-5.1-codex", input, tools })
).collect();
assert.equal(second.text, "Tool output: 12:00");
assert.deepEqual(second.functionCalls, []);

assert.equal(mock.requests.length, 3); // the 503, then the two turns
assert.equal(mock.requests[2]?.headers["content-type"], "application/json");
console.log(`ok: ${mock.requests.length} requests, answer "${second.text}"`);
await mock.close();
