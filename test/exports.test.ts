// The root export is a deliberate list: this test pins it (types included), so adding or removing a
// name is a visible API decision. Wire types live behind the one `wire` namespace.
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as root from "../src/index.js";

const ROOT_EXPORTS = [
  "AbortError",
  "AuthError",
  "AuthProvider",
  "CallOptions",
  "ClientOptions",
  "CodexApiError",
  "CodexClient",
  "CollectedResponse",
  "CompactRequest",
  "CompactResource",
  "CompactionInput",
  "Compression",
  "ContextWindowExceededError",
  "Credits",
  "Endpoint",
  "ErrorDetails",
  "FunctionCall",
  "FunctionCallItem",
  "FunctionCallOutputItem",
  "HeaderSource",
  "IncompleteResponseError",
  "InputItemsOptions",
  "InputTokens",
  "InputTokensRequest",
  "InvalidRequestError",
  "InvalidResponseError",
  "JsonCall",
  "Logger",
  "MemoriesResource",
  "MemorySummarizeInput",
  "MemorySummarizeOutput",
  "ModelInfo",
  "ModelsList",
  "ModelsListOptions",
  "ModelsResource",
  "ProviderConfig",
  "ProviderLimits",
  "QuotaExceededError",
  "RateLimitError",
  "RateLimitFamily",
  "RateLimitSnapshot",
  "RateLimitWindow",
  "RawMemory",
  "RequestTelemetry",
  "RequestTimeoutError",
  "ResponseEvent",
  "ResponseItem",
  "ResponseStream",
  "ResponsesApiRequest",
  "ResponsesOptions",
  "ResponsesRequest",
  "RetrieveOptions",
  "StoredResponsesResource",
  "ResponsesResource",
  "RetryConfig",
  "RetryTelemetry",
  "ResumeStreamOptions",
  "ResumeTelemetry",
  "RetryableStreamError",
  "ServerError",
  "ServerOverloadedError",
  "SseEventTelemetry",
  "StreamError",
  "StreamIdleTimeoutError",
  "Telemetry",
  "TokenUsage",
  "TransportError",
  "TurnState",
  "UsageLimitReachedError",
  "UsageNotIncludedError",
  "VERSION",
  "WithResponse",
  "createClient",
  "functionCallOutput",
  "parseRateLimits",
  "providers",
  "wire",
];

/** Every name `src/index.ts` exports, types included, as the compiler sees them. */
function exportedNames(): string[] {
  const file = new URL("../src/index.ts", import.meta.url).pathname;
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker
    .getExportsOfModule(symbol)
    .map((s) => s.getName())
    .sort();
}

describe("the root export", () => {
  const names = exportedNames();

  // 60 until the agent-loop helpers and the named resource types (every type the API reference
  // mentions is exported, so the docs link it); 77 with the stored operations' InputTokens types.
  it("is exactly the pinned list, at most 77 names", () => {
    expect(names).toEqual([...ROOT_EXPORTS].sort());
    expect(names.length).toBeLessThanOrEqual(77);
  });

  it("exports at run time exactly the value names of that list", () => {
    const values = Object.keys(root).sort();
    expect(values.every((name) => ROOT_EXPORTS.includes(name))).toBe(true);
    expect(values).toContain("createClient");
    expect(values).not.toContain("wire"); // a type-only namespace
  });

  it("keeps generator internals out of the root", () => {
    for (const internal of ["paths", "components", "operations", "webhooks", "$defs", "urlFor"]) {
      expect(names).not.toContain(internal);
    }
  });
});
