// The stream's idle timer: only data messages reset it (keep-alive comments do not), and its
// timeout carries the reply's requestId. The clock is vitest's (setTimeout and clearTimeout only),
// the server and its sockets are real: no assertion depends on how fast the machine is.
import { afterEach, describe, expect, it, vi } from "vitest";
import { StreamIdleTimeoutError } from "../../src/index.js";
import { REQUEST, clientFor, fakeTimeouts, turn, until } from "../helpers/calls.js";
import { sseFrame } from "../helpers/server.js";
import { created, completedFrame, drain, types, expectError, streamKit } from "./kit.js";

const { serve, run } = streamKit();

afterEach(() => {
  vi.useRealTimers();
});

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe("stream rules", () => {
  it("keep-alive comments do not reset the idle timer", async () => {
    fakeTimeouts();
    const keepAlive = gate();
    const server = await serve({
      chunks: [created(), { until: keepAlive.promise }, ": keep-alive\n\n", ": keep-alive\n\n"],
      end: false,
    });
    const seen: string[] = [];
    const client = clientFor(
      server,
      { retry: { maxAttempts: 1 }, streamIdleTimeoutMs: 100 },
      { telemetry: { onSseEvent: (info) => seen.push(info.type) } },
    );
    const drained = drain(await client.responses.stream(REQUEST));
    let settled = false;
    void drained.then(() => (settled = true));
    await until(() => seen.length === 1, "response.created read");

    vi.advanceTimersByTime(60);
    keepAlive.open();
    await until(() => server.chunksWritten() === 4, "the keep-alives written");
    for (let i = 0; i < 50; i++) await turn(); // and read by the client
    vi.advanceTimersByTime(39);
    for (let i = 0; i < 20; i++) await turn();
    expect(settled).toBe(false);

    vi.advanceTimersByTime(1); // 100 ms after response.created, the comments notwithstanding
    await until(() => settled, "the idle timeout at 100 ms");
    const { events, error } = await drained;
    expect(types(events)).toEqual(["created"]);
    const err = expectError(error, StreamIdleTimeoutError);
    expect(err.retryable).toBe(true);
    vi.useRealTimers();
    await server.requestSocketsClosed(1000);
  });

  it("any data message resets the idle timer, mapped or dropped", async () => {
    fakeTimeouts();
    const frames = [
      sseFrame({ type: "response.in_progress" }),
      sseFrame({ type: "response.output_text.delta", delta: "a" }),
      sseFrame({ type: "response.some_progress" }),
      sseFrame({ type: "response.output_text.delta", delta: "b" }),
      sseFrame({ type: "response.in_progress" }),
      completedFrame(),
    ];
    const gates = frames.map(() => gate());
    const server = await serve({
      chunks: [
        created(),
        ...frames.flatMap((f, i) => [{ until: gates[i]!.promise }, ": keep-alive\n\n", f]),
      ],
    });
    const seen: string[] = [];
    const client = clientFor(
      server,
      { retry: { maxAttempts: 1 }, streamIdleTimeoutMs: 100 },
      { telemetry: { onSseEvent: (info) => seen.push(info.type) } },
    );
    const drained = drain(await client.responses.stream(REQUEST));
    await until(() => seen.length === 1, "response.created read");
    for (const [i, g] of gates.entries()) {
      // 60 ms of silence each time: 360 ms in all, past the 100 ms timeout unless each message resets it.
      vi.advanceTimersByTime(60);
      g.open();
      await until(() => seen.length === i + 2, `message ${i + 1} read`);
    }
    const { events, error } = await drained;
    expect(error).toBeUndefined();
    expect(types(events)).toEqual(["created", "outputTextDelta", "outputTextDelta", "completed"]);
  });

  it("an idle timeout and an abort carry the reply's requestId too", async () => {
    const { error } = await run([created()], {
      headers: { "x-request-id": "req-idle" },
      end: false,
      provider: { streamIdleTimeoutMs: 50 },
    });
    expect(expectError(error, StreamIdleTimeoutError).requestId).toBe("req-idle");
  });
});
