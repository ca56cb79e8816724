// One open connection and the request running on it. The frames of the running request go to its
// SocketSource (./source.ts), which the request's ResponseStream reads and its attempt waits on for
// the first frame. Frames between requests are dropped; any failure drops the connection, and the
// next request opens a new one.
import {
  CodexApiError,
  InvalidRequestError,
  StreamError,
  TransportError,
  type ErrorDetails,
} from "../errors/catalogue.js";
import { errorFrame, replyDetails } from "../errors/map.js";
import { responseTooLarge } from "../transport/limits.js";
import type { ResponseItem, ResponsesApiRequest } from "../generated/openapi.js";
import type { Earlier } from "./ownership.js";
import { SocketSource } from "./source.js";
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

/** What a connection's requests are bounded by. */
export interface ConnectionLimits {
  /** `GET url`, the start of request errors. */
  where: string;
  /** The largest frame (`limits.maxEventBytes`). */
  maxEventBytes: number;
  /** Longest wait for a frame (`streamIdleTimeoutMs`). */
  idleTimeoutMs: number;
}

const TOO_LARGE = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";
const text = new TextDecoder();

/** An open connection: its wire, the handshake reply, the running request and the last completed one. */
export class Connection {
  readonly wire: Wire;
  readonly details: ErrorDetails;
  source: SocketSource | undefined;
  last: Completed | undefined;
  closed = false;
  readonly #limits: ConnectionLimits;
  #onClosed: (() => void) | undefined;
  #previous: SocketSource | undefined; // the last request's source
  #earlier: Earlier | undefined; // the response its frames are checked against

  constructor(wire: Wire, limits: ConnectionLimits) {
    this.wire = wire;
    this.#limits = limits;
    this.details = replyDetails(wire);
    wire.listener = {
      frame: (data, binary) => this.#frame(data, binary),
      closed: (info) => {
        this.#onClosed?.();
        this.drop(this.#closedError(info));
      },
    };
  }

  /** Starts the source of a new request (the last completed one is forgotten until it completes). */
  open(): SocketSource {
    this.source?.fail(new StreamError("superseded by a new request", this.details));
    this.#earlier = this.#previous?.ownership.own ?? this.#earlier;
    const earlier = this.#earlier;
    const source = new SocketSource(this.wire, { ...this.#limits, details: this.details, earlier });
    source.onStray = (data, binary) => this.#between(data, binary);
    this.source = this.#previous = source;
    return source;
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
    const { source } = this;
    this.source = undefined;
    source?.fail(error);
  }

  #frame(data: Uint8Array, binary: boolean): void {
    const { source } = this;
    if (source) return source.frame(data, binary);
    this.#between(data, binary);
  }

  /** A frame while no request runs (or after its last frame). */
  #between(data: Uint8Array, binary: boolean): void {
    // Nothing is expected; an error frame says the connection is no good.
    const tooLarge = data.length > this.#limits.maxEventBytes;
    if (binary || tooLarge || errorFrame(text.decode(data))) this.drop();
  }

  #tooLarge(): CodexApiError {
    const { where, maxEventBytes } = this.#limits;
    return responseTooLarge(
      where,
      "maxEventBytes",
      maxEventBytes,
      this.details,
      "a websocket frame",
    );
  }

  #serverRefused(reason: string | undefined): CodexApiError {
    const why = reason ? `: ${reason}` : "";
    return new InvalidRequestError(
      `${this.#limits.where}: the server closed the connection with 1009 (message too big${why}): the request frame is over the server's limit`,
      { ...this.details, code: "request_too_large" },
    );
  }

  #closedError(info: { code?: number; reason?: string; error?: unknown }): CodexApiError {
    const { code, reason, error } = info;
    if ((error as { code?: string })?.code === TOO_LARGE) return this.#tooLarge();
    // 1009 from the server: the frame it refused is the request, over the server's own limit.
    if (code === 1009 && error === undefined) return this.#serverRefused(reason);
    const why = error
      ? String((error as Error)?.message ?? error)
      : `code ${code}${reason ? `: ${reason}` : ""}`;
    const cause = error === undefined ? {} : { cause: error };
    // Nothing arrived for the request: it was not answered, and may be sent again.
    if (!this.source?.replied) {
      return new TransportError(`${this.#limits.where}: websocket closed before a reply (${why})`, {
        ...this.details,
        ...cause,
      });
    }
    return new StreamError(
      `websocket closed by the server before response.completed (${why}, after ${this.source.bytes} bytes)`,
      { ...this.details, ...cause, retryable: true },
    );
  }
}
