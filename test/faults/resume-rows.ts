// The fault matrix's resume column (README "Background streams and resume"): a `background: true`
// stream that drops (after the first event, in the middle, before the terminal event, during a
// resume, stalled) collects exactly what an undropped one does; a server that replays delivered
// events is deduplicated; one that skips events, an expired response, a 404 end with the documented
// typed error carrying `responseId` and `lastSequenceNumber`; a 5xx and a 401 on the resume GET
// are retried under the policy.
import { type FaultCase, front, type Served, STREAM_REQUEST } from "./kit.js";
import {
  AuthError,
  InvalidRequestError,
  StreamError,
  type CodexApiError,
  type CodexClient,
  type ResponseEvent,
} from "../../src/index.js";
import {
  cannedEvents,
  startMockServer,
  type MockReply,
  type MockScript,
} from "../../src/testing/index.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const RESUME_CASES: FaultCase[] = [];

export const BACKGROUND = { ...STREAM_REQUEST, background: true, store: true };
// The canned reply to STREAM_REQUEST: 14 events numbered 0–13 (created … completed).
export const EVENTS = cannedEvents(BACKGROUND, 1);
const LAST = EVENTS.length - 1;

const CLOSE = { connection: "close" };
const closing = (replies: MockReply[]) =>
  replies.map((r) => ({ ...r, headers: { ...r.headers, ...CLOSE } }));

/** The mock with a background store, `responses` and `retrieve` replies, behind the TCP front. */
export function served(
  responses: MockReply[],
  retrieve: MockReply[] = [{}],
  backgroundTtlMs?: number,
  cancel: MockReply[] = [{}],
) {
  return async (): Promise<Served> => {
    const script: MockScript = {
      rateLimitHeaders: false,
      responses: closing(responses),
      retrieve: closing(retrieve),
      cancel: closing(cancel),
    };
    const server = await startMockServer(
      script,
      backgroundTtlMs === undefined ? {} : { backgroundTtlMs },
    );
    return front({
      url: server.url,
      openConnections: () => server.openConnections(),
      requestCount: () => server.requests.length,
      lastRequestId: () => (server.requests.length ? `req_${server.requests.length}` : undefined),
      close: () => server.close(),
    });
  };
}

/** Streams the background request: every event the loop sees, then what collect() returns. */
export const collect = async ({ client }: { client: CodexClient }) => {
  const stream = await client.responses.stream(BACKGROUND);
  const events: ResponseEvent[] = [];
  for await (const event of stream) events.push(event);
  return { events, collected: await stream.collect() };
};

/** The number of resumes telemetry reported must be `n`. */
export const resumed =
  (n: number) =>
  ({ capture }: { capture: { resumes: unknown[] } }): string[] => {
    const got = capture.resumes.length;
    return got === n ? [] : [`${got} onResume call(s), want ${n}`];
  };

/** The error carries the stream's id and last sequence number as own properties. */
export const carriesPosition = (_ctx: unknown, outcome: { error?: unknown }): string[] => {
  const error = outcome.error as CodexApiError | undefined;
  if (!error) return ["no error"];
  const problems: string[] = [];
  if (error.responseId !== "resp_mock_1") problems.push(`responseId ${error.responseId}`);
  if (!Object.hasOwn(error, "lastSequenceNumber")) problems.push("no lastSequenceNumber");
  return problems;
};

for (const [fault, responses, retrieve, resumes] of [
  ["drop after the first event", [{ dropAfterEvents: 1 }], [{}], 1],
  ["drop in the middle", [{ dropAfterEvents: 7 }], [{}], 1],
  ["drop just before the terminal event", [{ dropAfterEvents: LAST }], [{}], 1],
  ["drop during a resume", [{ dropAfterEvents: 3 }], [{ dropAfterEvents: 3 }, {}], 2],
  [
    "a resume that replays events already delivered",
    [{ dropAfterEvents: 6 }],
    [{ events: EVENTS }],
    1,
  ],
  ["a 5xx on the resume, then success", [{ dropAfterEvents: 5 }], [{ status: 503 }, {}], 1],
  ["a stall mid-stream (idle timeout), resumed", [{ stallAfterEvents: 4 }], [{}], 1],
] as [string, MockReply[], MockReply[], number][]) {
  RESUME_CASES.push({
    fault: `background stream: ${fault}`,
    endpoint: "resume",
    setup: served(responses, retrieve),
    baseline: served([{}]),
    run: collect,
    expect: { ok: true },
    check: resumed(resumes),
  });
}

RESUME_CASES.push({
  fault: "background stream: a 401 on the resume, refreshed once",
  endpoint: "resume",
  auth: "refresh",
  setup: served([{ dropAfterEvents: 5 }], [{ status: 401 }, {}]),
  baseline: served([{}]),
  run: collect,
  expect: { ok: true },
  check: (ctx) => (ctx.refreshes() === 1 ? [] : [`${ctx.refreshes()} refreshes, want 1`]),
});

RESUME_CASES.push({
  fault: "background stream: a resume that skips events",
  endpoint: "resume",
  setup: served([{ dropAfterEvents: 4 }], [{ events: EVENTS.slice(5) }]),
  run: collect,
  expect: { error: StreamError, retryable: false },
  check: (ctx, outcome) => [
    ...carriesPosition(ctx, outcome),
    ...((outcome.error as CodexApiError)?.code === "events_lost" ? [] : ["no events_lost code"]),
  ],
});

RESUME_CASES.push({
  fault: "background stream: resumed past the TTL (400)",
  endpoint: "resume",
  setup: served([{ dropAfterEvents: 4, dripMs: 5 }], [{}], 0),
  run: collect,
  expect: { error: InvalidRequestError, status: 400 },
  check: carriesPosition,
});

RESUME_CASES.push({
  fault: "background stream: the resume gets a 404",
  endpoint: "resume",
  setup: served([{ dropAfterEvents: 4 }], [{ status: 404 }]),
  run: collect,
  expect: { error: InvalidRequestError, status: 404 },
  check: carriesPosition,
});

RESUME_CASES.push({
  fault: "background stream: a 401 on the resume that no refresh cures",
  endpoint: "resume",
  setup: served([{ dropAfterEvents: 4 }], [{ status: 401 }]),
  run: collect,
  expect: { error: AuthError, status: 401 },
  check: carriesPosition,
});
