// The stream's idle timer: only data messages reset it (keep-alive comments do not), and its
// timeout carries the reply's requestId.
import { describe, expect, it } from "vitest";
import { StreamIdleTimeoutError } from "../../src/index.js";
import { sseFrame } from "../helpers/server.js";
import { created, completedFrame, types, expectError, streamKit } from "./kit.js";

const { run } = streamKit();

describe("stream rules", () => {
  it("keep-alive comments do not reset the idle timer", async () => {
    const started = performance.now();
    const { events, error, server } = await run(
      [
        created(),
        ...Array.from({ length: 100 }, () => [": keep-alive\n\n", { delayMs: 20 }]).flat(),
      ],
      { provider: { streamIdleTimeoutMs: 100 }, end: false },
    );
    const elapsed = performance.now() - started;
    expect(types(events)).toEqual(["created"]);
    const err = expectError(error, StreamIdleTimeoutError);
    expect(err.retryable).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    await server.requestSocketsClosed(1000);
  });

  it("any data message resets the idle timer, mapped or dropped", async () => {
    const slow = [
      sseFrame({ type: "response.in_progress" }),
      sseFrame({ type: "response.output_text.delta", delta: "a" }),
      sseFrame({ type: "response.some_progress" }),
      sseFrame({ type: "response.output_text.delta", delta: "b" }),
      sseFrame({ type: "response.in_progress" }),
    ].flatMap((f) => [{ delayMs: 60 }, ": keep-alive\n\n", f]);
    const started = performance.now();
    const { events, error } = await run([created(), ...slow, { delayMs: 60 }, completedFrame()], {
      provider: { streamIdleTimeoutMs: 100 },
    });
    expect(error).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThan(300);
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
