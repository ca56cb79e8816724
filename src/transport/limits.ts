// Bounded reading (README "Options", `provider.limits`): decoded bytes are counted as they arrive,
// after any content-encoding, and the read is cancelled past the limit, so a misbehaving server can
// never make the process hold more than the limit. Past a limit the call fails once, not retried.
// The end of a finished stream's body is read the same way, bounded in bytes and time.
import { InvalidResponseError, type ErrorDetails } from "../errors/catalogue.js";

/** Default `provider.limits.maxReplyBytes`: the largest JSON reply read (32 MiB). */
export const DEFAULT_MAX_REPLY_BYTES = 32 * 1024 * 1024;
/** Default `provider.limits.maxEventBytes`: the largest single stream message (32 MiB). */
export const DEFAULT_MAX_EVENT_BYTES = 32 * 1024 * 1024;
/** How much of an error reply (or a 2xx reply of the wrong type) is read; the rest is cancelled. */
export const ERROR_BODY_BYTES = 64 * 1024;

/** A body read up to a limit: its text, and whether bytes past the limit were left unread. */
export interface BoundedText {
  text: string;
  truncated: boolean;
}

/**
 * Reads `response`'s body as UTF-8 up to `limit` decoded bytes; past it the body is cancelled
 * (closing the connection) and `truncated` is true. A `Content-Length` already over the limit of
 * an unencoded body is refused before a byte is read, unless `head` is set: an error body (or a
 * page of the wrong type) is quoted from its first `limit` bytes whatever its length.
 */
export async function readBounded(
  response: Response,
  limit: number,
  head = false,
): Promise<BoundedText> {
  const body = response.body;
  if (!body) return { text: "", truncated: false };
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (!head && !response.headers.has("content-encoding") && declared > limit) {
    body.cancel().catch(() => {});
    return { text: "", truncated: true };
  }
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), truncated: false };
    if (bytes + value.byteLength > limit) {
      text += decoder.decode(value.subarray(0, limit - bytes));
      reader.cancel().catch(() => {});
      return { text, truncated: true };
    }
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * The error of a reply (or one SSE message or WebSocket frame: `what`) past a limit: a non-retryable
 * InvalidResponseError with `code: "response_too_large"` naming the limit (the option's name, e.g.
 * `maxReplyBytes`).
 */
export function responseTooLarge(
  where: string,
  limit: string,
  bytes: number,
  details: ErrorDetails,
  what = "the reply",
): InvalidResponseError {
  const message = `${where}: ${what} is larger than provider.limits.${limit} (${bytes} bytes); the read was cancelled`;
  return new InvalidResponseError(message, { ...details, code: "response_too_large" });
}

// What is read of a stream's body after its last event to reach the body's end: at most this many
// bytes, for at most this long (a server ends the body right after the event; one that does not is
// cut off).
const DRAIN_BYTES = 64 * 1024;
const DRAIN_MS = 100;

/**
 * Reads `reader` to its end in the background, so that fetch can reuse the connection (a cancelled
 * body closes it); cancels it past DRAIN_BYTES or DRAIN_MS.
 */
export function drainBody(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  let left = DRAIN_BYTES;
  const cancel = () => void reader.cancel().catch(() => {});
  const timer = setTimeout(cancel, DRAIN_MS);
  // Node's timers can be unref'ed: the pending read keeps the process up, not this timer.
  (timer as { unref?: () => void }).unref?.();
  const stop = () => clearTimeout(timer);
  const step = (chunk: ReadableStreamReadResult<Uint8Array>): void => {
    if (chunk.done) return stop();
    left -= chunk.value.byteLength;
    if (left >= 0) return void reader.read().then(step, stop);
    stop();
    cancel();
  };
  reader.read().then(step, stop);
}
