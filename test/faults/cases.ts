// The fault matrix's rows of hostile servers: connection and transport faults, HTTP statuses, bodies
// and events (the kit they use is kit.ts; a careless caller's rows are in caller-rows.ts).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  AuthError,
  ContextWindowExceededError,
  IncompleteResponseError,
  InvalidRequestError,
  InvalidResponseError,
  QuotaExceededError,
  RateLimitError,
  RequestTimeoutError,
  RetryableStreamError,
  ServerError,
  ServerOverloadedError,
  StreamError,
  StreamIdleTimeoutError,
  TransportError,
  UsageNotIncludedError,
  type ResponseEvent,
} from "../../src/index.js";
import { sseFrame } from "../helpers/server.js";
import { sleep } from "../helpers/calls.js";
import {
  callOnce,
  completed,
  created,
  delta,
  failed,
  type FaultCase,
  isStream,
  jsonStall,
  mock,
  plain,
  rawHttp,
  rawNet,
  refused,
  resetSocket,
  RESP,
  rowsOf,
  type RunContext,
  SHORT,
  sseHead,
  STREAM_REQUEST,
  streamEvents,
  type ErrorClass,
} from "./kit.js";

export const CASES: FaultCase[] = [];
const { add, all } = rowsOf(CASES);

// Connection and transport faults ----------------------------------------------------------------

all((e) => ({
  fault: "connection refused",
  setup: refused,
  run: ({ client }) => callOnce(e, client),
  expect: { error: TransportError, retryable: true, attempts: 3 },
}));

all((e) => ({
  fault: "reset before headers",
  setup: () => rawNet(resetSocket),
  run: ({ client }) => callOnce(e, client),
  expect: { error: TransportError, retryable: true, attempts: 3 },
}));

all((e) =>
  isStream(e)
    ? {
        fault: "reset mid-body",
        setup: () =>
          mock(e, {
            events: SHORT,
            resetAfterBytes: sseFrame(created).length + sseFrame(delta("one ")).length + 7,
          }),
        run: ({ client }) => callOnce(e, client),
        // The stream delivered events: it is not retried; closed early is a retryable StreamError.
        expect: { error: StreamError, retryable: true, status: 200, requestId: "last" },
      }
    : {
        fault: "reset mid-body",
        setup: () => mock(e, { resetAfterBytes: 10 }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: TransportError, retryable: true, attempts: 3 },
      },
);

add({
  fault: "server closes without a terminal event",
  endpoint: "responses",
  setup: () => mock("responses", { events: SHORT, omitTerminal: true }),
  run: ({ client }) => callOnce("responses", client),
  expect: { error: StreamError, retryable: true, status: 200, requestId: "last" },
});

add({
  fault: "half-written SSE frame at EOF",
  endpoint: "responses",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, sseHead);
      res.write(sseFrame(created) + sseFrame(delta("one ")));
      res.end('event: response.completed\ndata: {"type":"response.comp');
    }),
  run: ({ client }) => callOnce("responses", client),
  expect: { error: StreamError, status: 200, requestId: "last" },
});

