// Resume property (README "Background streams and resume"): a recorded background stream (the
// mock's canned reply to a long input, 100+ events) dropped at a random byte offset (a reset, a body
// that ends early, or `[DONE]` too early), with its replies cut into random chunks, and sometimes
// dropped again during the resume, yields exactly the events (and the collect() result) of the
// undropped stream.
//
// Speed: as in test/faults/chunking.test.ts, the property part gives the client a `fetch` option
// that answers from the recorded bytes (POST: the stream up to the drop; GET ?starting_after=N: the
// events after N, or a few before it too), one chunk per read; a sample of drop points goes through the shipped mock server
// on 127.0.0.1 (`dropAfterEvents`).
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type ResponseEvent, type ResponsesRequest } from "../../src/index.js";
import { cannedEvents, startMockServer, type MockServer } from "../../src/testing/index.js";

const SEED = 0x7e5e7;
const RUNS = 300;
const WORDS = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ");
const REQUEST = {
  model: "gpt-resume",
  input: [{ type: "message", role: "user", content: [{ type: "input_text", text: WORDS }] }],
  background: true,
  store: true,
} as ResponsesRequest;
const EVENTS = cannedEvents(REQUEST, 1);
const frame = (e: unknown) => `event: x\ndata: ${JSON.stringify(e)}\n\n`;
const FRAMES = EVENTS.map(frame);
const BYTES = Buffer.from(FRAMES.join(""), "utf8");
const FIRST_FRAME = Buffer.byteLength(FRAMES[0]!);

/** How a reply is cut short: where, and how it ends there. */
interface Drop {
  at: number; // bytes of the reply sent
  how: "reset" | "end" | "done";
}

/** `bytes` up to the drop (a `[DONE]` after the last whole frame for "done"), cut at `cuts`. */
function chunksOf(bytes: Buffer, cuts: number[], drop?: Drop): Uint8Array[] {
  let body = drop ? bytes.subarray(0, drop.at) : bytes;
  if (drop?.how === "done") {
    const end = body.lastIndexOf("\n\n");
    const whole = end < 0 ? 0 : end + 2;
    body = Buffer.concat([body.subarray(0, whole), Buffer.from("data: [DONE]\n\n")]);
  }
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts.filter((c) => c < body.length), body.length]) {
    if (cut > from) out.push(new Uint8Array(body.subarray(from, cut)));
    from = cut;
  }
  return out;
}

/** A body handing out `chunks` one read each, then failing ("reset") or ending. */
function body(chunks: Uint8Array[], reset: boolean): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk) controller.enqueue(chunk);
      else if (reset) controller.error(new TypeError("terminated"));
      else controller.close();
    },
  });
}

/**
 * A client whose fetch serves the recording: the POST dropped at `drops[0]`, each GET at the next;
 * a GET replays `overlap` events at or before `starting_after` too (the client drops them).
 */
function recordedClient(cuts: number[], drops: Drop[], overlap = 0) {
  let reply = 0;
  const fakeFetch = async (input: string | URL | Request): Promise<Response> => {
    const after = new URL(String(input)).searchParams.get("starting_after");
    const from = after === null ? -1 : +after - overlap;
    const rest = EVENTS.filter((e) => Number(e.sequence_number) > from);
    const bytes = Buffer.from(rest.map(frame).join(""), "utf8");
    const drop = drops[reply++];
    const headers = { "content-type": "text/event-stream", "x-request-id": `req_${reply}` };
    return new Response(body(chunksOf(bytes, cuts, drop), drop?.how === "reset"), { headers });
  };
  return createClient({
    // A second drop may come before the resumed reply's first new event: the GET after it is a
    // retry at the same resume point, under the policy (2 attempts, 1 ms backoff).
    provider: { baseUrl: "http://127.0.0.1:9/v1", retry: { maxAttempts: 2, baseDelayMs: 1 } },
    auth: "sk-resume",
    fetch: fakeFetch as typeof fetch,
  });
}

/** Every event the loop sees, then collect()'s result (or the error). */
async function outcomeOf(client: ReturnType<typeof createClient>) {
  const events: ResponseEvent[] = [];
  try {
    const stream = await client.responses.stream(REQUEST);
    for await (const e of stream) events.push(e);
    return JSON.stringify({ events, collected: await stream.collect() });
  } catch (e) {
    return JSON.stringify({ events, error: String(e) });
  }
}

const dropArb = (min: number, max: number) =>
  fc.record({
    at: fc.integer({ min, max }),
    how: fc.constantFrom<Drop["how"]>("reset", "end", "done"),
  });

let mock: MockServer | undefined;
afterEach(() => mock?.close());

describe("a dropped background stream resumes into the undropped sequence", () => {
  const reference = outcomeOf(recordedClient([], []));

  it("the recording is long enough to drop anywhere", async () => {
    expect(EVENTS.length).toBeGreaterThan(100);
    expect(await reference).toContain('"type":"completed"');
  });

  it(`${RUNS} random drop points and chunkings (some dropped again while resuming)`, async () => {
    const want = await reference;
    let points = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: BYTES.length - 1 }), { maxLength: 48 }),
        dropArb(FIRST_FRAME, BYTES.length - 1),
        fc.option(dropArb(1, Math.floor(BYTES.length / 2)), { nil: undefined }),
        fc.integer({ min: 0, max: 4 }),
        async (cuts, first, second, overlap) => {
          points++;
          const sorted = [...cuts].sort((a, b) => a - b);
          const drops = second ? [first, second] : [first];
          const got = await outcomeOf(recordedClient(sorted, drops, overlap));
          if (got !== want) expect(got).toBe(want);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    expect(points).toBeGreaterThanOrEqual(200);
  });

  it("through the mock server: a drop after each of 12 event counts", async () => {
    const want = await reference;
    const counts = Array.from({ length: 12 }, (_, i) => 1 + Math.floor((i * EVENTS.length) / 12));
    mock = await startMockServer({
      rateLimitHeaders: false,
      responses: counts.map((n) => ({ events: EVENTS, dropAfterEvents: n })),
    });
    const client = createClient({ provider: { baseUrl: `${mock.url}/v1` }, auth: "sk-resume" });
    for (const n of counts) {
      const got = (await outcomeOf(client)).replaceAll(/req_\d+/g, "");
      expect(got, `dropped after ${n} events`).toBe(want.replaceAll(/req_\d+/g, ""));
    }
  });
});
