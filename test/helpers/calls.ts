// What the endpoint tests share: kit servers that close after each test, a client of one, and the
// error a call rejects with.
import { afterEach, expect } from "vitest";
import {
  CodexApiError,
  createClient,
  type ClientOptions,
  type ProviderConfig,
} from "../../src/index.js";
import { startServer, type Reply, type TestServer } from "./server.js";

/** `serve(...replies)`: starts a kit server; every one started is closed after each test. */
export function serverPerTest(): (...replies: Reply[]) => Promise<TestServer> {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return async (...replies) => {
    const server = await startServer(...replies);
    servers.push(server);
    return server;
  };
}

/**
 * A client of `server` under the base path `/backend-api/codex/` (trailing slash included), with
 * 1 ms backoff and an auth provider giving `tok-1` and account `acct-1`; both arguments override.
 */
export function clientFor(
  server: TestServer,
  provider: Partial<ProviderConfig> = {},
  rest: Partial<ClientOptions> = {},
) {
  return createClient({
    provider: {
      baseUrl: `${server.url}/backend-api/codex/`,
      retry: { baseDelayMs: 1 },
      ...provider,
    },
    auth: { bearerToken: () => "tok-1", accountId: () => "acct-1" },
    ...rest,
  });
}

/** The CodexApiError `promise` rejects with; the test fails when it resolves or throws another. */
export async function rejection(promise: Promise<unknown>): Promise<CodexApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CodexApiError);
    return error as CodexApiError;
  }
  throw new Error("expected the call to reject");
}
