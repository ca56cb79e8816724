// The stream object of `client.responses.stream()`: an async iterable of ResponseEvents read from
// a 2xx SSE reply, with the reply's request id, headers and rate limits, `collect()` and `abort()`.
// Events are yielded as soon as their bytes arrive; breaking out of the loop cancels the body.
import type { ResponseItem } from "../generated/openapi.js";
import {
  AbortError,
  CodexApiError,
  StreamError,
  StreamIdleTimeoutError,
  type ErrorDetails,
} from "../errors/catalogue.js";
import { replyDetails } from "../errors/map.js";
import {
  headerEvents,
  mapPayload,
  parsePayload,
  type PayloadContext,
  type ResponseEvent,
  type TokenUsage,
} from "./events.js";
import { isEmptySnapshot, parseRateLimits, type RateLimitSnapshot } from "./rate-limits.js";
import { IdleTimer } from "./idle-timer.js";
import { SseDecoder, type SseMessage } from "./sse.js";
import { callHook, type Logger, type Telemetry } from "../transport/telemetry.js";

/** How a stream is read: idle timeout, raw events, hooks and the caller's signal. */
export interface StreamOptions {
  idleTimeoutMs: number;
  includeRawEvents?: boolean;
  telemetry?: Telemetry;
  logger?: Logger;
  signal?: AbortSignal;
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

  readonly #body: ReadableStream<Uint8Array> | null;
  readonly #options: StreamOptions;
  readonly #controller = new AbortController();
  readonly #onSignal = () => this.abort();
  #started = false;
  readonly #details: ErrorDetails;

  constructor(response: Response, options: StreamOptions) {
    this.status = response.status;
    this.headers = response.headers;
    this.#details = replyDetails(response);
    this.requestId = this.#details.requestId;
    const snapshot = parseRateLimits(response.headers);
    this.rateLimits = isEmptySnapshot(snapshot) ? undefined : snapshot;
    this.#body = response.body;
    this.#options = options;
    // The caller's signal aborts the stream too, whether or not it is being iterated.
    if (options.signal?.aborted) this.abort();
    else options.signal?.addEventListener("abort", this.#onSignal, { once: true });
  }

  /** Cancels the request; a running iteration ends with AbortError. */
  abort(): void {
    this.#controller.abort();
    // Not iterated yet: nothing reads the body, so cancel it here to close the connection.
    if (!this.#started) this.#body?.cancel().catch(() => {});
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
    return this.#events();
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

  #events(): AsyncIterator<ResponseEvent> {
    return new EventReader(
      this.#body,
      this.headers,
      this.#details,
      this.#options,
      this.#controller.signal,
      () => this.#options.signal?.removeEventListener("abort", this.#onSignal),
    );
  }
}

const done: IteratorResult<ResponseEvent> = { done: true, value: undefined };

/**
 * The iterator behind a ResponseStream. Hand-written rather than an async generator: events that
 * one chunk completes are handed out from a resolved promise each, which keeps long streams near
 * the speed of parsing alone. Once it ends (completed, failed, aborted or returned early) the body
 * is cancelled, the idle timer cleared and listeners removed.
 */
class EventReader implements AsyncIterator<ResponseEvent> {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #decoder = new SseDecoder();
  readonly #pending: ResponseEvent[];
  readonly #details: ErrorDetails;
  readonly #options: StreamOptions;
  readonly #signal: AbortSignal;
  readonly #ctx: PayloadContext;
  readonly #onEnd: () => void;
  readonly #onAbort = () =>
    this.#stop(new AbortError("the request was aborted by the caller", this.#details));
  #next = 0; // index into decoder.messages
  #message: SseMessage = { data: "" }; // the one being mapped
  #telemetryAt = performance.now(); // when the previous event (or the headers) came
  #finished = false;
  #stopped: CodexApiError | undefined;
  readonly #idle: IdleTimer;
  #reading: Promise<void> | undefined; // the #read under way

  constructor(
    body: ReadableStream<Uint8Array> | null,
    headers: Headers,
    details: ErrorDetails,
    options: StreamOptions,
    signal: AbortSignal,
    onEnd: () => void,
  ) {
    this.#reader = body?.getReader();
    this.#details = details;
    this.#options = options;
    this.#signal = signal;
    this.#onEnd = onEnd;
    this.#pending = headerEvents(headers);
    const self = this;
    this.#ctx = {
      details,
      includeRawEvents: options.includeRawEvents ?? false,
      // Only error messages read it, so it is worked out only then.
      get byteOffset() {
        return self.#decoder.offsetAfter(self.#message);
      },
    };
    if (signal.aborted)
      this.#stopped = new AbortError("the request was aborted by the caller", details);
    else signal.addEventListener("abort", this.#onAbort, { once: true });
    this.#idle = new IdleTimer(options.idleTimeoutMs, () => {
      const message = `no SSE event for ${options.idleTimeoutMs} ms (idle timeout) after byte ${this.#decoder.bytes}`;
      this.#stop(new StreamIdleTimeoutError(message, this.#details));
    });
  }

