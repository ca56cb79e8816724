// The stream's seam: the reader (./event-reader.ts) maps the messages of a MessageSource and knows
// nothing of bytes or sockets. A source owns what is about its transport: framing, the per-message
// limit (`maxEventBytes`), the idle timer and back-pressure (ARCHITECTURE.md, "The stream's seam").
import type { CodexApiError } from "../errors/catalogue.js";

/** One message of a stream. */
export interface StreamMessage {
  /** The payload text: an SSE message's `data:` lines, or one WebSocket text frame. */
  readonly data: string;
  /** The SSE `event:` field, when one was given (a hint; the payload's `type` decides). */
  readonly event?: string | undefined;
  /** Bytes of the stream up to the end of this message; valid until the next `read()`. */
  readonly offset: number;
}

/**
 * Where a stream's messages come from: an HTTP body and the SSE framer (./sse-source.ts), the
 * frames of one WebSocket request (src/websocket/source.ts), or a source that wraps others.
 */
export interface MessageSource {
  /** Bytes received so far (error messages quote it). */
  readonly bytes: number;
  /**
   * The messages that the next arrival completes, possibly none; `null` once the stream ended
   * without an error (the reader decides whether it ended too early). Rejects with the
   * CodexApiError the stream failed with (a reset, a message past the limit, the idle timeout, an
   * in-band error); messages received before a failure are returned first. The reader calls it
   * again only once the previous call settled and its messages were mapped; the array is the
   * source's own and is reused. Idle time counts while a `read()` is pending, and from the
   * source's start until the first one.
   */
  read(): Promise<readonly StreamMessage[] | null>;
  /** The reader saw the terminal event: let go of the rest (an HTTP body is drained for reuse). */
  complete(): void;
  /**
   * Stops reading for good and releases what the source holds: `reason` is the error that ended
   * the stream (abort, a mapping error), undefined when the caller left early. Idempotent.
   */
  cancel(reason?: CodexApiError): void;
  /**
   * Set by the reader: called once when the source fails while no `read()` is pending (the idle
   * timeout of a stream nobody iterates), so that the reader is released too.
   */
  onFail: ((error: CodexApiError) => void) | undefined;
}
