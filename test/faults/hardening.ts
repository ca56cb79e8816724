// Fault-matrix rows for the hardening rules (README "Options" and "Errors"): options checked by
// createClient, what no retry can fix, redirects, bounded reads, a 2xx of the wrong type, secrets
// echoed by a server, hooks and loggers that fail, a stuck auth provider, listeners on the signal.
import {
  callOnce,
  type EndpointName,
  ENDPOINTS,
  type FaultCase,
  mock,
  plain,
  rawHttp,
  type Served,
  STREAM_REQUEST,
} from "./kit.js";
import { getEventListeners } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import {
  AbortError,
  ContextWindowExceededError,
  InvalidRequestError,
  InvalidResponseError,
  RequestTimeoutError,
  ServerError,
  TransportError,
  createClient,
  type ClientOptions,
  type Telemetry,
} from "../../src/index.js";
import { SECRET_ACCOUNT, SECRET_TOKEN, SECRET_URL_PASSWORD } from "./harness.js";
import { sleep } from "../helpers/calls.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const HARDENING_CASES: FaultCase[] = [];
const all = (fn: (e: EndpointName) => Omit<FaultCase, "endpoint"> | undefined) => {
  for (const endpoint of ENDPOINTS) {
    const c = fn(endpoint);
    if (c) HARDENING_CASES.push({ ...c, endpoint });
  }
};
const isStream = (e: EndpointName) => e === "responses";
const MiB = 1024 * 1024;
export const requests = (n: number) => (ctx: { served: Served }) =>
  ctx.served.requestCount() === n ? [] : [`${ctx.served.requestCount()} requests, want ${n}`];

// Options -----------------------------------------------------------------------------------------

const BAD_OPTIONS: [string, (url: string) => ClientOptions][] = [
  [
    "provider.baseUrl",
    (url) => ({ provider: { baseUrl: url.replace("//", `//u:${SECRET_URL_PASSWORD}@`) } }),
  ],
  ["provider.baseUrl", (url) => ({ provider: { baseUrl: `${url}/v1?key=1` } })],
  ["provider.requestTimeoutMs", (url) => ({ provider: { baseUrl: url, requestTimeoutMs: NaN } })],
  [
    "provider.streamIdleTimeoutMs",
    (url) => ({ provider: { baseUrl: url, streamIdleTimeoutMs: 0 } }),
  ],
  [
    "provider.retry.baseDelayMs",
    (url) => ({ provider: { baseUrl: url, retry: { baseDelayMs: -1 } } }),
  ],
  [
    "provider.retry.maxAttempts",
    (url) => ({ provider: { baseUrl: url, retry: { maxAttempts: 0 } } }),
  ],
  ["provider.headers", (url) => ({ provider: { baseUrl: url, headers: { "api-key": "k\0" } } })],
  ["auth", (url) => ({ provider: { baseUrl: url }, auth: `${SECRET_TOKEN}\n` })],
];

all((e) => ({
  fault: "invalid options (createClient throws)",
  setup: plain(e),
  run: async ({ served }) => {
    const thrown = BAD_OPTIONS.map(([param, options]) => {
      try {
        createClient(options(served.url));
        return `${param}: accepted`;
      } catch (error) {
        const ok = error instanceof InvalidRequestError && error.param === param;
        return ok ? error : `${param}: ${String(error)}`;
      }
    });
    const wrong = thrown.filter((t) => typeof t === "string");
    if (wrong.length > 0) return wrong;
    throw thrown[0];
  },
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
}));

const overflowWarnings: string[] = [];
process.on("warning", (w) => {
  if (w.name === "TimeoutOverflowWarning") overflowWarnings.push(w.message);
});

