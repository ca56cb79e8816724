// More of a hostile server on the GET that resumes a background stream (README "Background streams
// and resume"): a login page instead of events, a reply that stays open with keep-alives only, a
// 204, events numbered past the resume point, and a persisted resume past the response's last
// event. Each ends in the documented typed error, bounded, carrying the response id and the resume
// point; none loops on the server.
import {
  InvalidResponseError,
  StreamError,
  type CodexApiError,
  type CodexClient,
} from "../../src/index.js";
import { sseFrame } from "../helpers/server.js";
import { type FaultCase } from "./kit.js";
import { rawResume } from "./resume-attack.js";
import { BACKGROUND, carriesPosition, collect, EVENTS, resumed, served } from "./resume-rows.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const RESUME_HOSTILE_CASES: FaultCase[] = [];

const add = (fault: string, row: Omit<FaultCase, "fault" | "endpoint">) =>
  RESUME_HOSTILE_CASES.push({ fault: `resume hostile: ${fault}`, endpoint: "resume", ...row });

type Check = NonNullable<FaultCase["check"]>;
const both =
  (...checks: Check[]): Check =>
  (ctx, outcome) =>
    checks.flatMap((check) => check(ctx, outcome));

/** The error has this `code`. */
const code =
  (want: string): Check =>
  (_ctx, { error }) =>
    (error as CodexApiError | undefined)?.code === want ? [] : [`no code ${want}`];

/** The error's message contains `text`. */
const says =
  (text: string): Check =>
  (_ctx, { error }) =>
    (error as Error | undefined)?.message.includes(text) ? [] : [`message lacks "${text}"`];

/** The server got exactly `n` requests (no loop). */
const requests =
  (n: number): Check =>
  (ctx) =>
    ctx.served.requestCount() === n ? [] : [`${ctx.served.requestCount()} requests, want ${n}`];

add("the resume GET answers 200 text/html (a login page)", {
  setup: rawResume(4, (_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<html><body>Sign in</body></html>");
  }),
  run: collect,
  expect: { error: InvalidResponseError },
  check: both(carriesPosition, says("(resuming resp_mock_1 after sequence number 3)"), requests(2)),
});

add("every resume GET stays open with keep-alive comments only (idle), bounded", {
  streamIdleTimeoutMs: 100,
  setup: rawResume(4, (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    const timer = setInterval(() => res.write(": keep-alive\n\n"), 20);
    res.on("close", () => clearInterval(timer));
  }),
  run: async ({ client }: { client: CodexClient }) =>
    (await client.responses.stream(BACKGROUND, { resume: { maxResumes: 1_000 } })).collect(),
  expect: { error: StreamError, retryable: false },
  // The matrix allows 3 attempts: 3 GETs in a row with no new event.
  check: both(carriesPosition, code("resume_no_progress"), resumed(3), requests(4)),
});

add("the resume GET answers 204 with no body", {
  setup: rawResume(4, (_req, res) => {
    res.writeHead(204);
    res.end();
  }),
  run: collect,
  expect: { error: StreamError, retryable: false },
  check: both(carriesPosition, requests(2)),
});

add("the resume GET numbers its events past the resume point", {
  setup: rawResume(4, (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    const shifted = EVENTS.slice(4).map((e) => ({
      ...e,
      sequence_number: (e.sequence_number as number) + 1000,
    }));
    res.end(shifted.map((e) => sseFrame(e)).join(""));
  }),
  run: collect,
  expect: { error: StreamError, retryable: false },
  check: both(carriesPosition, code("events_lost"), requests(2)),
});

add("resume(id, { startingAfter }) past the response's last event", {
  setup: served([{}], [{}]),
  run: async ({ client }: { client: CodexClient }) => {
    await (await client.responses.stream(BACKGROUND)).collect();
    const rest = await client.responses.resume("resp_mock_1", { startingAfter: 10_000 });
    return rest.collect();
  },
  expect: { error: StreamError, retryable: false },
  // One POST, then the opening GET and two more at the same point.
  check: both(code("resume_no_progress"), says("after sequence number 10000"), requests(4)),
});
