// The transport's retries against a real HTTP server on 127.0.0.1: which failures are retried,
// backoff and its jitter, Retry-After, the attempt count, and what a retry sends again.
import { gunzipSync } from "node:zlib";
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  CodexApiError,
  InvalidRequestError,
  RateLimitError,
  ServerError,
  TransportError,
  type AuthProvider,
  type RetryTelemetry,
} from "../../src/index.js";
import { json, refusedPort, sseFrame, type TestServer, serveEach } from "../helpers/server.js";
import { REQUEST, clientFor, fakeTimeouts, rejection, turn, until } from "../helpers/calls.js";

import { compact, INPUT, ITEM, OK } from "./kit.js";

const serve = serveEach();
afterEach(() => {
  vi.useRealTimers();
});

const gaps = (server: TestServer) =>
  server.requests.slice(1).map((r, i) => r.at - server.requests[i]!.at);

/**
 * Under fakeTimeouts(): lets `count` backoffs pass, each reported by onRetry into `retries`. The
 * next attempt must wait for the backoff's last millisecond; the clock moves only here, so the
 * server's request times (`gaps`) are exactly the delays the client slept.
 */
async function elapseBackoffs(server: TestServer, retries: RetryTelemetry[], count: number) {
  for (let i = 0; i < count; i++) {
    await until(() => retries.length === i + 1, `retry ${i + 1}`);
    vi.advanceTimersByTime(retries[i]!.delayMs - 1);
    for (let t = 0; t < 20; t++) await turn();
    expect(server.requests).toHaveLength(i + 1);
    vi.advanceTimersByTime(1);
    await until(() => server.requests.length === i + 2, `attempt ${i + 2}`);
  }
}

const sse = (payloads: Record<string, unknown>[]) => payloads.map(sseFrame).join("");

const sseHead = (res: ServerResponse) =>
  res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req-stream" });