all((e) => ({
  fault: "timeouts of Infinity (no timer)",
  setup: plain(e),
  requestTimeoutMs: Infinity,
  streamIdleTimeoutMs: Infinity,
  run: async ({ client }) => {
    const before = overflowWarnings.length;
    const value = await callOnce(e, client);
    await sleep(5);
    if (overflowWarnings.length > before) throw new Error(`${overflowWarnings.at(-1)}`);
    return value;
  },
  expect: { ok: true },
  baseline: plain(e),
}));

// What no retry can fix ---------------------------------------------------------------------------

HARDENING_CASES.push(
  {
    fault: "unknown compression mode",
    endpoint: "responses",
    setup: plain("responses"),
    run: ({ client }) => client.responses.stream(STREAM_REQUEST, { compression: "br" as never }),
    expect: { error: InvalidRequestError, retryable: false },
    check: requests(0),
  },
  {
    fault: "gzip without CompressionStream",
    endpoint: "responses",
    setup: plain("responses"),
    run: async ({ client }) => {
      const saved = globalThis.CompressionStream;
      delete (globalThis as { CompressionStream?: unknown }).CompressionStream;
      try {
        return await client.responses.stream(STREAM_REQUEST, { compression: "gzip" });
      } finally {
        globalThis.CompressionStream = saved;
      }
    },
    expect: { error: InvalidRequestError, retryable: false },
    check: requests(0),
  },
);

const withAuth = (auth: ClientOptions["auth"]) => (base: ClientOptions) => ({ ...base, auth });

