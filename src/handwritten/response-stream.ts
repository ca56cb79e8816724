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
} from "./errors.js";
import {
  headerEvents,
  mapPayload,
  parsePayload,
  type PayloadContext,
  type ResponseEvent,
  type TokenUsage,
} from "./events.js";
import { isEmptySnapshot, parseRateLimits, type RateLimitSnapshot } from "./rate-limits.js";
import { SseDecoder } from "./sse.js";
import { callHook, type Logger, type Telemetry } from "./telemetry.js";

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

  constructor(response: Response, options: StreamOptions) {
    this.status = response.status;
    this.headers = response.headers;
    this.requestId = response.headers.get("x-request-id") ?? undefined;
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
        this.#details(),
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

  #details(): ErrorDetails {
    return {
      status: this.status,
      headers: this.headers,
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
    };
  }

  async *#events(): AsyncGenerator<ResponseEvent, void, undefined> {
    const { idleTimeoutMs, telemetry, logger } = this.#options;
    const details = this.#details();
    const reader = this.#body?.getReader();
    const decoder = new SseDecoder();
    const ctx: PayloadContext = {
      byteOffset: 0,
      details,
      includeRawEvents: this.#options.includeRawEvents ?? false,
    };
    // One timer, re-armed when it fires early: cheaper than resetting it per event. Only time spent
    // waiting for bytes counts; time the consumer spends between two `next()` calls does not.
    let lastEventAt = performance.now();
    let reading = false;
    let stopped: CodexApiError | undefined;
    const stop = (error: CodexApiError) => {
      stopped ??= error;
      reader?.cancel(error).catch(() => {});
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number) => {
      timer = setTimeout(() => {
        const idle = performance.now() - lastEventAt;
        if (!reading) return arm(idleTimeoutMs);
        if (idle + 1 < idleTimeoutMs) return arm(idleTimeoutMs - idle);
        stop(
          new StreamIdleTimeoutError(
            `no SSE event for ${idleTimeoutMs} ms (idle timeout) after byte ${decoder.bytes}`,
            details,
          ),
        );
      }, ms);
    };
    const onAbort = () => stop(new AbortError("the request was aborted by the caller", details));
    const abortSignal = this.#controller.signal;
    let completed = false;
    try {
      if (abortSignal.aborted)
        throw new AbortError("the request was aborted by the caller", details);
      abortSignal.addEventListener("abort", onAbort, { once: true });
      arm(idleTimeoutMs);
      for (const event of headerEvents(this.headers)) yield event;
      if (!reader) throw new StreamError("the reply has no body", details);
      const { messages } = decoder;
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        reading = true;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (stopped) throw stopped;
          throw new StreamError(
            `the stream failed after byte ${decoder.bytes}: ${String((error as Error)?.message ?? error)}`,
            {
              ...details,
              retryable: true,
              cause: error,
            },
          );
        }
        reading = false;
        if (stopped) throw stopped;
        if (chunk.done) decoder.end();
        else decoder.push(chunk.value);
        // Messages are taken out one by one: a consumer that stops at any event leaves none behind.
        while (messages.length > 0) {
          const message = messages.shift()!;
          const now = performance.now();
          const durationMs = now - lastEventAt;
          lastEventAt = now;
          ctx.byteOffset = message.byteOffset;
          const payload = parsePayload(message.data, message.event, ctx);
          if (telemetry?.onSseEvent) {
            callHook(
              telemetry.onSseEvent,
              { type: payload["type"] as string, durationMs },
              logger,
              "onSseEvent",
            );
          }
          const event = mapPayload(payload, ctx);
          if (!event) continue;
          if (event.type === "completed") completed = true;
          yield event;
          lastEventAt = performance.now();
          if (stopped) throw stopped;
          if (completed) return;
        }
        if (chunk.done) {
          throw new StreamError(
            `stream closed before response.completed (after ${decoder.bytes} bytes)`,
            {
              ...details,
              retryable: true,
            },
          );
        }
      }
    } finally {
      clearTimeout(timer);
      abortSignal.removeEventListener("abort", onAbort);
      this.#options.signal?.removeEventListener("abort", this.#onSignal);
      // Ends the request when the consumer stopped early, the stream failed or completed before EOF.
      reader?.cancel().catch(() => {});
    }
  }
}

export function openResponseStream(response: Response, options: StreamOptions): ResponseStream {
  return new ResponseStream(response, options);
}
