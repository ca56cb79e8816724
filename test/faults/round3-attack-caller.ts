// Fault-matrix rows of the third round's adversary, a careless caller: ids a URL cannot carry,
// options objects that are frozen, inherited, `null`, or hand a string where an array belongs, env
// values with whitespace, `.withResponse()` on every JSON call, collect() raced against a loop,
// request bodies JSON cannot write, hostile mock reply functions (round3-attack.ts adds them to its rows).
import {
  completed,
  created,
  delta,
  FAULT_ID,
  front,
  mock,
  rawHttp,
  STREAM_REQUEST,
} from "./kit.js";
import {
  AbortError,
  CodexApiError,
  InvalidRequestError,
  ServerError,
  StreamError,
  createClient,
  type CodexClient,
  type ResponseEvent,
} from "../../src/index.js";
import { startMockServer, type MockReplyEntry } from "../../src/testing/index.js";
import { requests } from "./hardening.js";
import { SECRET_TOKEN } from "./harness.js";
import { sse } from "./round3.js";

import { add, item, json, pagesServer, STORED, walk } from "./round3-attack.js";

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
