// GET /models: the models this client may offer, and the ETag that names the list. A stream's
// `modelsEtag` event that differs from the listed `etag` says the list changed (README "Models").
import type { ModelInfo } from "../generated/openapi.js";
import { listModels } from "../generated/client.js";
import type { Endpoints } from "./context.js";
import { isObject } from "../util.js";
import { STRING_RULE } from "./call-options.js";
import { expectShape, jsonCall, type CallOptions } from "./json-reply.js";

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
}

/** `client.models`: GET /models. */
export function modelsResource(endpoints: Endpoints) {
  return {
    /** The model list and its ETag. */
    async list(options?: ModelsListOptions): Promise<ModelsList> {
      const {
        send,
        init,
        options: checked,
      } = jsonCall(endpoints, "models", "models.list", options, {
        clientVersion: STRING_RULE,
      });
      const query = { client_version: checked.clientVersion };
      const { data, response } = await listModels(send, { ...init, query });
      const ok =
        isObject(data) &&
        Array.isArray(data.models) &&
        data.models.every((m) => isObject(m) && typeof m.slug === "string");
      expectShape(ok, { what: "models", data, response, scrubber: endpoints.scrubber });
      const etag = response.headers.get("etag");
      return { models: data.models, ...(etag === null ? {} : { etag }) };
    },
  };
}
