// Hostile cases for the code loaded on first use, by the paths that load it: background streams,
// `cancelOnAbort` and `client.responses.resume()` (src/resources/background.ts), a failure reported
// over HTTP, a background stream and the WebSocket (src/errors/reported.ts), collect()'s result
// (src/stream/collected.ts) and the stored operations. Each case imports the client anew (`fresh()`),
// so what it loads is a real load, and checks what it did before: the same classes, messages and
// params, nothing sent for a bad argument, the call as given when it was made.
import { afterEach, describe, expect, it } from "vitest";
import type * as Api from "../../src/index.js";
import { startMockServer, type MockScript, type MockServer } from "../../src/testing/index.js";
import { fresh, failOnUnhandledRejections } from "../helpers/fresh.js";
import { REQUEST, within } from "../helpers/calls.js";

/** The client's modules imported anew: nothing loaded on first use is loaded yet. */
failOnUnhandledRejections();

const SECRET = "tok-secret-4f9a2b7c";
const BACKGROUND = { ...REQUEST, background: true, store: true };
const created = { type: "response.created", response: { id: "resp_mock_1" } };
const failedWith = (code: string, message: string) => ({
  type: "response.failed",
  response: { id: "resp_mock_1", status: "failed", error: { code, message } },
});

let mock: MockServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

/** A fresh client of the mock with `script`; what its telemetry and logger saw. */
async function setup(script: MockScript = {}, rest: Partial<Api.ClientOptions> = {}) {
  const api = await fresh();
  mock = await startMockServer(script);
  const seen: unknown[] = [];
  const client = api.createClient({
    provider: { baseUrl: `${mock.url}/v1`, retry: { baseDelayMs: 1, maxAttempts: 1 } },
    auth: SECRET,
    telemetry: {
      onSseEvent: (info) => void seen.push(info),
      onRequest: (info) => void seen.push(info),
      onResume: (info) => void seen.push(info),
    },
    logger: {
      debug: (...args) => void seen.push(args),
      warn: (...args) => void seen.push(args),
    },
    ...rest,
  });
  return { api, client, mock, seen };
}

/** What `p` rejected with (the case fails when it resolves), within 5 s. */
async function rejected(p: Promise<unknown>): Promise<unknown> {
  return within(
    p.then(
      () => {
        throw new Error("expected a rejection");
      },
      (error: unknown) => error,
    ),
    5000,
  );
}

/** Reads `stream` to its end; its error. */
async function loopError(stream: Api.ResponseStream): Promise<unknown> {
  return rejected(
    (async () => {
      for await (const _ of stream) void _;
    })(),
  );
}

/** Every object reachable from `value` (arrays, plain objects, error causes), to look for a marker. */
function reachable(value: unknown, out: object[] = [], depth = 0): object[] {
  if (depth > 6 || value === null || typeof value !== "object" || out.includes(value)) return out;
  out.push(value);
  for (const v of Object.values(value)) reachable(v, out, depth + 1);
  if (value instanceof Error) reachable(value.cause, out, depth + 1);
  return out;
}

