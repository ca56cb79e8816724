// An adversarial pass over the resume column (README "Background streams and resume"): what a
// hostile server can do to the GET that resumes a dropped background stream (a JSON or redirect
// reply, a 429, a stall, an echoed secret, replies that end at once, fail, repeat old events, carry
// another response's events) and what the caller does meanwhile (abort, cancelOnAbort that fails or
// hangs, an auth provider that throws on the resume). Each row ends in the identical collected
// result or the documented typed error, with no hang, leak, unhandled rejection or secret.
import {
  AbortError,
  AuthError,
  InvalidRequestError,
  InvalidResponseError,
  RateLimitError,
  RequestTimeoutError,
  RetryableStreamError,
  StreamError,
  type AuthProvider,
  type CodexApiError,
  type CodexClient,
  type ResponseEvent,
} from "../../src/index.js";
import { sseFrame } from "../helpers/server.js";
import { sleep } from "../helpers/calls.js";
import { type FaultCase, rawHttp, type RunContext } from "./kit.js";
import { SECRET_API_KEY, SECRET_TOKEN } from "./harness.js";
import { BACKGROUND, carriesPosition, collect, EVENTS, resumed, served } from "./resume-rows.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const RESUME_ATTACK_CASES: FaultCase[] = [];

const LAST = EVENTS.length - 1;
type Json = Record<string, unknown>;
const add = (fault: string, row: Omit<FaultCase, "fault" | "endpoint">) =>
  RESUME_ATTACK_CASES.push({ fault: `resume attack: ${fault}`, endpoint: "resume", ...row });

/** Both checks must hold. */
const both =
  (...checks: NonNullable<FaultCase["check"]>[]): NonNullable<FaultCase["check"]> =>
  (ctx, outcome) =>
    checks.flatMap((check) => check(ctx, outcome));

/** The error has this `code`. */
const code = (want: string) => (_ctx: unknown, outcome: { error?: unknown }) =>
  (outcome.error as CodexApiError | undefined)?.code === want ? [] : [`no code ${want}`];

// --- The resume GET's reply ---------------------------------------------------------------------

add("the resume GET answers 200 JSON (stream=true ignored)", {
  setup: served([{ dropAfterEvents: 4 }], [{ body: { id: "resp_mock_1", object: "response" } }]),
  run: collect,
  expect: { error: InvalidResponseError },
  check: both(carriesPosition, resumed(1)),
});

add("the resume GET answers a redirect", {
  setup: served(
    [{ dropAfterEvents: 4 }],
    [{ status: 302, headers: { location: "http://127.0.0.1:9/elsewhere" } }],
  ),
  run: collect,
  expect: { error: InvalidRequestError, status: 302 },
  check: both(carriesPosition, code("redirect")),
});

add("the resume GET answers 429 with Retry-After, retried", {
  setup: served(
    [{ dropAfterEvents: 4 }],
    [{ status: 429, headers: { "retry-after-ms": "20" } }, {}],
  ),
  baseline: served([{}]),
  run: collect,
  expect: { ok: true },
  check: (ctx) => {
    const waited = ctx.capture.retries.map((r) => r.delayMs);
    return waited.length === 1 && waited[0]! >= 20 ? [] : [`retries waited ${waited.join(",")}`];
  },
});

add("the resume GET answers 429 and 429 is not retried", {
  retry: { retry429: false },
  setup: served([{ dropAfterEvents: 4 }], [{ status: 429, headers: { "retry-after": "7" } }]),
  run: collect,
  expect: { error: RateLimitError, status: 429 },
  check: both(carriesPosition, (_ctx, { error }) =>
    (error as { retryAfterMs?: number }).retryAfterMs === 7000 ? [] : ["no retryAfterMs"],
  ),
});

add("the resume GET's error body echoes the token and the api-key", {
  setup: served(
    [{ dropAfterEvents: 4 }],
    [{ status: 400, body: { error: { message: `bad Bearer ${SECRET_TOKEN} ${SECRET_API_KEY}` } } }],
  ),
  run: collect,
  expect: { error: InvalidRequestError, status: 400 },
  check: carriesPosition,
});

