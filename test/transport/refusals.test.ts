// Replies and headers that once broke a call: headers fetch refuses (refused once, naming the
// header, before anything is sent), a 304 to the caller's If-None-Match, and a usage limit whose
// reset time no Date can hold.
import { describe, expect, it } from "vitest";
import {
  InvalidRequestError,
  InvalidResponseError,
  UsageLimitReachedError,
  createClient,
  type CodexClient,
} from "../../src/index.js";
import { clientFor, rejection } from "../helpers/calls.js";
import { json, serveEach } from "../helpers/server.js";

const serve = serveEach();

const calls: [string, (c: CodexClient, headers: Record<string, string>) => Promise<unknown>][] = [
  ["stream", (c, headers) => c.responses.stream({ model: "m", input: [] }, { headers })],
  [
    "compact",
    (c, headers) =>
      c.compact.compactInput({ model: "m", input: [], instructions: "" }, { headers }),
  ],
  ["models", (c, headers) => c.models.list({ headers })],
];

const REFUSED: Record<string, string>[] = [
  { "Transfer-Encoding": "chunked" },
  { "keep-alive": "timeout=5" },
  { Upgrade: "h2c" },
  { Expect: "100-continue" },
  { "Content-Length": "3" },
  { Connection: "upgrade" },
];

describe("headers fetch refuses", () => {
  for (const headers of REFUSED) {
    const name = Object.keys(headers)[0]!;
    for (const [what, call] of calls) {
      it(`${name} given to ${what}: InvalidRequestError naming it, nothing sent`, async () => {
        const server = await serve(json(200, {}));
        const error = await rejection(call(clientFor(server), headers));
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect(error.message).toContain(`"${name}"`);
        expect(error.retryable).toBe(false);
        expect(server.requests).toHaveLength(0);
      });
    }
    it(`${name} in provider.headers: createClient throws naming it`, () => {
      const create = () => createClient({ provider: { baseUrl: "http://127.0.0.1:9", headers } });
      expect(create).toThrow(InvalidRequestError);
      expect(create).toThrow(`"${name}"`);
    });
  }

  it("Connection: close and keep-alive are sent as fetch allows them", async () => {
    const server = await serve(json(200, { models: [] }));
    await clientFor(server).models.list({ headers: { Connection: "close" } });
    expect(server.requests).toHaveLength(1);
  });
});

describe("304 to If-None-Match", () => {
  it("models.list says the list is unchanged instead of reporting a redirect", async () => {
    const server = await serve({ status: 304, headers: { etag: '"v7"' } });
    const list = await clientFor(server).models.list({ headers: { "If-None-Match": '"v7"' } });
    expect(list).toEqual({ models: [], notModified: true, etag: '"v7"' });
  });

  it("on a stream: an InvalidResponseError saying 304, not a redirect", async () => {
    const server = await serve({ status: 304 });
    const call = clientFor(server).responses.stream({ model: "m", input: [] });
    const error = await rejection(call);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain("HTTP 304 (not modified)");
    expect(error).toMatchObject({ attempts: 1, retryable: false });
  });

  it("without an ETag in the reply, none is made up", async () => {
    const server = await serve({ status: 304 });
    const list = await clientFor(server).models.list({ headers: { "if-none-match": '"v8"' } });
    expect(list).toEqual({ models: [], notModified: true });
  });
});

describe("usage_limit_reached with a reset time no Date can hold", () => {
  for (const resetsAt of [1e13, Number.MAX_SAFE_INTEGER, -1e13]) {
    it(`resets_at ${resetsAt}: UsageLimitReachedError, sent once`, async () => {
      const body = {
        error: { type: "usage_limit_reached", plan_type: "pro", resets_at: resetsAt },
      };
      const server = await serve(json(429, body));
      const error = await rejection(clientFor(server).models.list());
      expect(error).toBeInstanceOf(UsageLimitReachedError);
      expect(error).toMatchObject({ resetsAt, attempts: 1, retryable: false });
      expect(error.message).toContain(`resets at unix time ${resetsAt}`);
      expect(server.requests).toHaveLength(1);
    });
  }

  it("a reset time a Date holds is still written as ISO time", async () => {
    const body = { error: { type: "usage_limit_reached", resets_at: 1_738_888_888 } };
    const server = await serve(json(429, body));
    const error = await rejection(clientFor(server).models.list());
    expect(error.message).toContain("resets at 2025-02-07T00:41:28.000Z");
  });
});
