// createClient: composes the provider, auth, transport and the three endpoint resources.
import { createBaseClient } from "./generated/client.js";
import { toAuthProvider, type AuthProvider } from "./transport/auth.js";
import { compactResource } from "./resources/compact.js";
import type { Endpoints } from "./resources/context.js";
import { memoriesResource } from "./resources/memories.js";
import {
  baseUrlOf,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  type ProviderConfig,
} from "./provider.js";
import { responsesResource } from "./resources/responses.js";
import { retryConfig, type RetryConfig } from "./transport/retry.js";
import type { Logger, Telemetry } from "./transport/telemetry.js";
import { createTransport } from "./transport/http.js";
import { Scrubber } from "./transport/redact.js";

/** What `createClient` takes: where to send, how to authenticate, and optional hooks. */
export interface ClientOptions {
  provider: ProviderConfig;
  /** A bearer token, or a provider of one (read before every attempt). */
  auth?: string | AuthProvider;
  /** The fetch to send with (default: the global one). */
  fetch?: typeof fetch;
  telemetry?: Telemetry;
  logger?: Logger;
}

/** The client `createClient` returns: `responses`, `compact`, `memories` and the `provider`. */
export type CodexClient = ReturnType<typeof createClient>;

/** Where a client keeps what other transports (`codex-api/websocket`) build on; not public API. */
export const INTERNALS = Symbol.for("codex-api.internals");

/** The client's parts a second transport reuses: its endpoints, auth, retry policy and timeout. */
export interface ClientInternals {
  endpoints: Endpoints;
  auth: AuthProvider | undefined;
  retry: RetryConfig;
  requestTimeoutMs: number;
}

/** Builds a client: one transport (auth, retries, timeouts, telemetry) shared by every resource. */
export function createClient(options: ClientOptions) {
  const { provider } = options;
  const auth = toAuthProvider(options.auth);
  const scrubber = new Scrubber();
  scrubber.addHeaders(provider.headers);
  if (typeof options.auth === "string") scrubber.add(options.auth);
  const retry = retryConfig(provider.retry);
  const requestTimeoutMs = provider.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const transport = createTransport({
    scrubber,
    retry,
    requestTimeoutMs,
    ...(provider.queryParams ? { queryParams: provider.queryParams } : {}),
    ...(auth ? { auth } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const base = createBaseClient({
    baseUrl: baseUrlOf(provider),
    Request: transport.Request,
  });
  const endpoints: Endpoints = {
    provider,
    base,
    transport,
    scrubber,
    streamIdleTimeoutMs: provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const client = {
    provider,
    responses: responsesResource(endpoints),
    compact: compactResource(endpoints),
    memories: memoriesResource(endpoints),
  };
  const internals: ClientInternals = { endpoints, auth, retry, requestTimeoutMs };
  // Non-enumerable and symbol-keyed: it is not part of the client's type or of what it prints.
  return Object.defineProperty(client, INTERNALS, { value: internals });
}
