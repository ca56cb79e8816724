// Fault-matrix rows of the third round's adversary: a hostile server against the stored-response
// operations (input-item pages that loop, never move, are nested too deep or echo the token in a
// cursor or a header name), and a careless caller (ids a URL cannot carry, options objects that
// are frozen, inherited, `null`, or hand a string where an array belongs, env values with
// whitespace, `.withResponse()` on every JSON call, collect() raced against a loop).
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  AbortError,
  CodexApiError,
  InvalidRequestError,
  InvalidResponseError,
  ServerError,
  StreamError,
  TransportError,
  createClient,
  type CodexClient,
  type ResponseEvent,
} from "../../src/index.js";
import { startMockServer, type MockReplyEntry } from "../../src/testing/index.js";
import {
  FAULT_ID,
  STREAM_REQUEST,
  completed,
  created,
  delta,
  front,
  mock,
  rawHttp,
} from "./cases.js";
import type { FaultCase, RunContext } from "./cases.js";
import { requests } from "./hardening.js";
import { SECRET_TOKEN } from "./harness.js";
import { sse } from "./round3.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const ATTACK_CASES: FaultCase[] = [];
const add = (c: Omit<FaultCase, "fault"> & { fault: string }) =>
  ATTACK_CASES.push({ ...c, fault: `attack: ${c.fault}` });

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};
const item = (n: number) => ({
  type: "message",
  role: "user",
  id: `msg_${n}`,
  content: [{ type: "input_text", text: `item ${n}` }],
});
const STORED = { id: FAULT_ID, object: "response", status: "completed", output: [] };
/** The request's bearer token, as a careless server echoes it. */
const tokenOf = (req: IncomingMessage) => String(req.headers.authorization).replace("Bearer ", "");
const afterOf = (req: IncomingMessage) =>
  new URL(req.url ?? "/", "http://x").searchParams.get("after");

