// One request at a time on a socket (README "Responses over WebSocket": requests are serialized):
// the queue a request waits in, and the stream of a request the server answered, whose end lets the
// next one go and records what it completed as the base of the next incremental request.
import type { ResponseItem, ResponsesApiRequest } from "../generated/openapi.js";
import { withoutRateLimits } from "../rate-limits.js";
import { itemsAsSent, type CheckedResponsesOptions } from "../resources/responses.js";
import type { ResponseStream } from "../stream/response-stream.js";
import { race } from "../transport/race.js";
import type { Scrubber } from "../transport/redact.js";
import type { Logger, Telemetry } from "../transport/telemetry.js";
import type { Sent } from "./attempt.js";
import { snapshot } from "./incremental.js";
import { SocketResponseStream, type RequestEnd } from "./stream.js";

/** Waits for the previous request to end (or the caller's abort); resolves with this one's release. */
export function queue() {
  let tail: Promise<void> = Promise.resolve();
  return (signal: AbortSignal | undefined): Promise<() => void> => {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const previous = tail;
    tail = previous.then(() => mine);
    return race(previous, { signal }).then(
      () => release,
      (error: unknown) => {
        release();
        throw error;
      },
    );
  };
}

/** A request the server answered: what completing it records. */
export interface Answered {
  body: ResponsesApiRequest;
  opts: CheckedResponsesOptions;
  warmup: boolean;
  release(): void;
}

/** What every stream of one socket shares. */
export interface StreamShared {
  azure: boolean;
  /** `GET url`, the start of every message. */
  where: string;
  scrubber: Scrubber;
  telemetry: Telemetry | undefined;
  logger: Logger | undefined;
}

/** The stream of a request the server answered; its end releases the next request. */
export function answered(sent: Sent, req: Answered, shared: StreamShared): ResponseStream {
  const { connection, source } = sent;
  const { opts, release } = req;
  const { azure, where, scrubber, telemetry, logger } = shared;
  const turnState = connection.wire.headers.get("x-codex-turn-state");
  if (opts.turnState && !opts.turnState.value && turnState) opts.turnState.value = turnState;
  let ended = false;
  const end: RequestEnd = {
    completed(responseId: string, output: ResponseItem[]) {
      if (ended) return;
      ended = true;
      if (connection.source === source) connection.source = undefined;
      const { body, warmup } = req;
      const sentOutput = snapshot(itemsAsSent(output, azure), where);
      connection.last = { body, output: sentOutput, responseId, warmup };
      release();
    },
    failed() {
      if (ended) return;
      ended = true;
      if (connection.source === source) connection.drop();
      release();
    },
  };
  source.onFailed = () => end.failed();
  const head = {
    status: connection.wire.status,
    headers: withoutRateLimits(connection.wire.headers),
  };
  const streamOptions = {
    scrubber,
    ...(opts.includeRawEvents ? { includeRawEvents: true } : {}),
    ...(telemetry ? { telemetry } : {}),
    ...(logger ? { logger } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  return new SocketResponseStream(head, source, streamOptions, end);
}
