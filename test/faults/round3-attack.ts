// Fault-matrix rows of the third round's adversary: a hostile server against the stored-response
// operations (input-item pages that loop, never move, are nested too deep or echo the token in a
// cursor or a header name) and secrets in new places; round3-attack-caller.ts adds a careless
// caller's rows to the same list.
import { FAULT_ID, type FaultCase, rawHttp, type RunContext, STREAM_REQUEST } from "./kit.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  CodexApiError,
  InvalidRequestError,
  InvalidResponseError,
  TransportError,
  type CodexClient,
} from "../../src/index.js";

import { SECRET_TOKEN } from "./harness.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const ATTACK_CASES: FaultCase[] = [];
export const add = (c: Omit<FaultCase, "fault"> & { fault: string }) =>
  ATTACK_CASES.push({ ...c, fault: `attack: ${c.fault}` });

export const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};
export const item = (n: number) => ({
  type: "message",
  role: "user",
  id: `msg_${n}`,
  content: [{ type: "input_text", text: `item ${n}` }],
});
export const STORED = { id: FAULT_ID, object: "response", status: "completed", output: [] };
/** The request's bearer token, as a careless server echoes it. */
const tokenOf = (req: IncomingMessage) => String(req.headers.authorization).replace("Bearer ", "");
const afterOf = (req: IncomingMessage) =>
  new URL(req.url ?? "/", "http://x").searchParams.get("after");

/** Every input item of FAULT_ID, at most `cap` (a walk that never ends stops there). */
export async function walk(client: CodexClient, cap = 500, options = {}): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const i of client.responses.inputItems(FAULT_ID, options)) {
    out.push(i);
    if (out.length >= cap) throw new Error(`the walk did not stop after ${cap} items`);
  }
  return out;
}
/** A walk that must fail; a runaway walk fails the row by the request count it makes. */
export const pagesServer = (page: (n: number, req: IncomingMessage) => unknown) => () => {
  let n = 0;
  return rawHttp((req, res) => json(res, 200, page(n++, req)));
};
const noMoreThan = (n: number) => (ctx: RunContext) =>
  ctx.served.requestCount() <= n ? [] : [`${ctx.served.requestCount()} requests, want <= ${n}`];

// A hostile server: input-item pages --------------------------------------------------------------