all((e) => ({
  fault: "NUL in the token (header grammar)",
  setup: plain(e),
  options: withAuth({ bearerToken: () => `${SECRET_TOKEN}\0`, accountId: () => SECRET_ACCOUNT }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
}));

all((e) => ({
  fault: "account id above U+00FF (header grammar)",
  setup: plain(e),
  options: withAuth({ bearerToken: () => SECRET_TOKEN, accountId: () => `${SECRET_ACCOUNT}→` }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: InvalidRequestError, retryable: false },
  check: requests(0),
}));

all((e) => ({
  fault: "runtime refuses network access (NotCapable)",
  setup: plain(e),
  options: (base) => ({
    ...base,
    fetch: () => {
      const error = new Error("Requires net access to 127.0.0.1");
      error.name = "NotCapable";
      return Promise.reject(error);
    },
  }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: TransportError, retryable: false, attempts: 1 },
  check: requests(0),
}));

// Redirects ---------------------------------------------------------------------------------------

/** A server that redirects every request to `target(own url)`, and a second server it points at. */
function redirecting(status: number, elsewhere: boolean, seen: { other?: Served }) {
  return async (): Promise<Served> => {
    const other = elsewhere ? await rawHttp((_q, res) => res.end("{}")) : undefined;
    seen.other = other;
    let self = "";
    const server = await rawHttp((_req, res) => {
      const to = other ? other.url.replace("//", `//u:${SECRET_URL_PASSWORD}@`) : self;
      res.writeHead(status, { location: `${to}/v1/steal` });
      res.end();
    });
    self = server.url;
    return {
      ...server,
      openConnections: () => server.openConnections() + (other?.openConnections() ?? 0),
      close: async () => {
        await server.close();
        await other?.close();
      },
    };
  };
}

all((e) => {
  const seen: { other?: Served } = {};
  return {
    fault: "cross-origin 307 redirect",
    setup: redirecting(307, true, seen),
    run: ({ client }) => callOnce(e, client),
    expect: { error: InvalidRequestError, status: 307, retryable: false, attempts: 1 },
    check: (ctx) => [
      ...requests(1)(ctx),
      ...(seen.other?.requestCount() ? ["the redirect was followed to the other origin"] : []),
    ],
  };
});

all((e) => ({
  fault: "redirect loop",
  setup: redirecting(302, false, {}),
  run: ({ client }) => callOnce(e, client),
  expect: { error: InvalidRequestError, status: 302, retryable: false, attempts: 1 },
  check: requests(1),
}));

// Bounded reads -----------------------------------------------------------------------------------

/** Writes `count` copies of `chunk` with backpressure until done or the client leaves; adds to `sent`. */
export function pump(res: ServerResponse, chunk: Buffer, count: number, sent: number[]): void {
  const i = sent.push(0) - 1;
  let n = 0;
  const go = (): void => {
    while (n < count && !res.destroyed) {
      n++;
      sent[i]! += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", go);
    }
    res.end();
  };
  res.on("error", () => {});
  go();
}

const bodyType = (e: EndpointName) => (isStream(e) ? "text/html" : "application/json");
export const sentUnder = (sent: number[], bytes: number, attempts: number) => () =>
  sent.length === attempts && sent.every((n) => n < bytes)
    ? []
    : [
        `server wrote ${sent.map((n) => Math.round(n / MiB)).join(", ")} MiB (want ${attempts} × < ${bytes / MiB})`,
      ];
// Not SSE on a stream is read up to 64 KiB; a JSON reply up to maxReplyBytes.
const tooBig = { error: InvalidResponseError, status: 200, retryable: false, attempts: 1 } as const;

const GZIP_MEMBER = gzipSync(Buffer.alloc(MiB, 0x20), { level: 9 });
all((e) => {
  const sent: number[] = [];
  return {
    fault: "gzip bomb (1 GiB decoded from 1 MB)",
    deadlineMs: 30_000,
    // Decoding up to the 32 MiB limit takes as long as the machine's load makes it: the row is
    // about the limit, not the timeout (which would turn it into a retried RequestTimeoutError),
    // so the timeout is off and the deadline only bounds a hang.
    requestTimeoutMs: Infinity,
    setup: () =>
      rawHttp((_req, res) => {
        res.writeHead(200, { "content-type": bodyType(e), "content-encoding": "gzip" });
        pump(res, GZIP_MEMBER, 1024, sent);
      }),
    run: ({ client }) => callOnce(e, client),
    expect: tooBig,
    check: (ctx) => requests(1)(ctx),
  };
});

all((e) => {
  const sent: number[] = [];
  return {
    fault: "600 MB reply",
    deadlineMs: 30_000,
    requestTimeoutMs: Infinity, // as the gzip bomb: about the limit, not the time to reach it
    setup: () =>
      rawHttp((_req, res) => {
        res.writeHead(200, { "content-type": bodyType(e) });
        pump(res, Buffer.alloc(MiB, 0x20), 600, sent);
      }),
    run: ({ client }) => callOnce(e, client),
    expect: tooBig,
    check: sentUnder(sent, 100 * MiB, 1),
  };
});

all((e) => {
  const sent: number[] = [];
  return {
    fault: "503 with a 150 MB body",
    deadlineMs: 10_000,
    setup: () =>
      rawHttp((_req, res) => {
        res.writeHead(503, { "content-type": "text/html" });
        pump(res, Buffer.alloc(MiB, 0x3c), 150, sent);
      }),
    run: ({ client }) => callOnce(e, client),
    expect: { error: ServerError, status: 503, retryable: true, attempts: 3 },
    check: sentUnder(sent, 16 * MiB, 3),
  };
});

HARDENING_CASES.push({
  fault: "JSON error body on a 200 /responses",
  endpoint: "responses",
  setup: () =>
    mock("responses", {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: { code: "context_length_exceeded", message: "too long" } }),
    }),
  run: ({ client }) => callOnce("responses", client),
  expect: { error: ContextWindowExceededError, status: 200, attempts: 1, requestId: "last" },
});

// Secrets a server echoes -------------------------------------------------------------------------

/** Everything secret the request carried, as a careless server would echo it. */
const echo = (req: IncomingMessage) =>
  ["authorization", "api-key", "x-api-key", "chatgpt-account-id"]
    .map((name) => `${name}: ${String(req.headers[name])}`)
    .concat(`see http://admin:${SECRET_URL_PASSWORD}@internal.example/`)
    .join("; ");

