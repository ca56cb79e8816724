// What the endpoint tests share: a client of a kit server (test/helpers/server.ts) and the error a
// call rejects with.
import { expect, vi } from "vitest";
import {
  CodexApiError,
  InvalidRequestError,
  createClient,
  type ClientOptions,
  type ProviderConfig,
  type ResponseItem,
  type ResponsesRequest,
} from "../../src/index.js";
import type { TestServer } from "./server.js";

/**
 * A client of `server` (a kit server, or any `{ url }`) under the base path `/backend-api/codex/`
 * (trailing slash included), with 1 ms backoff and an auth provider giving `tok-1` and account
 * `acct-1`; `provider` overrides provider fields, `rest` the other client options.
 */
export function clientFor(
  server: Pick<TestServer, "url">,
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

/** The InvalidRequestError createClient throws for `options`; the test fails when it does not throw. */
export function thrownBy(options: unknown): InvalidRequestError {
  try {
    createClient(options as ClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error("createClient accepted the options");
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

/** The smallest Responses request the tests send: one model, one user message. */
export const REQUEST: ResponsesRequest & { input: ResponseItem[] } = {
  model: "gpt-test",
  input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
};

/** Resolves after `ms` of wall-clock time (use fake timers where the behaviour is about time). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rejects when `promise` takes longer than `ms`, naming `what`: a hang fails fast, not by timeout. */
export function within<T>(promise: Promise<T>, ms: number, what = "the call"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Fakes `setTimeout`, `clearTimeout` and `performance.now()` only: the test decides when the
 * client's timers (backoff, idle and request timeouts) fire and how much time they measure, while
 * sockets, `setImmediate` and `Date` stay real. Undo with `vi.useRealTimers()` (an `afterEach`).
 */
export function fakeTimeouts(): void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
}

/** One turn of the real event loop (sockets progress; fake timers do not). */
export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Resolves once `check()` holds, turning the real event loop meanwhile; rejects naming `what` after
 * `ms` of real time (a bound for a hang, not a timing assertion: it holds on a loaded machine).
 */
export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms`);
    await turn();
  }
}
