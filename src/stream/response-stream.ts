// The stream object of `client.responses.stream()`: an async iterable of ResponseEvents read from a
// message source (a 2xx SSE reply, or a WebSocket request's frames), with the reply's request id,
// headers and rate limits, `collect()` and `abort()`. Events are yielded as soon as their messages
// arrive; breaking out of the loop cancels the source.
import { StreamError, type ErrorDetails } from "../errors/catalogue.js";
import { abortError, replyDetails } from "../errors/map.js";
import { EventReader, type StreamOptions } from "./event-reader.js";
import type { ResponseEvent } from "./events.js";
import { Collector, type CollectedResponse } from "./collector.js";
import { rateLimitsOf, type RateLimitSnapshot } from "../rate-limits.js";
import type { MessageSource } from "./source.js";
import { SseSource, type SseSourceOptions } from "./sse-source.js";
import { loadOnce } from "../load.js";

// What `collect()` resolves with is assembled by ./collected.ts, loaded by the first `collect()`.
const loadCollected = loadOnce("collect()", () => import("./collected.js"));

export type { StreamOptions, CollectedResponse };

/** What a stream shows of the reply that opened it: its status and headers. */
export interface StreamHead {
  status: number;
  headers: Headers;
}

/** What a ResponseStream is built with: the reader's options, and `cancelOnAbort`'s call. */
export interface ResponseStreamOptions extends StreamOptions {
  /** Called once with the response id when the caller abandons the stream (abort, signal, break). */
  cancelOnAbort?: ((responseId: string) => void) | undefined;
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
  readonly #details: ErrorDetails;
  readonly #collector = new Collector(); // every event read so far, and the failure
  #started = false;
  #collected = false;
  #outer: AsyncIterator<ResponseEvent> | undefined; // the iterator handed out
  #cancelOnAbort: ((responseId: string) => void) | undefined;

  /** Reads `source`; `head` gives the request id, rate limits and the first events. */
  constructor(head: StreamHead, source: MessageSource, options: ResponseStreamOptions) {
    this.#cancelOnAbort = options.cancelOnAbort;
    const { signal } = options;
    let onRelease = options.onRelease;
    if (options.cancelOnAbort && signal) {
      // Before the reader's own listener: the stream is still running when this one runs.
      const listener = () => this.#abandoned();
      signal.addEventListener("abort", listener, { once: true });
      const then = onRelease;
      onRelease = () => {
        signal.removeEventListener("abort", listener);
        then?.();
      };
    }
    this.status = head.status;
    this.headers = head.headers;
    this.#details = replyDetails(head);
    this.requestId = this.#details.requestId;
    this.rateLimits = rateLimitsOf(head.headers);
    // The caller's signal applies before iteration starts too (and the source's idle timer runs).
    const observed = { ...options, observer: this.#collector, onRelease };
    this.#reader = new EventReader(head.headers, source, this.#details, observed);
  }

  /**
   * The response's id: set when `response.created` or `response.queued` arrives (from the start
   * for `client.responses.resume(id)`); persist it with `lastSequenceNumber` to resume later.
   */
  get responseId(): string | undefined {
    return this.#reader.responseId;
  }

  /**
   * The `sequence_number` of the last wire event the iteration (or `collect()`) moved past; pass it
   * as `startingAfter` to `client.responses.resume(responseId, …)`.
   */
  get lastSequenceNumber(): number | undefined {
    return this.#reader.lastSequenceNumber;
  }

  /** Cancels the request; a running iteration ends with AbortError. */
  abort(): void {
    this.#abandoned();
    this.#reader.stop(abortError(undefined, this.#details));
  }

  /** The caller left a running stream: `cancelOnAbort` sends `cancel(id)`, once, when the id is known. */
  #abandoned(): void {
    const cancel = this.#cancelOnAbort;
    if (!cancel || this.#reader.ended) return;
    const id = this.#reader.responseId;
    if (id === undefined) return;
    this.#cancelOnAbort = undefined;
    cancel(id);
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
    return (this.#outer = this.watch(this.#cancelOnAbort ? this.#onBreak() : this.#reader));
  }

  /** The reader, with `break` (its `return()`) abandoning the stream first. */
  #onBreak(): AsyncIterator<ResponseEvent> {
    const reader = this.#reader;
    return {
      next: () => reader.next(),
      return: () => {
        this.#abandoned();
        return reader.return();
      },
    };
  }

  /** Wraps the one iterator handed out (the WebSocket stream watches its events); default: as is. */
  protected watch(inner: AsyncIterator<ResponseEvent>): AsyncIterator<ResponseEvent> {
    return inner;
  }

  /**
   * Reads what is left of the stream and resolves with everything it delivered: items, function
   * calls, text, usage and the response id. Once per stream, at any time: before iterating, inside
   * the loop, or after it (then the events the loop saw are included). Rejects with the error that
   * ended the stream, or with StreamError when a `break` ended it before `response.completed`.
   */
  async collect(): Promise<CollectedResponse> {
    if (this.#collected) {
      throw new StreamError("collect() was already called (once per stream)", this.#details);
    }
    this.#collected = true;
    const iterator = this.#outer ?? this[Symbol.asyncIterator]();
    const collector = this.#collector;
    for (;;) {
      if (collector.failure !== undefined) throw collector.failure;
      if ((await iterator.next()).done) break;
    }
    if (collector.failure !== undefined) throw collector.failure;
    if (!collector.completed) {
      throw new StreamError("collect(): the stream ended before response.completed", this.#details);
    }
    return (await loadCollected()).collected(collector);
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