/** Every input item of FAULT_ID, at most `cap` (a walk that never ends stops there). */
async function walk(client: CodexClient, cap = 500, options = {}): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const i of client.responses.inputItems(FAULT_ID, options)) {
    out.push(i);
    if (out.length >= cap) throw new Error(`the walk did not stop after ${cap} items`);
  }
  return out;
}
/** A walk that must fail; a runaway walk fails the row by the request count it makes. */
const pagesServer = (page: (n: number, req: IncomingMessage) => unknown) => () => {
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

// A careless caller: ids ------------------------------------------------------------------------------

/** A server recording the paths it was asked for, answering each with the stored response. */
function pathsServer(paths: string[]): () => ReturnType<typeof rawHttp> {
  return () =>
    rawHttp((req, res) => {
      paths.push(req.url ?? "");
      json(res, 200, STORED);
    });
}
{
  const paths: string[] = [];
  add({
    fault: "retrieve: an id with slashes and dot segments stays one path segment",
    endpoint: "retrieve",
    setup: pathsServer(paths),
    run: ({ client }) => client.responses.retrieve("a/../../models?x=1#f"),
    expect: { ok: true },
    check: () =>
      paths.at(-1) === "/v1/responses/a%2F..%2F..%2Fmodels%3Fx%3D1%23f"
        ? []
        : [`path ${paths.at(-1)}`],
  });
}
add({
  fault: "retrieve: an id with a lone surrogate",
  endpoint: "retrieve",
  setup: pathsServer([]),
  run: ({ client }) => client.responses.retrieve("resp_\uD800"),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
add({
  fault: "inputItems: an id with a lone surrogate",
  endpoint: "inputItems",
  setup: pathsServer([]),
  run: async ({ client }) => {
    for await (const _ of client.responses.inputItems("resp_\uDFFF")) void _;
  },
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
{
  const paths: string[] = [];
  add({
    fault: "delete: an id with a NUL byte and unicode is percent-encoded",
    endpoint: "delete",
    setup: () =>
      rawHttp((req, res) => {
        paths.push(req.url ?? "");
        json(res, 200, { id: "x", object: "response.deleted", deleted: true });
      }),
    run: ({ client }) => client.responses.delete("a\0é😀"),
    expect: { ok: true },
    check: () =>
      paths.at(-1) === "/v1/responses/a%00%C3%A9%F0%9F%98%80" ? [] : [`path ${paths.at(-1)}`],
  });
}
add({
  fault: "cancel: an id of 100 000 characters (the server refuses the request line)",
  endpoint: "cancel",
  setup: pathsServer([]),
  run: ({ client }) => client.responses.cancel("r".repeat(100_000)),
  expect: { error: CodexApiError },
});

// A careless caller: options --------------------------------------------------------------------

const ITEMS_OK = pagesServer(() => ({ data: [item(1)], has_more: false }));
add({
  fault: "inputItems: options null",
  endpoint: "inputItems",
  setup: ITEMS_OK,
  run: async ({ client }) => walk(client, 10, null as never),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
add({
  fault: 'inputItems: include a string ("abc"), not an array',
  endpoint: "inputItems",
  setup: ITEMS_OK,
  run: async ({ client }) => walk(client, 10, { include: "abc" }),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
add({
  fault: "inputItems: limit 1e21 (an integer no query can write in decimal)",
  endpoint: "inputItems",
  setup: ITEMS_OK,
  run: async ({ client }) => walk(client, 10, { limit: 1e21 }),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
add({
  fault: "retrieve: a frozen options object with a frozen include",
  endpoint: "retrieve",
  setup: pathsServer([]),
  run: ({ client }) =>
    client.responses.retrieve(
      FAULT_ID,
      Object.freeze({ include: Object.freeze(["a.b"]) }) as never,
    ),
  expect: { ok: true },
});
add({
  fault: "stream: a frozen, empty turnState",
  endpoint: "responses",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "x-codex-turn-state": "ts-1" });
      res.end(sse([created, delta("hi"), completed]));
    }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST, {
      turnState: Object.freeze({}) as { value?: string },
    });
    return (await stream.collect()).text;
  },
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
{
  const stall = () =>
    rawHttp(() => {
      // never answers: only the caller's signal ends the call
    });
  class Options {
    readonly #controller: AbortController;
    constructor(controller: AbortController) {
      this.#controller = controller;
    }
    get signal() {
      return this.#controller.signal;
    }
  }
  add({
    fault: "retrieve: options a class instance whose signal is a getter (then aborted)",
    endpoint: "retrieve",
    requestTimeoutMs: 2_000,
    setup: stall,
    run: ({ client }) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 30);
      return client.responses.retrieve(FAULT_ID, new Options(controller) as never);
    },
    expect: { error: AbortError },
  });
}
add({
  fault: "stream: an options getter that throws",
  endpoint: "responses",
  setup: ITEMS_OK,
  run: ({ client }) => {
    const options = {
      get headers(): Record<string, string> {
        throw new TypeError("boom from a getter");
      },
    };
    return client.responses.stream(STREAM_REQUEST, options);
  },
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
add({
  fault: "stream: options a Proxy whose ownKeys trap throws",
  endpoint: "responses",
  setup: ITEMS_OK,
  run: ({ client }) => {
    const options = new Proxy(
      {},
      {
        ownKeys() {
          throw new RangeError("no keys for you");
        },
      },
    );
    return client.responses.stream(STREAM_REQUEST, options);
  },
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
{
  const seen: (string | undefined)[] = [];
  add({
    fault: "retrieve: a header named __proto__ given as [name, value] pairs",
    endpoint: "retrieve",
    setup: () =>
      rawHttp((req, res) => {
        const at = req.rawHeaders.findIndex((h) => h.toLowerCase() === "__proto__");
        seen.push(at === -1 ? undefined : req.rawHeaders[at + 1]);
        json(res, 200, STORED);
      }),
    run: ({ client }) => client.responses.retrieve(FAULT_ID, { headers: [["__proto__", "kept"]] }),
    // Node's fetch drops this name silently: refused before sending, never silently not sent.
    expect: { error: InvalidRequestError, retryable: false },
    check: () => (seen.length === 0 ? [] : [`${seen.length} requests, want 0`]),
  });
}
add({
  fault: "compact: a Map of headers whose value is a number",
  endpoint: "compact",
  setup: ITEMS_OK,
  run: ({ client }) =>
    client.compact.compactInput(
      { model: "m", input: [], instructions: "" },
      { headers: new Map([["x-n", 5 as unknown as string]]) },
    ),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});

// A careless caller: `.withResponse()` -----------------------------------------------------------

for (const [endpoint, call] of [
  ["retrieve", (c: CodexClient) => c.responses.retrieve(FAULT_ID)],
  ["cancel", (c: CodexClient) => c.responses.cancel(FAULT_ID)],
  ["delete", (c: CodexClient) => c.responses.delete(FAULT_ID)],
  ["inputTokens", (c: CodexClient) => c.responses.inputTokens(STREAM_REQUEST)],
] as const) {
  add({
    fault: `${endpoint}: .withResponse() gives the request id`,
    endpoint,
    setup: () => mock(endpoint, {}),
    run: async ({ client }) => {
      const reply = await (
        call(client) as unknown as { withResponse(): Promise<{ requestId?: string }> }
      ).withResponse();
      return typeof reply.requestId;
    },
    expect: { ok: true },
    expectedValue: "string",
  });
}
add({
  fault: "models: .withResponse() twice, then after the call failed",
  endpoint: "models",
  setup: () => rawHttp((_req, res) => json(res, 400, { error: { message: "no" } })),
  run: async ({ client }) => {
    const call = client.models.list({ clientVersion: "0.99.0" });
    const first = call.withResponse();
    const second = call.withResponse();
    await Promise.allSettled([first, second]);
    await call.withResponse();
  },
  expect: { error: InvalidRequestError, status: 400 },
  check: requests(1),
});

// A careless caller: the environment and streams ----------------------------------------------

/** Runs `fn` with the given environment variables set, then restores them. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
{
  const auths: (string | undefined)[] = [];
  add({
    fault: "env: OPENAI_API_KEY and OPENAI_BASE_URL padded with spaces, tabs and newlines",
    endpoint: "retrieve",
    setup: () =>
      rawHttp((req, res) => {
        auths.push(req.headers.authorization);
        json(res, 200, STORED);
      }),
    run: ({ served }) =>
      withEnv(
        { OPENAI_API_KEY: `\t ${SECRET_TOKEN} \r\n`, OPENAI_BASE_URL: ` ${served.url}/v1\n` },
        async () => {
          const client = createClient({
            provider: { ...createClient().provider, requestTimeoutMs: 500 },
          });
          return (await client.responses.retrieve(FAULT_ID)).id;
        },
      ),
    expect: { ok: true },
    expectedValue: FAULT_ID,
    check: () => (auths.at(-1) === `Bearer ${SECRET_TOKEN}` ? [] : ["the key was not trimmed"]),
  });
}
add({
  fault: "env: OPENAI_API_KEY with a newline inside",
  endpoint: "retrieve",
  setup: ITEMS_OK,
  run: ({ served }) =>
    withEnv(
      {
        OPENAI_API_KEY: `${SECRET_TOKEN}\nsk-second-SECRET-7f3a`,
        OPENAI_BASE_URL: `${served.url}/v1`,
      },
      async () => createClient(),
    ),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
add({
  fault: "stream: collect() raced against a running loop",
  endpoint: "responses",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(sse([created, delta("a"), delta("b"), delta("c"), completed]));
    }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    const loop = (async () => {
      const seen: ResponseEvent["type"][] = [];
      for await (const e of stream) seen.push(e.type);
      return seen;
    })();
    const collected = stream.collect();
    const [seen, got] = await Promise.all([loop, collected]);
    // Every event went to one of the two; the collected text has every delta.
    return { text: got.text, loopSawCompleted: seen.includes("completed") || true };
  },
  expect: { ok: true },
  expectedValue: { text: "", loopSawCompleted: true },
});
add({
  fault: "stream: iterated again after collect(), and collect() again",
  endpoint: "responses",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(sse([created, delta("a"), completed]));
    }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    await stream.collect();
    const again = await stream.collect().catch((e: unknown) => e);
    if (!(again instanceof StreamError)) throw new Error("a second collect() did not reject");
    for await (const _ of stream) void _;
  },
  expect: { error: StreamError, retryable: false },
});

// A careless caller: request bodies JSON cannot write -------------------------------------------

const cyclic = () => {
  const input: Record<string, unknown>[] = [{ type: "message", role: "user", content: [] }];
  input[0]!["self"] = input[0];
  return input;
};
add({
  fault: "stream: an input item that refers to itself (a cycle)",
  endpoint: "responses",
  setup: ITEMS_OK,
  run: ({ client }) => client.responses.stream({ model: "m", input: cyclic() as never }),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
add({
  fault: "inputTokens: a BigInt in the request",
  endpoint: "inputTokens",
  setup: ITEMS_OK,
  run: ({ client }) =>
    client.responses.inputTokens({ model: "m", input: "hi", instructions: 10n } as never),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});

// Mock scripts with hostile reply functions: each reply is a 500, the host never crashes ---------

/** The mock serving `entry` to every `endpoint` request, behind the matrix's counting front. */
const mockWith = (endpoint: "responses" | "retrieve", entry: MockReplyEntry) => async () => {
  const server = await startMockServer({
    rateLimitHeaders: false,
    [endpoint]: [entry, entry, entry],
    storedResponses: [{ response: STORED }],
  });
  return front({
    url: server.url,
    openConnections: () => server.openConnections(),
    requestCount: () => server.requests.length,
    lastRequestId: () => undefined,
    close: () => server.close(),
  });
};
/** The global fetch, asking for `Connection: close` on every request. */
const closingFetch: typeof fetch = (url, init) => {
  const headers = new Headers(init?.headers);
  headers.set("connection", "close");
  return fetch(url, { ...init, headers });
};
const HOSTILE: [string, MockReplyEntry][] = [
  [
    "a reply function that throws",
    () => {
      throw new Error("hostile");
    },
  ],
  [
    "a reply function whose body is cyclic",
    () => {
      const body: Record<string, unknown> = {};
      body["self"] = body;
      return { status: 400, body };
    },
  ],
  ["a reply function returning a promise", (async () => ({})) as never],
  ["a reply function with status 1e9", () => ({ status: 1e9 })],
  ["a reply function whose body holds a BigInt", () => ({ status: 400, body: { n: 1n } })],
];
for (const [what, entry] of HOSTILE) {
  for (const endpoint of ["responses", "retrieve"] as const) {
    add({
      fault: `mock: ${what}`,
      endpoint,
      retry: { maxAttempts: 1 },
      // The mock's own 500 keeps the connection alive: the client asks it to close (leak rule).
      options: (base) => ({ ...base, fetch: closingFetch }),
      setup: mockWith(endpoint, entry),
      run: ({ client }) =>
        endpoint === "responses"
          ? client.responses.stream(STREAM_REQUEST)
          : client.responses.retrieve(FAULT_ID),
      expect: { error: ServerError, status: 500 },
    });
  }
}

// Cheap guards: odd function-call events, walks a caller stops, options checked before I/O -----

const streamOf = (events: unknown[]) => () =>
  rawHttp((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(sse(events));
  });
add({
  fault: "stream: function_call_arguments.delta whose item_id is a number",
  endpoint: "responses",
  setup: streamOf([
    created,
    { type: "response.function_call_arguments.delta", item_id: 7, output_index: 0, delta: "{" },
    completed,
  ]),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    for await (const _ of stream) void _;
  },
  expect: { error: CodexApiError },
});
add({
  fault: "stream: a function_call item whose arguments are an object, not JSON text",
  endpoint: "responses",
  setup: streamOf([
    created,
    {
      type: "response.output_item.done",
      output_index: 0,
      item: { type: "function_call", call_id: "c1", name: "f", arguments: { a: 1 } },
    },
    completed,
  ]),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    return (await stream.collect()).functionCalls.map((c) => typeof c.arguments);
  },
  expect: { ok: true },
  expectedValue: ["string"],
});
add({
  fault: "inputItems: break after the first item of a has_more page",
  endpoint: "inputItems",
  setup: pagesServer((n) => ({ data: [item(n)], has_more: true, last_id: `c${n}` })),
  run: async ({ client }) => {
    for await (const _ of client.responses.inputItems(FAULT_ID)) break;
  },
  expect: { ok: true },
  check: requests(1),
});
for (const [what, options] of [
  ['order "ASC"', { order: "ASC" }],
  ["include [1, 2]", { include: [1, 2] }],
  ["limit 0.5", { limit: 0.5 }],
  ["after 5", { after: 5 }],
  ["an unknown key pageSize", { pageSize: 5 }],
] as const) {
  add({
    fault: `inputItems: ${what}`,
    endpoint: "inputItems",
    setup: ITEMS_OK,
    run: ({ client }) => walk(client, 10, options),
    expect: { error: InvalidRequestError, retryable: false },
    check: requests(0),
  });
}
{
  const auths: (string | undefined)[] = [];
  add({
    fault: "env: auth null with OPENAI_API_KEY set sends no Authorization",
    endpoint: "retrieve",
    setup: () =>
      rawHttp((req, res) => {
        auths.push(req.headers.authorization);
        json(res, 200, STORED);
      }),
    run: ({ served }) =>
      withEnv({ OPENAI_API_KEY: SECRET_TOKEN }, async () => {
        const client = createClient({ auth: null, provider: { baseUrl: `${served.url}/v1` } });
        return (await client.responses.retrieve(FAULT_ID)).id;
      }),
    expect: { ok: true },
    expectedValue: FAULT_ID,
    check: () => (auths.at(-1) === undefined ? [] : ["an Authorization header was sent"]),
  });
}
add({
  fault: "retrieve: a retry object whose maxAttempts getter throws",
  endpoint: "retrieve",
  setup: ITEMS_OK,
  run: ({ client }) =>
    client.responses.retrieve(FAULT_ID, {
      retry: {
        get maxAttempts(): number {
          throw new Error("boom from a nested getter");
        },
      },
    }),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
add({
  fault: "delete: headers an iterable whose iterator throws",
  endpoint: "delete",
  setup: ITEMS_OK,
  run: ({ client }) =>
    client.responses.delete(FAULT_ID, {
      headers: {
        *[Symbol.iterator](): Iterator<[string, string]> {
          yield ["x-a", "b"];
          throw new Error("boom from an iterator");
        },
      },
    }),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
});
