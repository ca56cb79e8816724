// What the fallback-attack tests share (README "Responses over WebSocket"): the mock refusing every
// upgrade behind a counting front, a socket moved to HTTP, the socket's own close signal caught as
// it is made, and the counts of listeners and timers that must come back.
import { getEventListeners } from "node:events";
import { expect } from "vitest";
import type { ResponseEvent } from "../../src/index.js";
import { startMockServer, type MockReply, type MockScript } from "../../src/testing/index.js";
import { connectTo, drain } from "../helpers/ws-server.js";
import { REQUEST } from "../helpers/calls.js";
import { frontOfMock } from "../faults/kit.js";

/** The servers a test started; `closeServers` (after each test) closes them. */
export const servers: { close(): Promise<void> }[] = [];
export const closeServers = async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
};

export const BACKGROUND = { ...REQUEST, background: true, store: true };
export const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;
export const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/**
 * `make()`, and the AbortControllers constructed while it ran: connectResponses makes one, the
 * socket's close signal, which every HTTP stream listens to until it ends.
 */
export function withControllers<T>(make: () => T): { value: T; made: AbortController[] } {
  const Original = globalThis.AbortController;
  const made: AbortController[] = [];
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made.push(this);
    }
  };
  try {
    return { value: make(), made };
  } finally {
    globalThis.AbortController = Original;
  }
}

/** The mock refusing every upgrade with 426, with this script, behind a counting front. */
export async function refusing(script: MockScript, options: Parameters<typeof connectTo>[1] = {}) {
  // Connection: close, so a completed HTTP stream or resume GET leaves no pooled socket behind.
  const closed = (entry: MockScript["responses"]) =>
    toList(entry).map((r) => ({ ...r, headers: { ...r.headers, connection: "close" } }));
  const mock = await startMockServer({
    ...script,
    responses: closed(script.responses),
    retrieve: closed(script.retrieve),
    websocket: { upgrade: { status: 426 } },
  });
  const served = await frontOfMock(mock);
  servers.push(served);
  const { value, made } = withControllers(() =>
    connectTo(served, {
      ...options,
      provider: { streamIdleTimeoutMs: 30_000, ...options.provider },
    }),
  );
  expect(made).toHaveLength(1);
  const closing = made[0]!.signal;
  return { mock, served, socket: value.socket, client: value.client, closing };
}

/** Moves the socket to HTTP with one completed stream. */
export async function fallen(script: MockScript, options: Parameters<typeof connectTo>[1] = {}) {
  const made = await refusing({ ...script, responses: [{}, ...toList(script.responses)] }, options);
  await drain(await made.socket.stream(REQUEST));
  expect(made.socket.transport).toBe("http");
  return made;
}
export const toList = (r: MockScript["responses"]) =>
  (r === undefined ? [{}] : Array.isArray(r) ? r : [r]) as MockReply[];

export const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

/** The first `n` events of `stream`, and its iterator. */
export async function read(stream: AsyncIterable<ResponseEvent>, n: number) {
  const it = stream[Symbol.asyncIterator]();
  const seen: ResponseEvent[] = [];
  while (seen.length < n) seen.push((await it.next()).value as ResponseEvent);
  return { it, seen };
}
