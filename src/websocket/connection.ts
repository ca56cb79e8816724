// One open connection and the request running on it. Frames of the running request go into a
// Channel: a body stream that a ResponseStream reads (with backpressure on the socket), and the
// first frame, which the request's attempt waits for. Frames between requests are dropped; any
// failure drops the connection, and the next request opens a new one.
import {
  CodexApiError,
  StreamError,
  TransportError,
  type ErrorDetails,
} from "../errors/catalogue.js";
import { replyDetails } from "../errors/map.js";
import { responseTooLarge } from "../transport/limits.js";
import type { ResponseItem, ResponsesApiRequest } from "../generated/openapi.js";
import { errorFrame, FrameDecoder } from "./frames.js";
import type { Wire } from "./wire.js";

/** The last request on a connection that completed: what the next one may build on. */
export interface Completed {
  /** The request as sent in full (input ids already stripped where they are). */
  body: ResponsesApiRequest;
  /** Its response's output items, in the form a later input sends them. */
  output: ResponseItem[];
  responseId: string;
  /** A `generate: false` warm-up (it has no output). */
  warmup: boolean;
}

const QUEUED_FRAMES = 16;
const TOO_LARGE = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";

/** The frames of one request. */
export class Channel {
  readonly decoder: FrameDecoder;
  readonly body: ReadableStream<Uint8Array>;
  /** The first frame's text; rejects when the connection ends before it. */
  readonly first: Promise<string>;
  /** Called once the request failed: the reader cancelled with a reason (abort, idle), or `fail`. */
  onFail: (() => void) | undefined;
  #replied = false;
  #open = true;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #first!: { resolve(text: string): void; reject(error: CodexApiError): void };

  constructor(wire: Wire, check: (text: string) => CodexApiError | undefined) {
    this.decoder = new FrameDecoder(check);
    this.first = new Promise((resolve, reject) => (this.#first = { resolve, reject }));
    this.first.catch(() => {}); // awaited by the attempt; a late rejection is not unhandled
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.#controller = controller),
        pull: () => wire.resume(),
        cancel: (reason) => {
          this.#open = false;
          if (reason !== undefined) this.onFail?.();
        },
      },
      new CountQueuingStrategy({ highWaterMark: QUEUED_FRAMES }),
    );
  }

  /** Whether a frame arrived for this request. */
  get replied(): boolean {
    return this.#replied;
  }

  frame(wire: Wire, data: Uint8Array, binary: boolean, details: ErrorDetails): void {
    if (!this.#open) return;
    if (binary) return this.fail(new StreamError("unexpected binary websocket frame", details));
    if (!this.#replied) {
      this.#replied = true;
      this.#first.resolve(new TextDecoder().decode(data));
    }
    this.#controller.enqueue(data);
    if ((this.#controller.desiredSize ?? 1) <= 0) wire.pause();
  }

  /** Ends the frames with `error`: the reader throws it after the frames already queued. */
  fail(error: CodexApiError): void {
    if (!this.#open) return;
    this.#open = false;
    this.#first.reject(error);
    this.decoder.stopWith(error);
    this.#controller.close();
    this.onFail?.();
  }
}

/** An open connection: its wire, the handshake reply, the running request and the last completed one. */
export class Connection {
  readonly wire: Wire;
  readonly details: ErrorDetails;
  channel: Channel | undefined;
  last: Completed | undefined;
  closed = false;
  readonly #maxFrameBytes: number;
  readonly #where: string;
  #onClosed: (() => void) | undefined;

  /** `where` (`GET url`) starts the messages of request errors. */
  constructor(wire: Wire, maxFrameBytes: number, where: string) {
    this.wire = wire;
    this.#where = where;
    this.details = replyDetails({ status: 101, headers: wire.headers });
    this.#maxFrameBytes = maxFrameBytes;
    wire.listener = {
      frame: (data, binary) => this.#frame(data, binary),
      closed: (info) => {
        this.#onClosed?.();
        this.drop(this.#closedError(info));
      },
    };
  }

  /** Starts the channel of a new request (the last completed one is forgotten until it completes). */
  open(check: (text: string) => CodexApiError | undefined): Channel {
    this.channel?.fail(new StreamError("superseded by a new request", this.details));
    this.channel = new Channel(this.wire, check);
    return this.channel;
  }

  /** Closes the connection at once; a running request ends with `error`. */
  drop(error?: CodexApiError): void {
    this.#detach(error ?? new StreamError("websocket connection dropped", this.details));
    if (this.closed) return;
    this.closed = true;
    this.last = undefined;
    this.wire.terminate();
  }

  /** Closes with code 1000, waits up to `ms` for the server's close, then drops; a running request ends with `error`. */
  shutdown(error: CodexApiError, ms: number): Promise<void> {
    this.#detach(error);
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.drop();
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#onClosed = finish;
      this.wire.close();
    });
  }

  /** Ends the running request's frames with `error` (detached first: its end may drop us). */
  #detach(error: CodexApiError): void {
    const { channel } = this;
    this.channel = undefined;
    channel?.fail(error);
  }

  #frame(data: Uint8Array, binary: boolean): void {
    if (data.length > this.#maxFrameBytes) return this.drop(this.#tooLarge());
    const { channel } = this;
    if (channel) return channel.frame(this.wire, data, binary, this.details);
    // Between requests nothing is expected; an error frame says the connection is no good.
    if (binary || errorFrame(new TextDecoder().decode(data))) this.drop();
  }

  #tooLarge(): CodexApiError {
    const what = "a websocket frame";
    return responseTooLarge(this.#where, "maxEventBytes", this.#maxFrameBytes, this.details, what);
  }

  #closedError(info: { code?: number; reason?: string; error?: unknown }): CodexApiError {
    const { code, reason, error } = info;
    if (code === 1009 || (error as { code?: string })?.code === TOO_LARGE) return this.#tooLarge();
    const why = error
      ? String((error as Error)?.message ?? error)
      : `code ${code}${reason ? `: ${reason}` : ""}`;
    const cause = error === undefined ? {} : { cause: error };
    // Nothing arrived for the request: it was not answered, and may be sent again.
    if (!this.channel?.replied) {
      return new TransportError(`${this.#where}: websocket closed before a reply (${why})`, {
        ...this.details,
        ...cause,
      });
    }
    const bytes = this.channel.decoder.bytes;
    return new StreamError(
      `websocket closed by the server before response.completed (${why}, after ${bytes} bytes)`,
      { ...this.details, ...cause, retryable: true },
    );
  }
}
