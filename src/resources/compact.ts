// POST /responses/compact: a history goes in, a compacted history comes out.
import type { CompactionInput, ResponseItem } from "../generated/openapi.js";
import { compactResponses } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { isObject } from "../util.js";
import { expectShape, isObjectWithType, jsonCallInit, type CallOptions } from "./json-reply.js";

/** `client.compact`: POST /responses/compact. */
export function compactResource(endpoints: Endpoints) {
  return {
    /** The compacted history (`output` of the reply). */
    async compactInput(input: CompactionInput, options: CallOptions = {}): Promise<ResponseItem[]> {
      const { data, response } = await compactResponses(
        endpoints.transport.sender("compact"),
        { model: input.model, input: input.input, instructions: input.instructions },
        jsonCallInit(endpoints, options),
      );
      // `data` is typed as documented but not yet checked: the check makes the type true.
      const ok =
        isObject(data) && Array.isArray(data.output) && data.output.every(isObjectWithType);
      expectShape(ok, { what: "compact", data, response, scrubber: endpoints.scrubber });
      return data.output;
    },
  };
}
