// The public surface of codex-api: re-exports only.
export type * from "./generated/openapi.js";
export { createClient, type ClientOptions, type CodexClient } from "./handwritten/client.js";
export {
  providers,
  urlFor,
  isAzureResponsesEndpoint,
  type ProviderConfig,
} from "./handwritten/provider.js";
export type { AuthProvider } from "./handwritten/auth.js";
export type { RetryConfig } from "./handwritten/retry.js";
export { DEFAULT_RETRY } from "./handwritten/retry.js";
export type {
  Telemetry,
  Logger,
  RequestTelemetry,
  SseEventTelemetry,
  RetryTelemetry,
  Endpoint,
} from "./handwritten/telemetry.js";
export {
  buildResponsesBody,
  type ResponsesRequest,
  type ResponsesOptions,
  type TurnState,
} from "./handwritten/responses.js";
export type { ResponseStream, CollectedResponse } from "./handwritten/response-stream.js";
export type { ResponseEvent, TokenUsage } from "./handwritten/events.js";
export {
  parseRateLimits,
  type RateLimitSnapshot,
  type RateLimitFamily,
  type RateLimitWindow,
  type Credits,
  type HeaderSource,
} from "./handwritten/rate-limits.js";
export type { MemorySummarizeInput, MemorySummarizeOutput } from "./handwritten/memories.js";
export type { CallOptions } from "./handwritten/json-reply.js";
export type { ErrorDetails } from "./handwritten/errors.js";
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
} from "./handwritten/errors.js";
export { VERSION } from "./handwritten/version.js";
