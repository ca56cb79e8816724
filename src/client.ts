// createClient: checks every option, then composes the provider, auth, transport and the endpoint
// resources.
import { toAuthProvider, type AuthProvider } from "./transport/auth.js";
import { compactResource } from "./resources/compact.js";
import type { Endpoints } from "./resources/context.js";
import { memoriesResource } from "./resources/memories.js";
import { modelsResource } from "./resources/models.js";
import {
  baseUrlOf,
  checkOption,
  checkProvider,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  type ProviderConfig,
} from "./provider.js";
import { responsesResource } from "./resources/responses.js";
import { assertHeaders } from "./transport/headers.js";
import { DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_REPLY_BYTES } from "./transport/limits.js";
import { retryConfig, type RetryConfig } from "./transport/retry.js";
import { safeLogger, type Logger, type Telemetry } from "./transport/telemetry.js";
import { createTransport } from "./transport/http.js";
import { Scrubber } from "./transport/redact.js";
import { isObject } from "./util.js";

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

/** What `createClient` returns: `responses`, `compact`, `memories`, `models` and `provider`. */
export type CodexClient = ReturnType<typeof createClient>;

/** Throws InvalidRequestError naming `param` unless every named member of `value` is a function. */
function checkMethods(value: unknown, param: string, names: string[], required: string[] = []) {
  if (value === undefined) return;
  checkOption(isObject(value), param, "an object", value);
  for (const name of names) {
    const member = (value as Record<string, unknown>)[name];
    const ok = typeof member === "function" || (member === undefined && !required.includes(name));
    checkOption(ok, `${param}.${name}`, "a function", member);
  }
}

/** Throws InvalidRequestError naming the first option that is not valid (README "Options"). */
function checkOptions(options: ClientOptions): void {
  checkOption(isObject(options), "options", "an object", options);
  checkProvider(options.provider);
  const { auth } = options;
  if (typeof auth === "string") assertHeaders({ Authorization: `Bearer ${auth}` }, "auth");
  else checkMethods(auth, "auth", ["bearerToken", "accountId", "onUnauthorized"], ["bearerToken"]);
  checkOption(
    options.fetch === undefined || typeof options.fetch === "function",
    "fetch",
    "a function",
    options.fetch,
  );
  checkMethods(options.telemetry, "telemetry", ["onRequest", "onRetry", "onSseEvent"]);
  checkMethods(options.logger, "logger", ["debug", "info", "warn", "error"]);
}

/** Where a client keeps what other transports (`codex-api/websocket`) build on; not public API. */
export const INTERNALS = Symbol.for("codex-api.internals");

/** The client's parts a second transport reuses: its endpoints, auth, retry policy and timeout. */
export interface ClientInternals {
  endpoints: Endpoints;
  auth: AuthProvider | undefined;
  retry: RetryConfig;
  requestTimeoutMs: number;
}

/**
 * Builds a client: one transport (auth, retries, timeouts, limits, telemetry) shared by every
 * resource. Throws InvalidRequestError at once, naming the option, when an option is not valid.
 */
export function createClient(options: ClientOptions) {
  checkOptions(options);
  const { provider } = options;
  const auth = toAuthProvider(options.auth);
  const scrubber = new Scrubber();
  // What the client is created with is pinned: it is never forgotten however many tokens rotate.
  scrubber.addHeaders(provider.headers, true);
  scrubber.addHeaders(provider.queryParams, true);
  if (typeof options.auth === "string") scrubber.add(options.auth, true);
  const logger = options.logger ? safeLogger(options.logger, scrubber) : undefined;
  const retry = retryConfig(provider.retry);
  const requestTimeoutMs = provider.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const transport = createTransport({
    scrubber,
    retry,
    requestTimeoutMs,
    maxReplyBytes: provider.limits?.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
    baseUrl: baseUrlOf(provider),
    queryParams: provider.queryParams,
    auth,
    fetch: options.fetch,
    telemetry: options.telemetry,
    logger,
  });
  const endpoints: Endpoints = {
    provider,
    transport,
    scrubber,
    streamIdleTimeoutMs: provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    maxEventBytes: provider.limits?.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
    telemetry: options.telemetry,
    logger,
  };
  const client = {
    provider,
    responses: responsesResource(endpoints),
    compact: compactResource(endpoints),
    memories: memoriesResource(endpoints),
    models: modelsResource(endpoints),
  };
  const internals: ClientInternals = { endpoints, auth, retry, requestTimeoutMs };
  // Non-enumerable and symbol-keyed: it is not part of the client's type or of what it prints.
  return Object.defineProperty(client, INTERNALS, { value: internals });
}
