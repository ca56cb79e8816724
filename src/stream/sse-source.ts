// The MessageSource of an HTTP reply: its body through the SSE framer (./sse.ts), with the
// per-message limit (`maxEventBytes`), the idle timer (./idle-timer.ts) and, after the terminal
// event, a short drain so the connection goes back to the pool.
import { StreamError, type CodexApiError, type ErrorDetails } from "../errors/catalogue.js";
import { drainBody, responseTooLarge } from "../transport/limits.js";
import { IdleTimer, idleError } from "./idle-timer.js";
import type { MessageSource, StreamMessage } from "./source.js";
import { SseDecoder } from "./sse.js";

/** How an SSE body is read. */
export interface SseSourceOptions {
  /** Longest wait for a message, from the reply's headers on (ms; `Infinity`: none). */
  idleTimeoutMs: number;
  /** Largest SSE message, in decoded bytes (default: none). */
  maxEventBytes?: number | undefined;
  /** After the terminal event, read the body to its end (a little, briefly) instead of cancelling it. */
  drainAfterCompleted?: boolean | undefined;
}

/** An SSE body as messages. Its idle timer starts at once, so a stream never read is released. */
export class SseSource implements MessageSource {
  onFail: ((error: CodexApiError) => void) | undefined;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly decoder: SseDecoder;
  private readonly details: ErrorDetails;
  private readonly options: SseSourceOptions;
  private readonly idle: IdleTimer;
  private failure: CodexApiError | undefined; // thrown by the next read
  private fresh = true; // the last read returned messages: the caller's time does not count
  private pending = false;
  private done = false;

  constructor(
    body: ReadableStream<Uint8Array> | null,
    details: ErrorDetails,
    options: SseSourceOptions,
  ) {
    this.reader = body?.getReader();
    this.details = details;
    this.options = options;
    this.decoder = new SseDecoder(options.maxEventBytes);
    this.idle = new IdleTimer(options.idleTimeoutMs, () => this.fail(this.idleError()));
  }

  get bytes(): number {
    return this.decoder.bytes;
  }

  async read(): Promise<readonly StreamMessage[] | null> {
    const { decoder, idle } = this;
    decoder.messages.length = 0;
    if (this.failure) throw this.failure;
    if (!this.reader) throw new StreamError("the reply has no body", this.details);
    if (this.fresh) idle.start();
    idle.waiting();
    let chunk: ReadableStreamReadResult<Uint8Array>;
    this.pending = true;
    try {
      chunk = await this.reader.read();
    } catch (error) {
      if (this.failure) throw this.failure;
      const message = `the stream failed after byte ${decoder.bytes}: ${String((error as Error)?.message ?? error)}`;
      throw new StreamError(message, { ...this.details, retryable: true, cause: error });
    } finally {
      this.pending = false;
    }
    if (this.failure) throw this.failure;
    if (chunk.done) {
      decoder.end();
      return null;
    }
    decoder.push(chunk.value);
    const { messages } = decoder;
    idle.received(messages.length > 0);
    this.fresh = messages.length > 0;
    if (decoder.overflow) {
      // The messages before it are mapped first; the next read throws.
      this.failure = this.tooLarge();
      this.cancel(this.failure);
      if (messages.length === 0) throw this.failure;
    }
    return messages;
  }

  complete(): void {
    if (this.done) return;
    this.release();
    if (!this.reader) return;
    if (this.options.drainAfterCompleted) drainBody(this.reader);
    else this.reader.cancel().catch(() => {});
  }

  cancel(reason?: CodexApiError): void {
    if (this.done) return;
    this.release();
    this.reader?.cancel(reason).catch(() => {});
  }

  /** Fails by itself (idle, a message too large): the next read throws `error`. */
  private fail(error: CodexApiError): void {
    if (this.done) return;
    this.failure = error;
    this.cancel(error);
    if (!this.pending) this.onFail?.(error);
  }

  private release(): void {
    this.done = true;
    this.idle.stop();
  }

  private idleError(): CodexApiError {
    return idleError(this.options.idleTimeoutMs, this.decoder.bytes, this.details);
  }

  private tooLarge(): CodexApiError {
    const limit = this.options.maxEventBytes ?? Infinity;
    const where = `stream at byte ${this.decoder.bytes}`;
    return responseTooLarge(where, "maxEventBytes", limit, this.details, "an SSE message");
  }
}
