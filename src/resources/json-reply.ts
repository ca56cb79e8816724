// Shared by the JSON endpoints (Compact, Memories, Models): the options of a call and the
// documented-shape check of a 2xx reply.
import type { OperationInit } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { InvalidResponseError } from "../errors/catalogue.js";
import { replyDetails } from "../errors/map.js";
import { isObject, snippet } from "../util.js";
import { mergeHeaders, USER_AGENT } from "../transport/headers.js";
import type { Endpoint } from "../transport/telemetry.js";

/** The options every JSON call ends with. */
export interface CallOptions {
  /** Extra headers for this call (they win over the provider's). */
  headers?: Record<string, string>;
  /** Aborts the call; it then rejects with AbortError. */
  signal?: AbortSignal;
}

/** Headers (provider, User-Agent, extra) and the transport for one JSON call. */
export function jsonCallInit(
  endpoints: Endpoints,
  endpoint: Endpoint,
  { headers, signal }: CallOptions,
): OperationInit {
  return {
    headers: mergeHeaders(endpoints.provider.headers, { "User-Agent": USER_AGENT }, headers),
    ...(signal ? { signal } : {}),
    fetch: endpoints.transport.fetchFor({ endpoint, stream: false, ...(signal ? { signal } : {}) }),
  };
}

/** A parsed 2xx reply, named for messages. */
export interface JsonReply {
  what: Endpoint;
  data: unknown;
  response: Response;
}

/**
 * Throws InvalidResponseError (status, requestId, the start of the body with secrets scrubbed:
 * servers echo headers) when `ok` is false.
 */
export function expectShape(ok: boolean, endpoints: Endpoints, reply: JsonReply): void {
  if (ok) return;
  const body = endpoints.scrubber.text(JSON.stringify(reply.data) ?? "");
  throw new InvalidResponseError(
    `${reply.what}: the reply is not of the documented shape: ${snippet(body)}`,
    replyDetails(reply.response),
  );
}

/** An object with a string `type` (a wire item). */
export const isObjectWithType = (v: unknown): boolean =>
  isObject(v) && typeof v["type"] === "string";