describe("retries", () => {
  it("503, 503, 200 succeeds after 3 requests", async () => {
    const server = await serve(json(503, "busy"), json(503, "busy"), OK);
    await expect(compact(server)).resolves.toEqual([ITEM]);
    expect(server.requests).toHaveLength(3);
  });

  it("exhausted retries reject with the last ServerError, attempts = maxAttempts", async () => {
    const server = await serve(json(503, { error: { message: "overloaded" } }));
    const error = await rejection(compact(server, { retry: { maxAttempts: 3 } }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.attempts).toBe(3);
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  it("429 is not retried by default", async () => {
    const server = await serve(json(429, { error: { message: "slow down" } }), OK);
    const error = await rejection(compact(server));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.attempts).toBe(1);
    expect(error.status).toBe(429);
    expect(server.requests).toHaveLength(1);
  });

  it("429 is retried with retry429", async () => {
    const server = await serve(json(429, { error: { message: "slow down" } }), OK);
    await expect(compact(server, { retry: { retry429: true } })).resolves.toEqual([ITEM]);
    expect(server.requests).toHaveLength(2);
  });

  it("400 is never retried", async () => {
    const server = await serve(json(400, { error: { message: "bad" } }), OK);
    const error = await rejection(compact(server, { retry: { retry429: true } }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("5xx is not retried with retry5xx false; transport failures not with retryTransport false", async () => {
    const server = await serve(json(500, "x"), OK);
    const error = await rejection(compact(server, { retry: { retry5xx: false } }));
    expect(error).toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
    const port = await refusedPort();
    const refused = await rejection(
      compact(`http://127.0.0.1:${port}`, { retry: { retryTransport: false } }),
    );
    expect(refused).toBeInstanceOf(TransportError);
    expect(refused.attempts).toBe(1);
  });

  it("a 503 with code server_is_overloaded is retried like any 5xx", async () => {
    const server = await serve(
      json(503, { error: { code: "server_is_overloaded", message: "overloaded" } }),
      OK,
    );
    await expect(compact(server)).resolves.toEqual([ITEM]);
    expect(server.requests).toHaveLength(2);
  });

  it("waits base * 2^(n-1) * [0.9, 1.1] between attempts", async () => {
    fakeTimeouts();
    const retries: RetryTelemetry[] = [];
    const server = await serve(json(503, "a"), json(503, "b"), json(503, "c"), OK);
    const base = 20;
    const result = compact(server, {
      retry: { baseDelayMs: base, maxAttempts: 4 },
      telemetry: { onRetry: (info) => retries.push(info) },
    });
    await elapseBackoffs(server, retries, 3);
    await expect(result).resolves.toEqual([ITEM]);
    expect(server.requests).toHaveLength(4);
    expect(gaps(server)).toEqual(retries.map((r) => r.delayMs));
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    retries.forEach((r, i) => {
      const nominal = base * 2 ** i;
      expect(r.delayMs).toBeGreaterThanOrEqual(Math.floor(0.9 * nominal));
      expect(r.delayMs).toBeLessThanOrEqual(Math.ceil(1.1 * nominal));
    });
  });

  it.each([
    ["retry-after-ms as is", { "retry-after-ms": "150" }, 150],
    ["retry-after in seconds", { "retry-after": "1" }, 1000],
  ])("honours %s", async (_, headers, delayMs) => {
    fakeTimeouts();
    const retries: RetryTelemetry[] = [];
    const server = await serve(json(503, "x", headers), OK);
    const result = compact(server, { telemetry: { onRetry: (info) => retries.push(info) } });
    await elapseBackoffs(server, retries, 1);
    await expect(result).resolves.toEqual([ITEM]);
    expect(retries.map((r) => r.delayMs)).toEqual([delayMs]);
    expect(gaps(server)).toEqual([delayMs]);
  });

  it("honours retry-after as an HTTP date", async () => {
    fakeTimeouts(); // Date stays real: the delay is the date less the real now
    const retries: RetryTelemetry[] = [];
    const target = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    const server = await serve(
      json(503, "x", { "retry-after": new Date(target).toUTCString() }),
      OK,
    );
    const result = compact(server, { telemetry: { onRetry: (info) => retries.push(info) } });
    await elapseBackoffs(server, retries, 1);
    await expect(result).resolves.toEqual([ITEM]);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(900);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(2000);
    expect(gaps(server)).toEqual([retries[0]!.delayMs]);
  });

  it("ignores a server delay above maxDelayMs and uses the computed backoff", async () => {
    fakeTimeouts();
    const retries: RetryTelemetry[] = [];
    const server = await serve(
      json(503, "x", { "retry-after-ms": "5000" }),
      json(503, "x", { "retry-after": "60" }),
      OK,
    );
    const result = compact(server, {
      retry: { baseDelayMs: 10, maxDelayMs: 100 },
      telemetry: { onRetry: (info) => retries.push(info) },
    });
    await elapseBackoffs(server, retries, 2);
    await expect(result).resolves.toEqual([ITEM]);
    expect(gaps(server)).toEqual(retries.map((r) => r.delayMs));
    expect(retries).toHaveLength(2);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(9);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(11);
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(18);
    expect(retries[1]!.delayMs).toBeLessThanOrEqual(22);
  });

  it("RateLimitError.retryAfterMs comes from the reply's headers", async () => {
    const server = await serve(
      json(429, { error: { message: "slow" } }, { "retry-after-ms": "1234" }),
      json(429, { error: { message: "slow" } }, { "retry-after": "7" }),
    );
    const first = await rejection(compact(server));
    expect(first).toBeInstanceOf(RateLimitError);
    expect((first as RateLimitError).retryAfterMs).toBe(1234);
    const second = await rejection(compact(server));
    expect((second as RateLimitError).retryAfterMs).toBe(7000);
  });

  it("an abort during a long backoff rejects with AbortError at once", async () => {
    fakeTimeouts();
    const retries: RetryTelemetry[] = [];
    const server = await serve(json(503, "x", { "retry-after-ms": "5000" }), OK);
    const controller = new AbortController();
    const telemetry = { onRetry: (info: RetryTelemetry) => retries.push(info) };
    let error: CodexApiError | undefined;
    void rejection(compact(server, { telemetry }, controller.signal)).then((e) => (error = e));
    await until(() => retries.length === 1, "the backoff");
    vi.advanceTimersByTime(30);
    controller.abort();
    // The clock stands still from here: the rejection cannot wait for the 5 s timer.
    await until(() => error !== undefined, "the AbortError");
    expect(retries[0]!.delayMs).toBe(5000);
    expect(error).toBeInstanceOf(AbortError);
    expect(error!.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("sends the same body on every attempt", async () => {
    const server = await serve(json(503, "x"), json(500, "y"), OK);
    await compact(server);
    expect(server.requests).toHaveLength(3);
    const bodies = server.requests.map((r) => r.text());
    expect(JSON.parse(bodies[0]!)).toEqual(INPUT);
    expect(new Set(bodies).size).toBe(1);
  });

  it("sends the same gzip body on every attempt of a compressed stream", async () => {
    const server = await serve(json(503, "x"), (_req, res) => {
      sseHead(res);
      res.end(sse([{ type: "response.completed", response: { id: "r1" } }]));
    });
    const stream = await clientFor(server).responses.stream(REQUEST, { compression: "gzip" });
    await stream.collect();
    expect(server.requests).toHaveLength(2);
    const [a, b] = server.requests;
    expect(a!.headers["content-encoding"]).toBe("gzip");
    expect(a!.raw.equals(b!.raw)).toBe(true);
    expect(JSON.parse(gunzipSync(a!.raw).toString("utf8"))).toMatchObject({ model: "gpt-test" });
  });

  it("reads auth before every attempt", async () => {
    let n = 0;
    const auth: AuthProvider = { bearerToken: () => `tok-${++n}`, accountId: () => `acct-${n}` };
    const server = await serve(json(503, "x"), json(503, "x"), OK);
    await compact(server, { auth });
    expect(server.requests.map((r) => r.headers["authorization"])).toEqual([
      "Bearer tok-1",
      "Bearer tok-2",
      "Bearer tok-3",
    ]);
    expect(server.requests.map((r) => r.headers["chatgpt-account-id"])).toEqual([
      "acct-1",
      "acct-2",
      "acct-3",
    ]);
  });
});
