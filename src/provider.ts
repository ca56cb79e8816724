// Provider configuration: where requests go, with which default headers, retry tuning, timeouts and
// reply limits, and the synchronous check `createClient` runs over it (README "Options").
import { InvalidRequestError } from "./errors/catalogue.js";
import { assertHeaders } from "./transport/headers.js";
import type { RetryConfig } from "./transport/retry.js";
import { isObject, MAX_TIMER_MS } from "./util.js";

/** Where requests go and how they are sent: base URL, default headers, retries and timeouts. */
export interface ProviderConfig {
  /** A label; `azure` (any case) marks an Azure Responses endpoint. */
  name?: string;
  /** e.g. `https://api.openai.com/v1`; a trailing slash is trimmed. */
  baseUrl: string;
  /** Appended to every URL, percent-encoded. */
  queryParams?: Record<string, string>;
  /** Sent with every request (per-call and auth headers win). */
  headers?: Record<string, string>;
  retry?: Partial<RetryConfig>;
  /** Longest gap between two SSE events before the stream fails; default 300 000. */
  streamIdleTimeoutMs?: number;
  /** Covers connect and headers of a stream, the whole body of a JSON call; default 600 000. */
  requestTimeoutMs?: number;
  /** How much a server may send before the read is cancelled (decoded bytes). */
  limits?: ProviderLimits;
}

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

/** The base URL with trailing slashes trimmed. */
export function baseUrlOf(provider: ProviderConfig): string {
  return provider.baseUrl.replace(/\/+$/, "");
}

/**
 * `url` with `query` percent-encoded (undefined values left out), before the query the URL already
 * has (the provider's params first, then a call's own, as `client_version` follows them on GET
 * /models).
 */
export function withQuery(
  url: string,
  query: Record<string, string | undefined> | undefined,
): string {
  const defined = Object.entries(query ?? {}).filter(
    (e): e is [string, string] => e[1] !== undefined,
  );
  const q = new URLSearchParams(defined).toString();
  if (!q) return url;
  const [path, own] = url.split(/\?(.*)/s);
  return `${path}?${q}${own ? `&${own}` : ""}`;
}

/** base URL (trailing slashes trimmed) + path (leading slashes trimmed) + encoded query. */
export function urlFor(provider: ProviderConfig, path: string): string {
  const base = baseUrlOf(provider);
  const rest = path.replace(/^\/+/, "");
  return withQuery(rest ? `${base}/${rest}` : base, provider.queryParams);
}

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

export { MAX_TIMER_MS } from "./util.js";

/** What a message may say about a value: numbers, booleans, null as they are; else only the type. */
function describe(value: unknown): string {
  const type = typeof value;
  if (type === "string" || type === "function") return ` (got a ${type})`;
  return type === "object" && value !== null ? " (got an object)" : `, got ${String(value)}`;
}

/**
 * Throws InvalidRequestError (`param`, `code: "invalid_option"`) unless `ok`. A given value is
 * described, and quoted only when it cannot be a secret (a number, a boolean).
 */
export function checkOption(ok: boolean, param: string, rule: string, ...value: [unknown?]): void {
  if (ok) return;
  const got = value.length > 0 ? describe(value[0]) : "";
  throw new InvalidRequestError(`createClient: ${param} must be ${rule}${got}`, {
    param,
    code: "invalid_option",
  });
}

const isTimeout = (v: unknown) =>
  v === Infinity || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_TIMER_MS);
const isDelay = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isLimit = (v: unknown) => v === Infinity || (Number.isSafeInteger(v) && (v as number) >= 1);
const TIMEOUT_RULE = `an integer in 1..${MAX_TIMER_MS} (ms), or Infinity for none`;

/** Checks the options of `value` whose values are given (undefined means the default). */
function checkFields(
  value: Record<string, unknown>,
  prefix: string,
  rules: Record<string, [(v: unknown) => boolean, string]>,
): void {
  for (const [key, [ok, rule]] of Object.entries(rules)) {
    const v = value[key];
    if (v !== undefined) checkOption(ok(v), `${prefix}.${key}`, rule, v);
  }
}

function checkBaseUrl(baseUrl: unknown): void {
  const param = "provider.baseUrl";
  checkOption(typeof baseUrl === "string", param, "a string", baseUrl);
  const raw = baseUrl as string;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  checkOption(url !== undefined, param, "an absolute URL such as https://api.openai.com/v1");
  checkOption(!/[\s\0-\x1f\x7f]/.test(raw), param, "free of whitespace and control characters");
  checkOption(/^https?:$/.test(url!.protocol), param, "an http or https URL");
  // fetch refuses a URL with credentials; they belong in `auth` or `headers`.
  checkOption(!url!.username && !url!.password, param, "free of user info (user:password@)");
  checkOption(!raw.includes("?"), param, "free of a query (use provider.queryParams)");
  checkOption(!raw.includes("#"), param, "free of a fragment (#)");
}

/** Throws InvalidRequestError naming the first option of `provider` that is not valid. */
export function checkProvider(provider: unknown): asserts provider is ProviderConfig {
  checkOption(isObject(provider), "provider", "an object such as providers.openai()", provider);
  const p = provider as Record<string, unknown>;
  checkBaseUrl(p["baseUrl"]);
  checkFields(p, "provider", {
    name: [(v) => typeof v === "string", "a string"],
    requestTimeoutMs: [isTimeout, TIMEOUT_RULE],
    streamIdleTimeoutMs: [isTimeout, TIMEOUT_RULE],
    queryParams: [
      (v) => isObject(v) && Object.values(v).every((x) => typeof x === "string"),
      "an object of strings",
    ],
    headers: [isObject, "an object of header names and values"],
    retry: [isObject, "an object"],
    limits: [isObject, "an object"],
  });
  if (p["headers"] !== undefined) assertHeaders(p["headers"] as object, "provider.headers");
  const flag: [(v: unknown) => boolean, string] = [(v) => typeof v === "boolean", "a boolean"];
  checkFields((p["retry"] ?? {}) as Record<string, unknown>, "provider.retry", {
    maxAttempts: [(v) => Number.isInteger(v) && (v as number) >= 1, "an integer >= 1"],
    baseDelayMs: [isDelay, "a finite number >= 0 (ms)"],
    maxDelayMs: [isDelay, "a finite number >= 0 (ms)"],
    retry429: flag,
    retry5xx: flag,
    retryTransport: flag,
  });
  checkFields((p["limits"] ?? {}) as Record<string, unknown>, "provider.limits", {
    maxReplyBytes: [isLimit, "an integer >= 1 (bytes), or Infinity for none"],
    maxEventBytes: [isLimit, "an integer >= 1 (bytes), or Infinity for none"],
  });
}
