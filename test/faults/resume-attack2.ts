// A second adversarial pass over the resume column (README "Background streams and resume"): the
// backoff of a resume that brings no new event under a policy past what a timer holds and a zero
// base over more than 1024 stalls; events numbered with strings, negatives, fractions or past the
// safe integers; one new event per GET and progress that alternates with nothing (bounded by
// maxResumes); a failure reported on the resume GET; a response id or a refusal that echoes the
// bearer token; the mock's own unnumbered events; a persisted resume refused at once. Each ends in
// the documented typed error, bounded, with no hang, leak or secret.
import {
  AbortError,
  ContextWindowExceededError,
  InvalidRequestError,
  StreamError,
  type CodexApiError,
  type ResponseEvent,
} from "../../src/index.js";
import { sseFrame } from "../helpers/server.js";
import { sleep } from "../helpers/calls.js";
import { type FaultCase, rawHttp, type RunContext } from "./kit.js";
import { SECRET_TOKEN } from "./harness.js";
import { rawResume } from "./resume-attack.js";
import { BACKGROUND, carriesPosition, collect, EVENTS, resumed, served } from "./resume-rows.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const RESUME_ATTACK2_CASES: FaultCase[] = [];

type Json = Record<string, unknown>;
type Check = NonNullable<FaultCase["check"]>;
const add = (fault: string, row: Omit<FaultCase, "fault" | "endpoint">) =>
  RESUME_ATTACK2_CASES.push({ fault: `resume attack 2: ${fault}`, endpoint: "resume", ...row });

const both =
  (...checks: Check[]): Check =>
  (ctx, outcome) =>
    checks.flatMap((check) => check(ctx, outcome));

const code =
  (want: string): Check =>
  (_ctx, { error }) =>
    (error as CodexApiError | undefined)?.code === want ? [] : [`no code ${want}`];

const says =
  (text: string): Check =>
  (_ctx, { error }) =>
    (error as Error | undefined)?.message.includes(text) ? [] : [`message lacks "${text}"`];

const requests =
  (n: number): Check =>
  (ctx) =>
    ctx.served.requestCount() === n ? [] : [`${ctx.served.requestCount()} requests, want ${n}`];

/** Every onResume call reported this delay. */
const delays =
  (ok: (ms: number) => boolean, what: string): Check =>
  ({ capture }) => {
    const bad = (capture.resumes as { delayMs: number }[]).filter((r) => !ok(r.delayMs));
    return bad.length === 0 ? [] : [`${bad.length} resume(s) not ${what}: ${bad[0]!.delayMs}`];
  };

const frames = (events: Json[]) => events.map((e) => sseFrame(e)).join("");

/** A raw server: the POST streams `first` then resets; the `n`-th GET (from 1) runs `get`. */
function raw(first: Json[], get: (n: number, res: import("node:http").ServerResponse) => void) {
  return () => {
    let n = 0;
    return rawHttp((req, res) => {
      if (req.method === "GET") return get(++n, res);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(frames(first), () => res.socket?.destroy());
    });
  };
}

const sse = (res: import("node:http").ServerResponse) =>
  res.writeHead(200, { "content-type": "text/event-stream" });

/** The background stream, every event, and the error that ended it (rethrown). */
const collectMany = async ({ client }: RunContext) => {
  const stream = await client.responses.stream(BACKGROUND, { resume: { maxResumes: 100_000 } });
  const events: ResponseEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
};

// --- The backoff of a resume with no new event ----------------------------------------------------

add("a backoff past what a timer holds (2^31 ms) still waits", {
  retry: { maxAttempts: 5, baseDelayMs: 3e9, maxDelayMs: 1e12 },
  setup: served([{ dropAfterEvents: 4 }], [{ events: [] }]),
  run: async ({ client, capture, served: s }: RunContext) => {
    const stream = await client.responses.stream(BACKGROUND);
    const done = stream.collect();
    done.catch(() => {});
    while (capture.resumes.length < 2) await sleep(2);
    await sleep(100);
    const gets = s.requestCount() - 1;
    stream.abort();
    await done.catch((e: unknown) => {
      if (gets !== 1) throw new Error(`${gets} GETs during the backoff, want 1`);
      throw e;
    });
  },
  expect: { error: AbortError },
  check: delays((ms) => ms <= 2 ** 31 - 1, "within a timer"),
});

add("baseDelayMs 0 over 1030 stalls: every delay is a finite number", {
  retry: { maxAttempts: 1030, baseDelayMs: 0, maxDelayMs: 0 },
  deadlineMs: 20_000,
  setup: rawResume(4, (_req, res) => {
    sse(res);
    res.end("data: [DONE]\n\n");
  }),
  run: collectMany,
  expect: { error: StreamError, retryable: false },
  check: both(
    code("resume_no_progress"),
    resumed(1030),
    delays((ms) => Number.isFinite(ms), "finite"),
  ),
});

// --- Sequence numbers a resume cannot use ----------------------------------------------------------

