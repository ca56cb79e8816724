// stream.collect() (response id, items, text, usage, rate limits, and the stream's error) and the
// telemetry.onSseEvent hook (once per message; a throwing hook is only logged).
import { describe, expect, it, vi } from "vitest";
import { QuotaExceededError, StreamError } from "../../src/index.js";
import { REQUEST, clientFor, within } from "../helpers/calls.js";
import { sseFrame } from "../helpers/server.js";
import { created, completedFrame, failed, message, types, streamKit } from "./kit.js";

const { serve, run } = streamKit();

describe("stream rules", () => {
  it("collect() returns the response id, items, text, usage and the last rate limits", async () => {
    const server = await serve({
      headers: { "x-codex-primary-used-percent": "10", "x-codex-primary-window-minutes": "60" },
      chunks: [
        created(),
        sseFrame({ type: "response.output_text.delta", delta: "Hello, " }),
        sseFrame({ type: "response.output_text.delta", delta: "world" }),
        sseFrame({ type: "response.output_item.done", item: message("Hello, world") }),
        sseFrame({
          type: "codex.rate_limits",
          rate_limits: { primary: { used_percent: 55, window_minutes: 60 } },
        }),
        sseFrame({ type: "response.output_item.done", item: message("second", { id: "msg_2" }) }),
        completedFrame("resp_c", {
          input_tokens: 123,
          input_tokens_details: { cached_tokens: 100 },
          output_tokens: 7,
          total_tokens: 130,
        }),
      ],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const result = await within(stream.collect(), 2000);
    expect(result).toEqual({
      responseId: "resp_c",
      items: [message("Hello, world"), message("second", { id: "msg_2" })],
      functionCalls: [],
      text: "Hello, worldsecond", // the output_text of every message item
      tokenUsage: {
        inputTokens: 123,
        cachedInputTokens: 100,
        outputTokens: 7,
        reasoningOutputTokens: 0,
        totalTokens: 130,
      },
      rateLimits: { primary: { usedPercent: 55, windowMinutes: 60 } },
    });
    await expect(stream.collect()).rejects.toBeInstanceOf(StreamError);
  });

  it("collect() after iteration began drains the rest and returns what the loop saw too", async () => {
    const server = await serve({
      chunks: [
        created(),
        sseFrame({ type: "response.output_text.delta", delta: "a" }),
        sseFrame({ type: "response.output_text.delta", delta: "b" }),
        sseFrame({ type: "response.output_item.done", item: message("ab") }),
        completedFrame("resp_x"),
      ],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect((await iterator.next()).value).toEqual({ type: "outputTextDelta", delta: "a" });
    const result = await within(stream.collect(), 2000);
    expect(result).toMatchObject({ responseId: "resp_x", text: "ab" });
    expect((await iterator.next()).done).toBe(true);
  });

  it("collect() rejects with the stream's error", async () => {
    const server = await serve({
      chunks: [created(), failed({ code: "insufficient_quota", message: "no" })],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    await expect(within(stream.collect(), 2000)).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it("telemetry.onSseEvent is called once per SSE message with the wire type", async () => {
    const onSseEvent = vi.fn();
    const { error } = await run(
      [
        created(),
        ": comment\n\n",
        sseFrame({ type: "response.in_progress" }),
        sseFrame({ type: "response.output_text.delta", delta: "a" }),
        sseFrame({ type: "response.new_thing" }),
        sseFrame({ type: "codex.rate_limits", rate_limits: "bad" }),
        completedFrame(),
      ],
      { client: { telemetry: { onSseEvent } } },
    );
    expect(error).toBeUndefined();
    expect(onSseEvent.mock.calls.map(([info]) => (info as { type: string }).type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_text.delta",
      "response.new_thing",
      "codex.rate_limits",
      "response.completed",
    ]);
    for (const [info] of onSseEvent.mock.calls) {
      expect((info as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("a throwing onSseEvent hook is reported via logger.warn and does not break the stream", async () => {
    const boom = new Error("hook failed");
    const warn = vi.fn();
    const { events, error } = await run(
      [created(), sseFrame({ type: "response.output_text.delta", delta: "a" }), completedFrame()],
      {
        client: {
          telemetry: {
            onSseEvent: () => {
              throw boom;
            },
          },
          logger: { warn },
        },
      },
    );
    expect(error).toBeUndefined();
    expect(types(events)).toEqual(["created", "outputTextDelta", "completed"]);
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("onSseEvent"), boom);
  });
});
