// The public surface of codex-api: re-exports only. Adding a name is an API decision; the export
// list is pinned by test/package.test.ts.

// The client
export { createClient, type ClientOptions, type CodexClient } from "./client.js";
export { providers, type ProviderConfig, type ProviderLimits } from "./provider.js";
export type { AuthProvider } from "./transport/auth.js";
export type { RetryConfig } from "./transport/retry.js";
export type { Compression } from "./transport/compress.js";
export type {
  Telemetry,
  Logger,
  RequestTelemetry,
  SseEventTelemetry,
  RetryTelemetry,
  ResumeTelemetry,
  Endpoint,
} from "./transport/telemetry.js";
export type { CallOptions, JsonCall, WithResponse } from "./resources/json-reply.js";
export type { CompactRequest, CompactResource } from "./resources/compact.js";
export type {
  MemoriesResource,
  MemorySummarizeInput,
  MemorySummarizeOutput,
} from "./resources/memories.js";
export type {
  ModelInfo,
  ModelsList,
  ModelsListOptions,
  ModelsResource,
} from "./resources/models.js";
export type { InputTokens, InputTokensRequest, RetrieveOptions } from "./resources/stored.js";
export type { InputItemsOptions } from "./resources/input-items.js";
export type { StoredResponsesResource } from "./resources/on-first-use.js";
export { VERSION } from "./version.js";

// Streaming
export type {
  ResponsesRequest,
  ResponsesOptions,
  ResponsesResource,
  ResumeStreamOptions,
  TurnState,
} from "./resources/responses.js";
export type { ResponseStream, CollectedResponse } from "./stream/response-stream.js";
export {
  functionCallOutput,
  type FunctionCall,
  type FunctionCallItem,
  type FunctionCallOutputItem,
} from "./function-calls.js";
export type { ResponseEvent, TokenUsage } from "./stream/events.js";
export {
  parseRateLimits,
  type HeaderSource,
  type RateLimitSnapshot,
  type RateLimitFamily,
  type RateLimitWindow,
  type Credits,
} from "./rate-limits.js";

// Errors
export {
  CodexApiError,
  TransportError,
  RequestTimeoutError,
  AbortError,
  AuthError,
  InvalidRequestError,
  ServerError,
  RateLimitError,
  UsageLimitReachedError,
  ContextWindowExceededError,
  QuotaExceededError,
  UsageNotIncludedError,
  ServerOverloadedError,
  RetryableStreamError,
  StreamError,
  StreamIdleTimeoutError,
  IncompleteResponseError,
  InvalidResponseError,
  type ErrorDetails,
} from "./errors/catalogue.js";

// Wire types (snake_case, as sent): the common ones by name, every schema under `wire`.
export type {
  ResponseItem,
  ResponsesApiRequest,
  CompactionInput,
  RawMemory,
} from "./generated/openapi.js";
export type * as wire from "./generated/openapi.js";
