// The stream object of `client.responses.stream()`: an async iterable of ResponseEvents read from a
// message source (a 2xx SSE reply, or a WebSocket request's frames), with the reply's request id,
// headers and rate limits, `collect()` and `abort()`. Events are yielded as soon as their messages
// arrive; breaking out of the loop cancels the source.
import type { ResponseItem } from "../generated/openapi.js";
import { StreamError, type ErrorDetails } from "../errors/catalogue.js";
import { abortError, replyDetails } from "../errors/map.js";
import { EventReader, type StreamOptions } from "./event-reader.js";
import type { ResponseEvent, TokenUsage } from "./events.js";
import { rateLimitsOf, type RateLimitSnapshot } from "../rate-limits.js";
import type { MessageSource } from "./source.js";
import { SseSource, type SseSourceOptions } from "./sse-source.js";

export type { StreamOptions };

/** What a stream shows of the reply that opened it: its status and headers. */
export interface StreamHead {
  status: number;
  headers: Headers;
}

/** What `collect()` resolves to. */
export interface CollectedResponse {
  responseId: string;
  /** Every `outputItemDone` item, in order. */
  items: ResponseItem[];
  /** The output text deltas, joined. */
  text: string;
  tokenUsage?: TokenUsage;
  /** The last snapshot seen (headers or `codex.rate_limits`). */
  rateLimits?: RateLimitSnapshot;
}

/** A streamed reply: iterate it for ResponseEvents, or `collect()` them; `abort()` ends it. */
export class ResponseStream implements AsyncIterable<ResponseEvent> {
  /** The reply's `x-request-id`. */
  readonly requestId: string | undefined;
  readonly headers: Headers;
  readonly status: number;
  /** The snapshot from the reply's headers, when it had rate-limit headers. */
  readonly rateLimits: RateLimitSnapshot | undefined;

  readonly #reader: EventReader;
  #started = false;
  readonly #details: ErrorDetails;

  /** Reads `source`; `head` gives the request id, rate limits and the first events. */
  constructor(head: StreamHead, source: MessageSource, options: StreamOptions) {
    this.status = head.status;
    this.headers = head.headers;
    this.#details = replyDetails(head);
    this.requestId = this.#details.requestId;
    this.rateLimits = rateLimitsOf(head.headers);
    // The caller's signal applies before iteration starts too (and the source's idle timer runs).
    this.#reader = new EventReader(head.headers, source, this.#details, options);
  }

  /** Cancels the request; a running iteration ends with AbortError. */
  abort(): void {
    this.#reader.stop(abortError(undefined, this.#details));
  }

  [Symbol.asyncIterator](): AsyncIterator<ResponseEvent> {
    if (this.#started) {
      const error = new StreamError(
        "this stream was already consumed (iterate it once)",
        this.#details,
      );
      return { next: () => Promise.reject(error) };
    }
    this.#started = true;
    return this.#reader;
  }

  /** Drains the stream into items, text, usage and the response id. Once, and not after iterating. */
  async collect(): Promise<CollectedResponse> {
    let result: CollectedResponse = { responseId: "", items: [], text: "" };
    if (this.rateLimits) result.rateLimits = this.rateLimits;
    let text = "";
    for await (const event of this) {
      if (event.type === "outputTextDelta") text += event.delta;
      else if (event.type === "outputItemDone") result.items.push(event.item);
      else if (event.type === "rateLimits") result.rateLimits = event.snapshot;
      else if (event.type === "completed") {
        result = { ...result, responseId: event.responseId };
        if (event.tokenUsage) result.tokenUsage = event.tokenUsage;
      }
    }
    result.text = text;
    return result;
  }
}

/** Wraps a 2xx SSE reply in a ResponseStream; its end is read after `completed`, keeping the connection. */
export function openResponseStream(
  response: Response,
  options: StreamOptions & SseSourceOptions,
): ResponseStream {
  const sse = { ...options, drainAfterCompleted: true };
  return new ResponseStream(
    response,
    new SseSource(response.body, replyDetails(response), sse),
    options,
  );
}