add("the resume GET stalls before its headers", {
  retry: { maxAttempts: 2 },
  setup: served([{ dropAfterEvents: 4 }], [{ stallBeforeHeaders: true }]),
  run: collect,
  expect: { error: RequestTimeoutError, attempts: 2 },
  check: carriesPosition,
});

/** Like `collect`, with `maxResumes` far past what a stalled server should be asked. */
const collectMany = async ({ client }: { client: CodexClient }) => {
  const stream = await client.responses.stream(BACKGROUND, { resume: { maxResumes: 1_000_000 } });
  const events: ResponseEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
};

// The matrix's policy allows 3 attempts: 3 GETs in a row without a new event end the stream.
add("every resume GET ends at once, with no event", {
  setup: served([{ dropAfterEvents: 4 }], [{ events: [] }]),
  run: collectMany,
  expect: { error: StreamError, retryable: false },
  check: both(carriesPosition, resumed(3), code("resume_no_progress")),
});

add("every resume GET replays only events already delivered", {
  setup: served([{ dropAfterEvents: 4 }], [{ events: EVENTS.slice(0, 4) }]),
  run: collectMany,
  expect: { error: StreamError, retryable: false },
  check: both(carriesPosition, resumed(3), code("resume_no_progress")),
});

add("the resumed reply fails (response.failed), not resumed again", {
  setup: served(
    [{ dropAfterEvents: 4 }],
    [
      {
        events: [
          {
            type: "response.failed",
            response: { id: "resp_mock_1", error: { code: "server_error", message: "boom" } },
            sequence_number: 4,
          },
        ],
      },
    ],
  ),
  run: collect,
  expect: { error: RetryableStreamError },
  check: both(carriesPosition, resumed(1)),
});

add("the resumed reply carries an error event, not resumed again", {
  setup: served(
    [{ dropAfterEvents: 4 }],
    [{ events: [{ type: "error", code: "server_error", message: "boom", sequence_number: 4 }] }],
  ),
  run: collect,
  expect: { error: RetryableStreamError },
  check: both(carriesPosition, resumed(1)),
});

add("the resume reply has rate-limit headers: no second rateLimits event", {
  setup: served(
    [{ dropAfterEvents: 4 }],
    [{ headers: { "x-codex-primary-used-percent": "42", "x-codex-primary-window-minutes": "60" } }],
  ),
  baseline: served([{}]),
  run: collect,
  expect: { ok: true },
  check: resumed(1),
});

add("a terminal event whose response has a nested sequence_number key, first after a resume", {
  setup: served(
    [
      {
        dropAfterEvents: LAST,
        events: EVENTS.map((e) =>
          e.type === "response.completed"
            ? { ...e, response: { ...(e.response as Json), metadata: { sequence_number: "x" } } }
            : e,
        ),
      },
    ],
    [{}],
  ),
  run: collect,
  expect: { ok: true },
  check: resumed(1),
});

add("the resumed reply carries another response's events", {
  setup: served(
    [{ dropAfterEvents: 4 }],
    [
      {
        events: EVENTS.slice(4).map((e) =>
          e.response ? { ...e, response: { ...(e.response as Json), id: "resp_other" } } : e,
        ),
      },
    ],
  ),
  run: collect,
  expect: { error: StreamError, retryable: false },
  check: carriesPosition,
});

add("a drop before the response id is known is not resumed", {
  setup: served([{ dropAfterEvents: 0 }]),
  run: collect,
  expect: { error: StreamError, retryable: true },
  check: both(resumed(0), (ctx, { error }) => {
    const problems = ctx.served.requestCount() === 1 ? [] : ["a resume GET was sent"];
    return (error as CodexApiError).responseId === undefined ? problems : [...problems, "an id"];
  }),
});

/** Two replies of a raw server: the POST's first `n` events then a reset, and `resume` for GETs. */
export function rawResume(n: number, resume: Parameters<typeof rawHttp>[0]) {
  return () =>
    rawHttp((req, res) => {
      if (req.method === "GET") return resume(req, res);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(
        EVENTS.slice(0, n)
          .map((e) => sseFrame(e))
          .join(""),
        () => res.socket?.destroy(),
      );
    });
}