describe("a reported failure, by every path, is its class and nothing else", () => {
  it("a secret echoed in a response.failed message is scrubbed from the error and the hooks", async () => {
    const { api, client, seen } = await setup({
      responses: { events: [created, failedWith("invalid_prompt", `bad key ${SECRET}`)] },
    });
    const stream = await client.responses.stream(REQUEST);
    const error = await rejected(stream.collect());
    expect(error).toBeInstanceOf(api.InvalidRequestError);
    expect((error as Error).message).toContain("bad key");
    expect(JSON.stringify([String(error), (error as Error).message])).not.toContain(SECRET);
    expect(JSON.stringify(seen)).not.toContain(SECRET);
  });

  it("no hook, log line or error holds an object that is not the mapped error", async () => {
    const { api, client, seen } = await setup({
      responses: { events: [created, { type: "error", code: "server_is_overloaded" }] },
    });
    const error = await loopError(await client.responses.stream(REQUEST));
    expect(error).toBeInstanceOf(api.ServerOverloadedError);
    // Plain objects, arrays, Headers and errors only: no internal object of the stream.
    const odd = reachable([seen, error]).filter(
      (o) =>
        !Array.isArray(o) &&
        !(o instanceof Headers) &&
        ![Object.prototype, null].includes(Object.getPrototypeOf(o)),
    );
    for (const o of odd) expect(o).toBeInstanceOf(api.CodexApiError);
    expect(seen).toContainEqual(expect.objectContaining({ type: "error" }));
  });

  it("a background stream's reported failure: its class, id and sequence number, no resume", async () => {
    const events = [
      { ...created, sequence_number: 0 },
      { ...failedWith("context_length_exceeded", "too long"), sequence_number: 1 },
    ];
    const { api, client, mock } = await setup({ responses: { events } });
    const stream = await client.responses.stream(BACKGROUND);
    const error = (await loopError(stream)) as Api.CodexApiError;
    expect(error).toBeInstanceOf(api.ContextWindowExceededError);
    expect(error.responseId).toBe("resp_mock_1");
    expect(error.lastSequenceNumber).toBe(1);
    expect(mock.requests.map((r) => r.method)).toEqual(["POST"]);
  });

  it("a resumed stream's reported failure is its class, loaded by a client that never streamed", async () => {
    const events = [
      { ...created, sequence_number: 0 },
      { type: "response.in_progress", response: { id: "resp_mock_1" }, sequence_number: 1 },
      { ...failedWith("insufficient_quota", "no more"), sequence_number: 2 },
    ];
    const { client } = await setup({ responses: { events } });
    await rejected((await client.responses.stream(BACKGROUND)).collect());
    const api = await fresh();
    const other = api.createClient({ provider: { baseUrl: `${mock!.url}/v1` }, auth: "t" });
    const stream = await other.responses.resume("resp_mock_1", { startingAfter: 1 });
    const error = (await rejected(stream.collect())) as Api.CodexApiError;
    expect(error).toBeInstanceOf(api.QuotaExceededError);
    expect(error.responseId).toBe("resp_mock_1");
  });

  it("over the WebSocket: the mapped class, and the socket's next request still works", async () => {
    const { api, client } = await setup({
      responses: [{ events: [created, failedWith("slow_down", "easy")] }, {}],
    });
    const ws = await import("../../src/websocket/index.js");
    const socket = ws.connectResponses(client);
    try {
      const error = await rejected((await socket.stream(REQUEST)).collect());
      expect(error).toBeInstanceOf(api.ServerOverloadedError);
      const next = await within((await socket.stream(REQUEST)).collect(), 5000);
      expect(next.text).toBe("Echo: hi");
    } finally {
      await socket.close();
    }
  });

  it("a socket's warmup whose response fails rejects with the mapped class", async () => {
    const { api, client } = await setup({
      responses: [{ events: [created, { type: "error", code: "insufficient_quota" }] }, {}],
    });
    const ws = await import("../../src/websocket/index.js");
    const socket = ws.connectResponses(client);
    try {
      expect(await rejected(socket.warmup(REQUEST))).toBeInstanceOf(api.QuotaExceededError);
      expect(await within(socket.warmup(REQUEST), 5000)).toMatch(/^resp_mock_/);
    } finally {
      await socket.close();
    }
  });

  it("twenty clients of one fresh import fail and collect at once: each its class or its result", async () => {
    const api = await fresh();
    mock = await startMockServer({
      responses: (req) =>
        JSON.stringify(req.body).includes("fail")
          ? { events: [created, failedWith("rate_limit_exceeded", "wait")] }
          : {},
    });
    const clients = Array.from({ length: 20 }, () =>
      api.createClient({ provider: { baseUrl: `${mock!.url}/v1` }, auth: "t" }),
    );
    const outcomes = await within(
      Promise.all(
        clients.map(async (client, i) => {
          const stream = await client.responses.stream({
            ...REQUEST,
            input: i % 2 ? "fail" : "ok",
          });
          return stream.collect().then(
            (r) => r.text,
            (e: unknown) => e,
          );
        }),
      ),
      8000,
    );
    outcomes.forEach((o, i) => {
      if (i % 2) expect(o).toBeInstanceOf(api.RateLimitError);
      else expect(o).toBe("Echo: ok");
    });
  });
});

