// What the client.responses.stream() test files share: a server per test, a stream drained into
// its events and error, SSE frames of the common events, and a typed error check.
import { expect } from "vitest";
import {
  type ClientOptions,
  type CodexApiError,
  type ProviderConfig,
  type ResponseEvent,
  type ResponseItem,
  type ResponseStream,
  type ResponsesOptions,
} from "../../src/index.js";
import { REQUEST, clientFor, within } from "../helpers/calls.js";
import { sseFrame, serveEach, type BodyChunk, type TestServer } from "../helpers/server.js";

/** A stream read to its end: the events seen, and the error thrown (undefined when none). */
export interface Drained {
  events: ResponseEvent[];
  error: unknown;
}

/** Iterates to the end within `ms`; the error thrown (if any) is returned, not thrown. */
export async function drain(stream: ResponseStream, ms = 3000): Promise<Drained> {
  const events: ResponseEvent[] = [];
  const read = async (): Promise<Drained> => {
    try {
      for await (const event of stream) events.push(event);
      return { events, error: undefined };
    } catch (error) {
      return { events, error };
    }
  };
  return within(read(), ms, "the stream");
}

/** How `run` serves and sends: reply headers, an open body, call options, client overrides. */
export interface RunOptions {
  headers?: Record<string, string>;
  /** false keeps the body open after the last chunk (default true). */
  end?: boolean;
  options?: ResponsesOptions;
  /** Provider fields over one attempt (`retry: { maxAttempts: 1 }`). */
  provider?: Partial<ProviderConfig>;
  /** Other client options (telemetry, logger). */
  client?: Partial<ClientOptions>;
}

/**
 * The kit of one test file: `serve` starts a server closed after its test; `run` serves `chunks`
 * as one 200 reply, sends REQUEST with one attempt and drains the stream.
 */
export function streamKit() {
  const serve = serveEach();
  async function run(
    chunks: BodyChunk[],
    opts: RunOptions = {},
  ): Promise<Drained & { server: TestServer; stream: ResponseStream }> {
    const server = await serve({
      chunks,
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.end === undefined ? {} : { end: opts.end }),
    });
    const client = clientFor(server, { retry: { maxAttempts: 1 }, ...opts.provider }, opts.client);
    const stream = await client.responses.stream(REQUEST, opts.options);
    return { ...(await drain(stream)), server, stream };
  }
  return { serve, run };
}

/** A response.created frame of `resp_1`. */
export const created = () => sseFrame({ type: "response.created", response: { id: "resp_1" } });
/** A response.completed frame, with `usage` when given. */
export const completedFrame = (id = "resp_1", usage?: Record<string, unknown>) =>
  sseFrame({ type: "response.completed", response: { id, ...(usage ? { usage } : {}) } });
/** A response.failed frame carrying `error`. */
export const failed = (error: Record<string, unknown> | null) =>
  sseFrame({ type: "response.failed", response: { id: "resp_1", status: "failed", error } });

/** A completed assistant message of `text` (id `msg_1` unless `extra` says otherwise). */
export const message = (text: string, extra: Record<string, unknown> = {}): ResponseItem =>
  ({
    type: "message",
    id: "msg_1",
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }],
    ...extra,
  }) as ResponseItem;

/** The events' types, in order. */
export const types = (events: ResponseEvent[]) => events.map((e) => e.type);

/** `error`, checked to be an instance of `cls`. */
export function expectError<T extends CodexApiError>(
  error: unknown,
  cls: abstract new (...args: never[]) => T,
): T {
  expect(error).toBeInstanceOf(cls);
  return error as T;
}
