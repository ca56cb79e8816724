// The stream object of `client.responses.stream()`: an async iterable of ResponseEvents read from
// a 2xx SSE reply, with the reply's request id, headers and rate limits, `collect()` and `abort()`.
// Events are yielded as soon as their bytes arrive; breaking out of the loop cancels the body.
import type { ResponseItem } from "../generated/openapi.js";
import { StreamError, type ErrorDetails } from "../errors/catalogue.js";
import { abortError, replyDetails } from "../errors/map.js";
import {
  EventReader,
  type MessageDecoder,
  type StreamHead,
  type StreamOptions,
} from "./event-reader.js";
import type { ResponseEvent, TokenUsage } from "./events.js";
import { rateLimitsOf, type RateLimitSnapshot } from "../rate-limits.js";

export type { StreamOptions };

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

  /** `decoder` frames the body (default: SSE); the WebSocket transport passes its frame decoder. */
  constructor(response: StreamHead, options: StreamOptions, decoder?: MessageDecoder) {
    this.status = response.status;
    this.headers = response.headers;
    this.#details = replyDetails(response);
    this.requestId = this.#details.requestId;
    this.rateLimits = rateLimitsOf(response.headers);
    // Reads from now on: the idle timer and the caller's signal apply before iteration starts too.
    this.#reader = new EventReader(response, this.#details, options, decoder);
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
export function openResponseStream(response: Response, options: StreamOptions): ResponseStream {
  return new ResponseStream(response, { ...options, drainAfterCompleted: true });
}
