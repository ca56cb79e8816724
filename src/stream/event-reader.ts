// The iterator behind a ResponseStream: body bytes -> SSE messages -> ResponseEvents, one `next()`
// at a time. Hand-written rather than an async generator: the events one chunk completes are handed
// out from a resolved promise each, which keeps long streams near the speed of parsing alone.
import { CodexApiError, StreamError } from "../errors/catalogue.js";
import { abortError } from "../errors/map.js";
import type { ErrorDetails } from "../errors/catalogue.js";
import { StreamIdleTimeoutError } from "../errors/catalogue.js";
import type { Scrubber } from "../transport/redact.js";
import { callHook, type Logger, type Telemetry } from "../transport/telemetry.js";
import {
  headerEvents,
  mapPayload,
  parsePayload,
  textDelta,
  type PayloadContext,
  type ResponseEvent,
} from "./events.js";
import { drainBody, responseTooLarge } from "../transport/limits.js";
import { IdleTimer } from "./idle-timer.js";
import { SseDecoder, type SseMessage } from "./sse.js";

/** How a stream is read: limits, raw events, hooks, the caller's signal and the scrubber. */
export interface StreamOptions {
  /** Longest wait for a message, from the reply's headers on (`Infinity`: none). */
  idleTimeoutMs: number;
  /** Largest SSE message, in decoded bytes. */
  maxEventBytes?: number | undefined;
  includeRawEvents?: boolean | undefined;
  telemetry?: Telemetry | undefined;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
  scrubber?: Scrubber | undefined;
  /**
   * After `response.completed`, read the body to its end (a little, briefly) instead of cancelling
   * it, so an HTTP connection goes back to the pool (a cancelled body closes it).
   */
  drainAfterCompleted?: boolean | undefined;
}

const done: IteratorResult<ResponseEvent> = { done: true, value: undefined };

/** A 2xx reply as the reader needs it: its status, headers and body. */
export interface StreamHead {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

/**
 * What the reader needs from a framing: `SseDecoder` for SSE bytes, or another that turns each body
 * chunk into messages (the WebSocket frame decoder). `end()` may throw the error the body ended with.
 */
export interface MessageDecoder {
  readonly messages: SseMessage[];
  readonly bytes: number;
  readonly overflow: boolean;
  push(chunk: Uint8Array): void;
  end(): void;
  /** Where `message` (from the last chunk pushed) ends in the body. */
  offsetAfter(message: SseMessage): number;
}

/**
 * Reads one reply. Its idle timer starts at once (at headers), so a stream that is never iterated is
 * still released. Once it ends (completed, failed, aborted, idle or returned early) the body is
 * cancelled, the timer cleared and every listener removed.
 *
 * Its members are TypeScript-private, not `#private`: on Node 20 the per-event path ran about 5 %
 * faster that way (`npm run bench -- pipeline`). Nothing secret is on it: the scrubber keeps its
 * values in its own `#private` field.
 */
export class EventReader implements AsyncIterator<ResponseEvent> {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly decoder: MessageDecoder;
  // The events of the messages received so far, mapped as soon as their chunk arrived (like the
  // parse loop of a plain parser); `head` is the next one to hand out.
  private readonly queue: ResponseEvent[];
  private head = 0;
  // Why mapping stopped (a malformed or failed event, [DONE], a message too large): thrown once the
  // events before it were handed out.
  private failure: unknown;
  private readonly details: ErrorDetails;
  private readonly options: StreamOptions;
  private readonly ctx: PayloadContext;
  private readonly idle: IdleTimer;
  private readonly onAbort = () => this.stop(abortError(this.options.signal, this.details));
  private message: SseMessage = { data: "" }; // the one being mapped
  private telemetryAt = performance.now(); // when the previous event (or the headers) came
  private finished = false;
  private stopped: CodexApiError | undefined;
  private reading: Promise<void> | undefined; // the read under way

