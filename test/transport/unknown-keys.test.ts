// Unknown keys in any options object (client, provider, retry, limits, every call, connectResponses,
// mock scripts) are an InvalidRequestError naming the key and, when there is one, the name to use;
// nothing is sent, and no value is ever quoted.
import { afterEach, describe, expect, it } from "vitest";
import { InvalidRequestError, createClient } from "../../src/index.js";
import { startMockServer } from "../../src/testing/index.js";
import { connectResponses } from "../../src/websocket/index.js";
import { clientFor, rejection, thrownBy } from "../helpers/calls.js";
import { json, startServer, type TestServer } from "../helpers/server.js";

const BASE = "https://api.example.test/v1";
const SECRET = "sk-SECRET-value-123";
const REQUEST = { model: "gpt-test", input: [] };

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe("createClient names an unknown key and the name to use", () => {
  const provider = { baseUrl: BASE };
  const rows: [string, Record<string, unknown>, string, string | undefined][] = [
    ["openai-node's apiKey", { provider, apiKey: SECRET }, "apiKey", "auth"],
    ["maxRetries", { provider, maxRetries: 2 }, "maxRetries", "provider.retry.maxAttempts"],
    ["timeout", { provider, timeout: 1000 }, "timeout", "provider.requestTimeoutMs"],
    ["baseURL", { baseURL: BASE }, "baseURL", "provider.baseUrl"],
    ["extraHeaders", { provider, extraHeaders: {} }, "extraHeaders", "provider.headers"],
    ["a typo (distance 1)", { provider, logegr: {} }, "logegr", "logger"],
    ["a typo (distance 2)", { provider, fetc: fetch, tlemetry: {} }, "fetc", "fetch"],
    ["nothing close", { provider, colour: "red" }, "colour", undefined],
    [
      "provider.timeout",
      { provider: { ...provider, timeout: 5 } },
      "provider.timeout",
      "requestTimeoutMs",
    ],
    [
      "provider.baseURL",
      { provider: { baseUrl: BASE, baseURL: BASE } },
      "provider.baseURL",
      "baseUrl",
    ],
    [
      "provider.retry.maxRetries",
      { provider: { ...provider, retry: { maxRetries: 1 } } },
      "provider.retry.maxRetries",
      "maxAttempts",
    ],
    [
      "provider.retry.maxAttempt",
      { provider: { ...provider, retry: { maxAttempt: 1 } } },
      "provider.retry.maxAttempt",
      "maxAttempts",
    ],
    [
      "provider.limits.maxReplyByte",
      { provider: { ...provider, limits: { maxReplyByte: 1 } } },
      "provider.limits.maxReplyByte",
      "maxReplyBytes",
    ],
    ["a long key is cut short", { provider, [SECRET.repeat(4)]: 1 }, SECRET.repeat(4), undefined],
  ];

  it.each(rows)("%s", (_, options, param, use) => {
    const error = thrownBy(options);
    expect(error.param).toBe(param);
    expect(error.code).toBe("invalid_option");
    expect(error.message).toMatch(/^createClient: unknown option /);
    if (use === undefined) expect(error.message).not.toContain("did you mean");
    else expect(error.message).toContain(`did you mean ${use}?`);
    expect(error.message).not.toContain(SECRET.repeat(4));
    expect(error.message.length).toBeLessThan(120);
  });

  it("an unknown key with an undefined value is still reported (apiKey: process.env.X)", () => {
    expect(thrownBy({ provider, apiKey: undefined }).param).toBe("apiKey");
  });

  it("the values of known keys pass: the full set of options is accepted", () => {
    const retry = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, retry429: true };
    const client = createClient({
      provider: { baseUrl: BASE, name: "x", retry, limits: { maxReplyBytes: 5 } },
      auth: null,
      fetch,
      telemetry: {},
      logger: {},
    });
    expect(client.provider.baseUrl).toBe(BASE);
  });
});

