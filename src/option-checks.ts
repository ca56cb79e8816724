// The synchronous checks `createClient` runs over its options (README "Options"): each names the
// option that is not valid, and quotes a value only when it cannot be a secret.
import type { ProviderConfig } from "./provider.js";
import { assertHeaders } from "./transport/headers.js";
import { checkKeys, optionError, CALL_ALIASES, RETRY_ALIASES, type Aliases } from "./options.js";
import { isObject, MAX_TIMER_MS } from "./util.js";

/**
 * Throws InvalidRequestError (`param`, `code: "invalid_option"`) unless `ok`. A given value is
 * described, and quoted only when it cannot be a secret (a number, a boolean).
 */
export function checkOption(ok: boolean, param: string, rule: string, ...value: [unknown?]): void {
  if (!ok) throw optionError("createClient", param, rule, ...value);
}

/** A timeout in ms: an integer in 1..2^31-1, or Infinity for none. */
export const isTimeout = (v: unknown) =>
  v === Infinity || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_TIMER_MS);
const isDelay = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isLimit = (v: unknown) => v === Infinity || (Number.isSafeInteger(v) && (v as number) >= 1);
/** What `isTimeout` accepts, as a message says it. */
export const TIMEOUT_RULE = `an integer in 1..${MAX_TIMER_MS} (ms), or Infinity for none`;

/** One rule per option: the test its value must pass, and the rule as a message says it. */
export type OptionRules = Record<string, [(v: unknown) => boolean, string]>;

/**
 * Checks the options of `value` whose values are given (undefined means the default), and that it
 * has no other key; `where` starts the message (default `createClient`).
 */
export function checkFields(
  value: Record<string, unknown>,
  prefix: string,
  rules: OptionRules,
  where = "createClient",
  aliases?: Aliases,
): void {
  checkKeys(value, { where, path: prefix, known: Object.keys(rules), ...(aliases && { aliases }) });
  for (const [key, [ok, rule]] of Object.entries(rules)) {
    const v = value[key];
    if (v !== undefined && !ok(v)) throw optionError(where, `${prefix}.${key}`, rule, v);
  }
}

const flag: [(v: unknown) => boolean, string] = [(v) => typeof v === "boolean", "a boolean"];

/** The rules of `retry` (`provider.retry`, or a call's `retry`). */
export const RETRY_RULES: OptionRules = {
  maxAttempts: [(v) => Number.isInteger(v) && (v as number) >= 1, "an integer >= 1"],
  baseDelayMs: [isDelay, "a finite number >= 0 (ms)"],
  maxDelayMs: [isDelay, "a finite number >= 0 (ms)"],
  retry429: flag,
  retry5xx: flag,
  retryTransport: flag,
};

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
  const rules: OptionRules = {
    baseUrl: [(v) => typeof v === "string", "a string"], // checked above
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
  };
  checkFields(p, "provider", rules, "createClient", CALL_ALIASES);
  if (p["headers"] !== undefined) assertHeaders(p["headers"] as object, "provider.headers");
  const retry = (p["retry"] ?? {}) as Record<string, unknown>;
  checkFields(retry, "provider.retry", RETRY_RULES, "createClient", RETRY_ALIASES);
  checkFields((p["limits"] ?? {}) as Record<string, unknown>, "provider.limits", {
    maxReplyBytes: [isLimit, "an integer >= 1 (bytes), or Infinity for none"],
    maxEventBytes: [isLimit, "an integer >= 1 (bytes), or Infinity for none"],
  });
}
