// POST /memories/trace_summarize: raw memories go in (as `traces` on the wire), summaries come out.
import type { Reasoning, RawMemory } from "../generated/openapi.js";
import { summarizeMemories } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { isObject } from "../util.js";
import { optionError } from "../options.js";
import { checkModel } from "./call-options.js";
import { expectShape, jsonCall, withReply, type CallOptions, type JsonCall } from "./json-reply.js";

export type { RawMemory };

/** What `summarizeInput` takes; `rawMemories` is sent as `traces`. */
export interface MemorySummarizeInput {
  model: string;
  rawMemories: RawMemory[];
  reasoning?: Reasoning;
}

/** One summary per raw memory. */
export interface MemorySummarizeOutput {
  /** `trace_summary` on the wire (`raw_memory` from older servers). */
  traceSummary: string;
  memorySummary: string;
}

/** The summary of one output entry; entries without both strings are left out. */
function toOutput(value: unknown): MemorySummarizeOutput[] {
  if (!isObject(value)) return [];
  const traceSummary = value["trace_summary"] ?? value["raw_memory"];
  const memorySummary = value["memory_summary"];
  if (typeof traceSummary !== "string" || typeof memorySummary !== "string") return [];
  return [{ traceSummary, memorySummary }];
}

/** `client.memories`: POST /memories/trace_summarize. */
export interface MemoriesResource {
  /** One summary per raw memory, in order. */
  summarizeInput(
    input: MemorySummarizeInput,
    options?: CallOptions,
  ): JsonCall<MemorySummarizeOutput[]>;
}

/** Builds `client.memories`. */
export function memoriesResource(endpoints: Endpoints): MemoriesResource {
  return {
    summarizeInput(input, options) {
      return withReply(async () => {
        const where = "memories.summarizeInput";
        checkModel(where, input);
        if (!Array.isArray(input.rawMemories)) {
          throw optionError(where, "request.rawMemories", "an array", input.rawMemories);
        }
        const { send, init } = jsonCall(endpoints, "memories", where, options);
        const body = {
          model: input.model,
          traces: input.rawMemories,
          ...(input.reasoning === undefined ? {} : { reasoning: input.reasoning }),
        };
        const { data, response } = await summarizeMemories(send, body, init);
        const list = isObject(data) && Array.isArray(data.output) ? data.output : undefined;
        const outputs = list?.flatMap(toOutput) ?? [];
        const ok = list !== undefined && outputs.length === list.length;
        expectShape(ok, { what: "memories", data, response, scrubber: endpoints.scrubber });
        return { data: outputs, response };
      });
    },
  };
}
