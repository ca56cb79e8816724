// createClient: checks every option, then composes the provider, auth, transport and the endpoint
// resources.
import { toAuthProvider, type AuthProvider } from "./transport/auth.js";
import type { CompactResource } from "./resources/compact.js";
import type { Endpoints } from "./resources/context.js";
import type { MemoriesResource } from "./resources/memories.js";
import type { ModelsResource } from "./resources/models.js";
import { keepInternals } from "./internals.js";
import { checkOption, checkProvider } from "./option-checks.js";
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  providers,
  type CheckedProvider,
  type ProviderConfig,
} from "./provider.js";
import { CLIENT_ALIASES, checkKeys, toRecord } from "./options.js";
import { responsesResource, sendResponses, type ResponsesResource } from "./resources/responses.js";
import {
  jsonOnFirstUse,
  storedOnFirstUse,
  type StoredResponsesResource,
} from "./resources/on-first-use.js";
import { assertHeaders } from "./transport/headers.js";
import { DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_REPLY_BYTES } from "./transport/limits.js";
import { retryConfig } from "./transport/retry.js";
import { safeLogger, type Logger, type Telemetry } from "./transport/telemetry.js";
import { createTransport } from "./transport/http.js";
import { baseUrlOf } from "./transport/url.js";
import { Scrubber } from "./transport/redact.js";
import { envVar, isObject } from "./util.js";

/** What `createClient` takes: where to send, how to authenticate, and optional hooks. */
export interface ClientOptions {
  /** Where to send (default: `providers.openai()`, with `OPENAI_BASE_URL` as its base URL when set). */
  provider?: ProviderConfig;
  /**
   * A bearer token, or a provider of one (read before every attempt); `null` for none. Default:
   * `OPENAI_API_KEY` where the runtime has an environment, else none.
   */
  auth?: string | AuthProvider | null;
  /** The fetch to send with (default: the global one). */
  fetch?: typeof fetch;
  telemetry?: Telemetry;
  logger?: Logger;
}

/** What `createClient` returns: one resource per endpoint, and the provider it sends to. */
export interface CodexClient {
  /** The provider as given to `createClient`. */
  readonly provider: ProviderConfig;
  /** POST /responses, streamed (README "Quick start"), and the stored-response calls. */
  readonly responses: ResponsesResource & StoredResponsesResource;
  /** POST /responses/compact. */
  readonly compact: CompactResource;
  /** POST /memories/trace_summarize. */
  readonly memories: MemoriesResource;
  /** GET /models (README "Models"). */
  readonly models: ModelsResource;
}

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

const CLIENT_OPTIONS = ["provider", "auth", "fetch", "telemetry", "logger"];

/** Throws InvalidRequestError naming the first option that is not valid (README "Options"). */
function checkOptions(options: ClientOptions): void {
  checkOption(isObject(options), "options", "an object", options);
  checkKeys(options, {
    where: "createClient",
    path: "",
    known: CLIENT_OPTIONS,
    aliases: CLIENT_ALIASES,
  });
  checkProvider(options.provider);
  const { auth } = options;
  if (typeof auth === "string") assertHeaders({ Authorization: `Bearer ${auth}` }, "auth");
  else if (auth !== null)
    checkMethods(auth, "auth", ["bearerToken", "accountId", "onUnauthorized"], ["bearerToken"]);
  checkOption(
    options.fetch === undefined || typeof options.fetch === "function",
    "fetch",
    "a function",
    options.fetch,
  );
  checkMethods(options.telemetry, "telemetry", [
    "onRequest",
    "onRetry",
    "onSseEvent",
    "onWebSocketRequest",
    "onResume",
  ]);
  checkMethods(options.logger, "logger", ["debug", "info", "warn", "error"]);
}

/**
 * The options with the environment's defaults (`OPENAI_API_KEY`, `OPENAI_BASE_URL`) where the
 * runtime has one, and the provider's `headers` / `queryParams` given as a `Headers`, `Map`,
 * `URLSearchParams` or pairs made plain objects. Anything else is left for the check.
 */
function withDefaults(options: ClientOptions): ClientOptions {
  if (!isObject(options)) return options;
  const out = { ...options };
  if (out.auth === undefined) {
    const key = envVar("OPENAI_API_KEY");
    if (key !== undefined) out.auth = key;
  }
  if (out.provider === undefined) {
    const baseUrl = envVar("OPENAI_BASE_URL");
    out.provider = providers.openai(baseUrl === undefined ? {} : { baseUrl });
  }
  if (!isObject(out.provider)) return out;
  const where = "createClient";
  const headers = toRecord(out.provider.headers, where, "provider.headers");
  const queryParams = toRecord(out.provider.queryParams, where, "provider.queryParams");
  if (headers === out.provider.headers && queryParams === out.provider.queryParams) return out;
  out.provider = { ...out.provider, headers, queryParams } as ProviderConfig;
  return out;
}

/**
 * Builds a client: one transport (auth, retries, timeouts, limits, telemetry) shared by every
 * resource. Throws InvalidRequestError at once, naming the option, when an option is not valid.
 */
export function createClient(given: ClientOptions = {}): CodexClient {
  const options = withDefaults(given);
  checkOptions(options);
  // withDefaults made its headers and query params plain objects.
  const provider = options.provider as CheckedProvider;
  const auth = toAuthProvider(options.auth ?? undefined);
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
    provider: provider as ProviderConfig,
    responses: { ...responsesResource(endpoints), ...storedOnFirstUse(endpoints) },
    // Loaded on first use, like the stored-response methods (README "Runtimes").
    ...jsonOnFirstUse(endpoints),
  };
  return keepInternals(client, {
    endpoints,
    requestTimeoutMs,
    // A socket's requests once it uses HTTP (src/websocket/socket.ts), without a copy of this path.
    sendResponses: (request, options) => sendResponses(endpoints, request, options),
  });
}
