// What `collect()` returns, built from the events of a stream as they are read from the reply
// (whether a loop or `collect()` then hands them out), so a loop can print deltas and still collect.
import type { ResponseItem } from "../generated/openapi.js";
import type { FunctionCall } from "../function-calls.js";
import type { ResponseEvent, TokenUsage } from "./events.js";
import type { StreamObserver } from "./event-reader.js";
import type { RateLimitSnapshot } from "../rate-limits.js";

/** What `collect()` resolves to. */
export interface CollectedResponse {
  responseId: string;
  /** Every `outputItemDone` item, in order. */
  items: ResponseItem[];
  /** The `function_call` items among `items`, camelCased (empty when the model called no tool). */
  functionCalls: FunctionCall[];
  /**
   * The output text: the `output_text` parts of the message items, joined (what the text deltas
   * spelled out, without keeping every delta of a long stream in memory).
   */
  text: string;
  tokenUsage?: TokenUsage;
  /** The last snapshot seen (headers or `codex.rate_limits`). */
  rateLimits?: RateLimitSnapshot;
}

/**
 * Accumulates a stream's events; `completed` tells whether `response.completed` was among them,
 * `failure` holds the error that ended the stream.
 */
export class Collector implements StreamObserver {
  readonly items: ResponseItem[] = [];
  responseId = "";
  tokenUsage: TokenUsage | undefined;
  completed = false;
  rateLimits: RateLimitSnapshot | undefined;
  failure: unknown;

  /** Records one event (the reader calls it as it maps each). */
  add(event: ResponseEvent): void {
    if (event.type === "outputItemDone") this.items.push(event.item);
    else if (event.type === "rateLimits") this.rateLimits = event.snapshot;
    else if (event.type === "completed") {
      this.completed = true;
      this.responseId = event.responseId;
      this.tokenUsage = event.tokenUsage;
    }
  }

  /** Records the error that ended the stream (the first one). */
  failed(error: unknown): void {
    this.failure ??= error;
  }
}
