// What a test scripts: per endpoint, one reply or a sequence of replies (status, headers, body and
// the fault knobs), consumed one per request in order; the last one repeats. Every script type lives
// here, so this file imports nothing of the mock server.
import type { Endpoint } from "../transport/telemetry.js";

/** The endpoints the mock serves (the client's, by the same names): the keys of `MockScript`. */
export type MockEndpoint = Endpoint;

/** A request as the server received it. */
export interface RecordedRequest {
  /** The matched endpoint, or undefined for an unknown path. */
  endpoint: MockEndpoint | undefined;
  method: string;
  /** The path without the query string. */
  path: string;
  /** The request target as sent (path and query). */
  url: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The (decompressed) body parsed as JSON, or the raw text when it is not JSON. */
  body: unknown;
  /** The (decompressed) body text. */
  rawBody: string;
}

/** What a script may seed: a Response (with its `id`) and, optionally, its input items. */
export interface MockStoredResponse {
  response: Record<string, unknown> & { id: string };
  inputItems?: Record<string, unknown>[];
}

/** How the mock answers a WebSocket upgrade: 101 (the default) with extra headers, or a refusal. */
export interface MockUpgrade {
  /** Default 101; any other status refuses the upgrade with that HTTP reply. */
  status?: number;
  headers?: Record<string, string>;
  /** The refusal's body (default: a JSON mock error). */
  body?: string;
}

/** The WebSocket part of a script. */
export interface MockSocketScript {
  /** One answer per upgrade, in order; the last repeats. */
  upgrade?: MockUpgrade | MockUpgrade[];
  /** Close each connection (code 1000) after answering this many requests on it. */
  closeAfterRequests?: number;
}

/** One scripted reply. Every field is optional: `{}` means the canned 200 reply. */
export interface MockReply {
  /** HTTP status, default 200. */
  status?: number;
  /** Extra reply headers (retry-after, retry-after-ms, x-request-id, rate-limit headers…); they win over defaults. */
  headers?: Record<string, string>;
  /** JSON body (for non-2xx, or to override a JSON endpoint's reply, or a 2xx /responses reply sent as JSON); a string is sent as-is. */
  body?: unknown;
  /** Send `body` (or a default small HTML gateway page) as text/html. */
  html?: boolean;
  /** SSE payloads for /responses; default: the canned reply built from the request (`cannedEvents`). */
  events?: Record<string, unknown>[];
  /** Wait this long before each SSE event (slow drip). */
  dripMs?: number;
  /** After sending N events, send nothing more and keep the connection open… */
  stallAfterEvents?: number;
  /** …except an SSE comment line `: keep-alive\n\n` every keepAliveMs while stalled. */
  keepAliveMs?: number;
  /** Never send headers (a socket: never answer the request); the client must time out. */
  stallBeforeHeaders?: boolean;
  /** Write this many bytes of the body, then destroy the socket (RST). */
  resetAfterBytes?: number;
  /** Replace the event at this index by `data: {not json\n\n` (its `event:` line kept). */
  malformedAt?: number;
  /** Drop response.completed / response.done events and end the body cleanly (a socket: close it, code 1011). */
  omitTerminal?: boolean;
  /** A socket only: send a binary frame in place of the event at this index. */
  binaryAt?: number;
  /** Destroy the connection (TCP RST) right after sending this many events of this reply. */
  dropAfterEvents?: number;
}

/**
 * One entry of a script: a reply, or a function of the request (as recorded in `mock.requests`)
 * that returns it, so a reply can depend on what was sent (answer a tool's output with text).
 */
export type MockReplyEntry = MockReply | ((request: RecordedRequest) => MockReply);

/**
 * What the server replies, per endpoint (`responses`, `compact`, `memories`, `models`, `retrieve`,
 * `cancel`, `delete`, `inputItems`, `inputTokens`: see the route table in routes.ts for their
 * paths): one reply, or a sequence consumed in order, one per
 * request; the last one repeats.
 */
export type MockScript = { [E in MockEndpoint]?: MockReplyEntry | MockReplyEntry[] } & {
  /** Default true: 200 /responses replies carry x-codex-primary-used-percent and friends. */
  rateLimitHeaders?: boolean;
  /** WebSocket upgrades of /responses (their requests take the `responses` replies). */
  websocket?: MockSocketScript;
  /**
   * Responses the server holds from the start (default none), beside every response it creates:
   * GET, cancel, delete and input items of /responses/{id} answer for them; other ids get 404.
   */
  storedResponses?: MockStoredResponse[];
};

/** Hands out one entry of a list per call, in order; the last repeats (`{}` for none). */
export function replyList<T extends object>(entry: T | T[] | undefined): (n: number) => T {
  return (n) => {
    if (entry === undefined) return {} as T;
    if (!Array.isArray(entry)) return entry;
    return entry[Math.min(n, entry.length - 1)] ?? ({} as T);
  };
}

/** Picks an endpoint's next reply for a request. */
export type NextReply = (endpoint: MockEndpoint, request: RecordedRequest) => MockReply;

/**
 * Hands out each endpoint's next scripted reply (a function entry is called with the request);
 * an endpoint without a script gets `{}`.
 */
export function replyCursor(script: MockScript): NextReply {
  const used = new Map<MockEndpoint, number>();
  return (endpoint, request) => {
    const n = used.get(endpoint) ?? 0;
    used.set(endpoint, n + 1);
    const entry = replyList<MockReplyEntry>(script[endpoint])(n);
    if (typeof entry !== "function") return entry;
    const reply = entry(request) as MockReply | PromiseLike<unknown>;
    if (typeof (reply as { then?: unknown } | null)?.then === "function") {
      // An async function's reply would be played as `{}` (the canned one): refused, a 500.
      (reply as PromiseLike<unknown>).then(undefined, () => {});
      throw new Error("a reply function must return the reply, not a promise");
    }
    return reply as MockReply;
  };
}
