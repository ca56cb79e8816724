// A failure the server reported inside a stream (`response.failed`, an `error` event,
// `response.incomplete`) turned into its error class. Loaded when the first one arrives: a stream
// that ends well never carries this file (src/stream/event-reader.ts loads it).
import { isObject, snippet } from "../util.js";
import {
  IncompleteResponseError,
  RetryableStreamError,
  type CodexApiError,
  type ErrorDetails,
} from "./catalogue.js";
import {
  errorForCode,
  parseRetryAfterText,
  readErrorFields,
  wireDetails,
  type ServerErrorFields,
} from "./map.js";

/**
 * The fields of an error frame of any shape: an object is read like an error body (a top-level
 * `type` of "error" is the frame's kind, not the error's); anything else is quoted as the message.
 */
export function errorFrameFields(frame: unknown): ServerErrorFields {
  if (!isObject(frame)) {
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    return { message: `error event: ${snippet(String(text))}` };
  }
  const fields = readErrorFields(frame);
  if (fields.type === "error") delete fields.type;
  return fields;
}

/** The error for a failure reported inside a stream (`response.failed` or an `error` event). */
export function streamFailure(fields: ServerErrorFields, details: ErrorDetails): CodexApiError {
  const message = fields.message ?? "";
  const d = wireDetails(fields, details);
  const known = errorForCode(fields.code, message, d);
  if (known) return known;
  return new RetryableStreamError(
    `stream failed${fields.code ? ` (${fields.code})` : ""}${message ? `: ${message}` : ""}`,
    { ...d, retryAfterMs: parseRetryAfterText(message) },
  );
}

/** The error class of a failure the stream reported (see the file's top). */
export function reportedError(
  type: string,
  payload: unknown,
  details: ErrorDetails,
): CodexApiError {
  if (type === "error") return streamFailure(errorFrameFields(payload), details);
  const response = isObject(payload) && isObject(payload["response"]) ? payload["response"] : {};
  if (type === "response.failed") return streamFailure(readErrorFields(response["error"]), details);
  const incomplete = response["incomplete_details"];
  const reason =
    isObject(incomplete) && typeof incomplete["reason"] === "string"
      ? incomplete["reason"]
      : "unknown";
  return new IncompleteResponseError(`incomplete response returned, reason: ${reason}`, {
    ...details,
    reason,
  });
}