all((e) => ({
  fault: "stall before headers",
  setup: () => mock(e, { stallBeforeHeaders: true }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
}));

all((e) =>
  isStream(e)
    ? {
        fault: "stall mid-stream",
        setup: () => mock(e, { events: SHORT, stallAfterEvents: 2 }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: StreamIdleTimeoutError, retryable: true, requestId: "last" },
      }
    : {
        fault: "stall mid-stream",
        setup: jsonStall(false),
        run: ({ client }) => callOnce(e, client),
        expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
      },
);

all((e) =>
  isStream(e)
    ? {
        fault: "stall mid-stream with keep-alive comments",
        setup: () => mock(e, { events: SHORT, stallAfterEvents: 2, keepAliveMs: 50 }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: StreamIdleTimeoutError, retryable: true, requestId: "last" },
      }
    : {
        fault: "stall mid-stream with keep-alive comments",
        setup: jsonStall(true),
        run: ({ client }) => callOnce(e, client),
        expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
      },
);

// HTTP statuses ---------------------------------------------------------------------------------

export const delaysEqual = (want: (d: number) => boolean, what: string, count: number) =>
  ((ctx: RunContext) => {
    const d = ctx.capture.retries.map((r) => r.delayMs);
    if (d.length !== count) return [`expected ${count} retries, saw ${d.length} (${d.join(", ")})`];
    return d.every(want) ? [] : [`retry delays ${d.join(", ")} ms: expected ${what}`];
  }) satisfies FaultCase["check"];

all((e) => ({
  fault: "429 storm with retry-after-ms",
  setup: () =>
    mock(e, [
      { status: 429, headers: { "retry-after-ms": "40" } },
      { status: 429, headers: { "retry-after-ms": "40" } },
      {},
    ]),
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
  check: delaysEqual((d) => d === 40, "exactly 40 (server delay, no jitter)", 2),
}));

all((e) => ({
  fault: "429 with retry-after in seconds",
  setup: () => mock(e, [{ status: 429, headers: { "retry-after": "1" } }, {}]),
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
  retry: { maxDelayMs: 2_000 },
  check: delaysEqual((d) => d === 1000, "exactly 1000", 1),
}));

all((e) => ({
  fault: "429 with retry-after as an HTTP date",
  setup: () =>
    mock(e, [
      { status: 429, headers: { "retry-after": new Date(Date.now() + 2_000).toUTCString() } },
      {},
    ]),
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
  retry: { maxDelayMs: 3_000 },
  deadlineMs: 4_000,
  check: delaysEqual((d) => d > 500 && d <= 2_000, "the time until the date (0.5–2 s)", 1),
}));

all((e) => ({
  fault: "429 storm with retry-after above the cap",
  setup: () => mock(e, { status: 429, headers: { "retry-after-ms": "60000" } }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: RateLimitError, status: 429, retryable: true, attempts: 3, requestId: "last" },
  retry: { maxDelayMs: 100 },
  check: delaysEqual((d) => d < 100, "the computed backoff (< cap 100)", 2),
}));

for (const status of [500, 502, 503]) {
  all((e) => ({
    fault: `${status} ×2 then success`,
    setup: () => mock(e, [{ status }, { status }, {}]),
    run: ({ client }) => callOnce(e, client),
    expect: { ok: true },
    baseline: plain(e),
  }));
}

all((e) => ({
  fault: "503 until retries are exhausted",
  setup: () => mock(e, { status: 503 }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: ServerError, status: 503, retryable: true, attempts: 3, requestId: "last" },
}));

all((e) => ({
  fault: "401 then a refreshed token",
  setup: () => mock(e, [{ status: 401 }, {}]),
  auth: "refresh",
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
  check: (ctx) =>
    ctx.refreshes() === 1 && ctx.served.requestCount() === 2
      ? []
      : [
          `expected 1 refresh and 2 requests, saw ${ctx.refreshes()} and ${ctx.served.requestCount()}`,
        ],
}));

all((e) => ({
  fault: "401 twice",
  setup: () => mock(e, [{ status: 401 }, { status: 401 }, {}]),
  auth: "refresh",
  run: ({ client }) => callOnce(e, client),
  expect: { error: AuthError, status: 401, retryable: false, attempts: 1, requestId: "last" },
  check: (ctx) =>
    ctx.served.requestCount() === 2
      ? []
      : [`expected 2 requests, saw ${ctx.served.requestCount()}`],
}));

all((e) => ({
  fault: "403",
  setup: () => mock(e, { status: 403 }),
  auth: "refresh",
  run: ({ client }) => callOnce(e, client),
  expect: { error: AuthError, status: 403, retryable: false, attempts: 1, requestId: "last" },
  check: (ctx) =>
    ctx.refreshes() === 0 && ctx.served.requestCount() === 1
      ? []
      : [
          `403 must not refresh nor retry: ${ctx.refreshes()} refreshes, ${ctx.served.requestCount()} requests`,
        ],
}));

// Bodies ----------------------------------------------------------------------------------------

all((e) =>
  isStream(e)
    ? {
        fault: "malformed JSON",
        setup: () => mock(e, { events: SHORT, malformedAt: 2 }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: StreamError, retryable: false, status: 200, requestId: "last" },
      }
    : {
        fault: "malformed JSON",
        setup: () => mock(e, { body: '{"output": [ {not json' }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: InvalidResponseError, retryable: false, status: 200, requestId: "last" },
      },
);

all((e) =>
  isStream(e)
    ? {
        fault: "function_call_arguments.delta without item_id",
        setup: () =>
          mock(e, {
            events: [
              { type: "response.created", response: { id: "r" } },
              { type: "response.function_call_arguments.delta", output_index: 0, delta: "{" },
              { type: "response.completed", response: { id: "r" } },
            ],
          }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: StreamError, retryable: false, status: 200, requestId: "last" },
        check: (_ctx, outcome) =>
          String((outcome.error as Error)?.message).includes("item_id") ? [] : ["no field named"],
      }
    : undefined,
);

all((e) => ({
  fault: "text/html gateway page on 200",
  setup: () => mock(e, { status: 200, html: true }),
  run: ({ client }) => callOnce(e, client),
  // Not SSE on a stream, not JSON on a JSON call: neither is sent again.
  expect: {
    error: InvalidResponseError,
    retryable: false,
    status: 200,
    attempts: 1,
    requestId: "last",
  },
}));

all((e) => ({
  fault: "text/html gateway page on 502",
  setup: () => mock(e, { status: 502, html: true }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: ServerError, status: 502, retryable: true, attempts: 3, requestId: "last" },
}));

all((e) =>
  isStream(e)
    ? undefined
    : {
        fault: "empty body on a JSON endpoint",
        setup: () => mock(e, { body: "" }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: InvalidResponseError, retryable: false, status: 200, requestId: "last" },
      },
);

const BIG = [created, delta("x".repeat(10 * 1024 * 1024)), completed];
add({
  fault: "10 MB single SSE event",
  endpoint: "responses",
  // No event arrives while the 10 MB one is in transit, which takes as long as the machine's load
  // makes it: the idle timeout (rightly) reports any such gap, so it is off here; the deadline is
  // only a bound for a hang. The case is about delivery, not time.
  streamIdleTimeoutMs: Infinity,
  requestTimeoutMs: Infinity,
  deadlineMs: 30_000,
  setup: () => mock("responses", { events: BIG }),
  run: async ({ client }) => {
    const events = await streamEvents(client);
    // Compared by shape and size, not by keeping a second 10 MB copy in the report.
    return events.map((ev) =>
      ev.type === "outputTextDelta" ? { type: ev.type, length: ev.delta.length } : ev,
    );
  },
  expect: { ok: true },
  baseline: () => mock("responses", { events: BIG }),
});

const FIFTY_MB = 50 * 1024 * 1024;
let fiftyMbPeak = 0;
/** A full GC (V8's gc exposed at runtime), so the memory check sees live memory, not garbage. */
const gc: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();
const CHUNK = 64 * 1024;
add({
  fault: "50 MB stream (memory stays flat)",
  endpoint: "responses",
  deadlineMs: 10_000,
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, sseHead);
      const piece = sseFrame(delta("y".repeat(CHUNK)));
      let sent = 0;
      res.write(sseFrame(created));
      const pump = (): void => {
        while (sent < FIFTY_MB) {
          sent += CHUNK;
          if (!res.write(piece)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end(sseFrame(completed));
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    gc();
    const base = process.memoryUsage();
    let deltas = 0;
    let bytes = 0;
    const types: string[] = [];
    for await (const ev of stream) {
      if (ev.type === "outputTextDelta") {
        deltas++;
        bytes += ev.delta.length;
        if (deltas % 80 === 0) {
          // A consumer slower than the socket: a client that reads ahead without backpressure
          // would now hold the rest of the stream.
          await sleep(5);
          gc();
          const m = process.memoryUsage();
          const grown = m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers;
          fiftyMbPeak = Math.max(fiftyMbPeak, grown);
        }
      } else types.push(ev.type);
    }
    return { deltas, bytes, types };
  },
  expect: { ok: true },
  expectedValue: { deltas: FIFTY_MB / CHUNK, bytes: FIFTY_MB, types: ["created", "completed"] },
  check: () =>
    fiftyMbPeak < 16 * 1024 * 1024
      ? []
      : [
          `memory not flat: live heap grew ${(fiftyMbPeak / 2 ** 20).toFixed(1)} MB during a 50 MB stream`,
        ],
});

export const UNKNOWN_EVENT = { type: "response.future_thing", payload: { a: 1 } };
add({
  fault: "unknown event type",
  endpoint: "responses",
  setup: () => mock("responses", { events: [created, UNKNOWN_EVENT, ...SHORT.slice(1)] }),
  run: ({ client }) => callOnce("responses", client),
  expect: { ok: true },
  // Dropped: the events equal those of the same stream without it.
  baseline: () => mock("responses", { events: SHORT }),
});

const ODD_ITEM = { type: "hologram_call", id: "hc_1", status: "completed", beam: { power: 9 } };
const UNKNOWN_ITEM = [
  created,
  { type: "response.output_item.added", output_index: 0, item: ODD_ITEM },
  { type: "response.output_item.done", output_index: 0, item: ODD_ITEM },
  completed,
];
add({
  fault: "unknown item type",
  endpoint: "responses",
  setup: () => mock("responses", { events: UNKNOWN_ITEM }),
  run: ({ client }) => callOnce("responses", client),
  expect: { ok: true },
  baseline: () => mock("responses", { events: UNKNOWN_ITEM }),
  check: (_ctx, { value }) => {
    const events = (value ?? []) as ResponseEvent[];
    const done = events.find((ev) => ev.type === "outputItemDone");
    return done && JSON.stringify(done.item) === JSON.stringify(ODD_ITEM)
      ? []
      : [`the unknown item did not pass through as it came: ${JSON.stringify(done)}`];
  },
});

export const FAILED_CODES: [string | null, string, ErrorClass, boolean][] = [
  ["context_length_exceeded", "too long", ContextWindowExceededError, false],
  ["insufficient_quota", "no quota", QuotaExceededError, false],
  ["usage_not_included", "not in plan", UsageNotIncludedError, false],
  ["invalid_prompt", "bad prompt", InvalidRequestError, false],
  ["server_is_overloaded", "busy", ServerOverloadedError, true],
  ["slow_down", "slow down", ServerOverloadedError, true],
  ["rate_limit_exceeded", "Rate limit reached. Please try again in 1.898s.", RateLimitError, true],
  ["some_future_code", "something else", RetryableStreamError, true],
  [null, "no code at all", RetryableStreamError, true],
];
for (const [code, message, cls, retryable] of FAILED_CODES) {
  add({
    fault: `response.failed ${code ?? "(null code)"}`,
    endpoint: "responses",
    setup: () => mock("responses", { events: [created, delta("hi"), failed(code, message)] }),
    run: ({ client }) => callOnce("responses", client),
    expect: { error: cls, retryable, status: 200, requestId: "last" },
    check:
      code === "rate_limit_exceeded"
        ? (_ctx, { error }) =>
            (error as RateLimitError | undefined)?.retryAfterMs === 1898
              ? []
              : [`retryAfterMs ${(error as RateLimitError | undefined)?.retryAfterMs}, want 1898`]
        : undefined,
  });
}

add({
  fault: "response.incomplete",
  endpoint: "responses",
  setup: () =>
    mock("responses", {
      events: [
        created,
        delta("partial"),
        {
          type: "response.incomplete",
          response: {
            id: RESP,
            status: "incomplete",
            incomplete_details: { reason: "max_output_tokens" },
          },
        },
      ],
    }),
  run: ({ client }) => callOnce("responses", client),
  expect: { error: IncompleteResponseError, retryable: false, status: 200, requestId: "last" },
  check: (_ctx, { error }) =>
    (error as IncompleteResponseError | undefined)?.reason === "max_output_tokens"
      ? []
      : [`reason ${(error as IncompleteResponseError | undefined)?.reason}`],
});
