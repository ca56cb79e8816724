// The result of `collect()`, assembled from what a Collector (./collector.ts) kept; loaded by the
// first `collect()`, so an app that only iterates does not carry it.
import type { ResponseItem } from "../generated/openapi.js";
import { functionCallsOf } from "../function-calls.js";
import type { CollectedResponse, Collector } from "./collector.js";

/** The text of the `output_text` parts of the message items, joined. */
function outputText(items: ResponseItem[]): string {
  let text = "";
  for (const item of items) {
    if (item.type !== "message" || !Array.isArray(item.content)) continue;
    for (const part of item.content) if (part.type === "output_text") text += part.text;
  }
  return text;
}

/** What `collect()` resolves to, from what `collector` kept. */
export function collected(collector: Collector): CollectedResponse {
  const { items, responseId, tokenUsage, rateLimits } = collector;
  return {
    responseId,
    items,
    functionCalls: functionCallsOf(items),
    text: outputText(items),
    ...(tokenUsage ? { tokenUsage } : {}),
    ...(rateLimits ? { rateLimits } : {}),
  };
}
