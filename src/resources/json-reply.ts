// Shared by the JSON endpoints (Compact, Memories, Models): the options of a call and the
// documented-shape check of a 2xx reply.
import type { Endpoints } from "./context.js";
import { checkCall, type CallOptions } from "./call-options.js";

export type { CallOptions };
import type { OptionRules } from "../option-checks.js";
import type { Endpoint } from "../transport/telemetry.js";
import { InvalidResponseError } from "../errors/catalogue.js";
import { replyDetails } from "../errors/map.js";
import { isObject, snippet } from "../util.js";
import { mergeHeaders, USER_AGENT } from "../transport/headers.js";
import type { Scrubber } from "../transport/redact.js";
import { rateLimitsOf } from "../rate-limits.js";
import { asJsonCall, type JsonCall, type WithResponse } from "./json-call.js";

export type { JsonCall, WithResponse };

/** The headers (provider, User-Agent, extra) and signal of one JSON call whose options were checked. */
export function jsonCallInit(
  endpoints: Endpoints,
  { headers, signal }: { headers?: Record<string, string>; signal?: AbortSignal | undefined },
) {
  return {
    headers: mergeHeaders(endpoints.provider.headers, { "User-Agent": USER_AGENT }, headers),
    signal,
  };
}

/**
 * Checks a JSON call's `options` (`where` names the call, `extra` adds its own options), then
 * gives the endpoint's Send (with the call's `requestTimeoutMs` and `retry`), its init and the
 * checked options. Throws InvalidRequestError before anything is sent.
 */
export function jsonCall<T extends CallOptions>(
  endpoints: Endpoints,
  endpoint: Endpoint,
  where: string,
  options: T | undefined,
  extra?: OptionRules,
) {
  const checked = checkCall(where, options, extra);
  const send = endpoints.transport.sender(endpoint, checked);
  return { send, init: jsonCallInit(endpoints, checked), options: checked };
}

/** What `expectShape` reports: the endpoint, its reply and the client's scrubber. */
export interface ShapeCheck {
  what: string;
  data: unknown;
  response: Response;
  scrubber: Scrubber;
}

/** `data` as JSON text; a reply nested too deep to write back is described instead. */
function quoted(data: unknown): string {
  try {
    return JSON.stringify(data) ?? "";
  } catch {
    return "(a value nested too deep to quote)";
  }
}

/** Throws InvalidResponseError (status, requestId, the scrubbed start of the body) when `ok` is false. */
export function expectShape(ok: boolean, { what, data, response, scrubber }: ShapeCheck): void {
  if (ok) return;
  const said = snippet(scrubber.text(quoted(data)));
  throw new InvalidResponseError(
    `${what}: the reply is not of the documented shape: ${said}`,
    replyDetails(response),
  );
}

/** An object with a string `type` (a wire item). */
export const isObjectWithType = (v: unknown): boolean =>
  isObject(v) && typeof v["type"] === "string";

/**
 * Runs a JSON operation (`run` resolves with the result and the reply it came from) as a
 * `JsonCall`. Every JSON operation wraps its body in it: `return withReply(async () => …)`.
 */
export function withReply<T>(run: () => Promise<{ data: T; response: Response }>): JsonCall<T> {
  const full = run().then(({ data, response }): WithResponse<T> => {
    const { requestId, headers } = replyDetails(response);
    return { data, requestId, headers: headers!, rateLimits: rateLimitsOf(response.headers) };
  });
  return asJsonCall(full);
}
