// An adversarial pass over the code loaded on first use (ARCHITECTURE.md): a failure the stream
// reports is given its class by src/errors/reported.ts, and background streams, `cancelOnAbort` and
// `resume()` run src/resources/background.ts. Each row has the caller race the load or the failure
// (a second next(), collect() beside a loop, a secret echoed in the failure, a bad resume option)
// and ends in the documented typed error, with no hang, leak, unhandled rejection or secret.
import {
  ContextWindowExceededError,
  InvalidRequestError,
  QuotaExceededError,
  RateLimitError,
  type CodexApiError,
  type CodexClient,
} from "../../src/index.js";
import { sseFrame } from "../helpers/server.js";
import {
  type FaultCase,
  type RunContext,
  created,
  failed,
  mock,
  rawHttp,
  sseHead,
  STREAM_REQUEST,
} from "./kit.js";
import { SECRET_API_KEY, SECRET_TOKEN } from "./harness.js";
import { BACKGROUND, carriesPosition, EVENTS, resumed, served } from "./resume-rows.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const LAZY_ATTACK_CASES: FaultCase[] = [];

const add = (fault: string, row: Omit<FaultCase, "fault">) =>
  LAZY_ATTACK_CASES.push({ fault: `lazy attack: ${fault}`, ...row });

/** The requests the server received must be `n`. */
const requests =
  (n: number) =>
  ({ served }: RunContext): string[] =>
    served.requestCount() === n ? [] : [`${served.requestCount()} request(s), want ${n}`];

/** A 200 SSE reply of `payloads` written at once: the failure is read with the event before it. */
const oneWrite = (...payloads: Record<string, unknown>[]) =>
  rawHttp((_req, res) => {
    res.writeHead(200, sseHead);
    res.end(payloads.map((p) => sseFrame(p)).join(""));
  });

/** A loop and collect() read one stream at once; both must reject with the same error. */
async function loopAndCollect(client: CodexClient, request = STREAM_REQUEST): Promise<unknown> {
  const stream = await client.responses.stream(request);
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) throw new Error("the stream ended at once");
  const [looped, collected] = await Promise.allSettled([it.next(), stream.collect()]);
  if (looped.status === "fulfilled" || collected.status === "fulfilled")
    throw new Error("a reader of the failed stream did not reject");
  if (looped.reason !== collected.reason) {
    const names = [looped.reason, collected.reason].map((e) => (e as Error).constructor.name);
    throw new Error(`the loop and collect() rejected differently: ${names.join(" / ")}`);
  }
  throw looped.reason;
}

add("response.failed echoing the token, read by a loop and collect() at once", {
  endpoint: "responses",
  setup: () => oneWrite(created, failed("rate_limit_exceeded", `token ${SECRET_TOKEN} over; 2s`)),
  run: ({ client }) => loopAndCollect(client),
  expect: { error: RateLimitError, retryable: true },
});

add("an error event echoing the api-key, two next() calls pending", {
  endpoint: "responses",
  setup: () =>
    oneWrite(created, {
      type: "error",
      code: "insufficient_quota",
      message: `key ${SECRET_API_KEY}`,
    }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const failing = it.next();
    const after = await Promise.allSettled([failing, it.next()]);
    if (after[1].status !== "fulfilled" || !after[1].value.done)
      throw new Error("the second next() did not end the loop");
    return failing;
  },
  expect: { error: QuotaExceededError, retryable: false },
});

add("a background stream's resume reports response.failed", {
  endpoint: "resume",
  setup: served(
    [{ dropAfterEvents: 4 }],
    [
      {
        events: [
          ...EVENTS.slice(0, 5),
          {
            type: "response.failed",
            response: {
              id: "resp_mock_1",
              error: { code: "context_length_exceeded", message: "too long" },
            },
            sequence_number: 5,
          },
        ],
      },
    ],
  ),
  run: async ({ client }) => (await client.responses.stream(BACKGROUND)).collect(),
  expect: { error: ContextWindowExceededError, retryable: false },
  check: (ctx, outcome) => [
    ...carriesPosition(ctx, outcome),
    ...resumed(1)(ctx),
    ...requests(2)(ctx),
    ...((outcome.error as CodexApiError).lastSequenceNumber === 5 ? [] : ["lastSequenceNumber"]),
  ],
});

add("resume() with a bad option and a bad id at once sends nothing", {
  endpoint: "resume",
  setup: served([{}]),
  run: async ({ client }) => {
    const [bad] = await Promise.allSettled([
      client.responses.resume("resp_mock_1", { startingAfter: -1 }),
      client.responses.resume("").catch(() => {}),
    ]);
    if (bad.status === "fulfilled") throw new Error("resume() accepted startingAfter -1");
    throw bad.reason;
  },
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});

add("background: true with resume { maxResumes: 1.5 } sends nothing", {
  endpoint: "resume",
  setup: served([{}]),
  run: ({ client }) => client.responses.stream(BACKGROUND, { resume: { maxResumes: 1.5 } }),
  expect: { error: InvalidRequestError, retryable: false },
  check: (ctx, outcome) => [
    ...requests(0)(ctx),
    ...((outcome.error as InvalidRequestError).param === "options.resume.maxResumes"
      ? []
      : ["param"]),
  ],
});

add("cancelOnAbort on a stream that reports response.failed sends no cancel", {
  endpoint: "responses",
  setup: () => mock("responses", { events: [created, failed("rate_limit_exceeded", "slow down")] }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST, { cancelOnAbort: true });
    try {
      for await (const _ of stream) void _;
    } finally {
      stream.abort();
    }
  },
  expect: { error: RateLimitError },
  check: requests(1),
});
