// The synchronous checks `createClient` runs over its options (README "Options"): each names the
// option that is not valid, and quotes a value only when it cannot be a secret.
import { InvalidRequestError } from "./errors/catalogue.js";
import type { ProviderConfig } from "./provider.js";
import { assertHeaders } from "./transport/headers.js";
import { MAX_TIMER_MS } from "./transport/retry.js";
import { isObject } from "./util.js";

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