add({
  fault: "input items: has_more with a last_id cycling A, B, A, B…",
  endpoint: "inputItems",
  setup: pagesServer((n) => ({ data: [item(n)], has_more: true, last_id: n % 2 ? "A" : "B" })),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
  check: noMoreThan(3),
});
add({
  fault: "input items: has_more forever on empty pages with a fresh last_id",
  endpoint: "inputItems",
  setup: pagesServer((n) => ({ data: [], has_more: true, last_id: `fresh_${n}` })),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
  check: noMoreThan(1),
});
add({
  fault: "input items: data is a string",
  endpoint: "inputItems",
  setup: pagesServer(() => ({ data: "items", has_more: false })),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
});
add({
  fault: 'input items: has_more is the string "false"',
  endpoint: "inputItems",
  setup: pagesServer(() => ({ data: [item(1)], has_more: "false" })),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
});
add({
  fault: "input items: last_id a number while has_more",
  endpoint: "inputItems",
  setup: pagesServer(() => ({ data: [item(1)], has_more: true, last_id: 42 })),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
});
add({
  fault: "input items: a null item on the page",
  endpoint: "inputItems",
  setup: pagesServer(() => ({ data: [item(1), null], has_more: false })),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
});
add({
  fault: "input items: page nested 200 000 levels deep (not of the documented shape)",
  endpoint: "inputItems",
  setup: () =>
    rawHttp((_req, res) =>
      json(res, 200, `{"data":"x","deep":${"[".repeat(200_000)}${"]".repeat(200_000)}}`),
    ),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
});
add({
  fault: "retrieve: reply nested 200 000 levels deep without an id",
  endpoint: "retrieve",
  setup: () =>
    rawHttp((_req, res) => json(res, 200, `{"deep":${"[".repeat(200_000)}${"]".repeat(200_000)}}`)),
  run: ({ client }) => client.responses.retrieve(FAULT_ID),
  expect: { error: InvalidResponseError, retryable: false },
});
add({
  fault: "input items: a 1 MiB page past maxReplyBytes 64 KiB",
  endpoint: "inputItems",
  provider: { limits: { maxReplyBytes: 64 * 1024 } },
  setup: pagesServer(() => ({ data: [{ ...item(1), pad: "x".repeat(1 << 20) }], has_more: false })),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false, attempts: 1 },
});
add({
  fault: "input items: a page that never ends (endless chunked body)",
  endpoint: "inputItems",
  provider: { limits: { maxReplyBytes: 256 * 1024 } },
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"data":[');
      const chunk = `${JSON.stringify(item(1))},`.repeat(200);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on("close", () => clearInterval(timer));
    }),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
});
add({
  fault: "input items: the token echoed as last_id, the next page resets the connection",
  endpoint: "inputItems",
  retry: { maxAttempts: 1 },
  setup: () =>
    rawHttp((req, res) => {
      if (afterOf(req) === null)
        json(res, 200, { data: [item(1)], has_more: true, last_id: tokenOf(req) });
      else res.socket?.destroy();
    }),
  run: ({ client }) => walk(client),
  expect: { error: TransportError },
});
add({
  fault: "input items: the token echoed as last_id, the next page is a 400 quoting its URL",
  endpoint: "inputItems",
  setup: () =>
    rawHttp((req, res) => {
      if (afterOf(req) === null)
        json(res, 200, { data: [item(1)], has_more: true, last_id: tokenOf(req) });
      else json(res, 400, { error: { message: `bad cursor in ${req.url}`, param: afterOf(req) } });
    }),
  run: ({ client }) => walk(client),
  expect: { error: InvalidRequestError, status: 400 },
});
add({
  fault: "input items: 304 Not Modified for a page",
  endpoint: "inputItems",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(304);
      res.end();
    }),
  run: ({ client }) => walk(client),
  expect: { error: InvalidResponseError, retryable: false },
});
add({
  fault: "input items: 103 Early Hints before the page",
  endpoint: "inputItems",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeEarlyHints({ link: "</x>; rel=preload" });
      json(res, 200, { data: [item(1), item(2)], has_more: false });
    }),
  run: ({ client }) => walk(client),
  expect: { ok: true },
  expectedValue: [item(1), item(2)],
});

// A hostile server: secrets in new places -----------------------------------------------------------

const LOWER_TOKEN = SECRET_TOKEN.toLowerCase();
/** Problems when the lower-cased token (a header name holds only that case) is in the error. */
const noLowerToken = (_ctx: RunContext, { error }: { error?: unknown }) => {
  const e = error as CodexApiError & { headers?: Headers };
  const names = e?.headers ? [...e.headers.keys()].join(" ") : "";
  return names.includes(LOWER_TOKEN) ? [`the token in a header name: ${names}`] : [];
};
for (const [endpoint, call] of [
  ["retrieve", (c: CodexClient) => c.responses.retrieve(FAULT_ID)],
  ["responses", (c: CodexClient) => c.responses.stream(STREAM_REQUEST)],
] as const) {
  add({
    fault: `${endpoint}: a 400 echoing the token in a header name`,
    endpoint,
    setup: () =>
      rawHttp((req, res) =>
        json(res, 400, { error: { message: "no" } }, { [`x-echo-${tokenOf(req)}`]: "1" }),
      ),
    run: ({ client }) => call(client),
    expect: { error: InvalidRequestError, status: 400 },
    check: noLowerToken,
  });
}
add({
  fault: "retrieve: a 400 whose error message is an object holding the token",
  endpoint: "retrieve",
  setup: () =>
    rawHttp((req, res) =>
      json(res, 400, { error: { message: { nested: { deeper: tokenOf(req) } }, code: 7 } }),
    ),
  run: ({ client }) => client.responses.retrieve(FAULT_ID),
  expect: { error: InvalidRequestError, status: 400 },
});
add({
  fault: "retrieve: a 2xx reply whose JSON key is the token (wrong shape)",
  endpoint: "retrieve",
  setup: () => rawHttp((req, res) => json(res, 200, { [tokenOf(req)]: 1, id: 5 })),
  run: ({ client }) => client.responses.retrieve(FAULT_ID),
  expect: { error: InvalidResponseError, status: 200 },
});
