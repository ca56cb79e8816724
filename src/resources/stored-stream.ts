// GET /responses/{id}?stream=true&starting_after=N: a stored (background) response's events again,
// those numbered after N, as a ResponseStream. Internal: what resuming a dropped background stream
// builds on (ARCHITECTURE.md, "Layout"); not on the client yet.
import { toRecord } from "../options.js";
import { getResponseStream } from "../generated/client.js";
import { mergeHeaders } from "../transport/headers.js";
import { openResponseStream, type ResponseStream } from "../stream/response-stream.js";
import type { Endpoints } from "./context.js";
import { callHeaders, streamOptions, type ResponsesOptions } from "./responses.js";
import { checkResponseId } from "./response-id.js";

/** The options of `openStoredStream`: a stream call's options, and where to start. */
export interface StoredStreamOptions extends Omit<ResponsesOptions, "compression"> {
  /** Only events whose `sequence_number` is above this are sent; default: every event. */
  startingAfter?: number;
  /** Sent as one `include=` per value; default: none. */
  include?: string[];
}

/**
 * Opens GET /responses/{id}?stream=true (with `starting_after` when given) under the transport
 * policy (telemetry endpoint `retrieve`) and reads its reply like `client.responses.stream`'s. It
 * sends the call's headers (provider, per-call, turn state) and no body; a bad id throws before.
 */
export async function openStoredStream(
  endpoints: Endpoints,
  id: string,
  options: StoredStreamOptions = {},
): Promise<ResponseStream> {
  checkResponseId(id, "responses.resume");
  const { provider } = endpoints;
  const headers = mergeHeaders(
    provider.headers,
    { ...callHeaders(options), Accept: "text/event-stream" },
    toRecord(options.headers, "responses.resume", "options.headers") as Record<string, string>,
  );
  const { response } = await getResponseStream(endpoints.transport.sender("retrieve"), {
    headers,
    signal: options.signal,
    path: { response_id: id },
    query: { stream: true, starting_after: options.startingAfter, include: options.include },
  });
  return openResponseStream(response, streamOptions(endpoints, options));
}
