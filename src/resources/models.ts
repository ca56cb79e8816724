// GET /models: the models this client may offer, and the ETag that names the list. A stream's
// `modelsEtag` event that differs from the listed `etag` says the list changed (README "Models").
import type { ModelInfo } from "../generated/openapi.js";
import { listModels } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { isObject } from "../util.js";
import { STRING_RULE } from "./call-options.js";
import { expectShape, jsonCall, withReply, type CallOptions, type JsonCall } from "./json-reply.js";

export type { ModelInfo };

/** The options of `client.models.list(options)`. */
export interface ModelsListOptions extends CallOptions {
  /** Sent as the `client_version` query parameter (Codex sends MAJOR.MINOR.PATCH); default: none. */
  clientVersion?: string;
}

/** What `client.models.list()` resolves with. */
export interface ModelsList {
  /** In wire shape, in the server's order; keys the schema does not type are kept. */
  models: ModelInfo[];
  /** The reply's `ETag` as sent, quotes included: compare it with a stream's `modelsEtag`. */
  etag?: string;
  /**
   * Set when the server answered 304 to an `If-None-Match` the caller sent in `headers`: the list
   * the caller holds for that ETag is current, and `models` is empty (`etag` is the reply's, if any).
   */
  notModified?: true;
}

/** `client.models`: GET /models. */
export interface ModelsResource {
  /** The model list and its ETag. */
  list(options?: ModelsListOptions): JsonCall<ModelsList>;
}

/** Builds `client.models`. */
export function modelsResource(endpoints: Endpoints): ModelsResource {
  return {
    list(options) {
      return withReply(async () => {
        const rules = { clientVersion: STRING_RULE };
        const call = jsonCall(endpoints, "models", "models.list", options, rules);
        const query = { client_version: call.options.clientVersion };
        const { data, response } = await listModels(call.send, { ...call.init, query });
        const etag = response.headers.get("etag");
        const tag = etag === null ? {} : { etag };
        // 304 answers If-None-Match: the list the caller holds is current.
        if (response.status === 304)
          return { data: { models: [], notModified: true, ...tag }, response };
        const ok =
          isObject(data) &&
          Array.isArray(data.models) &&
          data.models.every((m) => isObject(m) && typeof m.slug === "string");
        expectShape(ok, { what: "models", data, response, scrubber: endpoints.scrubber });
        return { data: { models: data.models, ...tag }, response };
      });
    },
  };
}
