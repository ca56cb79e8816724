// Background streams: a `background: true` stream that drops resumes by itself, and an app that stops
// mid-stream keeps `responseId` and `lastSequenceNumber` and continues later with `resume`.
// Run: npx tsx examples/background-resume.ts (the embedded mock; with OPENAI_API_KEY, the service)
import { createClient, providers } from "codex-api";
import { startMockServer } from "codex-api/testing";

const key = process.env["OPENAI_API_KEY"];
// The mock drops the first reply's connection after 5 events.
const mock = key ? undefined : await startMockServer({ responses: { dropAfterEvents: 5 } });
const client = createClient({
  provider: mock ? { baseUrl: `${mock.url}/v1` } : providers.openai(),
  ...(key ? { auth: key } : {}),
  telemetry: {
    onResume: (r) => console.log(`dropped (${r.reason}), resumed after ${r.startingAfter}`),
  },
});

// 1. Read two text deltas, then stop, keeping where we were (in a file or a database).
const request = { model: "gpt-5.1-codex", input: "Count to three", background: true, store: true };
const stream = await client.responses.stream(request);
let text = "";
for await (const event of stream) {
  if (event.type !== "outputTextDelta") continue;
  text += event.delta;
  if (text !== event.delta) break;
}
const saved = { id: stream.responseId!, after: stream.lastSequenceNumber! };
console.log(`read ${JSON.stringify(text)}, saved ${saved.id} at ${saved.after}`);

// 2. Later, maybe in another process: the rest, from the event after the saved one.
const rest = await client.responses.resume(saved.id, { startingAfter: saved.after });
let more = "";
for await (const event of rest) if (event.type === "outputTextDelta") more += event.delta;
console.log(`the rest: ${JSON.stringify(more)}`);
await mock?.close();