  next(): Promise<IteratorResult<ResponseEvent>> {
    // A `next()` called while a read is under way waits for it, as with an async generator.
    if (this.#reading) return this.#reading.then(() => this.next());
    try {
      const event = this.#take();
      if (event) return Promise.resolve({ done: false, value: event });
      if (this.#finished) return Promise.resolve(done);
      this.#idle.start();
      const read = this.#read();
      const settled = () => {
        this.#reading = undefined;
      };
      this.#reading = read.then(settled, settled);
      return read;
    } catch (error) {
      this.#finish();
      return Promise.reject(error);
    }
  }

  return(): Promise<IteratorResult<ResponseEvent>> {
    this.#finish();
    return Promise.resolve(done);
  }

  /** The next event already received, or undefined when more bytes are needed (or it ended). */
  #take(): ResponseEvent | undefined {
    if (this.#finished) return undefined;
    if (this.#stopped) throw this.#stopped;
    if (this.#pending.length > 0) return this.#pending.shift();
    const { messages } = this.#decoder;
    const { telemetry, logger } = this.#options;
    while (this.#next < messages.length) {
      const message = messages[this.#next++]!;
      this.#message = message;
      const payload = parsePayload(message.data, message.event, this.#ctx);
      if (telemetry?.onSseEvent) {
        const now = performance.now();
        const info = { type: payload["type"] as string, durationMs: now - this.#telemetryAt };
        this.#telemetryAt = now;
        callHook(telemetry.onSseEvent, info, logger, "onSseEvent");
      }
      const event = mapPayload(payload, this.#ctx);
      if (!event) continue;
      if (event.type === "completed") this.#finish(); // later bytes are ignored
      return event;
    }
    messages.length = 0;
    this.#next = 0;
    return undefined;
  }

  async #read(): Promise<IteratorResult<ResponseEvent>> {
    const reader = this.#reader;
    const details = this.#details;
    try {
      if (!reader) throw new StreamError("the reply has no body", details);
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        this.#idle.waiting();
        try {
          chunk = await reader.read();
        } catch (error) {
          if (this.#stopped) throw this.#stopped;
          const message = `the stream failed after byte ${this.#decoder.bytes}: ${String((error as Error)?.message ?? error)}`;
          throw new StreamError(message, { ...details, retryable: true, cause: error });
        }
        if (this.#stopped) throw this.#stopped;
        if (this.#finished) return done; // return() was called meanwhile
        if (chunk.done) this.#decoder.end();
        else this.#decoder.push(chunk.value);
        this.#idle.received(this.#decoder.messages.length > 0);
        const event = this.#take();
        if (event) return { done: false, value: event };
        if (chunk.done) {
          throw new StreamError(
            `stream closed before response.completed (after ${this.#decoder.bytes} bytes)`,
            { ...details, retryable: true },
          );
        }
      }
    } catch (error) {
      this.#finish();
      throw error;
    }
  }

  /** Ends reading with `error`: a pending read resolves at once and then throws it. */
  #stop(error: CodexApiError): void {
    this.#stopped ??= error;
    this.#reader?.cancel(error).catch(() => {});
  }

  /** Releases everything; cancels the body when it was not read to the end. */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#idle.stop();
    this.#signal.removeEventListener("abort", this.#onAbort);
    this.#onEnd();
    this.#reader?.cancel().catch(() => {});
  }
}

/** Wraps a 2xx SSE reply in a ResponseStream. */
export function openResponseStream(response: Response, options: StreamOptions): ResponseStream {
  return new ResponseStream(response, options);
}
