// POST /responses/compact: a history goes in, a compacted history comes out.
import type { CompactionInput, ResponseItem } from "../generated/openapi.js";
import { compactResponses } from "../generated/client.js";
import type { Endpoints } from "./endpoints.js";
import { mergeHeaders, USER_AGENT } from "./headers.js";
import { expectShape, isObjectWithType } from "./json-reply.js";

export interface CallOptions {
  signal?: AbortSignal;
}

export function compactResource(endpoints: Endpoints) {
  return {
    /** The compacted history (`output` of the reply). */
    async compactInput(
      input: CompactionInput,
      extraHeaders?: Record<string, string>,
      options: CallOptions = {},
    ): Promise<ResponseItem[]> {
      const { data, response } = await compactResponses(
        endpoints.base,
        { model: input.model, input: input.input, instructions: input.instructions },
        {
          headers: mergeHeaders(
            endpoints.provider.headers,
            { "User-Agent": USER_AGENT },
            extraHeaders,
          ),
          ...(options.signal ? { signal: options.signal } : {}),
          fetch: endpoints.transport.fetchFor({
            endpoint: "compact",
            stream: false,
            ...(options.signal ? { signal: options.signal } : {}),
          }),
        },
      );
      const output = (data as { output?: unknown } | undefined)?.output;
      expectShape(
        Array.isArray(output) && output.every(isObjectWithType),
        "compact",
        data,
        response,
      );
      return output as ResponseItem[];
    },
  };
}
