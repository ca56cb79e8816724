// POST /responses/compact: a history goes in, a compacted history comes out.
import type { CompactionInput, ResponseItem } from "../generated/openapi.js";
import { compactResponses } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { isObject } from "../util.js";
import { checkInput } from "./call-options.js";
import {
  expectShape,
  isObjectWithType,
  jsonCall,
  withReply,
  type CallOptions,
  type JsonCall,
} from "./json-reply.js";

/** What `compactInput` takes: the wire fields, `input` also a string (one user message). */
export type CompactRequest = Omit<CompactionInput, "input"> & { input: ResponseItem[] | string };

/** `client.compact`: POST /responses/compact. */
export interface CompactResource {
  /** The compacted history (`output` of the reply). */
  compactInput(input: CompactRequest, options?: CallOptions): JsonCall<ResponseItem[]>;
}

/** Builds `client.compact`. */
export function compactResource(endpoints: Endpoints): CompactResource {
  return {
    compactInput(input, options) {
      return withReply(async () => {
        const where = "compact.compactInput";
        const items = checkInput(where, input);
        const { send, init } = jsonCall(endpoints, "compact", where, options);
        const body = { model: input.model, input: items, instructions: input.instructions };
        const { data, response } = await compactResponses(send, body, init);
        // `data` is typed as documented but not yet checked: the check makes the type true.
        const ok =
          isObject(data) && Array.isArray(data.output) && data.output.every(isObjectWithType);
        expectShape(ok, { what: "compact", data, response, scrubber: endpoints.scrubber });
        return { data: data.output, response };
      });
    },
  };
}
