// The mock server's `cors` option: what a browser page of another origin needs to call it and read
// the reply headers (the runtime matrix, scripts/test-runtimes.ts, drives Chromium through it).
import { afterEach, describe, expect, it } from "vitest";
import { startMockServer, type MockServer } from "../../src/testing/index.js";

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const preflight = (url: string) =>
  fetch(`${url}/v1/responses`, {
    method: "OPTIONS",
    headers: {
      origin: "http://127.0.0.1:1",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization,content-type,session_id",
    },
  });

const post = (url: string) =>
  fetch(`${url}/v1/responses`, {
    method: "POST",
    headers: { origin: "http://127.0.0.1:1", "content-type": "application/json" },
    body: JSON.stringify({ model: "m", input: [] }),
  });

describe("mock server cors option", () => {
  it("answers a preflight with the requested headers and does not record it", async () => {
    server = await startMockServer({}, { cors: true });
    const res = await preflight(server.url);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST, DELETE");
    expect(res.headers.get("access-control-allow-headers")).toBe(
      "authorization,content-type,session_id",
    );
    expect(server.requests).toEqual([]);
  });

  it("lets the page read every header of streamed, JSON and error replies", async () => {
    server = await startMockServer({ compact: { status: 500 } }, { cors: true });
    const replies = [
      await post(server.url),
      await fetch(`${server.url}/v1/responses/compact`, { method: "POST", body: "{}" }),
    ];
    for (const res of replies) {
      await res.text();
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-expose-headers")).toBe("*");
    }
    expect(replies.map((r) => r.status)).toEqual([200, 500]);
    expect(server.requests.map((r) => r.endpoint)).toEqual(["responses", "compact"]);
  });

  it("sends no CORS headers without the option (the checks above can fail)", async () => {
    server = await startMockServer();
    const res = await post(server.url);
    await res.text();
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight(server.url)).status).toBe(405);
  });
});
