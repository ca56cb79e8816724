// The options of a streamed Responses call (POST /responses, and the streamed GET that resumes a
// background response): their rules, checked before anything is sent, and the per-call headers they
// send. The code that runs a background stream (./background.ts) is loaded on first use.
import { InvalidRequestError } from "../errors/catalogue.js";
import { optionError } from "../options.js";
import { FLAG_RULE, type OptionRules } from "../option-checks.js";
import type { Compression } from "../transport/compress.js";
import { USER_AGENT } from "../transport/headers.js";
import { isObject } from "../util.js";
import { STRING_RULE, type CallOptions } from "./call-options.js";

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
   * A resume after a reply that brought no new event waits the retry policy's backoff first
   * (`retry.baseDelayMs` doubling, at most `retry.maxDelayMs`), and `retry.maxAttempts` GETs in a
   * row without one end the stream with a StreamError (`code: "resume_no_progress"`), whatever
   * `maxResumes` is; the first resume after a new event goes at once.
   */
  resume?: false | { maxResumes?: number };
  /**
   * On `stream.abort()`, the `signal` or `break`, send `cancel(responseId)` once the id is known, so
   * a background response stops too (default false: it keeps running on the server).
   */
  cancelOnAbort?: boolean;
}

/** The options of `client.responses.resume(id, options)`: a stream call's, and where to start. */
export interface ResumeStreamOptions extends Omit<ResponsesOptions, "compression"> {
  /** Only events numbered above this are sent (the `lastSequenceNumber` persisted); default: all. */
  startingAfter?: number;
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

/** Resumes a background stream may use when `resume.maxResumes` is not given. */
export const DEFAULT_MAX_RESUMES = 5;

/** The resumes a call allows: 0 for `resume: false`; throws InvalidRequestError for a bad count. */
export function maxResumesOf(where: string, options: ResponsesOptions): number {
  const { resume } = options;
  if (resume === false) return 0;
  if (resume === undefined) return DEFAULT_MAX_RESUMES;
  const extra = Object.keys(resume).filter((key) => key !== "maxResumes");
  if (extra.length > 0) {
    throw optionError(where, `options.resume.${extra[0]}`, "absent (the one key is maxResumes)");
  }
  const n = resume.maxResumes;
  if (n === undefined) return DEFAULT_MAX_RESUMES;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw optionError(where, "options.resume.maxResumes", "a non-negative integer", n);
  }
  return n;
}

/** `background: true` needs `store: true` (sent anyway on Azure): else InvalidRequestError. */
export function checkBackground(where: string, request: object, azure: boolean): void {
  const { background, store } = request as { background?: unknown; store?: unknown };
  if (background !== true || store === true || azure) return;
  const message = `${where}: request.background: true needs request.store: true (a background response is stored)`;
  throw new InvalidRequestError(message, { param: "request.store", code: "invalid_option" });
}

/** An object whose `value` the reply's turn state can be written to (not frozen, not a getter). */
function canHoldTurnState(v: unknown): boolean {
  if (!isObject(v)) return false;
  const own = Object.getOwnPropertyDescriptor(v, "value");
  // A frozen holder that already has its value is never written to.
  if (own && typeof own.value === "string" && own.value !== "") return true;
  if (own) return own.writable === true || own.set !== undefined;
  return Object.isExtensible(v);
}

export const RESPONSES_RULES: OptionRules = {
  conversationId: STRING_RULE,
  sessionSource: STRING_RULE,
  subagent: STRING_RULE,
  compression: STRING_RULE, // the mode is checked where it is applied (it may be quoted there)
  turnState: [canHoldTurnState, "a writable object such as { value: undefined }"],
  includeRawEvents: FLAG_RULE,
  resume: [(v) => v === false || isObject(v), "false or an object such as { maxResumes: 5 }"],
  cancelOnAbort: FLAG_RULE,
};

/** The rules of `client.responses.resume(id, options)`: a stream call's, and where to start. */
export const RESUME_RULES: OptionRules = {
  ...RESPONSES_RULES,
  startingAfter: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, "a non-negative integer"],
};

/**
 * What only the library passes along with checked options: called once when the stream lets go of
 * `signal` (it ended), so a signal made for this call alone can be disposed of then.
 */
export interface StreamRelease {
  onRelease?: (() => void) | undefined;
}
