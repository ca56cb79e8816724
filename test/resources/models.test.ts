// Models (GET /models) against a real HTTP server on 127.0.0.1: the query, the ETag as sent, open
// ModelInfo, reply checks, error mapping, retries, the 401 refresh, telemetry and scrubbing; then
// the refresh pattern of the README against the mock server.
import { describe, expect, it } from "vitest";
import {
  AuthError,
  CodexApiError,
  InvalidRequestError,
  InvalidResponseError,
  RateLimitError,
  ServerError,
  VERSION,
  createClient,
  type ModelInfo,
  type RequestTelemetry,
  type RetryTelemetry,
} from "../../src/index.js";
import { startMockServer } from "../../src/testing/index.js";
import { clientFor, rejection } from "../helpers/calls.js";
import { json, serveEach, type Reply } from "../helpers/server.js";

const MODEL = {
  slug: "gpt-test",
  display_name: "GPT Test",
  description: null,
  supported_reasoning_levels: [{ effort: "low", description: "fast" }],
  shell_type: "shell_command",
  visibility: "list",
  supported_in_api: true,
  priority: 1,
  truncation_policy: { mode: "bytes", limit: 10_000 },
  // Keys the schema does not type: they must come back as sent.
  minimal_client_version: "0.98.0",
  available_in_plans: ["plus", "pro"],
  future_thing: { nested: [1, { deep: true }] },
};

const serve = serveEach();

const once = { retry: { maxAttempts: 1 } };
const listed = (etag?: string) => json(200, { models: [MODEL] }, etag ? { etag } : {});

describe("models.list: the request", () => {
  it("GETs <base>/models with no body, no content-type, User-Agent and auth", async () => {
    const server = await serve(listed());
    await clientFor(server, { headers: { "X-Provider": "p" } }).models.list({
      headers: { "X-Extra": "e" },
    });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe("GET");
    expect(request!.url).toBe("/backend-api/codex/models");
    expect(request!.raw.length).toBe(0);
    expect(request!.headers["content-type"]).toBeUndefined();
    expect(request!.headers["user-agent"]).toBe(`codex-api-ts/${VERSION}`);
    expect(request!.headers["authorization"]).toBe("Bearer tok-1");
    expect(request!.headers["chatgpt-account-id"]).toBe("acct-1");
    expect(request!.headers["x-provider"]).toBe("p");
    expect(request!.headers["x-extra"]).toBe("e");
    expect(request!.headers["if-none-match"]).toBeUndefined();
  });

  it("sends client_version as the query, after the provider's query params with &", async () => {
    const server = await serve(listed());
    await clientFor(server).models.list({ clientVersion: "0.99.0" });
    await clientFor(server, { queryParams: { "api-version": "2025-04-01 preview" } }).models.list({
      clientVersion: "0.99.0",
    });
    await clientFor(server, { queryParams: { a: "1" } }).models.list();
    expect(server.requests.map((r) => r.url)).toEqual([
      "/backend-api/codex/models?client_version=0.99.0",
      "/backend-api/codex/models?api-version=2025-04-01+preview&client_version=0.99.0",
      "/backend-api/codex/models?a=1",
    ]);
  });
});

describe("models.list: the reply", () => {
  it("keeps the ETag as sent, quotes included; no ETag leaves `etag` out", async () => {
    const server = await serve(listed('"abc"'), listed('W/"v2"'), listed());
    const client = clientFor(server);
    const first = await client.models.list();
    expect(first.etag).toBe('"abc"');
    expect(first.etag).toHaveLength(5);
    expect((await client.models.list()).etag).toBe('W/"v2"');
    const none = await client.models.list();
    expect("etag" in none).toBe(false);
  });

  it("keeps every key of a model, typed or not", async () => {
    const server = await serve(listed());
    const { models } = await clientFor(server).models.list();
    expect(models).toStrictEqual([MODEL]);
    const model: ModelInfo = models[0]!;
    const typed: [string, boolean | undefined, number | undefined] = [
      model.slug,
      model.supported_in_api,
      model.priority,
    ];
    expect(typed).toEqual(["gpt-test", true, 1]);
    expect(model["future_thing"]).toEqual({ nested: [1, { deep: true }] });
  });

  it("an empty list is a list", async () => {
    const server = await serve(json(200, { models: [] }));
    expect(await clientFor(server).models.list()).toEqual({ models: [] });
  });

  it("a reply without a models list, or a model without a string slug, is an InvalidResponseError", async () => {
    const bad = [
      {},
      { data: [MODEL] },
      { models: "gpt-test" },
      { models: [{ display_name: "no slug" }] },
      { models: [{ slug: 5 }] },
      { models: [MODEL, null] },
      { models: [["gpt-test"]] },
      [MODEL],
      null,
    ];
    for (const body of bad) {
      const server = await serve(json(200, body, { "x-request-id": "req-models" }));
      const error = await rejection(clientFor(server).models.list());
      expect(error, JSON.stringify(body)).toBeInstanceOf(InvalidResponseError);
      expect(error.status).toBe(200);
      expect(error.requestId).toBe("req-models");
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("models");
      expect(server.requests).toHaveLength(1);
    }
  });

  it("a 200 body that is not JSON, or empty, is an InvalidResponseError quoting it", async () => {
    const html = `<html>${"x".repeat(300)}</html>`;
    const server = await serve(
      { status: 200, headers: { "content-type": "text/html" }, body: html },
      { status: 200, body: "" },
    );
    const client = clientFor(server);
    const error = await rejection(client.models.list());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain(html.slice(0, 200));
    expect(error.message).not.toContain(html.slice(0, 201));
    const empty = await rejection(client.models.list());
    expect(empty).toBeInstanceOf(InvalidResponseError);
    expect(empty.message).toContain("empty");
  });

  it("maps HTTP errors", async () => {
    const cases: [Reply, new (...a: never[]) => CodexApiError, number][] = [
      [json(401, { error: { message: "expired" } }), AuthError, 401],
      [json(403, { error: { message: "forbidden" } }), AuthError, 403],
      [json(404, { error: { message: "no models", code: "not_found" } }), InvalidRequestError, 404],
      [json(429, { error: { message: "slow" } }, { "retry-after": "2" }), RateLimitError, 429],
      [
        { status: 502, headers: { "content-type": "text/html" }, body: "<html/>" },
        ServerError,
        502,
      ],
    ];
    for (const [reply, cls, status] of cases) {
      const server = await serve(reply);
      const error = await rejection(clientFor(server, once).models.list());
      expect(error).toBeInstanceOf(cls);
      expect(error.status).toBe(status);
      if (error instanceof RateLimitError) expect(error.retryAfterMs).toBe(2000);
    }
  });
});

