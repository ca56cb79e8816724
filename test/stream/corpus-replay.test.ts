// client.responses.stream() replays every recorded stream of test/corpus/responses-streams, cut
// into uneven chunks: the mapped events in order, items, deltas, usage and the terminal error.
import { describe, expect, it } from "vitest";
import {
  CodexApiError,
  QuotaExceededError,
  RateLimitError,
  RetryableStreamError,
  type ResponseEvent,
  type ResponseItem,
  type TokenUsage,
} from "../../src/index.js";
import { corpusStreams } from "../helpers/corpus.js";
import { sseFrame } from "../helpers/server.js";
import { types, expectError, streamKit } from "./kit.js";

const { run } = streamKit();

const MAPPED: Record<string, ResponseEvent["type"]> = {
  "response.created": "created",
  "response.output_item.added": "outputItemAdded",
  "response.output_item.done": "outputItemDone",
  "response.output_text.delta": "outputTextDelta",
  "response.reasoning_summary_text.delta": "reasoningSummaryDelta",
  "response.reasoning_text.delta": "reasoningContentDelta",
  "response.reasoning_summary_part.added": "reasoningSummaryPartAdded",
  "response.function_call_arguments.delta": "functionCallArgumentsDelta",
  "response.function_call_arguments.done": "functionCallArgumentsDone",
  "codex.rate_limits": "rateLimits",
  "response.completed": "completed",
  "response.done": "completed",
};
const TERMINAL = new Set([
  "response.completed",
  "response.done",
  "response.failed",
  "response.incomplete",
  "error",
]);
// Per the corpus README, the deltas of these files do not add up to the done text.
const INCONSISTENT_DELTAS = new Set([
  "openai-phase.1.chunks.txt",
  "azure-gpt5-reasoning-multi-summary-with-encryption.chunks.txt",
  "openai-shell-container.1.chunks.txt",
]);
const ERROR_STREAMS: Record<string, abstract new (...args: never[]) => CodexApiError> = {
  "openai-error.1.chunks.txt": QuotaExceededError,
  "openai-error-null-code.1.chunks.txt": RetryableStreamError,
  "openai-error-null-code.chunks.txt": RetryableStreamError,
  "openai-response-failed-only.1.chunks.txt": RateLimitError,
};

type Json = Record<string, unknown>;

function usageOf(usage: Json): TokenUsage {
  const input = (usage["input_tokens_details"] ?? {}) as Json;
  const output = (usage["output_tokens_details"] ?? {}) as Json;
  return {
    inputTokens: usage["input_tokens"] as number,
    cachedInputTokens: (input["cached_tokens"] as number | undefined) ?? 0,
    outputTokens: usage["output_tokens"] as number,
    reasoningOutputTokens: (output["reasoning_tokens"] as number | undefined) ?? 0,
    totalTokens: usage["total_tokens"] as number,
  };
}

