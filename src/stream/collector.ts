// What `collect()` returns, built from the events a stream delivers: it watches them as they are
// handed out (to a loop or to `collect()` itself), so a loop can print deltas and still collect.
import type { ResponseItem } from "../generated/openapi.js";
import { functionCallsOf, type FunctionCall } from "../function-calls.js";
import type { ResponseEvent, TokenUsage } from "./events.js";
import type { RateLimitSnapshot } from "./rate-limits.js";

/** What `collect()` resolves to. */
export interface CollectedResponse {
  responseId: string;
  /** Every `outputItemDone` item, in order. */
  items: ResponseItem[];
  /** The `function_call` items among `items`, camelCased (empty when the model called no tool). */
  functionCalls: FunctionCall[];
  /** The output text deltas, joined. */
  text: string;
  tokenUsage?: TokenUsage;
  /** The last snapshot seen (headers or `codex.rate_limits`). */
  rateLimits?: RateLimitSnapshot;
}

/** Accumulates delivered events; `completed` tells whether `response.completed` was among them. */
export class Collector {
  readonly items: ResponseItem[] = [];
  text = "";
  responseId = "";
  tokenUsage: TokenUsage | undefined;
  completed = false;
  rateLimits: RateLimitSnapshot | undefined;

  /** `rateLimits`: the snapshot of the reply's headers, if any. */
  constructor(rateLimits: RateLimitSnapshot | undefined) {
    this.rateLimits = rateLimits;
  }

  /** Records one delivered event (the stream's iterator calls it for each). */
  add(event: ResponseEvent): void {
    if (event.type === "outputTextDelta") this.text += event.delta;
    else if (event.type === "outputItemDone") this.items.push(event.item);
    else if (event.type === "rateLimits") this.rateLimits = event.snapshot;
    else if (event.type === "completed") {
      this.completed = true;
      this.responseId = event.responseId;
      this.tokenUsage = event.tokenUsage;
    }
  }

  /** The result so far. */
  result(): CollectedResponse {
    const { items, text, responseId, tokenUsage, rateLimits } = this;
    return {
      responseId,
      items,
      functionCalls: functionCallsOf(items),
      text,
      ...(tokenUsage ? { tokenUsage } : {}),
      ...(rateLimits ? { rateLimits } : {}),
    };
  }
}
