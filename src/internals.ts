// What a client keeps for the transports of other subpaths (`codex-api/websocket`): kept in a
// module-private WeakMap, so it is not part of the client's type, of what it prints or of a copy,
// and two copies of the package never share it.
import type { Endpoints } from "./resources/context.js";
import type { CheckedResponsesOptions, ResponsesRequest } from "./resources/responses.js";
import type { StreamRelease } from "./resources/responses-options.js";
import type { ResponseStream } from "./stream/response-stream.js";

/** The client's parts a second transport reuses: its endpoints (transport included) and timeout. */
export interface ClientInternals {
  endpoints: Endpoints;
  /** The request timeout (ms; Infinity for none). */
  requestTimeoutMs: number;
  /** POST /responses with checked options, as `client.responses.stream` sends it. */
  sendResponses(
    request: ResponsesRequest,
    options: CheckedResponsesOptions & StreamRelease,
  ): Promise<ResponseStream>;
}

const internals = new WeakMap<object, ClientInternals>();

/** Records the internals of `client` (createClient does, once). */
export function keepInternals<T extends object>(client: T, value: ClientInternals): T {
  internals.set(client, value);
  return client;
}

/** The internals of a client built by createClient, else undefined. */
export function internalsOf(client: unknown): ClientInternals | undefined {
  return typeof client === "object" && client !== null ? internals.get(client) : undefined;
}
