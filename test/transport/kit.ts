// What the transport's tests share: a compact call (a JSON endpoint under the whole transport
// policy) by a client at the root of a test server, with the options a test folds in.

import {
  type ClientOptions,
  type Logger,
  type ResponseItem,
  type RetryConfig,
  type Telemetry,
} from "../../src/index.js";
import { json, type TestServer } from "../helpers/server.js";
import { clientFor } from "../helpers/calls.js";

export const ITEM: ResponseItem = {
  type: "message",
  role: "user",
  content: [{ type: "input_text", text: "hello" }],
} as ResponseItem;
export const OK = json(200, { output: [ITEM] });
export const INPUT = { model: "gpt-test", input: [ITEM], instructions: "be brief" };

export interface Opts {
  retry?: Partial<RetryConfig>;
  auth?: ClientOptions["auth"];
  telemetry?: Telemetry;
  logger?: Logger;
  requestTimeoutMs?: number;
}

/** compactInput(INPUT) by a client at the root of `server` (no base path), with `opts` folded in. */
export function compact(server: TestServer | string, opts: Opts = {}, signal?: AbortSignal) {
  const url = typeof server === "string" ? server : server.url;
  const client = clientFor(
    { url },
    {
      baseUrl: url,
      retry: { baseDelayMs: 1, ...opts.retry },
      ...(opts.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: opts.requestTimeoutMs }),
    },
    {
      auth: opts.auth ?? "tok",
      ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    },
  );
  return client.compact.compactInput(INPUT, signal ? { signal } : {});
}
