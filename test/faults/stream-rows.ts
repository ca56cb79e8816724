// Fault-matrix rows for what a hostile stream can do (README "Errors" and "Events"): events past
// maxEventBytes however they are framed, a late malformed event in a large reply (its byte offset
// is found in linear time), a stream that is never iterated, and many aborted streams on one signal.
import { type FaultCase, rawHttp, STREAM_REQUEST } from "./kit.js";
import { getEventListeners } from "node:events";
import type { ServerResponse } from "node:http";
import {
  InvalidResponseError,
  StreamError,
  StreamIdleTimeoutError,
  type CodexClient,
} from "../../src/index.js";
import { sleep } from "../helpers/calls.js";
import { pump, requests, sentUnder } from "./hardening.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const STREAM_CASES: FaultCase[] = [];
const MiB = 1024 * 1024;
const SSE = { "content-type": "text/event-stream" };
const created = 'data: {"type":"response.created","response":{"id":"r"}}\n\n';
const tooLarge = { error: InvalidResponseError, status: 200, retryable: false } as const;

/** A reply of SSE bytes: `head`, then `count` copies of `piece` with backpressure. */
function hostile(head: string, piece: Buffer, count: number, sent: number[]) {
  return () =>
    rawHttp((_req, res: ServerResponse) => {
      res.writeHead(200, SSE);
      res.write(head);
      pump(res, piece, count, sent);
    });
}

const drain = async (client: CodexClient) => {
  const events: string[] = [];
  for await (const e of await client.responses.stream(STREAM_REQUEST)) events.push(e.type);
  return events;
};

for (const [fault, head, piece] of [
  ["1 GB single SSE event (one endless data line)", `${created}data: `, Buffer.alloc(MiB, 0x61)],
  ["data lines with no blank line", created, Buffer.from("data: x\n".repeat(MiB / 8))],
  ["a line with no line break at all", "", Buffer.alloc(MiB, 0x3a)],
] as const) {
  const sent: number[] = [];
  STREAM_CASES.push({
    fault,
    endpoint: "responses",
    deadlineMs: 15_000,
    streamIdleTimeoutMs: 10_000, // no message arrives while the limit is being reached
    setup: hostile(head, piece, 1024, sent),
    run: ({ client }) => drain(client),
    expect: tooLarge,
    check: (ctx, outcome) => [
      ...requests(1)(ctx),
      ...sentUnder(sent, 100 * MiB, 1)(),
      ...((outcome.error as { code?: string })?.code === "response_too_large" ? [] : ["no code"]),
    ],
  });
}

// Before linear offsets, finding the offset of this event blocked the event loop for seconds.
const many = Buffer.from(
  Array.from(
    { length: 1500 },
    (_, i) => `data: {"type":"x.${i}","pad":"${"p".repeat(60)}"}\n\n`,
  ).join(""),
);
STREAM_CASES.push({
  fault: "malformed event after 117 KB in one write",
  endpoint: "responses",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, SSE);
      res.end(Buffer.concat([many, Buffer.from("data: {not json\n\n")]));
    }),
  run: ({ client }) => drain(client),
  expect: { error: StreamError, retryable: false },
  check: (_ctx, outcome) =>
    String((outcome.error as Error)?.message).includes(`at byte ${many.length + 17}`)
      ? []
      : [`no exact offset in: ${String((outcome.error as Error)?.message)}`],
});

// A stream that is never iterated is released when its idle timer (started at headers) fires.
let unread: { closed: Promise<unknown> } | undefined;
STREAM_CASES.push({
  fault: "stream never iterated",
  endpoint: "responses",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, SSE);
      res.write(created);
      unread = { closed: new Promise((r) => res.on("close", r)) };
    }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    await Promise.race([unread!.closed, sleep(2_000)]);
    const events: string[] = [];
    for await (const e of stream) events.push(e.type);
    return events;
  },
  expect: { error: StreamIdleTimeoutError },
});

// Many streams opened with one signal and aborted or ended: no listener stays behind.
let left = -1;
STREAM_CASES.push({
  fault: "200 streams on one signal, half aborted, half never read",
  endpoint: "responses",
  streamIdleTimeoutMs: 100,
  // 200 replies' headers take as long as the machine's load makes them: not what this case is about.
  requestTimeoutMs: Infinity,
  deadlineMs: 30_000,
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, SSE);
      res.write(created);
    }),
  run: async ({ client }) => {
    const { signal } = new AbortController();
    const streams = await Promise.all(
      Array.from({ length: 200 }, () => client.responses.stream(STREAM_REQUEST, { signal })),
    );
    streams.forEach((s, i) => i % 2 === 0 && s.abort());
    await sleep(400); // past the idle timeout of the unread half
    left = getEventListeners(signal, "abort").length;
    return left;
  },
  expect: { ok: true },
  expectedValue: 0,
  check: () => (left === 0 ? [] : [`${left} listener(s) left on the caller's signal`]),
});
