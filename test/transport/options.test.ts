// createClient checks every option synchronously and throws InvalidRequestError naming it; the
// values it accepts (Infinity timeouts, huge delays) never make a timer spin or overflow.
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  createClient,
  type ClientOptions,
  type ProviderConfig,
  type RetryTelemetry,
} from "../../src/index.js";
import { json, startServer, type TestServer } from "../helpers/server.js";
import { sleep, thrownBy } from "../helpers/calls.js";

const OK = json(200, { output: [{ type: "message", role: "assistant", content: [] }] });
const INPUT = { model: "gpt-test", input: [], instructions: "" };
const BASE = "https://api.example.test/v1";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const withProvider = (provider: Partial<ProviderConfig> & Record<string, unknown>) => ({
  provider: { baseUrl: BASE, ...provider },
});

describe("createClient checks every option", () => {
  const bad: [string, unknown, string][] = [
    ["options", null, "options"],
    ["provider", { provider: "openai" }, "provider"],
    ["a relative baseUrl", withProvider({ baseUrl: "/v1" }), "provider.baseUrl"],
    ["a baseUrl that is not a string", withProvider({ baseUrl: 42 as never }), "provider.baseUrl"],
    ["an ftp baseUrl", withProvider({ baseUrl: "ftp://example.test/v1" }), "provider.baseUrl"],
    [
      "user info",
      withProvider({ baseUrl: "https://u:pw-SECRET@example.test" }),
      "provider.baseUrl",
    ],
    [
      "a query",
      withProvider({ baseUrl: "https://example.test/v1?api-version=1" }),
      "provider.baseUrl",
    ],
    ["a fragment", withProvider({ baseUrl: "https://example.test/v1#x" }), "provider.baseUrl"],
    ["a newline", withProvider({ baseUrl: "https://example.test/v1\n" }), "provider.baseUrl"],
    ["requestTimeoutMs NaN", withProvider({ requestTimeoutMs: NaN }), "provider.requestTimeoutMs"],
    ["requestTimeoutMs 0", withProvider({ requestTimeoutMs: 0 }), "provider.requestTimeoutMs"],
    ["requestTimeoutMs < 0", withProvider({ requestTimeoutMs: -5 }), "provider.requestTimeoutMs"],
    ["requestTimeoutMs 1.5", withProvider({ requestTimeoutMs: 1.5 }), "provider.requestTimeoutMs"],
    [
      "requestTimeoutMs 2^31",
      withProvider({ requestTimeoutMs: 2 ** 31 }),
      "provider.requestTimeoutMs",
    ],
    [
      "streamIdleTimeoutMs -Infinity",
      withProvider({ streamIdleTimeoutMs: -Infinity }),
      "provider.streamIdleTimeoutMs",
    ],
    [
      "streamIdleTimeoutMs '5'",
      withProvider({ streamIdleTimeoutMs: "5" as never }),
      "provider.streamIdleTimeoutMs",
    ],
    ["maxAttempts 0", withProvider({ retry: { maxAttempts: 0 } }), "provider.retry.maxAttempts"],
    [
      "maxAttempts 2.5",
      withProvider({ retry: { maxAttempts: 2.5 } }),
      "provider.retry.maxAttempts",
    ],
    [
      "baseDelayMs NaN",
      withProvider({ retry: { baseDelayMs: NaN } }),
      "provider.retry.baseDelayMs",
    ],
    ["baseDelayMs < 0", withProvider({ retry: { baseDelayMs: -1 } }), "provider.retry.baseDelayMs"],
    [
      "maxDelayMs Infinity",
      withProvider({ retry: { maxDelayMs: Infinity } }),
      "provider.retry.maxDelayMs",
    ],
    [
      "retry429 'yes'",
      withProvider({ retry: { retry429: "yes" as never } }),
      "provider.retry.retry429",
    ],
    [
      "maxReplyBytes 0",
      withProvider({ limits: { maxReplyBytes: 0 } }),
      "provider.limits.maxReplyBytes",
    ],
    [
      "maxEventBytes NaN",
      withProvider({ limits: { maxEventBytes: NaN } }),
      "provider.limits.maxEventBytes",
    ],
    [
      "queryParams of numbers",
      withProvider({ queryParams: { v: 1 as never } }),
      "provider.queryParams",
    ],
    ["a header name with a space", withProvider({ headers: { "x bad": "1" } }), "provider.headers"],
    ["a NUL in a header value", withProvider({ headers: { "x-k": "a\0b" } }), "provider.headers"],
    [
      "a header value above U+00FF",
      withProvider({ headers: { "x-k": "a→b" } }),
      "provider.headers",
    ],
    [
      "a header value that is a number",
      withProvider({ headers: { "x-k": 1 as never } }),
      "provider.headers",
    ],
    ["a NUL in the token", { ...withProvider({}), auth: "sk-SECRET\0" }, "auth"],
    ["an auth object without bearerToken", { ...withProvider({}), auth: {} }, "auth.bearerToken"],
    ["fetch that is not a function", { ...withProvider({}), fetch: "fetch" }, "fetch"],
    [
      "a telemetry hook that is not a function",
      { ...withProvider({}), telemetry: { onRequest: 1 } },
      "telemetry.onRequest",
    ],
    ["a logger that is not an object", { ...withProvider({}), logger: "console" }, "logger"],
  ];

  it.each(bad)("%s throws InvalidRequestError naming the option", (_, options, param) => {
    const error = thrownBy(options);
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain("SECRET");
  });

  it("accepts the documented values, Infinity included", () => {
    const options: ClientOptions = {
      provider: {
        baseUrl: "http://127.0.0.1:1/v1/",
        name: "azure",
        queryParams: { "api-version": "2025-04-01-preview" },
        headers: { "x-api-key": "k", "x-latin1": "café" },
        requestTimeoutMs: Infinity,
        streamIdleTimeoutMs: 2 ** 31 - 1,
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, retry429: true },
        limits: { maxReplyBytes: 1, maxEventBytes: Infinity },
      },
      auth: { bearerToken: () => "t" },
      logger: {},
      telemetry: {},
    };
    expect(() => createClient(options)).not.toThrow();
    expect(() => createClient({ provider: { baseUrl: BASE, retry: {} } })).not.toThrow();
  });
});

describe("timers", () => {
  it("requestTimeoutMs: Infinity sets no timer: the call succeeds without a TimeoutOverflowWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const server = await startServer(OK);
    servers.push(server);
    try {
      const client = createClient({
        provider: {
          baseUrl: server.url,
          requestTimeoutMs: Infinity,
          streamIdleTimeoutMs: Infinity,
        },
      });
      await expect(client.compact.compactInput(INPUT)).resolves.toHaveLength(1);
      await sleep(20);
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });

  it("a backoff past 2^31 - 1 ms is clamped to it, not fired at once", async () => {
    const server = await startServer(json(503, "busy"), OK);
    servers.push(server);
    const retries: RetryTelemetry[] = [];
    const controller = new AbortController();
    const client = createClient({
      provider: { baseUrl: server.url, retry: { baseDelayMs: 1e12, maxDelayMs: 1e13 } },
      telemetry: {
        onRetry: (info) => {
          retries.push(info);
          setTimeout(() => controller.abort(), 50);
        },
      },
    });
    const call = client.compact.compactInput(INPUT, { signal: controller.signal });
    await expect(call).rejects.toBeInstanceOf(AbortError);
    expect(retries.map((r) => r.delayMs)).toEqual([2 ** 31 - 1]);
    // A delay that overflowed would have fired at once and sent a second request.
    expect(server.requests).toHaveLength(1);
  });
});