describe("models.list: the transport policy", () => {
  it("retries a 5xx, with telemetry naming the endpoint `models`", async () => {
    const requests: RequestTelemetry[] = [];
    const retries: RetryTelemetry[] = [];
    const server = await serve(json(503, { error: { message: "busy" } }), listed('"e"'));
    const client = clientFor(
      server,
      {},
      { telemetry: { onRequest: (i) => requests.push(i), onRetry: (i) => retries.push(i) } },
    );
    const list = await client.models.list({ clientVersion: "1.0.0" });
    expect(list.etag).toBe('"e"');
    expect(server.requests.map((r) => r.url)).toEqual([
      "/backend-api/codex/models?client_version=1.0.0",
      "/backend-api/codex/models?client_version=1.0.0",
    ]);
    expect(requests.map((r) => [r.endpoint, r.attempt, r.status])).toEqual([
      ["models", 1, 503],
      ["models", 2, 200],
    ]);
    expect(retries.map((r) => [r.endpoint, r.attempt])).toEqual([["models", 1]]);
  });

  it("a 401 refreshes the token once and sends again", async () => {
    let token = "old";
    let refreshes = 0;
    const server = await serve(json(401, { error: { message: "expired" } }), listed());
    const client = clientFor(
      server,
      {},
      {
        auth: {
          bearerToken: () => token,
          onUnauthorized: async () => {
            refreshes++;
            token = "new";
            return true;
          },
        },
      },
    );
    await expect(client.models.list()).resolves.toMatchObject({ models: [MODEL] });
    expect(refreshes).toBe(1);
    expect(server.requests.map((r) => r.headers["authorization"])).toEqual([
      "Bearer old",
      "Bearer new",
    ]);
  });

  it("times out a silent server with RequestTimeoutError after its retries", async () => {
    const server = await serve(() => {});
    const error = await rejection(
      clientFor(server, {
        requestTimeoutMs: 50,
        retry: { maxAttempts: 2, baseDelayMs: 1 },
      }).models.list(),
    );
    expect(error.name).toBe("RequestTimeoutError");
    expect(error.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  it("a reply past provider.limits.maxReplyBytes is a non-retryable response_too_large", async () => {
    const server = await serve(
      json(200, { models: [{ ...MODEL, base_instructions: "x".repeat(5000) }] }),
    );
    const error = await rejection(
      clientFor(server, { limits: { maxReplyBytes: 1024 } }).models.list(),
    );
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.code).toBe("response_too_large");
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("never quotes the token, even when the server echoes it", async () => {
    const secret = "sk-secret-models-token";
    const server = await serve(json(200, { echoed: `Bearer ${secret}` }));
    const error = await rejection(clientFor(server, {}, { auth: secret }).models.list());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain("echoed");
    expect(error.message).not.toContain(secret);
  });

  it("rejects a CR/LF header value or an aborted signal before sending", async () => {
    const server = await serve(listed());
    const client = clientFor(server);
    const bad = await rejection(client.models.list({ headers: { "X-Evil": "a\r\nb" } }));
    expect(bad).toBeInstanceOf(InvalidRequestError);
    const aborted = await rejection(client.models.list({ signal: AbortSignal.abort() }));
    expect(aborted.name).toBe("AbortError");
    expect(server.requests).toHaveLength(0);
  });
});

describe("models.list with a stream's modelsEtag", () => {
  it("the two compare as they are: equal while the list stands, different once it changed", async () => {
    const v1 = '"models-v1"';
    const v2 = '"models-v2"';
    const mock = await startMockServer({
      models: [{ headers: { etag: v1 } }, { headers: { etag: v2 } }],
      responses: [{ headers: { "x-models-etag": v1 } }, { headers: { "x-models-etag": v2 } }],
    });
    try {
      const client = createClient({ provider: { baseUrl: `${mock.url}/v1` } });
      const streamEtag = async () => {
        const stream = await client.responses.stream({ model: "m", input: [] });
        let etag: string | undefined;
        for await (const event of stream) if (event.type === "modelsEtag") etag = event.etag;
        return etag;
      };
      const { etag } = await client.models.list();
      expect(etag).toBe(v1);
      expect(await streamEtag()).toBe(etag);
      expect(await streamEtag()).not.toBe(etag);
      expect((await client.models.list()).etag).toBe(v2);
      const paths = mock.requests.map((r) => `${r.method} ${r.path}`);
      expect(paths).toEqual([
        "GET /v1/models",
        "POST /v1/responses",
        "POST /v1/responses",
        "GET /v1/models",
      ]);
    } finally {
      await mock.close();
    }
  });
});
