// A refused WebSocket upgrade (`ws`'s "unexpected-response"): its status, headers and up to 64 KiB
// of body, mapped like an HTTP reply (a 3xx is a redirect that is not followed). It runs inside a
// `ws` listener, so whatever the reply holds it settles once, with an error, and never throws.
import {
  CodexApiError,
  InvalidRequestError,
  TransportError,
  type ErrorDetails,
} from "../errors/catalogue.js";
import { errorFromHttp } from "../errors/http.js";
import { serverRetryAfterMs } from "../transport/retry.js";
import type { Scrubber } from "../transport/redact.js";

/** The HTTP reply `ws` hands over (an IncomingMessage). */
export interface Reply {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  on(event: string, fn: (...args: never[]) => void): void;
  destroy(): void;
  /** The connection's TCP socket (on a 101, the one the WebSocket goes on using). */
  socket?: { ref(): void; unref(): void } | null;
}

/** What the error of a refused handshake names: its URL, `GET url`, and the secrets to remove. */
export interface Refused {
  url: string;
  where: string;
  scrubber: Scrubber;
}

const MAX_ERROR_BODY = 64 * 1024;

/** A reply's headers as Headers; a name or value Headers refuses is dropped. */
export function toHeaders(raw: Reply["headers"]): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    try {
      headers.set(name, Array.isArray(value) ? value.join(", ") : String(value));
    } catch {
      // a name or value Headers refuses: dropped
    }
  }
  return headers;
}

/** A non-101 reply: its status, headers and up to 64 KiB of body, mapped like an HTTP reply. */
export function readRefusal(
  res: Reply,
  hs: Refused,
  refused: (error: CodexApiError) => void,
): void {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let settled = false;
  // Runs inside a `ws` listener, where a throw would end the process: whatever the reply holds,
  // it settles the handshake once, with an error.
  const done = () => {
    if (settled) return;
    settled = true;
    let error: CodexApiError;
    try {
      error = refusalError(res, chunks, hs);
    } catch (cause) {
      error = new TransportError(`${hs.where}: the websocket upgrade was refused`, { cause });
    }
    refused(error);
    try {
      res.destroy();
    } catch {
      // already gone
    }
  };
  // A 426 says all that matters (the socket moves to HTTP): its body, which may never end, is not
  // waited for.
  if (res.statusCode === 426) return done();
  res.on("data", (chunk: Uint8Array) => {
    if (size < MAX_ERROR_BODY) chunks.push(chunk.subarray(0, MAX_ERROR_BODY - size));
    size += chunk.length;
    if (size >= MAX_ERROR_BODY) done();
  });
  res.on("end", done);
  res.on("error", done);
  res.on("close", done);
}

/** The error of a refused upgrade: a 3xx is a redirect that is not followed, else as over HTTP. */
function refusalError(res: Reply, chunks: Uint8Array[], hs: Refused): CodexApiError {
  const text = hs.scrubber.text(new TextDecoder().decode(Buffer.concat(chunks)));
  const headers = toHeaders(res.headers);
  const status = res.statusCode ?? 0;
  const details: ErrorDetails = {
    headers,
    requestId: headers.get("x-request-id") ?? undefined,
    retryAfterMs: serverRetryAfterMs(headers),
  };
  if (status >= 300 && status < 400) return redirectError(status, headers, hs, details);
  return errorFromHttp(status, text, details, hs.where);
}

/** As over HTTP: a redirect is never followed; the error names the status and the target origin. */
function redirectError(status: number, headers: Headers, hs: Refused, details: ErrorDetails) {
  const location = headers.get("location");
  let target = "an unknown origin";
  try {
    if (location !== null) target = new URL(location, hs.url).origin;
  } catch {
    target = "an unreadable Location";
  }
  const message = `${hs.where}: HTTP ${status} redirect to ${hs.scrubber.text(target)} not followed (redirects are refused; point baseUrl at the final URL)`;
  return new InvalidRequestError(message, { ...details, status, code: "redirect" });
}
