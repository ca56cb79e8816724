// POST /responses/compact: a history goes in, a compacted history comes out.
import type { CompactionInput, ResponseItem } from "../generated/openapi.js";
import { compactResponses } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import {
  expectShape,
  isObjectWithType,
  jsonCall,
  jsonCallInit,
  type CallOptions,
  type JsonCall,
} from "./json-reply.js";

/** `client.compact`: POST /responses/compact. */
export interface CompactResource {
  /** The compacted history (`output` of the reply). */
  compactInput(input: CompactionInput, options?: CallOptions): JsonCall<ResponseItem[]>;
}

/** Builds `client.compact`. */
export function compactResource(endpoints: Endpoints): CompactResource {
  return {
    /** The compacted history (`output` of the reply). */
    compactInput(input: CompactionInput, options: CallOptions = {}): JsonCall<ResponseItem[]> {
      return jsonCall(async () => {
        const { data, response } = await compactResponses(
          endpoints.transport.sender("compact"),
          { model: input.model, input: input.input, instructions: input.instructions },
          jsonCallInit(endpoints, options),
        );
        const output = (data as { output?: unknown } | undefined)?.output;
        const ok = Array.isArray(output) && output.every(isObjectWithType);
        expectShape(ok, { what: "compact", data, response, scrubber: endpoints.scrubber });
        return { data: output as ResponseItem[], response };
      });
    },
  };
}
