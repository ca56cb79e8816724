// Background streams (README "Background streams and resume"): the stream of a `background: true`
// request reads through a ResumableSource (src/stream/resumable-source.ts) whose `reopen` is the
// streamed GET /responses/{id}?stream=true&starting_after=N under the transport policy; the same
// GET opens `client.responses.resume(id)`; `cancelOnAbort` sends POST /responses/{id}/cancel.
// Loaded on first use (a background request, `cancelOnAbort`, `resume`): an app that never asks for
// them does not carry this file, ResumableSource or the sequence reading.
import { replyDetails } from "../errors/map.js";
import { cancelResponse, getResponseStream } from "../generated/client.js";
import { toRecord } from "../options.js";
import { mergeHeaders } from "../transport/headers.js";
import { sleep } from "../transport/race.js";
import { backoffMs, MAX_TIMER_MS, retryConfig } from "../transport/retry.js";
import { ResponseStream } from "../stream/response-stream.js";
import { refusedResume, ResumableSource } from "../stream/resumable-source.js";
import type { MessageSource } from "../stream/source.js";
import { SseSource } from "../stream/sse-source.js";
import { checkResponseId } from "./response-id.js";
import type { Endpoints } from "./context.js";
import {
  callHeaders,
  type ResponsesOptions,
  type ResumeStreamOptions,
  type StreamRelease,
} from "./responses-options.js";

/** What a stream is opened from: its first reply, and what is known of the response already. */
export interface FirstReply {
  response: Response;
  /** Set for `resume(id)`: the stream's id from the start. */
  responseId?: string | undefined;
  startingAfter?: number | undefined;
  /** Resume on a drop (a background request, or `resume(id)`). */
  resumable: boolean;
}

/** The headers of the streamed GET: provider, per-call (turn state, session), the caller's. */
function getHeaders(endpoints: Endpoints, options: ResponsesOptions): Record<string, string> {
  const own = toRecord(options.headers, "responses.resume", "options.headers");
  return mergeHeaders(
    endpoints.provider.headers,
    { ...callHeaders(options), Accept: "text/event-stream" },
    own as Record<string, string> | undefined,
  );
}

/** GET /responses/{id}?stream=true[&starting_after=N] under the transport policy; its 2xx reply. */
export async function openStoredReply(
  endpoints: Endpoints,
  id: string,
  options: ResponsesOptions & { include?: string[] | undefined },
  startingAfter: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const { response } = await getResponseStream(endpoints.transport.sender("retrieve", options), {
    headers: getHeaders(endpoints, options),
    signal,
    path: { response_id: id },
    query: { stream: true, starting_after: startingAfter, include: options.include },
  });
  return response;
}

/** The SSE source of one reply, with the client's limits. */
function sseOf(endpoints: Endpoints, response: Response): SseSource {
  return new SseSource(response.body, replyDetails(response), {
    idleTimeoutMs: endpoints.streamIdleTimeoutMs,
    maxEventBytes: endpoints.maxEventBytes,
    drainAfterCompleted: true,
  });
}

/** Sends `cancel(id)` for `cancelOnAbort` (bounded by the request timeout; failures to logger.warn). */
function canceller(endpoints: Endpoints, options: ResponsesOptions): (id: string) => void {
  return (id) => {
    const send = endpoints.transport.sender("cancel", {
      requestTimeoutMs: options.requestTimeoutMs,
      retry: { maxAttempts: 1 },
    });
    const headers = mergeHeaders(endpoints.provider.headers, callHeaders(options));
    cancelResponse(send, { headers, path: { response_id: id } }).catch((error: unknown) => {
      endpoints.logger?.warn?.(`cancelOnAbort: cancel(${id}) failed`, error);
    });
  };
}

/** A ResponseStream over `first`, which resumes itself when `first.resumable` (see the file's top). */
export function backgroundStream(
  endpoints: Endpoints,
  first: FirstReply,
  options: ResponsesOptions & StreamRelease,
  maxResumes: number,
): ResponseStream {
  const { response } = first;
  let source: MessageSource = sseOf(endpoints, response);
  if (first.resumable && maxResumes > 0) {
    // A GET that brings no new event is retried under the call's retry policy (README "Background
    // streams and resume"): its backoff before each, its maxAttempts in a row.
    const retry = retryConfig(options.retry, retryConfig(endpoints.provider.retry));
    source = new ResumableSource(source, {
      maxResumes,
      maxStalls: retry.maxAttempts,
      // A timer holds at most MAX_TIMER_MS (a longer one fires at once); a zero base times the
      // 2^n of a thousand stalls is NaN: no wait.
      pauseMs: (n) => Math.min(backoffMs(n, retry), MAX_TIMER_MS) || 0,
      sleep,
      responseId: first.responseId,
      startingAfter: first.startingAfter,
      details: replyDetails(response),
      telemetry: endpoints.telemetry,
      logger: endpoints.logger,
      scrubber: endpoints.scrubber,
      reopen: async (after, signal) => {
        const id = (source as ResumableSource).id!;
        // The server named it: one no URL can carry ends the stream here, typed.
        checkResponseId(id, "responses.stream (resuming)");
        // `signal` is the source's: the caller's signal cancels the source (src/stream/event-reader.ts),
        // which aborts it, so no listener is added to the caller's signal per resume.
        return sseOf(endpoints, await openStoredReply(endpoints, id, options, after, signal));
      },
    });
  }
  return new ResponseStream(response, source, {
    scrubber: endpoints.scrubber,
    includeRawEvents: options.includeRawEvents,
    telemetry: endpoints.telemetry,
    logger: endpoints.logger,
    signal: options.signal,
    onRelease: options.onRelease,
    responseId: first.responseId,
    sameResponse: first.resumable,
    cancelOnAbort: options.cancelOnAbort ? canceller(endpoints, options) : undefined,
  });
}

/**
 * `client.responses.resume(id, options)`: the stream of a stored response after `startingAfter`;
 * the id and options were checked when it was called (src/resources/responses.ts).
 */
export async function resume(
  endpoints: Endpoints,
  id: string,
  options: ResumeStreamOptions,
  maxResumes: number,
): Promise<ResponseStream> {
  const { startingAfter } = options;
  const response = await openStoredReply(
    endpoints,
    id,
    options,
    startingAfter,
    options.signal,
  ).catch((error: unknown) => {
    // The error was scrubbed; the id added to it is too (a caller may resume an id that echoed one).
    throw refusedResume(error, endpoints.scrubber.text(id), startingAfter);
  });
  const first = { response, responseId: id, startingAfter, resumable: true };
  return backgroundStream(endpoints, first, options, maxResumes);
}