describe("background, cancelOnAbort and resume: loaded on first use, checked as before", () => {
  it.each([
    ["a negative maxResumes", { resume: { maxResumes: -1 } }, "options.resume.maxResumes"],
    ["an unknown resume key", { resume: { max: 2 } }, "options.resume.max"],
    ["a resume that is true", { resume: true }, "options.resume"],
    ["cancelOnAbort not a boolean", { cancelOnAbort: "yes" }, "options.cancelOnAbort"],
  ])("background: true with %s sends nothing", async (_, options, param) => {
    const { api, client, mock } = await setup();
    const error = await rejected(
      client.responses.stream(BACKGROUND, options as Api.ResponsesOptions),
    );
    expect(error).toBeInstanceOf(api.InvalidRequestError);
    expect((error as Api.InvalidRequestError).param).toBe(param);
    expect((error as Error).message).toMatch(/^responses\.stream: options\./);
    expect(mock.requests).toEqual([]);
  });

  it("background: true without store: true sends nothing (param request.store)", async () => {
    const { api, client, mock } = await setup();
    const error = await rejected(client.responses.stream({ ...REQUEST, background: true }));
    expect(error).toBeInstanceOf(api.InvalidRequestError);
    expect((error as Api.InvalidRequestError).param).toBe("request.store");
    expect(mock.requests).toEqual([]);
  });

  it.each([
    ["an empty id", "", '""'],
    ["..", "..", '".."'],
    ["a number", 42, "a number"],
    ["a lone surrogate", "resp_\uD800", "a lone surrogate"],
  ])("resume() with %s: InvalidRequestError (param id), nothing sent", async (_, id, got) => {
    const { api, client, mock } = await setup();
    const error = await rejected(client.responses.resume(id as string));
    expect(error).toBeInstanceOf(api.InvalidRequestError);
    expect((error as Api.InvalidRequestError).param).toBe("id");
    expect((error as Error).message).toBe(
      `responses.resume: the id must be a non-empty, well-formed string (got ${got})`,
    );
    expect(mock.requests).toEqual([]);
  });

  it.each([
    ["startingAfter -1", { startingAfter: -1 }, "options.startingAfter"],
    ["startingAfter 1.5", { startingAfter: 1.5 }, "options.startingAfter"],
    ["an unknown option", { startAfter: 3 }, "options.startAfter"],
    ["resume.maxResumes NaN", { resume: { maxResumes: NaN } }, "options.resume.maxResumes"],
    ["options a string", "fast", "options"],
  ])("resume() with %s: InvalidRequestError naming it, nothing sent", async (_, options, param) => {
    const { api, client, mock } = await setup();
    const error = await rejected(
      client.responses.resume("resp_1", options as Api.ResumeStreamOptions),
    );
    expect(error).toBeInstanceOf(api.InvalidRequestError);
    expect((error as Api.InvalidRequestError).param).toBe(param);
    expect((error as Error).message).toMatch(/^responses\.resume: (unknown option|options)/);
    expect(mock.requests).toEqual([]);
  });

  it("resume() reads its options when called: a later edit of them changes nothing sent", async () => {
    const { client, mock } = await setup();
    await (await client.responses.stream(BACKGROUND)).collect();
    const options: Api.ResumeStreamOptions = { startingAfter: 3, headers: { "x-trace": "a" } };
    const resuming = client.responses.resume("resp_mock_1", options);
    options.startingAfter = -1;
    options.headers = { "x-trace": "b" };
    const stream = await within(resuming, 5000);
    await within(stream.collect(), 5000);
    const get = mock.requests.at(-1)!;
    expect(get.url).toBe("/v1/responses/resp_mock_1?stream=true&starting_after=3");
    expect(get.headers["x-trace"]).toBe("a");
  });

  it("background: true sends the headers given when stream() was called, not a later edit", async () => {
    const { api, client, mock } = await setup();
    const headers: Record<string, string> = { "x-trace": "a" };
    const streaming = client.responses.stream(BACKGROUND, { headers });
    headers["x-trace"] = "bad\r\nvalue";
    const stream = await within(streaming, 5000).catch((e: unknown) => e);
    expect(stream).not.toBeInstanceOf(api.CodexApiError);
    await within((stream as Api.ResponseStream).collect(), 5000);
    expect(mock.requests[0]!.headers["x-trace"]).toBe("a");
  });

  it("cancelOnAbort: true with a signal aborted while its code loads: AbortError, nothing sent", async () => {
    const { api, client, mock } = await setup();
    const controller = new AbortController();
    const streaming = client.responses.stream(BACKGROUND, {
      cancelOnAbort: true,
      signal: controller.signal,
    });
    controller.abort();
    expect(await rejected(streaming)).toBeInstanceOf(api.AbortError);
    expect(mock.requests).toEqual([]);
  });

  it("cancelOnAbort: abort() after response.created sends cancel(id), loaded on first use", async () => {
    const { client, mock } = await setup({ responses: { stallAfterEvents: 2 } });
    const stream = await client.responses.stream(BACKGROUND, { cancelOnAbort: true });
    for await (const event of stream) if (event.type === "created") break;
    await within(
      (async () => {
        while (!mock.requests.some((r) => r.endpoint === "cancel"))
          await new Promise((r) => setTimeout(r, 5));
      })(),
      3000,
    );
    expect(mock.requests.at(-1)!.path).toBe("/v1/responses/resp_mock_1/cancel");
  });

  it("cancelOnAbort without background: break after response.created sends cancel(id)", async () => {
    const { client, mock } = await setup({ responses: { stallAfterEvents: 2 } });
    const stream = await client.responses.stream(REQUEST, { cancelOnAbort: true });
    for await (const event of stream) if (event.type === "created") break;
    await within(
      (async () => {
        while (!mock.requests.some((r) => r.endpoint === "cancel"))
          await new Promise((r) => setTimeout(r, 5));
      })(),
      3000,
    );
    expect(mock.requests.map((r) => r.endpoint)).toEqual(["responses", "cancel"]);
  });

  it("first resume() calls at once, one with a bad id: only that one rejects", async () => {
    const { client } = await setup();
    await (await client.responses.stream(BACKGROUND)).collect();
    const api = await fresh();
    const other = api.createClient({ provider: { baseUrl: `${mock!.url}/v1` }, auth: "t" });
    const [good, bad] = await within(
      Promise.allSettled([
        other.responses.resume("resp_mock_1").then((s) => s.collect()),
        other.responses.resume("."),
      ]),
      5000,
    );
    expect(good.status === "fulfilled" && good.value.text).toBe("Echo: hi");
    expect(bad.status === "rejected" && bad.reason).toBeInstanceOf(api.InvalidRequestError);
  });

  it("two resume() calls at once on a client that never loaded the code both stream", async () => {
    const { client } = await setup();
    await (await client.responses.stream(BACKGROUND)).collect();
    const api = await fresh();
    const other = api.createClient({ provider: { baseUrl: `${mock!.url}/v1` }, auth: "t" });
    const [a, b] = await within(
      Promise.all([
        other.responses.resume("resp_mock_1").then((s) => s.collect()),
        other.responses.resume("resp_mock_1", { startingAfter: 4 }).then((s) => s.collect()),
      ]),
      5000,
    );
    expect(a.text).toBe("Echo: hi");
    expect(b.text).toBe("Echo: hi"); // the item done after event 4 holds the whole text
    expect(a.items).toEqual(b.items);
    const urls = mock!.requests.slice(1).map((r) => r.url);
    expect(urls.sort()).toEqual([
      "/v1/responses/resp_mock_1?stream=true",
      "/v1/responses/resp_mock_1?stream=true&starting_after=4",
    ]);
  });
});

