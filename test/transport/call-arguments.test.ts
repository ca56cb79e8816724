// Every call checks its arguments before any I/O and rejects (never throws) with InvalidRequestError
// (`code: "invalid_option"`, `param` the path); `input: "text"` is one user message; headers and
// query params given as Headers, Map, URLSearchParams or pairs are sent; a call's
// `requestTimeoutMs` and `retry` win over the provider's for that call only.
import { afterEach, describe, expect, it } from "vitest";
import {
  InvalidRequestError,
  RequestTimeoutError,
  ServerError,
  createClient,
  type CodexClient,
} from "../../src/index.js";
import { clientFor, rejection } from "../helpers/calls.js";
import { connectResponses } from "../../src/websocket/index.js";
import { json, sseFrame, stall, startServer, startTcpServer } from "../helpers/server.js";

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(...replies: Parameters<typeof startServer>) {
  const s = await startServer(...replies);
  servers.push(s);
  return s;
}

const COMPLETED = {
  chunks: [sseFrame({ type: "response.completed", response: { id: "resp_1" } })],
};
const USER_HI = [{ type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] }];

type Call = (client: CodexClient) => Promise<unknown>;
const s = (client: CodexClient, request: unknown, options?: unknown) =>
  client.responses.stream(request as never, options as never);

describe("a call with wrong arguments rejects before sending", () => {
  const ok = { model: "m", input: [] };
  const rows: [string, Call, string][] = [
    ["stream()", (c) => s(c, undefined), "request"],
    ["stream(null)", (c) => s(c, null), "request"],
    ["stream('Hi')", (c) => s(c, "Hi"), "request"],
    ["stream({})", (c) => s(c, {}), "request.model"],
    ["an empty model", (c) => s(c, { model: "", input: [] }), "request.model"],
    ["a model that is a number", (c) => s(c, { model: 5, input: [] }), "request.model"],
    ["no input", (c) => s(c, { model: "m" }), "request.input"],
    ["an input that is an object", (c) => s(c, { model: "m", input: {} }), "request.input"],
    ["options that are a string", (c) => s(c, ok, "yes"), "options"],
    ["options that are an array", (c) => s(c, ok, []), "options"],
    ["signal: 'yes'", (c) => s(c, ok, { signal: "yes" }), "options.signal"],
    ["signal: {}", (c) => s(c, ok, { signal: {} }), "options.signal"],
    [
      "a header value that is a number",
      (c) => s(c, ok, { headers: { "x-a": 1 } }),
      "options.headers",
    ],
    ["headers that are a string", (c) => s(c, ok, { headers: "x-a: 1" }), "options.headers"],
    ["pairs that are not pairs", (c) => s(c, ok, { headers: [["x-a"]] }), "options.headers"],
    [
      "a name given twice",
      (c) =>
        s(c, ok, {
          headers: [
            ["x-a", "1"],
            ["x-a", "2"],
          ],
        }),
      "options.headers",
    ],
    ["requestTimeoutMs 0", (c) => s(c, ok, { requestTimeoutMs: 0 }), "options.requestTimeoutMs"],
    [
      "retry.maxAttempts 0",
      (c) => s(c, ok, { retry: { maxAttempts: 0 } }),
      "options.retry.maxAttempts",
    ],
    [
      "includeRawEvents 'yes'",
      (c) => s(c, ok, { includeRawEvents: "yes" }),
      "options.includeRawEvents",
    ],
    ["compactInput()", (c) => c.compact.compactInput(undefined as never), "request"],
    [
      "compactInput with input 5",
      (c) => c.compact.compactInput({ model: "m", input: 5, instructions: "" } as never),
      "request.input",
    ],
    [
      "compactInput with signal 'yes'",
      (c) => c.compact.compactInput({ ...ok, instructions: "" }, { signal: "yes" as never }),
      "options.signal",
    ],
    [
      "summarizeInput without rawMemories",
      (c) => c.memories.summarizeInput({ model: "m" } as never),
      "request.rawMemories",
    ],
    ["summarizeInput(null)", (c) => c.memories.summarizeInput(null as never), "request"],
    ["models.list('x')", (c) => c.models.list("x" as never), "options"],
    [
      "models.list with a clientVersion number",
      (c) => c.models.list({ clientVersion: 1 as never }),
      "options.clientVersion",
    ],
  ];

  it.each(rows)("%s", async (_, call, param) => {
    const srv = await server(json(200, {}));
    const client = clientFor(srv);
    let promise: Promise<unknown> | undefined;
    expect(() => (promise = call(client))).not.toThrow();
    const error = await rejection(promise!);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.code).toBe("invalid_option");
    expect(error.param).toBe(param);
    expect(error.retryable).toBe(false);
    expect(srv.requests).toHaveLength(0);
  });

  it("never quotes a string value (a header value, a wrong options string)", async () => {
    const srv = await server(json(200, {}));
    const client = clientFor(srv);
    const secret = "sk-SECRET-in-a-value";
    const errors = [
      await rejection(s(client, ok, secret)),
      await rejection(s(client, { model: "m", input: { secret } }, {})),
      await rejection(s(client, ok, { headers: [["x-a", secret, "extra"]] })),
      await rejection(s(client, ok, { signal: secret })),
    ];
    for (const error of errors)
      expect(JSON.stringify([error.message, error])).not.toContain(secret);
  });
});

