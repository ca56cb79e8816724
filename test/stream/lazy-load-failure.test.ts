// Code loaded on first use that cannot be loaded (a browser that could not fetch the chunk), made to
// fail with vi.doMock: the call rejects with the retryable TransportError of src/load.ts, nothing is
// sent that the caller cannot read, a bad argument is still named as such, and the next call loads
// the code again and works.
import { afterEach, describe, expect, it, vi } from "vitest";
import type * as Api from "../../src/index.js";
import { startMockServer, type MockServer } from "../../src/testing/index.js";
import { REQUEST, within } from "../helpers/calls.js";

let mock: MockServer | undefined;
afterEach(async () => {
  vi.doUnmock("../../src/errors/reported.js");
  vi.doUnmock("../../src/resources/background.js");
  vi.doUnmock("../../src/stream/collected.js");
  await mock?.close();
  mock = undefined;
});

const chunkError = () => {
  throw new TypeError("Failed to fetch dynamically imported module: /chunk-x.js");
};

/** A fresh import of the client whose `path` (as this file names it) cannot be loaded. */
async function failing(path: string, script = {}) {
  vi.resetModules();
  vi.doMock(path, chunkError);
  const api = await import("../../src/index.js");
  mock = await startMockServer(script);
  const client = api.createClient({
    provider: { baseUrl: `${mock.url}/v1`, retry: { maxAttempts: 1 } },
    auth: "tok-load-secret",
  });
  return { api, client, mock, loadable: () => vi.doUnmock(path) };
}

const rejection = (p: Promise<unknown>) =>
  within(
    p.then(
      () => new Error("resolved"),
      (e: unknown) => e,
    ),
    5000,
  );

const created = { type: "response.created", response: { id: "resp_mock_1" } };
const failed = {
  type: "response.failed",
  response: { id: "resp_mock_1", error: { code: "insufficient_quota", message: "no more" } },
};

describe("a chunk that cannot be loaded", () => {
  it("a reported failure whose class cannot load: a TransportError with the stream's position", async () => {
    const { api, client, loadable } = await failing("../../src/errors/reported.js", {
      responses: { events: [created, failed] },
    });
    const stream = await client.responses.stream(REQUEST);
    const error = (await rejection(stream.collect())) as Api.CodexApiError;
    expect(error).toBeInstanceOf(api.TransportError);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("could not load the code of stream failures");
    expect(error.responseId).toBe("resp_mock_1");
    loadable();
    const again = await rejection((await client.responses.stream(REQUEST)).collect());
    expect(again).toBeInstanceOf(api.QuotaExceededError);
  });

  it("background: true whose code cannot load sends nothing; the next call loads it and streams", async () => {
    const { api, client, mock, loadable } = await failing("../../src/resources/background.js");
    const background = { ...REQUEST, background: true, store: true };
    const error = await rejection(client.responses.stream(background));
    expect(error).toBeInstanceOf(api.TransportError);
    expect((error as Error).message).toContain("could not load the code of background streams");
    expect(mock.requests).toEqual([]);
    loadable();
    const result = await within((await client.responses.stream(background)).collect(), 5000);
    expect(result.text).toBe("Echo: hi");
  });

  it("resume() with a bad id or option whose code cannot load: still InvalidRequestError", async () => {
    const { api, client, mock } = await failing("../../src/resources/background.js");
    const badId = await rejection(client.responses.resume(""));
    const badOption = await rejection(client.responses.resume("resp_1", { startingAfter: -2 }));
    expect(badId).toBeInstanceOf(api.InvalidRequestError);
    expect((badId as Api.InvalidRequestError).param).toBe("id");
    expect(badOption).toBeInstanceOf(api.InvalidRequestError);
    expect((badOption as Api.InvalidRequestError).param).toBe("options.startingAfter");
    const unloadable = await rejection(client.responses.resume("resp_1"));
    expect(unloadable).toBeInstanceOf(api.TransportError);
    expect(mock.requests).toEqual([]);
  });

  it("collect() whose result cannot be assembled: TransportError; the next stream collects", async () => {
    const { api, client, loadable } = await failing("../../src/stream/collected.js");
    const error = await rejection((await client.responses.stream(REQUEST)).collect());
    expect(error).toBeInstanceOf(api.TransportError);
    expect((error as Error).message).toContain("could not load the code of collect()");
    loadable();
    const result = await within((await client.responses.stream(REQUEST)).collect(), 5000);
    expect(result.text).toBe("Echo: hi");
  });
});
