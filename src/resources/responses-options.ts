// The options of a streamed Responses call (POST /responses, and the streamed GET that resumes a
// background response) and the per-call headers they send.
import type { Compression } from "../transport/compress.js";
import { USER_AGENT } from "../transport/headers.js";
import type { CallOptions } from "./call-options.js";

/** A set-once holder for the sticky-routing token of one turn (`x-codex-turn-state`). */
export interface TurnState {
  value?: string;
}

/** The options of `client.responses.stream(request, options)` (with `headers`, `signal`, `requestTimeoutMs`, `retry`). */
export interface ResponsesOptions extends CallOptions {
  /** Sent as `session_id`. */
  conversationId?: string;
  /** Sent verbatim as `originator`. */
  sessionSource?: string;
  /** Sent verbatim as `x-openai-subagent`. */
  subagent?: string;
  /** How the request body is compressed (default "none"). */
  compression?: Compression;
  /** Its `value` is sent as `x-codex-turn-state`, and filled from the reply while empty. */
  turnState?: TurnState;
  /** Yield payload types the event table does not map as `{type: "raw", event}`. */
  includeRawEvents?: boolean;
  /**
   * A background stream (`background: true`) that drops is resumed from where it stopped, at most
   * `maxResumes` times (default `{ maxResumes: 5 }`); `false`: never (README "Background streams and resume").
   */
  resume?: false | { maxResumes?: number };
  /**
   * On `stream.abort()`, the `signal` or `break`, send `cancel(responseId)` once the id is known, so
   * a background response stops too (default false: it keeps running on the server).
   */
  cancelOnAbort?: boolean;
}

/** The per-call headers of a Responses request (the options' own; the caller's `headers` go on top). */
export function callHeaders(options: ResponsesOptions): Record<string, string | undefined> {
  return {
    session_id: options.conversationId,
    originator: options.sessionSource,
    "x-openai-subagent": options.subagent,
    "x-codex-turn-state": options.turnState?.value,
    "User-Agent": USER_AGENT,
  };
}
