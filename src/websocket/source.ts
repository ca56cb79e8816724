// The MessageSource of one socket request: its text frames, each one message, taken straight from
// the connection. It owns the request's idle timer (the wait for the first frame included), the
// per-frame limit and back-pressure: `ws` is paused while frames wait unread; a WebSocket that
// cannot pause (WHATWG) fails the request once more than `maxEventBytes` wait unread.
import { StreamError, type CodexApiError, type ErrorDetails } from "../errors/catalogue.js";
import { inBandError } from "../errors/frames.js";
import { IdleTimer, idleError } from "../stream/idle-timer.js";
import type { MessageSource, StreamMessage } from "../stream/source.js";
import { responseTooLarge } from "../transport/limits.js";
import { Ownership, type Earlier } from "./ownership.js";
import type { Wire } from "./wire.js";

/** What every request's source on one connection shares. */
export interface SocketSourceOptions {
  /** The handshake reply's details (every error carries them). */
  details: ErrorDetails;
  /** `GET url`, the start of request errors. */
  where: string;
  /** The largest frame, and the most unread bytes a socket that cannot pause may hold. */
  maxEventBytes: number;
  /** Longest wait for a frame, from the request on (ms; `Infinity`: none). */
  idleTimeoutMs: number;
  /** The previous request's response on this connection: its late frames are dropped. */
  earlier?: Earlier | undefined;
}

// `ws` is paused while this many frames wait unread.
const QUEUED_FRAMES = 16;
const text = new TextDecoder();

/** The frames of one request. */
export class SocketSource implements MessageSource {
  onFail: ((error: CodexApiError) => void) | undefined;
  /** Called once when the request failed: by itself, or cancelled with a reason (abort, idle). */
  onFailed: (() => void) | undefined;
  /** A frame after this request's last one: the connection judges it as between requests. */
  onStray: ((data: Uint8Array, binary: boolean) => void) | undefined;
  /** Which response each frame belongs to. */
  readonly ownership: Ownership;
  /** The first frame's text; rejects when the request fails before it. */
  readonly first: Promise<string>;
  bytes = 0;
  readonly #wire: Wire;
  readonly #options: SocketSourceOptions;
  readonly #idle: IdleTimer;
  #settleFirst!: { resolve(text: string): void; reject(error: CodexApiError): void };
  #queue: StreamMessage[] = []; // received, not read yet
  #unread = 0; // their bytes
  #paused = false;
  #replied = false;
  #open = true;
  #ended = false; // this request's terminal frame arrived
  #failure: CodexApiError | undefined;
  #waiter: ((messages: StreamMessage[] | null) => void) | undefined;
  #waiterFails: ((error: CodexApiError) => void) | undefined;
  #started = false; // the reader asked for messages
  #fresh = true; // the last read returned messages: the caller's time does not count

  constructor(wire: Wire, options: SocketSourceOptions) {
    this.#wire = wire;
    this.#options = options;
    this.ownership = new Ownership(options.earlier);
    this.first = new Promise((resolve, reject) => (this.#settleFirst = { resolve, reject }));
    this.first.catch(() => {}); // awaited by the attempt; a late rejection is not unhandled
    const { idleTimeoutMs: ms, details } = options;
    this.#idle = new IdleTimer(ms, () => this.#idleOut(idleError(ms, this.bytes, details)));
    wire.hold(true); // until its last frame arrived or it ended
  }

  /** Whether a frame arrived for this request. */
  get replied(): boolean {
    return this.#replied;
  }

  /** A frame of the connection, while this request runs. */
  frame(data: Uint8Array, binary: boolean): void {
    if (!this.#open) return;
    if (this.#ended) return this.onStray?.(data, binary);
    const { details, maxEventBytes: max } = this.#options;
    if (binary) return this.fail(new StreamError("unexpected binary websocket frame", details));
    if (data.length > max) return this.fail(this.#tooLarge("a websocket frame"));
    const message = text.decode(data);
    const verdict = this.ownership.classify(message);
    if (verdict === "earlier") return; // a late frame of the previous response
    if (verdict === "terminal") {
      this.#ended = true;
      this.#wire.hold(false); // every frame arrived: an unread stream holds nothing
    }
    this.bytes += data.length;
    if (!this.#replied) {
      this.#replied = true;
      this.#settleFirst.resolve(message);
    }
    const error = inBandError(message, details, this.#options.where);
    if (error) return this.fail(error);
    this.#queue.push({ data: message, offset: this.bytes });
    this.#unread += data.length;
    // Until the reader's first read, the stream waits for its caller, counting from the last frame.
    if (!this.#started) {
      this.#idle.received(true);
      this.#idle.waiting();
    }
    if (this.#waiter) return this.#deliver(this.#take());
    if (this.#wire.canPause) {
      if (this.#queue.length >= QUEUED_FRAMES && !this.#paused) {
        this.#paused = true;
        this.#wire.pause();
      }
    } else if (this.#unread > max) this.fail(this.#tooLarge("the frames not yet read"));
  }

  read(): Promise<readonly StreamMessage[] | null> {
    this.#started = true;
    if (this.#fresh) this.#idle.start();
    this.#idle.waiting();
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#open) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#waiterFails = reject;
    });
  }

  complete(): void {
    this.cancel();
  }

  cancel(reason?: CodexApiError): void {
    if (!this.#open) return;
    this.#close();
    this.#queue = [];
    if (reason !== undefined) this.onFailed?.();
    this.#deliver(null);
  }

  /** Ends the frames with `error`: the reader throws it after the frames already received. */
  fail(error: CodexApiError): void {
    if (!this.#open) return;
    this.#close();
    this.#failure = error;
    if (!this.#replied) this.#settleFirst.reject(error);
    const reject = this.#waiterFails;
    this.#waiter = this.#waiterFails = undefined;
    reject?.(error);
    this.onFailed?.();
  }

  #idleOut(error: CodexApiError): void {
    const waiting = this.#waiter !== undefined;
    this.fail(error);
    if (!waiting) this.onFail?.(error);
  }

  #take(): StreamMessage[] {
    const batch = this.#queue;
    this.#queue = [];
    this.#unread = 0;
    this.#idle.received(true);
    this.#fresh = true;
    if (this.#paused) {
      this.#paused = false;
      this.#wire.resume();
    }
    return batch;
  }

  #deliver(messages: StreamMessage[] | null): void {
    const resolve = this.#waiter;
    this.#waiter = this.#waiterFails = undefined;
    resolve?.(messages);
  }

  #close(): void {
    this.#open = false;
    this.#wire.hold(false);
    this.#idle.stop();
    if (this.#paused) {
      this.#paused = false;
      this.#wire.resume();
    }
  }

  #tooLarge(what: string): CodexApiError {
    const { where, maxEventBytes, details } = this.#options;
    return responseTooLarge(where, "maxEventBytes", maxEventBytes, details, what);
  }
}