describe("stored operations loaded on first use", () => {
  it("five first calls at once share one load; each gets its own reply", async () => {
    const { client, mock } = await setup();
    await (await client.responses.stream(BACKGROUND)).collect();
    const api = await fresh();
    const other = api.createClient({ provider: { baseUrl: `${mock.url}/v1` }, auth: "t" });
    const [got, tokens, models, cancelled, deleted] = await within(
      Promise.all([
        other.responses.retrieve("resp_mock_1"),
        other.responses.inputTokens({ model: "gpt-test", input: "hi" }),
        other.models.list(),
        other.responses.cancel("resp_mock_1").catch((e: unknown) => e),
        other.responses.delete("resp_mock_2").catch((e: unknown) => e),
      ]),
      5000,
    );
    expect(got.id).toBe("resp_mock_1");
    expect(typeof tokens.inputTokens).toBe("number");
    expect(Array.isArray(models.models)).toBe(true);
    for (const e of [cancelled, deleted])
      if (e instanceof Error) expect(e).toBeInstanceOf(api.CodexApiError);
    expect((deleted as Api.CodexApiError).status).toBe(404);
  });

  it("a bad id among first calls at once rejects that call only, sending nothing for it", async () => {
    const { api, client, mock } = await setup();
    const [bad, good] = await within(
      Promise.all([client.responses.retrieve("..").catch((e: unknown) => e), client.models.list()]),
      5000,
    );
    expect(bad).toBeInstanceOf(api.InvalidRequestError);
    expect((bad as Api.InvalidRequestError).param).toBe("id");
    expect(Array.isArray(good.models)).toBe(true);
    expect(mock.requests.map((r) => r.endpoint)).toEqual(["models"]);
  });
});