/** The body cut into chunks of uneven sizes (so UTF-8 sequences and frames split across reads). */
function unevenChunks(body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = 1 + ((i * 7919) % 1499);
    chunks.push(body.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function outputText(item: ResponseItem): string {
  const content = (item as { content?: { type: string; text?: string }[] }).content ?? [];
  return content
    .filter((c) => c.type === "output_text")
    .map((c) => c.text ?? "")
    .join("");
}

describe("corpus replay", () => {
  const streams = corpusStreams();

  it("has the recorded streams", () => {
    expect(streams.length).toBe(25);
  });

  it.each(streams.map((s) => [s.name, s.lines] as const))("%s", async (name, lines) => {
    const payloads = lines.map((l) => JSON.parse(l) as Json);
    const end = payloads.findIndex((p) => TERMINAL.has(p["type"] as string));
    expect(end).toBeGreaterThanOrEqual(0);
    const read = payloads.slice(0, end + 1);
    const terminal = read[end]!;

    const body = Buffer.from(lines.map((l) => sseFrame(l)).join(""), "utf8");
    const { events, error } = await run(unevenChunks(body));

    // Every mapped wire event, in order, and nothing else.
    const expectedTypes = read
      .map((p) => MAPPED[p["type"] as string])
      .filter((t): t is ResponseEvent["type"] => t !== undefined);
    expect(types(events)).toEqual(expectedTypes);

    // Items arrive as outputItemDone, equal to the wire item.
    const doneLines = read.filter((p) => p["type"] === "response.output_item.done");
    const doneEvents = events.filter((e) => e.type === "outputItemDone");
    expect(doneEvents.map((e) => e.item)).toEqual(doneLines.map((p) => p["item"]));

    // Deltas: each delta as sent; those since the previous item make up a message's text.
    const wireDeltas = read.filter((p) => p["type"] === "response.output_text.delta");
    expect(events.flatMap((e) => (e.type === "outputTextDelta" ? [e.delta] : []))).toEqual(
      wireDeltas.map((p) => p["delta"]),
    );
    let pending = "";
    let checked = 0;
    for (const event of events) {
      if (event.type === "outputTextDelta") pending += event.delta;
      if (event.type !== "outputItemDone") continue;
      if (event.item.type === "message" && pending !== "" && !INCONSISTENT_DELTAS.has(name)) {
        expect(pending).toBe(outputText(event.item));
        checked++;
      }
      pending = "";
    }
    if (wireDeltas.length > 0 && !INCONSISTENT_DELTAS.has(name)) {
      expect(checked).toBeGreaterThan(0);
    }

    const type = terminal["type"] as string;
    if (type === "response.completed" || type === "response.done") {
      expect(error).toBeUndefined();
      const response = terminal["response"] as Json;
      const last = events.at(-1);
      expect(last?.type).toBe("completed");
      expect(events.filter((e) => e.type === "completed")).toHaveLength(1);
      const usage = response["usage"] as Json | undefined | null;
      expect(last).toEqual({
        type: "completed",
        responseId: response["id"],
        ...(usage ? { tokenUsage: usageOf(usage) } : {}),
      });
    } else {
      const cls = ERROR_STREAMS[name];
      expect(cls, `an expected error class for ${name}`).toBeDefined();
      const err = expectError(error, cls!);
      const wire = (
        type === "error" ? terminal["error"] : (terminal["response"] as Json)["error"]
      ) as Json;
      expect(err.message).toContain(wire["message"] as string);
      if (err instanceof RateLimitError) {
        const m = /try again in\s*(\d+(?:\.\d+)?)\s*(ms|s|seconds)/i.exec(
          wire["message"] as string,
        );
        if (m) expect(err.retryAfterMs).toBeGreaterThan(0);
        else expect(err.retryAfterMs).toBeUndefined();
      }
    }
  });

  it("with includeRawEvents, every unmapped payload of every stream comes as raw, in order", async () => {
    for (const { name, lines } of streams) {
      const payloads = lines.map((l) => JSON.parse(l) as Json);
      const end = payloads.findIndex((p) => TERMINAL.has(p["type"] as string));
      const expected = payloads
        .slice(0, end)
        .map((p) => MAPPED[p["type"] as string] ?? { type: "raw", event: p });
      const { events } = await run([lines.map((l) => sseFrame(l)).join("")], {
        options: { includeRawEvents: true },
      });
      const got = events.slice(0, expected.length).map((e) => (e.type === "raw" ? e : e.type));
      expect(got, name).toEqual(expected);
    }
  });

  it("stops at the first response.completed of the multi-response file", async () => {
    const { lines } = streams.find(
      (s) => s.name === "openai-reasoning-encrypted-content.1.chunks.txt",
    )!;
    const payloads = lines.map((l) => JSON.parse(l) as Json);
    const completedAt = payloads
      .map((p, i) => (p["type"] === "response.completed" ? i : -1))
      .filter((i) => i >= 0);
    expect(completedAt).toHaveLength(4);
    const first = payloads[completedAt[0]!]!;

    const { events, error } = await run(lines.map((l) => sseFrame(l)));
    expect(error).toBeUndefined();
    const completions = events.filter((e) => e.type === "completed");
    expect(completions).toHaveLength(1);
    expect(completions[0]).toMatchObject({
      responseId: (first["response"] as Json)["id"],
    });
    expect(events.at(-1)?.type).toBe("completed");
    expect(events.filter((e) => e.type === "created")).toHaveLength(1);
    const itemsBefore = payloads
      .slice(0, completedAt[0])
      .filter((p) => p["type"] === "response.output_item.done").length;
    expect(events.filter((e) => e.type === "outputItemDone")).toHaveLength(itemsBefore);
  });
});
