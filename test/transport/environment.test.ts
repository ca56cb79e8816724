// Environment defaults: `auth` omitted reads OPENAI_API_KEY, `provider` omitted is providers.openai()
// with OPENAI_BASE_URL as its base URL when set; `auth: null` sends no authentication.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createClient } from "../../src/index.js";
import { rejection } from "../helpers/calls.js";
import { json, startServer, type TestServer } from "../helpers/server.js";

const KEY = "sk-from-the-environment";

let servers: TestServer[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(...replies: Parameters<typeof startServer>) {
  const s = await startServer(...replies);
  servers.push(s);
  return s;
}

describe("environment defaults", () => {
  it("auth omitted sends OPENAI_API_KEY, and scrubs it from errors", async () => {
    vi.stubEnv("OPENAI_API_KEY", ` ${KEY}\n`);
    const srv = await server(json(400, { error: { message: `bad key ${KEY}` } }));
    const client = createClient({ provider: { baseUrl: srv.url } });
    const error = await rejection(client.models.list());
    expect(srv.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify([error.message, error])).not.toContain(KEY);
  });

  it("auth: null sends no Authorization although OPENAI_API_KEY is set", async () => {
    vi.stubEnv("OPENAI_API_KEY", KEY);
    const srv = await server(json(200, { models: [] }));
    await createClient({ provider: { baseUrl: srv.url }, auth: null }).models.list();
    expect(srv.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("an empty OPENAI_API_KEY is no key", async () => {
    vi.stubEnv("OPENAI_API_KEY", "  ");
    const srv = await server(json(200, { models: [] }));
    await createClient({ provider: { baseUrl: srv.url } }).models.list();
    expect(srv.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("a given auth wins over OPENAI_API_KEY", async () => {
    vi.stubEnv("OPENAI_API_KEY", KEY);
    const srv = await server(json(200, { models: [] }));
    await createClient({ provider: { baseUrl: srv.url }, auth: "sk-given" }).models.list();
    expect(srv.requests[0]?.headers.authorization).toBe("Bearer sk-given");
  });

  it("createClient() with no argument: OPENAI_BASE_URL and OPENAI_API_KEY", async () => {
    const srv = await server(json(200, { models: [] }));
    vi.stubEnv("OPENAI_BASE_URL", `${srv.url}/v1`);
    vi.stubEnv("OPENAI_API_KEY", KEY);
    const client = createClient();
    expect(client.provider.name).toBe("openai");
    await client.models.list();
    expect(srv.requests[0]?.url).toBe("/v1/models");
    expect(srv.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("without OPENAI_BASE_URL the provider is providers.openai()", () => {
    vi.stubEnv("OPENAI_BASE_URL", "");
    expect(createClient({}).provider.baseUrl).toBe("https://api.openai.com/v1");
  });

  it("an invalid OPENAI_BASE_URL is reported like a base URL option", () => {
    vi.stubEnv("OPENAI_BASE_URL", "not a url");
    expect(() => createClient()).toThrow(/provider\.baseUrl/);
  });
});
