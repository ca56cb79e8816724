// POST /memories/trace_summarize: raw memories go in (as `traces` on the wire), summaries come out.
import type { Reasoning, RawMemory } from "../generated/openapi.js";
import { summarizeMemories } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { isObject } from "../util.js";
import {
  expectShape,
  jsonCall,
  jsonCallInit,
  type CallOptions,
  type JsonCall,
} from "./json-reply.js";

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

function toOutput(value: unknown): MemorySummarizeOutput | undefined {
  if (!isObject(value)) return undefined;
  const traceSummary = value["trace_summary"] ?? value["raw_memory"];
  const memorySummary = value["memory_summary"];
  if (typeof traceSummary !== "string" || typeof memorySummary !== "string") return undefined;
  return { traceSummary, memorySummary };
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
    /** One summary per raw memory, in order. */
    summarizeInput(
      input: MemorySummarizeInput,
      options: CallOptions = {},
    ): JsonCall<MemorySummarizeOutput[]> {
      return jsonCall(async () => {
        const { data, response } = await summarizeMemories(
          endpoints.transport.sender("memories"),
          {
            model: input.model,
            traces: input.rawMemories,
            ...(input.reasoning === undefined ? {} : { reasoning: input.reasoning }),
          },
          jsonCallInit(endpoints, options),
        );
        const raw = (data as { output?: unknown } | undefined)?.output;
        const outputs = Array.isArray(raw) ? raw.map(toOutput) : [undefined];
        const ok = outputs.every((o) => o !== undefined);
        expectShape(ok, { what: "memories", data, response, scrubber: endpoints.scrubber });
        return { data: outputs as MemorySummarizeOutput[], response };
      });
    },
  };
}
