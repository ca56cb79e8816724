// Provider configuration: where requests go, with which default headers, retry tuning, timeouts and
// reply limits; the presets and the Azure rule (README "Options"). Checked by ./option-checks.ts.
import type { RetryConfig } from "./transport/retry.js";

/** Where requests go and how they are sent: base URL, default headers, retries and timeouts. */
export interface ProviderConfig {
  /** A label; `azure` (any case) marks an Azure Responses endpoint. */
  name?: string;
  /** e.g. `https://api.openai.com/v1`; a trailing slash is trimmed. */
  baseUrl: string;
  /** Appended to every URL, percent-encoded: an object, a `URLSearchParams`, a `Map` or pairs. */
  queryParams?: Record<string, string> | Iterable<readonly [string, string]>;
  /** Sent with every request (per-call and auth headers win): an object, a `Headers`, a `Map` or pairs. */
  headers?: Record<string, string> | Iterable<readonly [string, string]>;
  retry?: Partial<RetryConfig>;
  /** Longest gap between two SSE events before the stream fails; default 300 000. */
  streamIdleTimeoutMs?: number;
  /** Covers connect and headers of a stream, the whole body of a JSON call; default 600 000. */
  requestTimeoutMs?: number;
  /** How much a server may send before the read is cancelled (decoded bytes). */
  limits?: ProviderLimits;
}

/** A provider as a client keeps it: `headers` and `queryParams` made plain objects by createClient. */
export type CheckedProvider = ProviderConfig & {
  headers?: Record<string, string>;
  queryParams?: Record<string, string>;
};

/** Reply limits in decoded bytes (after content-encoding); `Infinity` for none. */
export interface ProviderLimits {
  /** The largest JSON reply (Compact, Memories); default 33 554 432 (32 MiB). */
  maxReplyBytes?: number;
  /** The largest single stream message (SSE event); default 33 554 432 (32 MiB). */
  maxEventBytes?: number;
}

/** Default longest gap between two stream events (5 minutes). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
/** Default request timeout (10 minutes). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 600_000;

/** Presets: OpenAI, the ChatGPT backend, and an Azure endpoint given its base URL. */
export const providers = {
  openai: (overrides: Partial<ProviderConfig> = {}): ProviderConfig => ({
    name: "openai",
    baseUrl: "https://api.openai.com/v1",
    ...overrides,
  }),
  chatgpt: (overrides: Partial<ProviderConfig> = {}): ProviderConfig => ({
    name: "chatgpt",
    baseUrl: "https://chatgpt.com/backend-api/codex",
    ...overrides,
  }),
  azure: (baseUrl: string, overrides: Partial<ProviderConfig> = {}): ProviderConfig => ({
    name: "azure",
    baseUrl,
    ...overrides,
  }),
};

const AZURE_MARKERS = [
  "openai.azure.",
  "cognitiveservices.azure.",
  "aoai.azure.",
  "azure-api.",
  "azurefd.",
  "windows.net/openai",
];

/** True for the name `azure` or a base URL on one of Azure's OpenAI hosts. */
export function isAzureResponsesEndpoint(provider: ProviderConfig): boolean {
  if (provider.name?.toLowerCase() === "azure") return true;
  const url = provider.baseUrl.toLowerCase();
  return AZURE_MARKERS.some((marker) => url.includes(marker));
}
