// client.responses.stream() maps each row of the README events table (created, items, deltas,
// reasoning, rate limits, completion, unknown types) against a real server on 127.0.0.1.
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeTimeouts } from "../helpers/calls.js";
import { sseFrame } from "../helpers/server.js";
import { created, completedFrame, message, types, streamKit } from "./kit.js";

const { run } = streamKit();

afterEach(() => {
  vi.useRealTimers();
});

describe("event table (README)", () => {
  it("maps created, items, deltas and reasoning events", async () => {
    const item = message("Hello");
    const reasoning = { type: "reasoning", id: "rs_1", summary: [] };
    const { events, error } = await run([
      created(),
      sseFrame({ type: "response.in_progress", response: { id: "resp_1" } }),
      sseFrame({ type: "response.output_item.added", output_index: 0, item: reasoning }),
      sseFrame({ type: "response.reasoning_summary_part.added", summary_index: 2 }),
      sseFrame({ type: "response.reasoning_summary_text.delta", delta: "think", summary_index: 2 }),
      sseFrame({ type: "response.reasoning_text.delta", delta: "raw", content_index: 3 }),
      sseFrame({ type: "response.output_item.done", output_index: 0, item: reasoning }),
      sseFrame({ type: "response.output_item.added", output_index: 1, item }),
      sseFrame({ type: "response.output_text.delta", delta: "Hel", output_index: 1 }),
      sseFrame({ type: "response.output_text.delta", delta: "lo", output_index: 1 }),
      sseFrame({ type: "response.output_item.done", output_index: 1, item }),
      completedFrame("resp_1"),
    ]);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: "created" },
      { type: "outputItemAdded", item: reasoning },
      { type: "reasoningSummaryPartAdded", summaryIndex: 2 },
      { type: "reasoningSummaryDelta", delta: "think", summaryIndex: 2 },
      { type: "reasoningContentDelta", delta: "raw", contentIndex: 3 },
      { type: "outputItemDone", item: reasoning },
      { type: "outputItemAdded", item },
      { type: "outputTextDelta", delta: "Hel" },
      { type: "outputTextDelta", delta: "lo" },
      { type: "outputItemDone", item },
      { type: "completed", responseId: "resp_1" },
    ]);
  });

  it("takes the kind from the payload's type, not the event: line", async () => {
    const { events } = await run([
      `event: response.created\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "x" })}\n\n`,
      `data: ${JSON.stringify({ type: "response.created" })}\n\n`,
      completedFrame(),
    ]);
    expect(types(events)).toEqual(["outputTextDelta", "created", "completed"]);
  });

  it("maps codex.rate_limits to a rateLimits snapshot", async () => {
    const { events, error } = await run([
      sseFrame({
        type: "codex.rate_limits",
        rate_limits: {
          primary: { used_percent: 42.5, window_minutes: 300, reset_at: 1704069000 },
          secondary: { used_percent: 7, window_minutes: 10080 },
        },
        credits: { has_credits: true, unlimited: false, balance: "12.50" },
      }),
      completedFrame(),
    ]);
    expect(error).toBeUndefined();
    expect(events[0]).toEqual({
      type: "rateLimits",
      snapshot: {
        primary: { usedPercent: 42.5, windowMinutes: 300, resetsAt: 1704069000 },
        secondary: { usedPercent: 7, windowMinutes: 10080 },
        credits: { hasCredits: true, unlimited: false, balance: "12.50" },
      },
    });
  });

  it("keeps plan_type as planType, alone or beside the windows; a non-string plan is left out", async () => {
    const { events } = await run([
      sseFrame({ type: "codex.rate_limits", plan_type: "plus" }),
      sseFrame({
        type: "codex.rate_limits",
        plan_type: "pro",
        rate_limits: { primary: { used_percent: 42 } },
      }),
      sseFrame({
        type: "codex.rate_limits",
        plan_type: 7,
        rate_limits: { primary: { used_percent: 1 } },
      }),
      completedFrame(),
    ]);
    expect(events.slice(0, 3)).toEqual([
      { type: "rateLimits", snapshot: { planType: "plus" } },
      { type: "rateLimits", snapshot: { primary: { usedPercent: 42 }, planType: "pro" } },
      { type: "rateLimits", snapshot: { primary: { usedPercent: 1 } } },
    ]);
  });

  it.each([
    ["a non-numeric percent", { rate_limits: { primary: { used_percent: "high" } } }],
    ["rate_limits not an object", { rate_limits: "full" }],
    ["credits without booleans", { rate_limits: {}, credits: { has_credits: "yes" } }],
    ["no rate_limits at all", {}],
    ["empty rate_limits", { rate_limits: {} }],
  ])("emits nothing for an unparseable or empty codex.rate_limits (%s)", async (_, body) => {
    const { events, error } = await run([
      sseFrame({ type: "codex.rate_limits", ...body }),
      completedFrame(),
    ]);
    expect(error).toBeUndefined();
    expect(types(events)).toEqual(["completed"]);
  });

  it.each([
    ["response.completed", { id: "resp_9" }, "resp_9"],
    ["response.done", { id: "resp_8" }, "resp_8"],
    ["response.done", undefined, ""],
  ] as const)(
    "%s ends the stream at once; later bytes are ignored and the socket is closed",
    async (type, response, id) => {
      const usage = {
        input_tokens: 10,
        input_tokens_details: null,
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 2 },
        total_tokens: 15,
      };
      fakeTimeouts(); // the clock stands still: the stream cannot wait for a timer to end
      const { events, error, server } = await run(
        [
          created(),
          sseFrame({ type, ...(response ? { response: { ...response, usage } } : {}) }),
          "event: response.output_text.delta\ndata: {not json\n\n",
          sseFrame({ type: "response.output_item.done", item: message("late") }),
        ],
        { end: false },
      );
      expect(error).toBeUndefined();
      expect(events).toEqual([
        { type: "created" },
        {
          type: "completed",
          responseId: id,
          ...(response
            ? {
                tokenUsage: {
                  inputTokens: 10,
                  cachedInputTokens: 0,
                  outputTokens: 5,
                  reasoningOutputTokens: 2,
                  totalTokens: 15,
                },
              }
            : {}),
        },
      ]);
      vi.advanceTimersByTime(100); // the cut-off for a body that stays open after the last event
      vi.useRealTimers();
      await server.requestSocketsClosed(1000);
    },
  );

  it("drops an unknown type, or yields it as raw with includeRawEvents", async () => {
    const unknown = { type: "response.new_tool_event", detail: { a: [1, 2] } };
    const frames = [
      created(),
      sseFrame(unknown),
      sseFrame({ type: "response.in_progress" }),
      completedFrame(),
    ];
    const plain = await run(frames);
    expect(types(plain.events)).toEqual(["created", "completed"]);
    const raw = await run(frames, { options: { includeRawEvents: true } });
    expect(raw.events).toEqual([
      { type: "created" },
      { type: "raw", event: unknown },
      { type: "raw", event: { type: "response.in_progress" } },
      { type: "completed", responseId: "resp_1" },
    ]);
  });
});
