// The error a WebSocket frame stands for when it carries one in band (the connection limit, or a
// non-2xx status mapped like that HTTP reply by ./http.ts).
import { TransportError, type CodexApiError, type ErrorDetails } from "./catalogue.js";
import { errorFromHttp } from "./http.js";
import { errorFrame, readErrorFields, serverRetryAfterMs } from "./map.js";
import { isObject } from "../util.js";

const CONNECTION_LIMIT = "websocket_connection_limit_reached";
const CONNECTION_LIMIT_TEXT =
  "Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.";

/** A frame's `headers` object as Headers: string, number and boolean values, others dropped. */
function frameHeaders(value: unknown): Headers {
  const headers = new Headers();
  if (!isObject(value)) return headers;
  for (const [name, v] of Object.entries(value)) {
    if (!["string", "number", "boolean"].includes(typeof v)) continue;
    try {
      headers.set(name, String(v));
    } catch {
      // not a valid header name or value: dropped
    }
  }
  return headers;
}

/**
 * The error an in-band WebSocket error frame stands for: `websocket_connection_limit_reached`
 * (retryable, a new connection is needed) or a non-2xx `status` (mapped like that HTTP reply, the
 * frame as its body). Undefined for any other frame, an `error` frame without a status included:
 * the reader maps those like an SSE `error` event.
 */
export function inBandError(
  text: string,
  details: ErrorDetails,
  where: string,
): CodexApiError | undefined {
  const frame = errorFrame(text);
  if (!frame) return undefined;
  if (frame.code === CONNECTION_LIMIT) {
    const { message } = readErrorFields(frame.payload["error"]);
    return new TransportError(`${where}: ${message || CONNECTION_LIMIT_TEXT}`, {
      ...details,
      code: CONNECTION_LIMIT,
    });
  }
  const { status } = frame;
  if (status === undefined || (status >= 200 && status < 300)) return undefined;
  const headers = frameHeaders(frame.payload["headers"]);
  const requestId = headers.get("x-request-id") ?? details.requestId;
  const retryAfterMs = serverRetryAfterMs(headers);
  return errorFromHttp(status, text, { headers, requestId, retryAfterMs }, where);
}