for (const [what, seq] of [
  ["strings", (i: number) => String(i)],
  ["negative numbers", (i: number) => i - 100],
  ["fractions", (i: number) => i + 0.5],
] as [string, (i: number) => unknown][]) {
  const odd = EVENTS.map((e, i) => ({ ...e, sequence_number: seq(i) }));
  add(`events numbered with ${what}: the resume repeats nothing`, {
    setup: raw(odd.slice(0, 5), (_n, res) => {
      sse(res);
      res.end(frames(odd));
    }),
    run: collectMany,
    expect: { error: StreamError, retryable: false },
    check: both(code("events_lost"), requests(1), (_ctx, { error }) =>
      (error as CodexApiError | undefined)?.responseId === "resp_mock_1" ? [] : ["no responseId"],
    ),
  });
}

add("the last event numbered MAX_SAFE_INTEGER, the next past it", {
  setup: raw(
    EVENTS.slice(0, 4).map((e, i) => ({
      ...e,
      sequence_number: i === 3 ? Number.MAX_SAFE_INTEGER : i,
    })),
    (_n, res) => {
      sse(res);
      res.end(frames([{ ...EVENTS[4]!, sequence_number: 2 ** 53 }]));
    },
  ),
  run: collect,
  expect: { error: StreamError, retryable: false },
  check: both(carriesPosition, code("events_lost"), requests(2)),
});

// --- Servers that make a little progress each time -------------------------------------------------

add("one new event per GET: resumed at once each time, bounded by maxResumes", {
  setup: raw(EVENTS.slice(0, 2), (n, res) => {
    sse(res);
    res.write(sseFrame(EVENTS[1 + n]!), () => res.socket?.destroy());
  }),
  run: collect,
  expect: { error: StreamError, retryable: true },
  // The default maxResumes (5): one POST, five GETs, none waited.
  check: both(
    carriesPosition,
    resumed(5),
    requests(6),
    delays((ms) => ms === 0, "0"),
  ),
});

add("progress alternating with nothing never ends on the stall count, bounded by maxResumes", {
  retry: { maxAttempts: 2 },
  setup: () => {
    let next = 4;
    return raw(EVENTS.slice(0, 4), (n, res) => {
      sse(res);
      if (n % 2 === 0) return void res.end("data: [DONE]\n\n");
      res.write(sseFrame(EVENTS[next++]!), () => res.socket?.destroy());
    })();
  },
  run: async ({ client }: RunContext) =>
    (await client.responses.stream(BACKGROUND, { resume: { maxResumes: 6 } })).collect(),
  expect: { error: StreamError, retryable: true },
  check: both(carriesPosition, resumed(6), requests(7)),
});

add("the resume GET reports the response failed: that error, no more GETs", {
  setup: rawResume(4, (_req, res) => {
    sse(res);
    const failed = {
      type: "response.failed",
      response: { id: "resp_mock_1", error: { code: "context_length_exceeded", message: "long" } },
      sequence_number: 4,
    };
    res.end(frames([failed]));
  }),
  run: collectMany,
  expect: { error: ContextWindowExceededError },
  check: both(carriesPosition, requests(2)),
});

// --- Secrets --------------------------------------------------------------------------------------

add("a refused resume whose body echoes the bearer token", {
  setup: served(
    [{ dropAfterEvents: 4 }],
    [{ status: 404, body: { error: { message: `no such response for Bearer ${SECRET_TOKEN}` } } }],
  ),
  run: collect,
  expect: { error: InvalidRequestError, status: 404 },
  check: both(carriesPosition, says("(resuming resp_mock_1 after sequence number 3)")),
});

const SECRET_ID = `resp_${SECRET_TOKEN}`;
const withSecretId = EVENTS.map((e) =>
  e.response ? { ...e, response: { ...(e.response as Json), id: SECRET_ID } } : e,
);

add("a response id that echoes the bearer token, its resume refused", {
  setup: served([{ events: withSecretId, dropAfterEvents: 4 }], [{ status: 404 }]),
  run: collect,
  expect: { error: InvalidRequestError, status: 404 },
  check: resumed(1),
});

add("a response id that echoes the bearer token, its resumes without progress", {
  setup: served([{ events: withSecretId, dropAfterEvents: 4 }], [{ events: [] }]),
  run: collectMany,
  expect: { error: StreamError, retryable: false },
  check: both(code("resume_no_progress"), resumed(3)),
});

// --- The mock and a persisted resume ----------------------------------------------------------------

const UNNUMBERED = EVENTS.map(({ sequence_number: _, ...rest }) => rest);

add("the mock's unnumbered background events, dropped: events_lost, nothing repeated", {
  setup: served([{ events: UNNUMBERED, dropAfterEvents: 5 }]),
  run: collectMany,
  expect: { error: StreamError, retryable: false },
  check: both(code("events_lost"), requests(1)),
});

add("resume(id, { startingAfter }) refused at once names the id and the point", {
  setup: served([{}], [{ status: 404 }]),
  run: async ({ client }: RunContext) =>
    (await client.responses.resume("resp_gone", { startingAfter: 7 })).collect(),
  expect: { error: InvalidRequestError, status: 404 },
  check: both(says("resuming resp_gone after sequence number 7"), (_c, { error }) => {
    const e = error as CodexApiError | undefined;
    return e?.responseId === "resp_gone" && e.lastSequenceNumber === 7
      ? []
      : [`responseId ${e?.responseId}, lastSequenceNumber ${e?.lastSequenceNumber}`];
  }),
});