describe("every call rejects an unknown option before sending", () => {
  async function server() {
    const s = await startServer(json(200, { output: [], models: [] }));
    servers.push(s);
    return s;
  }

  const calls: [string, (c: ReturnType<typeof clientFor>, o: never) => Promise<unknown>][] = [
    ["responses.stream", (c, o) => c.responses.stream(REQUEST, o)],
    ["compact.compactInput", (c, o) => c.compact.compactInput({ ...REQUEST, instructions: "" }, o)],
    [
      "memories.summarizeInput",
      (c, o) => c.memories.summarizeInput({ model: "m", rawMemories: [] }, o),
    ],
    ["models.list", (c, o) => c.models.list(o)],
  ];

  it.each(calls)("%s: extraHeaders, timeout, maxRetries, a typo", async (where, call) => {
    const s = await server();
    const client = clientFor(s);
    const cases: [object, string, string | undefined][] = [
      [{ extraHeaders: { "x-a": "1" } }, "options.extraHeaders", "headers"],
      [{ timeout: 5 }, "options.timeout", "requestTimeoutMs"],
      [{ maxRetries: 0 }, "options.maxRetries", "retry.maxAttempts"],
      [{ singal: AbortSignal.timeout(1000) }, "options.singal", "signal"],
      [{ retry: { maxAttemps: 1 } }, "options.retry.maxAttemps", "maxAttempts"],
      [{ zzz: SECRET }, "options.zzz", undefined],
    ];
    for (const [options, param, use] of cases) {
      const error = await rejection(call(client, options as never));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.param).toBe(param);
      expect(error.message).toMatch(new RegExp(`^${where}: unknown option`));
      if (use) expect(error.message).toContain(`did you mean ${use}?`);
      expect(error.message).not.toContain(SECRET);
    }
    expect(s.requests).toHaveLength(0);
  });

  it("the options a call knows pass (clientVersion on models.list)", async () => {
    const s = await server();
    await clientFor(s).models.list({ clientVersion: "1.2.3", headers: { "x-a": "1" } });
    expect(s.requests[0]?.url).toContain("client_version=1.2.3");
  });
});

describe("connectResponses and the mock server name an unknown key", () => {
  it("connectResponses options (a typo, at once)", () => {
    const client = createClient({ provider: { baseUrl: BASE }, auth: null });
    let error: unknown;
    try {
      connectResponses(client, { fallbackToHTTP: false } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).param).toBe("options.fallbackToHTTP");
    expect((error as InvalidRequestError).message).toContain("did you mean fallbackToHttp?");
  });

  it("a socket's stream() rejects an unknown call option", async () => {
    const client = createClient({ provider: { baseUrl: BASE }, auth: null });
    const socket = connectResponses(client);
    const error = await rejection(socket.stream(REQUEST, { timeout: 5 } as never));
    expect(error.param).toBe("options.timeout");
    await socket.close();
  });

  const scripts: [string, unknown, string, string | undefined][] = [
    ["a top-level typo", { response: {} }, "script.response", "responses"],
    [
      "a reply knob typo",
      { responses: { stallAfterEvent: 1 } },
      "stallAfterEvent",
      "stallAfterEvents",
    ],
    [
      "a knob in a list",
      { compact: [{}, { statuss: 500 }] },
      "script.compact[1].statuss",
      "status",
    ],
    [
      "a socket knob",
      { websocket: { upgrade: { stauts: 426 } } },
      "script.websocket.upgrade.stauts",
      "status",
    ],
    ["nothing close", { models: { colour: 1 } }, "script.models.colour", undefined],
  ];

  it.each(scripts)("startMockServer: %s", async (_, script, param, use) => {
    const error = await startMockServer(script as never).then(
      (mock) => (void mock.close(), undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).param).toContain(param);
    if (use) expect((error as InvalidRequestError).message).toContain(`did you mean ${use}?`);
  });
});
