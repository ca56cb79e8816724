// Chunking property (issue #6): every recorded stream of test/corpus/responses-streams, cut into
// random chunks at arbitrary byte offsets (inside frames, inside "\n\n", inside multi-byte UTF-8
// characters), must yield exactly the events (and the same final error, for the streams that end
// in one) as the stream in one piece.
//
// Speed: 10 000+ chunkings through a real socket each would not fit in ~20 s on 2 cores, so the
// property part feeds the client a `fetch` option whose Response body is a ReadableStream that
// hands out the chunks one read at a time. The reference outcome of each stream, and a smaller
// sample of random chunkings, go through a real HTTP server on 127.0.0.1 that writes the SSE bytes
// chunk by chunk (Nagle off, a setImmediate between writes), so the socket path is covered too.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type ResponseEvent } from "../../src/index.js";
import { corpusStreams } from "../helpers/corpus.js";
import { corpusFrames, startServer, type TestServer } from "../helpers/server.js";
import { STREAM_REQUEST } from "./kit.js";

const SEED = 0x6c0de;
const MIN_TOTAL_RUNS = 10_000;
const REAL_SOCKET_RUNS = 6; // per stream

const streams = corpusStreams().map((s) => ({
  name: s.name,
  bytes: Buffer.from(corpusFrames(s.name).join(""), "utf8"),
}));

/** Fewer chunkings for the big recordings; at least MIN_TOTAL_RUNS in all (checked below). */
function runsFor(length: number): number {
  if (length > 100_000) return 60;
  if (length > 20_000) return 250;
  return 620;
}

/** Random cut points (at most 64 chunks). */
function randomCuts(length: number): fc.Arbitrary<number[]> {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 64 })
    .map((cuts) => cuts.sort((a, b) => a - b));
}

/** Chunk boundaries: random cut points, or a small fixed chunk size (at most ~800 chunks). */
function chunking(length: number): fc.Arbitrary<number[]> {
  const minSize = Math.max(1, Math.floor(length / 800));
  const fixed = fc.integer({ min: minSize, max: minSize + 15 }).map((size) => {
    const cuts: number[] = [];
    for (let at = size; at < length; at += size) cuts.push(at);
    return cuts;
  });
  return fc.oneof(randomCuts(length), fixed);
}

function split(bytes: Buffer, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) out.push(new Uint8Array(bytes.subarray(from, cut)));
    from = cut;
  }
  return out;
}

interface Outcome {
  events: ResponseEvent[];
  error?: string;
}

async function outcomeOf(client: ReturnType<typeof createClient>): Promise<Outcome> {
  const events: ResponseEvent[] = [];
  try {
    const stream = await client.responses.stream(STREAM_REQUEST);
    for await (const e of stream) events.push(e);
    return { events };
  } catch (e) {
    return {
      events,
      error: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e),
    };
  }
}

const clientOptions = {
  retry: { maxAttempts: 1 },
  requestTimeoutMs: 5_000,
  streamIdleTimeoutMs: 5_000,
};

/** A client whose fetch answers with the chunks, one read each (the property part). */
function chunkClient(chunks: Uint8Array[]) {
  const fakeFetch = async (): Promise<Response> => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[i++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    return new Response(body, {
      status: 200,
      headers: { "content-type": "text/event-stream", "x-request-id": "req_chunk" },
    });
  };
  return createClient({
    provider: { baseUrl: "http://127.0.0.1:9/v1", ...clientOptions },
    auth: "sk-chunk",
    fetch: fakeFetch as typeof fetch,
  });
}

// The real server (the test kit's): writes a chunking chunk by chunk, one per turn of the event loop.
let server: TestServer;
let baseUrl = "";

/** A client whose next request gets these chunks from the real server. */
function realClient(chunks: Uint8Array[]) {
  server.setReplies({ headers: { "x-request-id": "req_chunk" }, chunks });
  return createClient({ provider: { baseUrl, ...clientOptions }, auth: "sk-chunk" });
}

beforeAll(async () => {
  server = await startServer();
  baseUrl = `${server.url}/v1`;
});

afterAll(() => server.close());

let total = 0;

describe("chunking property over the recorded streams", () => {
  streams.forEach((s, index) => {
    it(`${s.name}: ${runsFor(s.bytes.length)} random chunkings yield identical events`, async () => {
      // Reference: the whole stream in one piece, through the real server and through fetch.
      const reference = await outcomeOf(realClient([new Uint8Array(s.bytes)]));
      const referenceText = JSON.stringify(reference);
      expect(JSON.stringify(await outcomeOf(chunkClient([new Uint8Array(s.bytes)])))).toBe(
        referenceText,
      );

      // A few random chunkings over the real socket.
      await fc.assert(
        fc.asyncProperty(randomCuts(s.bytes.length), async (cuts) => {
          expect(JSON.stringify(await outcomeOf(realClient(split(s.bytes, cuts))))).toBe(
            referenceText,
          );
        }),
        { seed: SEED ^ (index * 7919), numRuns: REAL_SOCKET_RUNS },
      );

      // The property: many random chunkings through the chunk-feeding fetch.
      await fc.assert(
        fc.asyncProperty(chunking(s.bytes.length), async (cuts) => {
          total++;
          const got = JSON.stringify(await outcomeOf(chunkClient(split(s.bytes, cuts))));
          if (got !== referenceText) expect(got).toBe(referenceText);
        }),
        { seed: SEED + index, numRuns: runsFor(s.bytes.length) },
      );
    });
  });

  it(`ran at least ${MIN_TOTAL_RUNS} chunkings in total`, () => {
    expect(total).toBeGreaterThanOrEqual(MIN_TOTAL_RUNS);
  });
});