all((e) => ({
  fault: "4xx body echoes the request's secrets",
  setup: () =>
    rawHttp((req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: echo(req), code: "bad_request" } }));
    }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: InvalidRequestError, status: 400, retryable: false, attempts: 1 },
}));

all((e) => ({
  fault: "2xx of the wrong type or shape echoes the secrets",
  setup: () =>
    rawHttp((req, res) => {
      res.writeHead(200, { "content-type": bodyType(e) });
      res.end(isStream(e) ? `<p>${echo(req)}</p>` : JSON.stringify({ output: echo(req) }));
    }),
  run: ({ client }) => callOnce(e, client),
  // The shape of a JSON reply is checked after the transport: no `attempts` there.
  expect: { error: InvalidResponseError, status: 200, retryable: false },
  check: requests(1),
}));

// Hooks and the logger ----------------------------------------------------------------------------

all((e) => ({
  fault: "async telemetry hooks reject (with a secret)",
  setup: () => mock(e, [{ status: 503 }, {}]),
  options: (base) => {
    const capture = base.telemetry as Required<Telemetry>;
    const failing = (hook: (info: never) => void) => async (info: never) => {
      hook(info);
      throw new Error(`hook failed holding ${SECRET_TOKEN}`);
    };
    const telemetry = {
      onRequest: failing(capture.onRequest),
      onRetry: failing(capture.onRetry),
      onSseEvent: failing(capture.onSseEvent),
    };
    return { ...base, telemetry };
  },
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
}));

all((e) => ({
  fault: "a logger that throws",
  setup: () => mock(e, [{ status: 503 }, {}]),
  options: (base) => {
    const down = () => {
      throw new Error("logger down");
    };
    return { ...base, logger: { debug: down, info: down, warn: down, error: down } };
  },
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
}));

// A stuck auth provider ---------------------------------------------------------------------------

const never = <T>() => new Promise<T>(() => {});

all((e) => ({
  fault: "bearerToken() never answers",
  setup: plain(e),
  options: withAuth({ bearerToken: never }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: RequestTimeoutError },
  check: requests(0),
}));

all((e) => {
  const reason = new Error("caller gave up");
  return {
    fault: "abort while accountId() is pending (late rejection)",
    setup: plain(e),
    options: withAuth({
      bearerToken: () => SECRET_TOKEN,
      accountId: () => sleep(100).then(() => Promise.reject(new Error("late"))),
    }),
    run: async ({ client }) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 20);
      try {
        return await callOnce(e, client, controller.signal);
      } finally {
        await sleep(120); // the late rejection lands inside the case
      }
    },
    expect: { error: AbortError, retryable: false },
    check: (ctx, { error }) => [
      ...requests(0)(ctx),
      ...((error as AbortError | undefined)?.cause === reason ? [] : ["cause is not the reason"]),
    ],
  };
});

all((e) => ({
  fault: "onUnauthorized() never answers after a 401",
  setup: () => mock(e, { status: 401 }),
  options: withAuth({ bearerToken: () => SECRET_TOKEN, onUnauthorized: never }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: RequestTimeoutError },
  check: requests(1),
}));

// Listeners on the caller's signal ----------------------------------------------------------------

for (const [fault, reply] of [
  ["listeners on the signal after a call", {}],
  ["listeners on the signal after retries fail", { status: 503 }],
] as const) {
  all((e) => {
    let left = -1;
    return {
      fault,
      setup: () => mock(e, reply),
      run: async ({ client }) => {
        const { signal } = new AbortController();
        try {
          return await callOnce(e, client, signal);
        } finally {
          left = getEventListeners(signal, "abort").length;
        }
      },
      expect: "status" in reply ? { error: ServerError, attempts: 3 } : { ok: true },
      ...("status" in reply ? {} : { baseline: plain(e) }),
      check: () => (left === 0 ? [] : [`${left} listener(s) left on the caller's signal`]),
    };
  });
}
