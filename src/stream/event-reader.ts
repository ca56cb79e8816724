// The iterator behind a ResponseStream: messages of a MessageSource (./source.ts) -> ResponseEvents,
// one `next()` at a time. It knows nothing of bytes or sockets. Hand-written rather than an async
// generator: the events one read completes are handed out from a resolved promise each, which keeps
// long streams near the speed of parsing alone.
import { CodexApiError, StreamError } from "../errors/catalogue.js";
import { abortError } from "../errors/map.js";
import type { ErrorDetails } from "../errors/catalogue.js";
import type { Scrubber } from "../transport/redact.js";
import { callHook, type Logger, type Telemetry } from "../transport/telemetry.js";
import {
  headerEvents,
  mapPayload,
  parsePayload,
  Reported,
  textDelta,
  type PayloadContext,
  type ResponseEvent,
} from "./events.js";
import { isSequenceNumber } from "./sequence.js";
import type { MessageSource, StreamMessage } from "./source.js";
import { loadOnce } from "../load.js";

// Turns a failure the server reported into its error class; loaded when the first one arrives.
const loadReported = loadOnce("stream failures", () => import("../errors/reported.js"));

/** How messages are mapped and handed out: raw events, hooks, the caller's signal and the scrubber. */
export interface StreamOptions {
  includeRawEvents?: boolean | undefined;
  telemetry?: Telemetry | undefined;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
  scrubber?: Scrubber | undefined;
  /** Told of each event as it is mapped, and of the error that ends the stream (for `collect()`). */
  observer?: StreamObserver | undefined;
  /** The response id when known from the start (`client.responses.resume(id)`). */
  responseId?: string | undefined;
  /** Default false. An event carrying another response than the stream's is a StreamError. */
  sameResponse?: boolean | undefined;
  /** Called once when the reader lets go of the source and the caller's signal. */
  onRelease?: (() => void) | undefined;
}

/** What `collect()` learns from a reader: every event in order, and the error that ended it. */
export interface StreamObserver {
  add(event: ResponseEvent): void;
  failed(error: unknown): void;
}

const done: IteratorResult<ResponseEvent> = { done: true, value: undefined };
const NO_MESSAGES: readonly StreamMessage[] = [];

/**
 * Reads one reply's messages. The source's idle timer runs from the start, so a stream that is never
 * iterated is still released. Once it ends (completed, failed, aborted, idle or returned early) the
 * source is completed or cancelled and every listener removed.
 *
 * Its members are TypeScript-private, not `#private`: on Node 20 the per-event path ran about 5 %
 * faster that way (`npm run bench -- pipeline`). Nothing secret is on it: the scrubber keeps its
 * values in its own `#private` field.
 */
export class EventReader implements AsyncIterator<ResponseEvent> {
  private readonly source: MessageSource;
  // The messages of the last read, not mapped yet.
  private batch: readonly StreamMessage[] = NO_MESSAGES;
  // The events of the messages received so far, mapped as soon as their read completed (like the
  // parse loop of a plain parser); `head` is the next one to hand out.
  private readonly queue: ResponseEvent[];
  private head = 0;
  // Why mapping stopped (a malformed or failed event, [DONE], the source's failure): thrown once the
  // events before it were handed out.
  private failure: unknown;
  private readonly details: ErrorDetails;
  private readonly options: StreamOptions;
  private readonly ctx: PayloadContext;
  private readonly onAbort = () => this.stop(abortError(this.options.signal, this.details));
  private message: StreamMessage | undefined; // the one being mapped
  private telemetryAt = performance.now(); // when the previous event (or the headers) came
  private finished = false;
  private stopped: CodexApiError | undefined;
  private reading: Promise<void> | undefined; // the read under way
  // The `sequence_number` of the wire message each queued event came from (of the last one mapped
  // before it, for events of messages that yield none), and of the last message mapped.
  private readonly seqs: (number | undefined)[] = [];
  private mappedSeq: number | undefined;
  /** The sequence number of the last wire event iteration moved past. */
  lastSequenceNumber: number | undefined;
  /** Set by `response.created` / `response.queued` (or known from the start). */
  responseId: string | undefined;

