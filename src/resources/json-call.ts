// The promise a JSON operation returns (`JsonCall`): its result, and with `.withResponse()` the
// reply's metadata too. Kept apart from ./json-reply.ts so that an operation loaded on first use
// (./on-first-use.ts) can return one before its code is loaded.
import type { RateLimitSnapshot } from "../rate-limits.js";

/** What `.withResponse()` of a JSON call resolves with: the result and its reply's metadata. */
export interface WithResponse<T> {
  data: T;
  /** The reply's `x-request-id`. */
  requestId: string | undefined;
  headers: Headers;
  /** The snapshot from the reply's rate-limit headers, when it had any. */
  rateLimits: RateLimitSnapshot | undefined;
}

/** The promise of a JSON call: its result, or with `.withResponse()` the reply's metadata too. */
export interface JsonCall<T> extends Promise<T> {
  /** The result with the reply's request id, headers and rate limits. */
  withResponse(): Promise<WithResponse<T>>;
}

/** The `JsonCall` of `full`: it resolves with `full`'s `data`; `.withResponse()` gives `full`. */
export function asJsonCall<T>(full: Promise<WithResponse<T>>): JsonCall<T> {
  const call = full.then((r) => r.data) as JsonCall<T>;
  call.withResponse = () => {
    call.catch(() => {}); // the caller awaits `full`: its failure is theirs to handle, reported once
    return full;
  };
  return call;
}
