// The caller's edge of every call (README "Options"): the request and the options are checked
// before anything is sent, and a call rejects with InvalidRequestError (`code: "invalid_option"`,
// `param` the path such as `options.signal` or `request.input`) naming what is wrong.
import { CodexApiError, InvalidRequestError } from "../errors/catalogue.js";
import type { ResponseItem } from "../generated/openapi.js";
import { CALL_ALIASES, HEADERS_RULE, optionError, RETRY_ALIASES, toRecord } from "../options.js";
import {
  checkFields,
  isTimeout,
  RETRY_RULES,
  STRING_RULE,
  TIMEOUT_RULE,
  type OptionRules,
} from "../option-checks.js";
import { assertHeaders } from "../transport/headers.js";
import type { RetryConfig } from "../transport/retry.js";
import { isObject } from "../util.js";

/** The options every call ends with (an endpoint may add its own). */
export interface CallOptions {
  /** Extra headers for this call (they win over the provider's): an object, a `Headers` or `[name, value][]`. */
  headers?: Record<string, string> | Iterable<readonly [string, string]>;
  /** Aborts the call; it then rejects with AbortError. */
  signal?: AbortSignal;
  /** This call's request timeout, in ms (default: `provider.requestTimeoutMs`). */
  requestTimeoutMs?: number;
  /** This call's retry policy, over the provider's (default: `provider.retry`). */
  retry?: Partial<RetryConfig>;
}

const isSignal = (v: unknown): boolean =>
  isObject(v) &&
  typeof v["aborted"] === "boolean" &&
  typeof v["addEventListener"] === "function" &&
  typeof v["removeEventListener"] === "function";

const CALL_RULES: OptionRules = {
  headers: [isObject, HEADERS_RULE],
  signal: [isSignal, "an AbortSignal"],
  requestTimeoutMs: [isTimeout, TIMEOUT_RULE],
  retry: [isObject, "an object such as { maxAttempts: 2 }"],
};

/**
 * A copy of `options`, each value read once: its own keys, and the `known` ones it inherits (a
 * class instance's getters).
 */
function readOptions(options: object, known: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...options };
  for (const key of known) {
    if (!Object.hasOwn(copy, key) && key in options) {
      copy[key] = (options as Record<string, unknown>)[key];
    }
  }
  return copy;
}

export { STRING_RULE };

/**
 * Checks a call's options (undefined is `{}`): an object with only `headers`, `signal`,
 * `requestTimeoutMs`, `retry` and the keys of `extra`, each valid. Returns them with `headers` as a
 * plain object. Throws InvalidRequestError whose message starts with `where` (`compact.compactInput`).
 */
export function checkCall<T extends CallOptions>(
  where: string,
  options: T | undefined,
  extra: OptionRules = {},
): T & { headers?: Record<string, string> } {
  try {
    return checkCallOptions(where, options, extra);
  } catch (error) {
    if (error instanceof CodexApiError) throw error;
    // A getter, a proxy trap or an iterator of the caller's that threw while it was read.
    throw new InvalidRequestError(`${where}: the options could not be read (a getter threw)`, {
      param: "options",
      code: "invalid_option",
      cause: error,
    });
  }
}

/** `checkCall` without the wrapping of what the caller's own code threw. */
function checkCallOptions<T extends CallOptions>(
  where: string,
  options: T | undefined,
  extra: OptionRules,
): T & { headers?: Record<string, string> } {
  if (options === undefined) return {} as T & { headers?: Record<string, string> };
  if (!isObject(options)) throw optionError(where, "options", "an object", options);
  const rules = { ...CALL_RULES, ...extra };
  const checked = readOptions(options, Object.keys(rules)) as T;
  const headers = toRecord(checked.headers, where, "options.headers");
  if (headers !== undefined) checked.headers = headers as Record<string, string>;
  checkFields(checked as Record<string, unknown>, "options", rules, where, CALL_ALIASES);
  if (headers !== undefined) assertHeaders(headers, "options.headers", where);
  if (checked.retry !== undefined) {
    // A copy, checked: a later edit of the caller's object changes nothing.
    const retry = (checked.retry = { ...checked.retry }) as Record<string, unknown>;
    checkFields(retry, "options.retry", RETRY_RULES, where, RETRY_ALIASES);
  }
  return checked as T & { headers?: Record<string, string> };
}

/** Throws InvalidRequestError unless `request` is an object whose `model` is a non-empty string. */
export function checkModel(where: string, request: unknown): asserts request is { model: string } {
  if (!isObject(request)) throw optionError(where, "request", "an object", request);
  const { model } = request;
  if (typeof model !== "string" || model === "") {
    throw optionError(where, "request.model", "a non-empty string", model);
  }
}

/** `input: "text"` is one user message with that text. */
export function inputItems(input: ResponseItem[] | string): ResponseItem[] {
  if (typeof input !== "string") return input;
  return [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }];
}

/** Checks `request` (an object, `model`, `input` an array or a string); returns its input as items. */
export function checkInput(where: string, request: unknown): ResponseItem[] {
  checkModel(where, request);
  const { input } = request as { input?: unknown };
  if (!Array.isArray(input) && typeof input !== "string") {
    throw optionError(where, "request.input", "an array of items or a string", input);
  }
  return inputItems(input as ResponseItem[] | string);
}
