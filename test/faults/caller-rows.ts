// The fault matrix's rows of a careless caller (the kit they use is kit.ts).
import { AbortError, type ResponseEvent } from "../../src/index.js";

import {
  callOnce,
  type EndpointName,
  FAULT_ID,
  type FaultCase,
  isStream,
  jsonStall,
  mock,
  plain,
  rawHttp,
  rowsOf,
  SHORT,
  STREAM_REQUEST,
  userMessage,
} from "./kit.js";

/** The rows of a careless caller: aborts, bad arguments, throwing hooks, many calls at once. */
export const CALLER_CASES: FaultCase[] = [];
const { add, all } = rowsOf(CALLER_CASES);

// Caller behaviour --------------------------------------------------------------------------------

all((e) => ({
  fault: "abort before the request",
  setup: plain(e),
  run: ({ client }) => callOnce(e, client, AbortSignal.abort()),
  expect: { error: AbortError, retryable: false },
  check: (ctx) =>
    ctx.served.requestCount() === 0 ? [] : [`${ctx.served.requestCount()} requests were sent`],
}));

all((e) => ({
  fault: "abort during backoff",
  setup: () => mock(e, { status: 503 }),
  retry: { baseDelayMs: 2_000, maxDelayMs: 5_000 },
  run: async (ctx) => {
    const controller = new AbortController();
    ctx.capture.afterRetry = () => setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    try {
      return await callOnce(e, ctx.client, controller.signal);
    } finally {
      const took = Date.now() - started;
      if (took > 1_000) throw new Error(`abort during a 2 s backoff took ${took} ms`);
    }
  },
  expect: { error: AbortError, retryable: false },
  check: (ctx) =>
    ctx.served.requestCount() === 1 ? [] : [`${ctx.served.requestCount()} requests, want 1`],
}));

all((e) =>
  isStream(e)
    ? {
        fault: "abort mid-stream",
        setup: () => mock(e, { events: SHORT, stallAfterEvents: 3 }),
        run: async ({ client }) => {
          const stream = await client.responses.stream(STREAM_REQUEST);
          let n = 0;
          for await (const _ of stream) if (++n === 2) stream.abort();
          return n;
        },
        expect: { error: AbortError, retryable: false },
      }
    : {
        fault: "abort mid-stream",
        setup: jsonStall(false),
        run: ({ client }) => {
          const controller = new AbortController();
          setTimeout(() => controller.abort(), 50);
          return callOnce(e, client, controller.signal);
        },
        expect: { error: AbortError, retryable: false },
      },
);

add({
  fault: "break out of the loop",
  endpoint: "responses",
  setup: () => mock("responses", { events: SHORT, stallAfterEvents: 3, keepAliveMs: 20 }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    const seen: ResponseEvent[] = [];
    for await (const ev of stream) {
      seen.push(ev);
      if (seen.length === 2) break;
    }
    return seen;
  },
  expect: { ok: true },
  expectedValue: [{ type: "created" }, { type: "outputTextDelta", delta: "one " }],
});

all((e) => ({
  fault: "two streams consumed concurrently",
  setup: () => mock(e, { dripMs: 2 }),
  run: async ({ client }) => {
    // One response cannot be deleted twice: the second delete is of another stored response.
    if (e === "delete") {
      const second = client.responses.delete(`${FAULT_ID}_2`);
      return Promise.all([callOnce(e, client), second]);
    }
    if (e !== "responses") return Promise.all([callOnce(e, client), callOnce(e, client)]);
    const [a, b] = await Promise.all([
      client.responses.stream(STREAM_REQUEST),
      client.responses.stream(STREAM_REQUEST),
    ]);
    const ia = a[Symbol.asyncIterator]();
    const ib = b[Symbol.asyncIterator]();
    const ea: ResponseEvent[] = [];
    const eb: ResponseEvent[] = [];
    let da = false;
    let db = false;
    while (!da || !db) {
      // Strictly interleaved: one event of each in turn.
      if (!da) {
        const r = await ia.next();
        if (r.done) da = true;
        else ea.push(r.value);
      }
      if (!db) {
        const r = await ib.next();
        if (r.done) db = true;
        else eb.push(r.value);
      }
    }
    return [ea, eb];
  },
  expect: { ok: true },
  baseline: plain(e),
}));

const MANY = 200;
/** What the slow JSON server answers, per endpoint (models: an untyped key and an ETag kept). */
const SLOW_ETAG = '"slow-1"';
const SLOW_RESPONSE = { id: FAULT_ID, object: "response", status: "completed", output: [] };
const SLOW_JSON = {
  compact: { output: [userMessage, { type: "compaction", encrypted_content: "c" }] },
  memories: { output: [{ trace_summary: "t", memory_summary: "m" }] },
  models: { models: [{ slug: "m", future_key: 1 }] },
  retrieve: SLOW_RESPONSE,
  cancel: SLOW_RESPONSE,
  delete: { id: FAULT_ID, object: "response", deleted: true },
  inputItems: {
    object: "list",
    data: [userMessage],
    has_more: false,
    first_id: null,
    last_id: null,
  },
  inputTokens: { object: "response.input_tokens", input_tokens: 7 },
};
/** What one call against the slow JSON server observes, per endpoint. */
const SLOW_VALUE: Record<keyof typeof SLOW_JSON, unknown> = {
  ...SLOW_JSON,
  compact: SLOW_JSON.compact.output,
  memories: [{ traceSummary: "t", memorySummary: "m" }],
  models: { models: [{ slug: "m", future_key: 1 }], etag: SLOW_ETAG },
  inputItems: [userMessage],
  inputTokens: { inputTokens: 7 },
};
all((e) => ({
  fault: "200 concurrent requests against a slow server",
  // 200 connections set up by client and servers sharing one event loop take as long as the
  // machine's load makes them: the case is about concurrency, not time, so its timeouts are off
  // and the deadline is only a bound for a hang.
  deadlineMs: 30_000,
  requestTimeoutMs: Infinity,
  streamIdleTimeoutMs: Infinity,
  setup: isStream(e)
    ? () => mock(e, { dripMs: 5 })
    : () =>
        rawHttp((_req, res) => {
          // A slow JSON server: 100 ms before each reply.
          const timer = setTimeout(() => {
            res.writeHead(200, { "content-type": "application/json", etag: SLOW_ETAG });
            res.end(
              JSON.stringify(
                SLOW_JSON[e as Exclude<EndpointName, "responses" | "websocket" | "resume">],
              ),
            );
          }, 100);
          res.on("close", () => clearTimeout(timer));
        }),
  run: async ({ client }) => {
    const results = await Promise.all(Array.from({ length: MANY }, () => callOnce(e, client)));
    const first = JSON.stringify(results[0]);
    const same = results.every((r) => JSON.stringify(r) === first);
    return { count: results.length, same, first: JSON.parse(first) as unknown };
  },
  expect: { ok: true },
  expectedValue: {
    count: MANY,
    same: true,
    first: e === "responses" ? "(baseline)" : SLOW_VALUE[e as keyof typeof SLOW_JSON],
  },
  check: (ctx) =>
    ctx.served.requestCount() === MANY
      ? []
      : [`${ctx.served.requestCount()} requests, want ${MANY}`],
}));

// The 200-stream case is compared to one unfaulted canned stream.
for (const c of CALLER_CASES) {
  if (c.fault.startsWith("200 concurrent") && c.endpoint === "responses") {
    c.expectedValue = undefined;
    c.baseline = plain("responses");
  }
}
