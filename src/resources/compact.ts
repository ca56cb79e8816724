// POST /responses/compact: a history goes in, a compacted history comes out.
import type { CompactionInput, ResponseItem } from "../generated/openapi.js";
import { compactResponses } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { checkInput } from "./call-options.js";
import { expectShape, isObjectWithType, jsonCall, type CallOptions } from "./json-reply.js";

/** What `compactInput` takes: the wire fields, `input` also a string (one user message). */
export type CompactRequest = Omit<CompactionInput, "input"> & { input: ResponseItem[] | string };

/** `client.compact`: POST /responses/compact. */
export function compactResource(endpoints: Endpoints) {
  return {
    /** The compacted history (`output` of the reply). */
    async compactInput(input: CompactRequest, options?: CallOptions): Promise<ResponseItem[]> {
      const where = "compact.compactInput";
      const items = checkInput(where, input);
      const { send, init } = jsonCall(endpoints, "compact", where, options);
      const body = { model: input.model, input: items, instructions: input.instructions };
      const { data, response } = await compactResponses(send, body, init);
      const output = (data as { output?: unknown } | undefined)?.output;
      const ok = Array.isArray(output) && output.every(isObjectWithType);
      expectShape(ok, { what: "compact", data, response, scrubber: endpoints.scrubber });
      return output as ResponseItem[];
    },
  };
}
