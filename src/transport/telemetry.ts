// Telemetry hooks and the logger. A hook that throws or rejects is reported to the logger and never
// breaks a request; a logger that throws is ignored. Whatever reaches the logger is scrubbed
// (./redact.ts).
import type { Scrubber } from "./redact.js";

/** The endpoint an attempt belongs to, as telemetry names it. */
export type Endpoint =
  | "responses"
  | "compact"
  | "memories"
  | "models"
  | "retrieve"
  | "cancel"
  | "delete"
  | "inputItems"
  | "inputTokens";

// A record of every name: the compiler fails here when `Endpoint` gains a name the list lacks.
const NAMED: Record<Endpoint, true> = {
  responses: true,
  compact: true,
  memories: true,
  models: true,
  retrieve: true,
  cancel: true,
  delete: true,
  inputItems: true,
  inputTokens: true,
};

/** Every endpoint the client calls, by the name telemetry (and the mock server) give it. */
export const ENDPOINTS = Object.keys(NAMED) as Endpoint[];

/** Passed to `onRequest` after every attempt. */
export interface RequestTelemetry {
  endpoint: Endpoint;
  /** 1-based. */
  attempt: number;
  status?: number;
  error?: unknown;
  durationMs: number;
}

/** Passed to `onSseEvent` for every stream message. */
export interface SseEventTelemetry {
  /** The payload's wire `type`, e.g. `response.output_text.delta`. */
  type: string;
  /** Time since the previous event (or since the reply's headers). */
  durationMs: number;
}

/** Passed to `onRetry` before the wait that precedes a retry. */
export interface RetryTelemetry {
  endpoint: Endpoint;
  /** The attempt that failed (1-based); the next one is `attempt + 1`. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** Passed to `onWebSocketRequest` for every `response.create` sent over a socket (`codex-api/websocket`). */
export interface WebSocketRequestTelemetry {
  /** The attempt it was sent in (1-based). */
  attempt: number;
  /** Sent on a connection opened for an earlier request. */
  connectionReused: boolean;
  /** Sent as `previous_response_id` plus only the new input items. */
  incremental: boolean;
  /** UTF-8 bytes of the frame. */
  bytesSent: number;
}

/** Passed to `onResume` before each GET that resumes a background stream (README "Background streams and resume"). */
export interface ResumeTelemetry {
  responseId: string;
  /** The highest sequence number received (undefined: none yet; the GET starts at the beginning). */
  startingAfter: number | undefined;
  /** This stream's resumes so far, this one included (from 1). */
  resumes: number;
  /** What ended the reply: a reset, an end before the terminal event, or the idle timeout. */
  reason: "reset" | "ended_early" | "idle";
  /**
   * The wait before this GET (ms): 0 when the reply before it brought a new event, else the retry
   * policy's backoff for the resumes in a row that brought none.
   */
  delayMs: number;
}

/** Hooks called as requests run (they may be async); one that throws or rejects is logged and ignored. */
export interface Telemetry {
  onRequest?(info: RequestTelemetry): void;
  onSseEvent?(info: SseEventTelemetry): void;
  onRetry?(info: RetryTelemetry): void;
  onWebSocketRequest?(info: WebSocketRequestTelemetry): void;
  onResume?(info: ResumeTelemetry): void;
}

/** Where the client logs (debug: attempts; warn: retries and failing hooks). Lines are scrubbed; one that throws is ignored. */
export interface Logger {
  debug?(message: string, ...data: unknown[]): void;
  info?(message: string, ...data: unknown[]): void;
  warn?(message: string, ...data: unknown[]): void;
  error?(message: string, ...data: unknown[]): void;
}

/** Calls a hook; one that throws, or returns a promise that rejects, is reported as `logger.warn(message, error)`. */
export function callHook<T>(
  hook: ((info: T) => unknown) | undefined,
  info: T,
  logger: Logger | undefined,
  name: string,
): void {
  if (!hook) return;
  const report = (error: unknown) => {
    try {
      logger?.warn?.(`telemetry hook ${name} failed; ignored`, error);
    } catch {
      // a logger that throws is ignored
    }
  };
  try {
    const result = hook(info);
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
      (result as PromiseLike<unknown>).then(undefined, report);
    }
  } catch (error) {
    report(error);
  }
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/** The caller's logger made harmless: every line scrubbed, and a call that throws ignored. */
export function safeLogger(logger: Logger, scrubber: Scrubber): Logger {
  const safe: Logger = {};
  for (const level of LEVELS) {
    if (typeof logger[level] !== "function") continue;
    safe[level] = (message, ...data) => {
      try {
        logger[level]!(scrubber.text(String(message)), ...data.map((d) => scrubber.value(d)));
      } catch {
        // a logger that throws is ignored: logging never breaks a request
      }
    };
  }
  return safe;
}