add("the resumed reply repeats old events without end", {
  streamIdleTimeoutMs: 60_000,
  setup: rawResume(4, (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    const again = EVENTS.slice(1, 4)
      .map((e) => sseFrame(e))
      .join("");
    const timer = setInterval(() => res.write(again), 2);
    res.on("close", () => clearInterval(timer));
  }),
  run: collect,
  expect: { error: StreamError, retryable: false },
  check: carriesPosition,
});

add("the resumed reply opens with [DONE] every time", {
  setup: rawResume(4, (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end("data: [DONE]\n\n");
  }),
  run: collectMany,
  expect: { error: StreamError, retryable: false },
  check: both(carriesPosition, resumed(3), code("resume_no_progress")),
});

// --- The caller, while a resume is under way ----------------------------------------------------

/** Streams the background request with `signal`, aborting it once telemetry saw a resume. */
const abortOnResume =
  (delayMs: number) =>
  async ({ client, capture }: RunContext) => {
    const controller = new AbortController();
    const stream = await client.responses.stream(BACKGROUND, { signal: controller.signal });
    const events: ResponseEvent[] = [];
    const watch = (async () => {
      while (capture.resumes.length === 0) await sleep(2);
      await sleep(delayMs);
      controller.abort();
    })();
    try {
      for await (const event of stream) events.push(event);
    } finally {
      await watch;
    }
    return events;
  };

add("the caller aborts while the resume GET waits for headers", {
  setup: served([{ dropAfterEvents: 4 }], [{ stallBeforeHeaders: true }]),
  requestTimeoutMs: 5_000,
  run: abortOnResume(30),
  expect: { error: AbortError },
  check: carriesPosition,
});

add("the caller aborts during the backoff between resume GET attempts", {
  retry: { baseDelayMs: 2_000, maxDelayMs: 2_000 },
  setup: served([{ dropAfterEvents: 4 }], [{ status: 503 }, {}]),
  run: abortOnResume(30),
  expect: { error: AbortError },
  check: (ctx) =>
    ctx.served.requestCount() === 2 ? [] : [`${ctx.served.requestCount()} requests`],
});

/** Breaks out of a `cancelOnAbort` stream at its first text delta, then waits `ms`. */
const breakWithCancel =
  (ms: number) =>
  async ({ client }: { client: CodexClient }) => {
    const stream = await client.responses.stream(BACKGROUND, { cancelOnAbort: true });
    for await (const event of stream) if (event.type === "outputTextDelta") break;
    await sleep(ms);
    return stream.responseId;
  };

/** logger.warn was called (cancelOnAbort's failure goes there). */
const warned = (ctx: RunContext) => (ctx.capture.lines > 0 ? [] : ["nothing logged"]);

add("cancelOnAbort: the cancel POST fails (logged, nothing thrown)", {
  setup: served([{}], [{}], undefined, [{ status: 500 }]),
  run: breakWithCancel(100),
  expect: { ok: true },
  expectedValue: "resp_mock_1",
  check: warned,
});

add("cancelOnAbort: the cancel POST hangs (bounded by requestTimeoutMs)", {
  setup: served([{}], [{}], undefined, [{ stallBeforeHeaders: true }]),
  run: breakWithCancel(500),
  expect: { ok: true },
  expectedValue: "resp_mock_1",
  check: warned,
});

/** An auth provider that throws (its message naming the token) from its `n`-th call on. */
function throwingAuth(n: number): AuthProvider {
  let calls = 0;
  return {
    bearerToken: () => {
      if (++calls >= n) throw new Error(`token store locked (last token ${SECRET_TOKEN})`);
      return SECRET_TOKEN;
    },
  };
}

add("the auth provider throws on the resume attempt", {
  setup: served([{ dropAfterEvents: 4 }]),
  options: (base) => ({ ...base, auth: throwingAuth(2) }),
  run: collect,
  expect: { error: AuthError },
  check: carriesPosition,
});
