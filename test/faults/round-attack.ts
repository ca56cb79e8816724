// Hostile servers against where a resumable stream reads a payload's `sequence_number` without
// parsing it (src/stream/sequence.ts: the first 128 characters, the last 40, then a scan): a
// top-level key whose name ends in `"sequence_number` (written `"\"sequence_number"`) before or
// after the real one, in the first reply or a replayed one, and a key spelled with a unicode escape
// (`"\u0073equence_number"`). The number JSON.parse gives is the event's: a resume repeats
// nothing and loses nothing, so each run collects what one undropped reply of the same events does.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  InvalidRequestError,
  ServerError,
  StreamError,
  type ResponseEvent,
} from "../../src/index.js";
import { SECRET_TOKEN } from "./harness.js";
import { sseFrame } from "../helpers/server.js";
import { type FaultCase, rawHttp, type RunContext } from "./kit.js";
import { BACKGROUND, EVENTS } from "./resume-rows.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const ROUND_ATTACK_CASES: FaultCase[] = [];

type Json = Record<string, unknown>;
const DECOY = '"sequence_number';

/** Event `i` (numbered i) with a decoy key right after `type` and the real number. */
const decoyFirst = (i: number, decoy: number): string => {
  const { type, sequence_number, ...rest } = EVENTS[i]!;
  return JSON.stringify({ type, sequence_number, [DECOY]: decoy, ...rest });
};
/** Event `i` with a decoy key as its last member (after the real number, past the first 128). */
const decoyLast = (i: number, decoy: number): string => {
  const { sequence_number, ...rest } = EVENTS[i]!;
  return JSON.stringify({ ...rest, note: "x".repeat(150), sequence_number, [DECOY]: decoy });
};
/** Event `i` with its number's key spelled with a unicode escape (JSON.parse reads it the same). */
const escapedKey = (i: number): string =>
  JSON.stringify(EVENTS[i]!).replace('"sequence_number"', '"\\u0073equence_number"');

/** The payloads numbered 0–13, `odd` replacing some. */
const payloads = (odd: Record<number, string>): string[] =>
  EVENTS.map((e, i) => odd[i] ?? JSON.stringify(e));
const numberOf = (payload: string) => (JSON.parse(payload) as Json).sequence_number as number;
const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
const frames = (list: string[]) => list.map((p) => sseFrame(p)).join("");

/**
 * A raw server: the POST streams the first `cut` payloads and resets; a GET streams those numbered
 * above its `starting_after` (`replay` more before it: a server that repeats delivered events).
 */
function dropped(list: string[], cut: number, replay = 0, getList = list) {
  return () =>
    rawHttp((req: IncomingMessage, res: ServerResponse) => {
      sse(res);
      if (req.method !== "GET")
        return void res.write(frames(list.slice(0, cut)), () => res.socket?.destroy());
      const after = Number(new URL(req.url!, "http://x").searchParams.get("starting_after") ?? -1);
      res.end(frames(getList.filter((p) => numberOf(p) > after - replay)));
    });
}

/** The same payloads in one reply, undropped. */
const whole = (list: string[]) => () =>
  rawHttp((_req, res) => {
    sse(res);
    res.end(frames(list));
  });

/** Every event's type and the collected text. */
const run = async ({ client }: RunContext) => {
  const stream = await client.responses.stream(BACKGROUND);
  const events: ResponseEvent[] = [];
  for await (const event of stream) events.push(event);
  return { types: events.map((e) => e.type), text: (await stream.collect()).text };
};

const add = (fault: string, row: Omit<FaultCase, "fault" | "endpoint" | "run" | "expect">) =>
  ROUND_ATTACK_CASES.push({
    fault: `round attack: ${fault}`,
    endpoint: "resume",
    run,
    expect: { ok: true },
    ...row,
  });

