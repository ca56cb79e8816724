// The public surface of codex-api: re-exports only.
export type * from "./generated/openapi.js";
export { createClient, type ClientOptions, type CodexClient } from "./client.js";
export { providers, urlFor, isAzureResponsesEndpoint, type ProviderConfig } from "./provider.js";
export type { AuthProvider } from "./transport/auth.js";
export type { RetryConfig } from "./transport/retry.js";
export { DEFAULT_RETRY } from "./transport/retry.js";
export type {
  Telemetry,
  Logger,
  RequestTelemetry,
  SseEventTelemetry,
  RetryTelemetry,
  Endpoint,
} from "./transport/telemetry.js";
export {
  buildResponsesBody,
  type ResponsesRequest,
  type ResponsesOptions,
  type TurnState,
} from "./resources/responses.js";
export type { ResponseStream, CollectedResponse } from "./stream/response-stream.js";
export type { ResponseEvent, TokenUsage } from "./stream/events.js";
export {
  parseRateLimits,
  type RateLimitSnapshot,
  type RateLimitFamily,
  type RateLimitWindow,
  type Credits,
  type HeaderSource,
} from "./stream/rate-limits.js";
export type { MemorySummarizeInput, MemorySummarizeOutput } from "./resources/memories.js";
export type { CallOptions } from "./resources/json-reply.js";
export type { ErrorDetails } from "./errors/catalogue.js";
export {
  CodexApiError,
  TransportError,
  RequestTimeoutError,
  AbortError,
  AuthError,
  InvalidRequestError,
  ServerError,
  RateLimitError,
  ContextWindowExceededError,
  QuotaExceededError,
  UsageNotIncludedError,
  ServerOverloadedError,
  RetryableStreamError,
  StreamError,
  StreamIdleTimeoutError,
  IncompleteResponseError,
  InvalidResponseError,
} from "./errors/catalogue.js";
export { VERSION } from "./version.js";
