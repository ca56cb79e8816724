// The kit of the socket-fallback rows (socket-fallback*.ts): their array, the mock behind the counting
// front (its recorded requests kept), and the checks and runs the rows share.
import {
  startMockServer,
  type MockReply,
  type MockScript,
  type MockServer,
} from "../../src/testing/index.js";
import { front, type FaultCase, type RunContext, type Served, SHORT } from "./kit.js";

/** The rows of socket-fallback*.ts, appended to the matrix by matrix.test.ts. */
export const SOCKET_FALLBACK_CASES: FaultCase[] = [];
export const add = (c: Omit<FaultCase, "endpoint">) =>
  SOCKET_FALLBACK_CASES.push({ ...c, fault: `fallback: ${c.fault}`, endpoint: "websocket" });

export type MockServed = Served & { mock: MockServer };
type Upgrade = NonNullable<MockScript["websocket"]>["upgrade"];
/** The mock with these replies (shared by socket requests and HTTP POSTs) behind the counting front. */
export async function mocked(
  replies: MockReply | MockReply[],
  upgrade: Upgrade = { status: 426 },
  closeAfterRequests?: number,
): Promise<MockServed> {
  const list = (Array.isArray(replies) ? replies : [replies]).map((r) => ({
    ...r,
    headers: { ...r.headers, connection: "close" },
  }));
  const websocket = { upgrade, ...(closeAfterRequests ? { closeAfterRequests } : {}) };
  const mock = await startMockServer({ rateLimitHeaders: false, responses: list, websocket });
  const served = await front({
    url: mock.url,
    openConnections: () => mock.openConnections(),
    requestCount: () => mock.frames.length + mock.requests.length,
    lastRequestId: () => undefined,
    close: () => mock.close(),
  });
  return { ...served, mock };
}
export const mockOf = (ctx: RunContext) => (ctx.served as MockServed).mock;
export const posts = (ctx: RunContext) => mockOf(ctx).requests.filter((r) => r.method === "POST");
/** The number of HTTP POSTs /responses the mock received (socket requests are frames). */
export const httpPosts =
  (n: number): NonNullable<FaultCase["check"]> =>
  (ctx) => {
    const got = posts(ctx).filter((r) => r.endpoint === "responses").length;
    return got === n ? [] : [`${got} HTTP POSTs, want ${n}`];
  };
/** Fails a run that took longer than `ms`: close() must end what runs well before its idle timeout. */
export async function promptly<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    const took = Date.now() - started;
    if (took > ms) throw new Error(`took ${took} ms, want under ${ms} ms`);
  }
}
export const STALLED = { events: SHORT, stallAfterEvents: 2 } as const;
// A stalled stream would otherwise end by its idle timeout: only close() may end it here.
export const LONG_IDLE = { streamIdleTimeoutMs: 30_000, requestTimeoutMs: 30_000 } as const;

/** Reads `stream` until `n` events, then calls `then` and reads on. */
export async function readThen(
  stream: AsyncIterable<unknown>,
  n: number,
  then: () => unknown,
): Promise<number> {
  let seen = 0;
  for await (const _ of stream) if (++seen === n) void then();
  return seen;
}