describe("input: a string is one user message", () => {
  it("responses.stream sends it as one input_text message", async () => {
    const srv = await server(COMPLETED);
    const stream = await clientFor(srv).responses.stream({ model: "m", input: "Hi" });
    await stream.collect();
    expect((srv.requests[0]?.json() as { input: unknown }).input).toEqual(USER_HI);
  });

  it("compact.compactInput sends it the same way", async () => {
    const srv = await server(json(200, { output: [] }));
    await clientFor(srv).compact.compactInput({ model: "m", input: "Hi", instructions: "" });
    expect((srv.requests[0]?.json() as { input: unknown }).input).toEqual(USER_HI);
  });
});

describe("headers and query params in other shapes are sent", () => {
  it("per call: a Headers, a Map and [name, value] pairs", async () => {
    const srv = await server(json(200, { models: [] }));
    const client = clientFor(srv);
    await client.models.list({ headers: new Headers({ "X-One": "1" }) });
    await client.models.list({ headers: new Map([["x-two", "2"]]) as never });
    await client.models.list({ headers: [["x-three", "3"]] });
    expect(
      srv.requests.map((r) => r.headers["x-one"] ?? r.headers["x-two"] ?? r.headers["x-three"]),
    ).toEqual(["1", "2", "3"]);
  });

  it("on the provider: Headers as headers, URLSearchParams as queryParams", async () => {
    const srv = await server(json(200, { models: [] }));
    const client = clientFor(srv, {
      headers: new Headers({ "x-team": "a" }) as never,
      queryParams: new URLSearchParams({ "api-version": "2025" }) as never,
    });
    await client.models.list();
    expect(srv.requests[0]?.headers["x-team"]).toBe("a");
    expect(srv.requests[0]?.url).toContain("api-version=2025");
  });

  it("a provider query param given twice is an error, not a silent loss", () => {
    const queryParams = new URLSearchParams("v=1&v=2");
    let error: unknown;
    try {
      createClient({
        provider: { baseUrl: "http://127.0.0.1:1", queryParams: queryParams as never },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).param).toBe("provider.queryParams");
  });
});

describe("a call's requestTimeoutMs and retry win over the provider's, for that call", () => {
  it("requestTimeoutMs: the call times out, the provider's (none) does not apply", async () => {
    const srv = await server(stall);
    const client = clientFor(srv, { requestTimeoutMs: Infinity, retry: { maxAttempts: 1 } });
    const error = await rejection(client.models.list({ requestTimeoutMs: 30 }));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.message).toContain("30 ms");
  });

  it("retry.maxAttempts: more for one call, fewer for another; the provider's stays", async () => {
    const fail = json(500, { error: { message: "boom" } });
    const srv = await server(fail);
    const client = clientFor(srv, { retry: { maxAttempts: 1, baseDelayMs: 1 } });
    const more = await rejection(client.models.list({ retry: { maxAttempts: 3 } }));
    expect(more).toBeInstanceOf(ServerError);
    expect(srv.requests).toHaveLength(3);
    await rejection(client.models.list());
    expect(srv.requests).toHaveLength(4);
    const stream = await rejection(
      client.responses.stream({ model: "m", input: "Hi" }, { retry: { maxAttempts: 2 } }),
    );
    expect(stream.attempts).toBe(2);
    expect(srv.requests).toHaveLength(6);
  });

  it("retry.retry5xx: false for one call", async () => {
    const srv = await server(json(503, { error: { message: "busy" } }));
    const client = clientFor(srv, { retry: { maxAttempts: 4, baseDelayMs: 1 } });
    await rejection(
      client.compact.compactInput(
        { model: "m", input: [], instructions: "" },
        { retry: { retry5xx: false } },
      ),
    );
    expect(srv.requests).toHaveLength(1);
  });
});

describe("on a socket, a call's requestTimeoutMs and retry win too", () => {
  it("a handshake never answered times out after the call's requestTimeoutMs, tried once", async () => {
    const tcp = await startTcpServer({}); // accepts, never answers the upgrade
    servers.push(tcp);
    const client = createClient({
      provider: { baseUrl: `${tcp.url}/v1`, requestTimeoutMs: Infinity },
      auth: null,
    });
    const socket = connectResponses(client);
    const options = { requestTimeoutMs: 50, retry: { maxAttempts: 1 } };
    const error = await rejection(socket.stream({ model: "m", input: "Hi" }, options));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.attempts).toBe(1);
    expect(tcp.requestCount()).toBeLessThanOrEqual(1); // under load the timeout may come first
    await socket.close();
  });
});
