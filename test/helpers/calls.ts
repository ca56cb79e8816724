// What the endpoint tests share: a client of a kit server (test/helpers/server.ts) and the error a
// call rejects with.
import { expect } from "vitest";
import {
  CodexApiError,
  createClient,
  type ClientOptions,
  type ProviderConfig,
} from "../../src/index.js";
import type { TestServer } from "./server.js";

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
