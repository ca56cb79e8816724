// Property tests of SSE framing through the public client: however the bytes of a stream are cut
// (down to 1 byte, inside UTF-8 characters and CRLF pairs), whatever line endings, comments, `id:`
// and `retry:` fields it has, the events equal those from the same bytes in one chunk.
// Exact chunk boundaries are given through the client's public `fetch` option (a socket would
// merge writes); the last property replays through a real server on 127.0.0.1.
import { createParser } from "eventsource-parser";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type ResponseEvent } from "../../src/index.js";
import { startServer, type TestServer } from "../helpers/server.js";

const encoder = new TextEncoder();

/** A Response whose body arrives in exactly these chunks. */
function chunkedFetch(chunks: Uint8Array[]): typeof fetch {
  return async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
          controller.close();
        },
      }),
      { status: 200, headers: { "content-type": "text/event-stream" } },
    );
}

async function eventsOf(
  fetchImpl: typeof fetch | undefined,
  baseUrl = "http://127.0.0.1:9/v1",
): Promise<{ events: ResponseEvent[]; error?: string }> {
  const client = createClient({
    provider: { baseUrl, retry: { maxAttempts: 1 } },
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const events: ResponseEvent[] = [];
  try {
    for await (const e of await client.responses.stream({ model: "m", input: [] })) events.push(e);
    return { events };
  } catch (error) {
    return { events, error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...at, bytes.length]) {
    if (p > start) chunks.push(bytes.subarray(start, p));
    start = Math.max(start, p);
  }
  return chunks;
}

const text = fc.string({ unit: "grapheme", maxLength: 12 });
const payload = fc.oneof(
  text.map((delta) => ({ type: "response.output_text.delta", delta })),
  fc.tuple(text, fc.nat(3)).map(([delta, i]) => ({
    type: "response.reasoning_summary_text.delta",
    delta,
    summary_index: i,
  })),
  fc.nat(3).map((i) => ({ type: "response.reasoning_summary_part.added", summary_index: i })),
  text.map((t) => ({
    type: "response.output_item.done",
    item: { type: "message", role: "assistant", content: [{ type: "output_text", text: t }] },
  })),
  fc.constant({ type: "response.in_progress" }),
);
const ending = fc.constantFrom("\n", "\r", "\r\n");
/** One SSE message, with optional comment, `id:` and `retry:` lines, each with its own ending. */
const frame = (p: Record<string, unknown>) =>
  fc
    .record({
      comment: fc.option(fc.constantFrom(": keep-alive", ":", ": ✓ ünïcode")),
      id: fc.option(fc.nat(999)),
      retry: fc.option(fc.nat(5000)),
      endings: fc.array(ending, { minLength: 6, maxLength: 6 }),
      spaceAfterColon: fc.boolean(),
    })
    .map(({ comment, id, retry, endings, spaceAfterColon }) => {
      const sp = spaceAfterColon ? " " : "";
      const lines = [
        comment,
        id === null ? null : `id:${sp}${id}`,
        `event:${sp}${String(p["type"])}`,
        retry === null ? null : `retry:${sp}${retry}`,
        `data:${sp}${JSON.stringify(p)}`,
      ].filter((l): l is string => l !== null);
      const last = endings[lines.length - 1]!;
      // A lone CR then an LF would read as one CRLF, not as a line end and a blank line.
      const blank = last === "\r" && endings[5] === "\n" ? "\r" : endings[5]!;
      return lines.map((l, i) => l + endings[i]!).join("") + blank;
    });

const completed = {
  type: "response.completed",
  response: { id: "resp_p", usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } },
};

const stream = fc
  .array(payload, { maxLength: 12 })
  .chain((payloads) =>
    fc.tuple(
      fc.boolean(),
      ...[{ type: "response.created", response: {} }, ...payloads, completed].map(frame),
    ),
  )
  .map(([bom, ...frames]) => encoder.encode((bom ? "\uFEFF" : "") + frames.join("")));

describe("SSE framing properties", () => {
  it("any chunking gives the events of one chunk", async () => {
    await fc.assert(
      fc.asyncProperty(stream, fc.array(fc.nat(), { maxLength: 40 }), async (bytes, points) => {
        const whole = await eventsOf(chunkedFetch([bytes]));
        expect(whole.error).toBeUndefined();
        expect(whole.events.at(-1)).toEqual({
          type: "completed",
          responseId: "resp_p",
          tokenUsage: expect.objectContaining({ totalTokens: 3 }),
        });
        expect(await eventsOf(chunkedFetch(cut(bytes, points)))).toEqual(whole);
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });

  it("one byte per chunk gives the events of one chunk", async () => {
    await fc.assert(
      fc.asyncProperty(stream, async (bytes) => {
        const ones = [...bytes].map((b) => Uint8Array.of(b));
        expect(await eventsOf(chunkedFetch(ones))).toEqual(await eventsOf(chunkedFetch([bytes])));
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it("a stream cut short ends in the same StreamError however it is chunked", async () => {
    await fc.assert(
      fc.asyncProperty(
        stream,
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (bytes, n, points) => {
          const short = bytes.subarray(0, n % bytes.length);
          const whole = await eventsOf(chunkedFetch([short]));
          expect(whole.error).toMatch(/^StreamError: stream closed before response.completed/);
          expect(await eventsOf(chunkedFetch(cut(short, points)))).toEqual(whole);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });

  it("reads the messages a reference parser reads (eventsource-parser, LF and CRLF bodies)", async () => {
    // eventsource-parser holds back a lone CR until the next byte: the reference is taken on bodies
    // without one, where both must agree message by message.
    const noLoneCr = stream.filter((bytes) => !/\r(?!\n)/.test(new TextDecoder().decode(bytes)));
    await fc.assert(
      fc.asyncProperty(noLoneCr, fc.array(fc.nat(), { maxLength: 20 }), async (bytes, points) => {
        const reference: string[] = [];
        const parser = createParser({
          onEvent: (m) => reference.push((JSON.parse(m.data) as { type: string }).type),
        });
        parser.feed(new TextDecoder().decode(bytes));
        const seen: string[] = [];
        const client = createClient({
          provider: { baseUrl: "http://127.0.0.1:9/v1", retry: { maxAttempts: 1 } },
          fetch: chunkedFetch(cut(bytes, points)),
          telemetry: { onSseEvent: ({ type }) => void seen.push(type) },
        });
        await (await client.responses.stream({ model: "m", input: [] })).collect();
        expect(seen).toEqual(reference);
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  describe("through a real server", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer();
    });
    afterAll(() => server.close());

    it("writes in random pieces give the events of one chunk", async () => {
      await fc.assert(
        fc.asyncProperty(stream, fc.array(fc.nat(), { maxLength: 12 }), async (bytes, points) => {
          const chunks = cut(bytes, points).map((c) => Buffer.from(c));
          server.setReplies({
            headers: { "content-type": "text/event-stream" },
            chunks: chunks.flatMap((c) => [c, { delayMs: 1 }]),
          });
          const overNetwork = await eventsOf(undefined, `${server.url}/v1`);
          expect(overNetwork).toEqual(await eventsOf(chunkedFetch([bytes])));
        }),
        { numRuns: 25, seed: 3 },
      );
    });
  });
});