  /** `headers` give the first events (rate limits, models etag, server model). */
  constructor(
    headers: Headers,
    source: MessageSource,
    details: ErrorDetails,
    options: StreamOptions,
  ) {
    this.source = source;
    this.details = details;
    this.options = options;
    this.queue = [];
    this.responseId = options.responseId;
    const self = this;
    this.ctx = {
      details,
      includeRawEvents: options.includeRawEvents ?? false,
      models: new Set(),
      pending: [],
      get byteOffset() {
        return self.message?.offset ?? self.source.bytes;
      },
    };
    this.queue.push(...headerEvents(headers, this.ctx.models));
    for (const event of this.queue) {
      this.seqs.push(undefined);
      options.observer?.add(event);
    }
    source.onFail = (error) => this.stop(error);
    const { signal } = options;
    if (signal?.aborted) this.stop(abortError(signal, details));
    else signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  next(): Promise<IteratorResult<ResponseEvent>> {
    // Most calls hand out an event already mapped: that path does nothing else.
    const queued = this.head < this.queue.length && !this.stopped && !this.finished;
    if (queued && this.queue[this.head]!.type !== "completed") {
      const seq = this.seqs[this.head];
      if (seq !== undefined) this.lastSequenceNumber = seq;
      return Promise.resolve({ done: false, value: this.queue[this.head++]! });
    }
    // A `next()` called while a read is under way waits for it, as with an async generator.
    if (this.reading) return this.reading.then(() => this.next());
    try {
      const event = this.take();
      if (event) return Promise.resolve({ done: false, value: event });
      if (this.finished) return Promise.resolve(done);
      return this.waitedOn(this.readMore());
    } catch (error) {
      // A reported failure's class may be loading: a `next()` or `collect()` meanwhile waits for it.
      return this.waitedOn(this.fail(error));
    }
  }

  /** `read`, which a `next()` called before it settles waits for. */
  private waitedOn(
    read: Promise<IteratorResult<ResponseEvent>>,
  ): Promise<IteratorResult<ResponseEvent>> {
    const settled = () => {
      this.reading = undefined;
    };
    this.reading = read.then(settled, settled);
    return read;
  }

  return(): Promise<IteratorResult<ResponseEvent>> {
    if (!this.finished && this.options.observer) {
      const message = "the stream was ended (break or return()) before response.completed";
      this.options.observer.failed(new StreamError(message, this.details));
    }
    this.finish();
    return Promise.resolve(done);
  }

  /** Whether the stream ended (completed, failed, stopped or returned). */
  get ended(): boolean {
    return this.finished || this.stopped !== undefined;
  }

  /** Ends reading with `error`: a pending or later `next()` throws it; resources are released now. */
  stop(error: CodexApiError): void {
    if (this.finished) return;
    this.stopped ??= error;
    this.release();
    this.source.cancel(error);
  }

  /** The next event already received, or undefined when more messages are needed (or it ended). */
  private take(): ResponseEvent | undefined {
    if (this.finished) return undefined;
    if (this.stopped) throw this.stopped;
    if (this.head === this.queue.length) {
      // Every event handed out: iteration moved past every message mapped so far.
      if (this.mappedSeq !== undefined) this.lastSequenceNumber = this.mappedSeq;
      this.queue.length = this.seqs.length = this.head = 0;
      if (this.failure === undefined) this.map();
      if (this.queue.length === 0) {
        if (this.mappedSeq !== undefined) this.lastSequenceNumber = this.mappedSeq;
        if (this.failure !== undefined) throw this.failure;
        return undefined;
      }
    }
    const seq = this.seqs[this.head];
    if (seq !== undefined) this.lastSequenceNumber = seq;
    const event = this.queue[this.head++]!;
    if (event.type === "completed") this.finish(true); // later messages are ignored
    return event;
  }

  /** Maps the messages of the last read into `queue`, up to `completed` or the first failure. */
  private map(): void {
    const messages = this.batch;
    this.batch = NO_MESSAGES;
    const { telemetry, logger, observer } = this.options;
    const ctx = this.ctx;
    try {
      for (const message of messages) {
        this.message = message;
        if (message.data === "[DONE]") this.closed();
        const payload = parsePayload(message.data, message.event, ctx);
        const seq = payload["sequence_number"];
        if (isSequenceNumber(seq)) this.mappedSeq = seq;
        if (this.responseId === undefined) this.noteId(payload);
        else if (this.options.sameResponse) this.checkId(payload);
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
        this.seqs.push(this.mappedSeq);
        if (observer) observer.add(event);
        if (ctx.pending.length > 0) {
          for (const later of ctx.pending.splice(0)) {
            this.queue.push(later);
            this.seqs.push(this.mappedSeq);
            observer?.add(later);
          }
        }
        if (event.type === "completed") return;
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.message = undefined;
    }
  }

  /** Keeps the id of a `response.created` / `response.queued` payload. */
  private noteId(payload: Record<string, unknown>): void {
    const { type, response } = payload as { type?: unknown; response?: { id?: unknown } };
    if (type !== "response.created" && type !== "response.queued") return;
    const id = response?.id;
    if (typeof id === "string" && id !== "") this.responseId = id;
  }

  /** A payload carrying another response than the stream's is not mixed in (`sameResponse`). */
  private checkId(payload: Record<string, unknown>): void {
    const id = (payload["response"] as { id?: unknown } | undefined)?.id;
    if (typeof id !== "string" || id === this.responseId) return;
    const message = `an event of response ${id} in the stream of ${this.responseId}`;
    throw new StreamError(message, { ...this.details, retryable: false });
  }

  /** The stream ended (or `data: [DONE]` came) before `response.completed`. */
  private closed(): never {
    throw new StreamError(
      `stream closed before response.completed (after ${this.source.bytes} bytes)`,
      { ...this.details, retryable: true },
    );
  }

  private async readMore(): Promise<IteratorResult<ResponseEvent>> {
    try {
      for (;;) {
        let messages: readonly StreamMessage[] | null;
        try {
          messages = await this.source.read();
        } catch (error) {
          throw this.stopped ?? error;
        }
        if (this.stopped) throw this.stopped;
        if (this.finished) return done; // return() was called meanwhile
        this.batch = messages ?? NO_MESSAGES;
        const event = this.take();
        if (event) return { done: false, value: event };
        if (messages === null) this.closed();
      }
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Ends the stream with `error`, scrubbed; a failure the server reported gets its class first. */
  private async fail(error: unknown): Promise<never> {
    this.finish();
    if (error instanceof Reported) {
      const { type, payload, details } = error;
      error = await loadReported().then(
        (m) => m.reportedError(type, payload, details),
        (e: unknown) => e,
      );
    }
    const { scrubber, observer } = this.options;
    if (this.responseId !== undefined && error instanceof CodexApiError) {
      // What an app persists to resume the stream later (README "Background streams and resume"),
      // scrubbed with the rest: a server may echo a secret into the id.
      Object.assign(error, {
        responseId: this.responseId,
        lastSequenceNumber: this.lastSequenceNumber,
      });
    }
    const scrubbed = scrubber && error instanceof CodexApiError ? scrubber.error(error) : error;
    observer?.failed(scrubbed);
    throw scrubbed;
  }

  private release(): void {
    this.options.signal?.removeEventListener("abort", this.onAbort);
    const { onRelease } = this.options;
    if (onRelease) {
      this.options.onRelease = undefined;
      onRelease();
    }
  }

  /** Releases everything; the source is completed after the terminal event, else cancelled. */
  private finish(completed = false): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
    if (completed) this.source.complete();
    else this.source.cancel();
  }
}
