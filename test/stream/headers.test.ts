// client.responses.stream() turns the reply's headers into the first events (rateLimits,
// modelsEtag, serverReasoningIncluded), known before the body is read.
import { describe, expect, it } from "vitest";
import { parseRateLimits } from "../../src/index.js";
import { REQUEST, clientFor, within } from "../helpers/calls.js";
import { drain, created, completedFrame, types, streamKit } from "./kit.js";

const { serve, run } = streamKit();

describe("header events", () => {
  const RATE_HEADERS = {
    "x-codex-primary-used-percent": "12.5",
    "x-codex-primary-window-minutes": "60",
    "x-codex-primary-reset-at": "1704069000",
    "x-codex-secondary-used-percent": "80",
    "x-codex-secondary-window-minutes": "1440",
  };

  it("come first, in order rateLimits, modelsEtag, serverReasoningIncluded; known before iterating", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await serve({
      headers: {
        ...RATE_HEADERS,
        "x-models-etag": "etag-1",
        "x-reasoning-included": "false",
        "x-request-id": "req-123",
      },
      chunks: [{ until: gate }, created(), completedFrame()],
    });
    const stream = await within(
      clientFor(server).responses.stream(REQUEST),
      2000,
      "stream() before the body",
    );
    // Nothing of the body was sent yet: all of this comes from the headers.
    expect(server.chunksWritten()).toBe(0);
    const snapshot = {
      primary: { usedPercent: 12.5, windowMinutes: 60, resetsAt: 1704069000 },
      secondary: { usedPercent: 80, windowMinutes: 1440 },
    };
    expect(stream.rateLimits).toEqual(snapshot);
    expect(parseRateLimits(RATE_HEADERS)).toEqual(snapshot);
    expect(stream.requestId).toBe("req-123");
    expect(stream.headers.get("x-models-etag")).toBe("etag-1");
    release();
    const { events, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: "rateLimits", snapshot },
      { type: "modelsEtag", etag: "etag-1" },
      { type: "serverReasoningIncluded", included: true },
      { type: "created" },
      { type: "completed", responseId: "resp_1" },
    ]);
  });

  it("are absent when the headers are", async () => {
    const { events, stream } = await run([created(), completedFrame()]);
    expect(types(events)).toEqual(["created", "completed"]);
    expect(stream.rateLimits).toBeUndefined();
    expect(stream.requestId).toBeUndefined();
  });

  it("only the present ones are emitted", async () => {
    const { events } = await run([completedFrame()], {
      headers: { "x-reasoning-included": "true" },
    });
    expect(types(events)).toEqual(["serverReasoningIncluded", "completed"]);
  });
});