{
  const list = payloads({ 6: decoyLast(6, 2) });
  add('a replayed event ending with a key "\\"sequence_number" (2) is not taken for a repeat', {
    setup: dropped(list, 5, 3),
    baseline: whole(list),
  });
}
{
  const list = payloads({ 6: decoyFirst(6, 2) });
  add('a replayed event with "\\"sequence_number" (2) after its own is not taken for a repeat', {
    setup: dropped(list, 5, 3),
    baseline: whole(list),
  });
}
{
  const list = payloads({ 4: decoyFirst(4, 900) });
  add('"\\"sequence_number" (900) in the first reply: the resume starts after the real number', {
    setup: dropped(list, 5),
    baseline: whole(list),
  });
}
{
  const list = payloads({ 4: decoyLast(4, 1) });
  add('"\\"sequence_number" (1) ending the last event before a drop: nothing delivered twice', {
    setup: dropped(list, 5),
    baseline: whole(list),
  });
}
{
  // The replay spells its keys plainly: only the number JSON.parse read tells what was delivered.
  const list = payloads({ 3: escapedKey(3), 4: escapedKey(4) });
  add("events keyed \\u0073equence_number before a drop: the plain replay repeats nothing", {
    setup: dropped(list, 5, 0, payloads({})),
    baseline: whole(list),
  });
}
{
  // A decoy on the first event after the resume point: the gap check reads the real number.
  const list = payloads({ 5: decoyLast(5, 40) });
  add('the first resumed event ending with "\\"sequence_number" (40): no false events_lost', {
    setup: dropped(list, 5),
    baseline: whole(list),
  });
}

/** Event `i` with its key twice at the top level: `first` after `type`, the real one past the head. */
const twice = (i: number, first: number): string => {
  const { type, sequence_number, ...rest } = EVENTS[i]!;
  const body = JSON.stringify({ ...rest, note: "x".repeat(150) }).slice(1, -1);
  return `{"type":${JSON.stringify(type)},"sequence_number":${first},${body},"sequence_number":${sequence_number},"z":1}`;
};
{
  // JSON.parse (the reader, the caller) keeps the second: the replayed event 6 is new, not event 2.
  const list = payloads({ 6: twice(6, 2) });
  add("a replayed event with its key twice (2, then its own): not taken for a repeat", {
    setup: dropped(list, 5, 3),
    baseline: whole(list),
  });
}

// A real gap stays one when a decoy names the missing number.
ROUND_ATTACK_CASES.push({
  fault:
    'round attack: a resume skipping event 5, event 6 carrying "\\"sequence_number" 5: events_lost',
  endpoint: "resume",
  setup: () =>
    rawHttp((req, res) => {
      sse(res);
      const list = payloads({ 6: decoyFirst(6, 5) });
      if (req.method !== "GET")
        return void res.write(frames(list.slice(0, 5)), () => res.socket?.destroy());
      res.end(frames(list.slice(6)));
    }),
  run,
  expect: { error: StreamError, retryable: false },
  check: (_ctx, { error }) =>
    (error as StreamError | undefined)?.code === "events_lost" ? [] : ["no code events_lost"],
});

// --- An id the caller passes that carries a secret ------------------------------------------------

const SECRET_ID = `resp_${SECRET_TOKEN}`;
for (const [what, statuses] of [
  ["refused (404)", [404]],
  ["a 503, then refused (404)", [503, 404]],
  ["a 500 every time", [500]],
] as [string, number[]][]) {
  ROUND_ATTACK_CASES.push({
    fault: `round attack: resume(id) of an id carrying the bearer token, ${what}`,
    endpoint: "resume",
    setup: () => {
      let n = 0;
      return rawHttp((_req, res) => {
        const status = statuses[Math.min(n++, statuses.length - 1)]!;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no response ${SECRET_ID}`, type: "x" } }));
      });
    },
    run: async ({ client }: RunContext) =>
      (await client.responses.resume(SECRET_ID, { startingAfter: 2 })).collect(),
    expect: { error: statuses.at(-1) === 404 ? InvalidRequestError : ServerError },
  });
}

// --- An event delivered without a number, then a drop -----------------------------------------------

const bare = (i: number): string => {
  const { sequence_number: _, ...rest } = EVENTS[i]!;
  return JSON.stringify(rest);
};

ROUND_ATTACK_CASES.push({
  fault:
    "round attack: a delta sent without its number just before a drop, stored with it: events_lost, not repeated",
  endpoint: "resume",
  setup: dropped(payloads({ 5: bare(5) }), 6, 0, payloads({})),
  run,
  expect: { error: StreamError, retryable: false },
  check: (_ctx, { error }) =>
    (error as StreamError | undefined)?.code === "events_lost" ? [] : ["no code events_lost"],
});

{
  // Numbered events after it: the resume point is theirs, nothing is repeated or lost.
  const list = payloads({ 3: bare(3) });
  add("an event without a number in the middle, numbered ones after it, then a drop", {
    setup: dropped(list, 6),
    baseline: whole(list),
  });
}