  constructor(
    response: StreamHead,
    details: ErrorDetails,
    options: StreamOptions,
    decoder: MessageDecoder = new SseDecoder(options.maxEventBytes),
  ) {
    this.reader = response.body?.getReader();
    this.details = details;
    this.options = options;
    this.decoder = decoder;
    this.queue = [];
    const self = this;
    this.ctx = {
      details,
      includeRawEvents: options.includeRawEvents ?? false,
      models: new Set(),
      pending: [],
      get byteOffset() {
        return self.decoder.offsetAfter(self.message);
      },
    };
    this.queue.push(...headerEvents(response.headers, this.ctx.models));
    this.idle = new IdleTimer(options.idleTimeoutMs, () => {
      const message = `no event for ${options.idleTimeoutMs} ms (idle timeout) after byte ${this.decoder.bytes}`;
      this.stop(new StreamIdleTimeoutError(message, details));
    });
    const { signal } = options;
    if (signal?.aborted) this.stop(abortError(signal, details));
    else signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  next(): Promise<IteratorResult<ResponseEvent>> {
    // Most calls hand out an event already mapped: that path does nothing else.
    const queued = this.head < this.queue.length && !this.stopped && !this.finished;
    if (queued && this.queue[this.head]!.type !== "completed") {
      return Promise.resolve({ done: false, value: this.queue[this.head++]! });
    }
    // A `next()` called while a read is under way waits for it, as with an async generator.
    if (this.reading) return this.reading.then(() => this.next());
    try {
      const event = this.take();
      if (event) return Promise.resolve({ done: false, value: event });
      if (this.finished) return Promise.resolve(done);
      this.idle.start();
      const read = this.readMore();
      const settled = () => {
        this.reading = undefined;
      };
      this.reading = read.then(settled, settled);
      return read;
    } catch (error) {
      return Promise.reject(this.fail(error));
    }
  }

  return(): Promise<IteratorResult<ResponseEvent>> {
    this.finish();
    return Promise.resolve(done);
  }

  /** Ends reading with `error`: a pending or later `next()` throws it; resources are released now. */
  stop(error: CodexApiError): void {
    if (this.finished) return;
    this.stopped ??= error;
    this.release();
    this.reader?.cancel(error).catch(() => {});
  }

  /** The next event already received, or undefined when more bytes are needed (or it ended). */
  private take(): ResponseEvent | undefined {
    if (this.finished) return undefined;
    if (this.stopped) throw this.stopped;
    if (this.head === this.queue.length) {
      this.queue.length = this.head = 0;
      if (this.failure === undefined) this.map();
      if (this.queue.length === 0) {
        if (this.failure !== undefined) throw this.failure;
        return undefined;
      }
    }
    const event = this.queue[this.head++]!;
    if (event.type === "completed") this.finish(true); // later bytes are ignored
    return event;
  }

  /** Maps the messages the decoder holds into `queue`, up to `completed` or the first failure. */
  private map(): void {
    const { messages } = this.decoder;
    const { telemetry, logger } = this.options;
    const ctx = this.ctx;
    try {
      for (const message of messages) {
        this.message = message;
        if (message.data === "[DONE]") this.closed();
        const payload = parsePayload(message.data, message.event, ctx);
        if (telemetry?.onSseEvent) {
          const now = performance.now();
          const type = this.options.scrubber?.text(payload["type"] as string) ?? payload["type"];
          const info = { type: type as string, durationMs: now - this.telemetryAt };
          this.telemetryAt = now;
          callHook(telemetry.onSseEvent, info, logger, "onSseEvent");
        }
        const event = textDelta(payload) ?? mapPayload(payload, ctx);
        if (!event) continue;
        this.queue.push(event);
        if (ctx.pending.length > 0) this.queue.push(...ctx.pending.splice(0));
        if (event.type === "completed") return;
      }
      if (this.decoder.overflow) {
        const limit = this.options.maxEventBytes ?? Infinity;
        const where = `stream at byte ${this.decoder.bytes}`;
        throw responseTooLarge(where, "maxEventBytes", limit, this.details, "an SSE message");
      }
    } catch (error) {
      this.failure = error;
    } finally {
      messages.length = 0;
    }
  }

  /** The body ended (or `data: [DONE]` came) before `response.completed`. */
  private closed(): never {
    throw new StreamError(
      `stream closed before response.completed (after ${this.decoder.bytes} bytes)`,
      { ...this.details, retryable: true },
    );
  }

  private async readMore(): Promise<IteratorResult<ResponseEvent>> {
    const reader = this.reader;
    try {
      if (!reader) throw new StreamError("the reply has no body", this.details);
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        this.idle.waiting();
        try {
          chunk = await reader.read();
        } catch (error) {
          if (this.stopped) throw this.stopped;
          const message = `the stream failed after byte ${this.decoder.bytes}: ${String((error as Error)?.message ?? error)}`;
          throw new StreamError(message, { ...this.details, retryable: true, cause: error });
        }
        if (this.stopped) throw this.stopped;
        if (this.finished) return done; // return() was called meanwhile
        if (chunk.done) this.decoder.end();
        else this.decoder.push(chunk.value);
        this.idle.received(this.decoder.messages.length > 0);
        const event = this.take();
        if (event) return { done: false, value: event };
        if (chunk.done) this.closed();
      }
    } catch (error) {
      throw this.fail(error);
    }
  }

  /** Ends the stream with `error`, scrubbed. */
  private fail(error: unknown): unknown {
    this.finish();
    const { scrubber } = this.options;
    return scrubber && error instanceof CodexApiError ? scrubber.error(error) : error;
  }

  private release(): void {
    this.idle.stop();
    this.options.signal?.removeEventListener("abort", this.onAbort);
  }

  /** Releases everything; cancels the body when it was not read to the end (or drains it). */
  private finish(completed = false): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
    if (!this.reader) return;
    if (completed && this.options.drainAfterCompleted) drainBody(this.reader);
    else this.reader.cancel().catch(() => {});
  }
}
